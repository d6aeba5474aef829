"""The employer's monthly contribution declaration (tờ khai điều chỉnh lao động, mẫu D02-LT) and
what each of its lines did to the book, so that a resubmission can undo it exactly."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.contribution_rules import EMPLOYER_SCHEMES, OPENING, LineKind, LineOutcome
from db.enums import WageRegion
from db.models.base import Base, enum_check

_OPENING = ", ".join(f"'{k.value}'" for k in sorted(OPENING))
_SCHEMES = ", ".join(f"'{s.value}'" for s in sorted(EMPLOYER_SCHEMES))


class ContributionDeclaration(Base):
    """One employer's declaration for one month. A resubmission for the same month replaces it:
    the replaced one stays, with `replaced_at`, and the new one names it in `replaces_id`."""

    __tablename__ = "contribution_declaration"
    __table_args__ = (
        CheckConstraint("extract(day FROM month) = 1", name="month_first_day"),
        CheckConstraint(enum_check("wage_region", WageRegion), name="wage_region"),
        # One declaration in force per employer and month; the latest month is the greatest.
        Index(
            "uq_contribution_declaration_employer_id_month",
            "employer_id",
            "month",
            unique=True,
            postgresql_where=text("replaced_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id"))
    month: Mapped[date] = mapped_column(Date)
    wage_region: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    submitted_by: Mapped[str] = mapped_column(Text)
    """The employer's user (the token's subject)."""
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("contribution_declaration.id"), unique=True
    )
    replaced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ContributionDeclarationLine(Base):
    """One employee's line: what was declared, and what it did to the person's contribution
    periods (the rows it opened, closed at the month before, or removed because they would have
    started in the month), which is what undoing it needs."""

    __tablename__ = "contribution_declaration_line"
    __table_args__ = (
        CheckConstraint(enum_check("kind", LineKind), name="kind"),
        CheckConstraint(enum_check("outcome", LineOutcome), name="outcome"),
        CheckConstraint("line_number >= 0", name="line_number"),
        CheckConstraint(
            f"(kind IN ({_OPENING})) = (salary_vnd IS NOT NULL AND job_title IS NOT NULL"
            " AND schemes IS NOT NULL)",
            name="opening_terms",
        ),
        CheckConstraint("salary_vnd IS NULL OR salary_vnd > 0", name="salary_positive"),
        CheckConstraint(
            f"schemes IS NULL OR (cardinality(schemes) > 0 AND schemes <@ ARRAY[{_SCHEMES}])",
            name="schemes",
        ),
        CheckConstraint("jsonb_typeof(removed_periods) = 'array'", name="removed_periods"),
        Index("ix_contribution_declaration_line_declaration_id", "declaration_id", "line_number"),
    )

    # The person key leads the primary key (DESIGN.md: shard-ready); a person is on at most one
    # line of a declaration.
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("contribution_declaration.id"), primary_key=True
    )
    line_number: Mapped[int] = mapped_column(Integer)
    """The line's index in the submitted `lines` (0-based, as errors name it)."""
    kind: Mapped[str] = mapped_column(Text)
    salary_vnd: Mapped[int | None] = mapped_column(BigInteger)
    job_title: Mapped[str | None] = mapped_column(Text)
    schemes: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    outcome: Mapped[str] = mapped_column(Text)
    opened_period_ids: Mapped[list[int]] = mapped_column(
        ARRAY(BigInteger), server_default=text("'{}'")
    )
    closed_period_ids: Mapped[list[int]] = mapped_column(
        ARRAY(BigInteger), server_default=text("'{}'")
    )
    """Rows that were open and now end at the month before (undo: open again)."""
    removed_periods: Mapped[Any] = mapped_column(JSONB, server_default=text("'[]'"))
    """Rows that were open from the month itself, whole (undo: insert them again)."""

"""Unemployment insurance (BHTN) benefit decisions. BHTN contributions are contribution periods
with scheme UNEMPLOYMENT; reserved months are derived from both (graph layer)."""

from datetime import date

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.enums import WageRegion
from db.models.base import Base, enum_check


class UnemploymentBenefit(Base):
    """Quyết định hưởng trợ cấp thất nghiệp."""

    __tablename__ = "unemployment_benefit"
    __table_args__ = (
        CheckConstraint("contribution_months_counted >= 12", name="eligibility"),
        CheckConstraint("months_granted BETWEEN 3 AND 12", name="months_granted_range"),
        CheckConstraint("months_used BETWEEN 0 AND months_granted", name="months_used_range"),
        CheckConstraint("monthly_amount_vnd > 0", name="amount_positive"),
        Index("ix_unemployment_benefit_person_id_decided_on", "person_id", "decided_on", "id"),
        CheckConstraint(enum_check("wage_region", WageRegion), name="wage_region"),
        CheckConstraint("contract_ended_on <= filed_on", name="contract_ended_before_filing"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    decision_number: Mapped[str] = mapped_column(Text)
    filed_on: Mapped[date] = mapped_column(Date)
    decided_on: Mapped[date] = mapped_column(Date)
    starts_on: Mapped[date] = mapped_column(Date)
    contribution_months_counted: Mapped[int] = mapped_column(SmallInteger)
    months_granted: Mapped[int] = mapped_column(SmallInteger)
    months_used: Mapped[int] = mapped_column(SmallInteger)
    monthly_amount_vnd: Mapped[int] = mapped_column(BigInteger)
    # What the decision was computed from; NULL on decisions recorded before migration 0009.
    contract_ended_on: Mapped[date | None] = mapped_column(Date)
    wage_region: Mapped[str | None] = mapped_column(Text)
    # Raised by a trigger on every update; officers correct months used naming it.
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))

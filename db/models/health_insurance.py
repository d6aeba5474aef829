"""Health insurance (BHYT): cards with their history, and medical examination records."""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    SmallInteger,
    Text,
    UniqueConstraint,
    column,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.enums import CardEventKind, CardStatus, VisitType
from db.models.base import Base, enum_check

STATUS_EVENTS = (CardEventKind.LOCKED, CardEventKind.UNLOCKED, CardEventKind.REVOKED)
"""The events that change a card's officer state (health_insurance_card.status)."""
_STATUS_EVENTS_SQL = ", ".join(f"'{k.value}'" for k in STATUS_EVENTS)


class HealthInsuranceCard(Base):
    """One card issue (thẻ BHYT). Renewals are new rows; the 10-digit code is the holder's BHXH code.

    `status` is the officer's action state only: ACTIVE, TEMPORARILY_LOCKED or REVOKED (rows
    loaded before the write path may hold EXPIRED, which means no officer action). Whether a card
    has expired is never stored: every read derives the status from this state and the dates
    (db.queries.health_insurance.card_status); the events table keeps the history of the state."""

    __tablename__ = "health_insurance_card"
    __table_args__ = (
        CheckConstraint("code ~ '^[A-Z]{2}[1-5][0-9]{2}[0-9]{10}$'", name="code_format"),
        CheckConstraint("short_code ~ '^[0-9]{10}$'", name="short_code_format"),
        # The 15-character code spells out category, level, province and the 10-digit code.
        CheckConstraint(
            "substr(code, 1, 2) = category_code AND substr(code, 3, 1)::int = benefit_level"
            " AND substr(code, 4, 2) = province_code AND substr(code, 6) = short_code",
            name="code_parts",
        ),
        CheckConstraint("benefit_level BETWEEN 1 AND 5", name="benefit_level_range"),
        # The level the code spells out is the category's (db.identifiers._check_bhyt_parts).
        ForeignKeyConstraint(
            ["category_code", "benefit_level"],
            ["bhyt_category.code", "bhyt_category.benefit_level"],
        ),
        CheckConstraint("valid_to >= valid_from", name="validity_order"),
        CheckConstraint("continuous_cover_since <= valid_from", name="cover_since_before_start"),
        CheckConstraint(enum_check("status", CardStatus), name="status"),
        CheckConstraint(
            "(status IN ('REVOKED', 'TEMPORARILY_LOCKED')) = (status_reason IS NOT NULL)",
            name="status_reason_when_blocked",
        ),
        CheckConstraint("area_code IN ('K1', 'K2', 'K3')", name="area_code"),
        Index("ix_health_insurance_card_person_id_valid_from", "person_id", "valid_from", "id"),
        Index("ix_health_insurance_card_code_valid_from", "code", "valid_from"),
        Index("ix_health_insurance_card_short_code_valid_from", "short_code", "valid_from"),
        # The target of the person-keyed foreign keys of its events (DESIGN.md: shard-ready).
        UniqueConstraint("person_id", "id"),
        # A person holds at most one card that is not revoked for any day (migration 0008).
        ExcludeConstraint(
            (column("person_id"), "="),
            (func.daterange(column("valid_from"), column("valid_to"), text("'[]'")), "&&"),
            name="ex_health_insurance_card_no_overlap",
            using="gist",
            where=text("status <> 'REVOKED'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(Text)
    short_code: Mapped[str] = mapped_column(Text)
    category_code: Mapped[str] = mapped_column(Text)
    benefit_level: Mapped[int] = mapped_column(SmallInteger)
    province_code: Mapped[str] = mapped_column(ForeignKey("legacy_province.code"))
    area_code: Mapped[str | None] = mapped_column(Text)
    initial_facility_code: Mapped[str] = mapped_column(ForeignKey("health_facility.code"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    # The cover before this card that an officer recorded from paper records (migration 0012):
    # the only input of the five-year date besides the card history, which is derived when read
    # (db.queries.health_insurance.five_year_sql); nothing before the first card is assumed.
    continuous_cover_since: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text)
    status_reason: Mapped[str | None] = mapped_column(Text)
    # Raised by a trigger on every update; writers name the version they read (migration 0006).
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))


class MedicalVisit(Base):
    """A medical examination or treatment record (hồ sơ khám chữa bệnh BHYT)."""

    __tablename__ = "medical_visit"
    __table_args__ = (
        CheckConstraint(enum_check("visit_type", VisitType), name="visit_type"),
        CheckConstraint("icd10_code ~ '^[A-Z][0-9]{2}(\\.[0-9]{1,2})?$'", name="icd10_format"),
        CheckConstraint("discharged_at IS NULL OR discharged_at >= admitted_at", name="stay_order"),
        CheckConstraint(
            "total_cost_vnd >= 0 AND fund_paid_vnd >= 0 AND patient_paid_vnd >= 0"
            " AND fund_paid_vnd + patient_paid_vnd = total_cost_vnd",
            name="cost_split",
        ),
        Index("ix_medical_visit_person_id_admitted_at", "person_id", "admitted_at", "id"),
        Index("ix_medical_visit_facility_code_person_id", "facility_code", "person_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    card_id: Mapped[int | None] = mapped_column(ForeignKey("health_insurance_card.id"), index=True)
    facility_code: Mapped[str] = mapped_column(ForeignKey("health_facility.code"))
    admitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    discharged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    visit_type: Mapped[str] = mapped_column(Text)
    icd10_code: Mapped[str] = mapped_column(Text)
    diagnosis: Mapped[str] = mapped_column(Text)
    total_cost_vnd: Mapped[int] = mapped_column(BigInteger)
    fund_paid_vnd: Mapped[int] = mapped_column(BigInteger)
    patient_paid_vnd: Mapped[int] = mapped_column(BigInteger)
    # Raised by a trigger on every update; writers name the version they read (migration 0006).
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))


class HealthInsuranceCardEvent(Base):
    """What happened to a card (sự kiện thẻ): issued, renewed, initial facility changed, locked,
    unlocked, revoked; append-only (the runtime role may only INSERT). A status event keeps the
    officer state it ended (`status_before`), so the state at any past time is known: the
    `status_before` of the first status event after it, or the card's state when none came after.
    """

    __tablename__ = "health_insurance_card_event"
    __table_args__ = (
        CheckConstraint(enum_check("kind", CardEventKind), name="kind"),
        CheckConstraint(
            f"(kind IN ({_STATUS_EVENTS_SQL})) = (reason IS NOT NULL)", name="reason_when_status"
        ),
        CheckConstraint(
            f"(kind IN ({_STATUS_EVENTS_SQL})) = (status_before IS NOT NULL)",
            name="status_before_when_status",
        ),
        CheckConstraint("length(reason) BETWEEN 1 AND 500", name="reason_length"),
        CheckConstraint(
            "(kind = 'RENEWED') = (continues_card_id IS NOT NULL)", name="continues_when_renewed"
        ),
        # Through the person key (DESIGN.md): a card of another person cannot be named.
        ForeignKeyConstraint(
            ["card_id", "person_id"],
            ["health_insurance_card.id", "health_insurance_card.person_id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["continues_card_id", "person_id"],
            ["health_insurance_card.id", "health_insurance_card.person_id"],
            ondelete="CASCADE",
        ),
        Index("ix_health_insurance_card_event_card_id_at", "card_id", "at", "id"),
        Index("ix_health_insurance_card_event_continues_card_id", "continues_card_id"),
    )

    person_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    card_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    status_before: Mapped[str | None] = mapped_column(Text)
    continues_card_id: Mapped[int | None] = mapped_column(BigInteger)
    """RENEWED: the card this one continues."""
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

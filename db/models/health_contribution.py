"""BHYT contribution history (quá trình đóng BHYT): who paid for a person's cover, and how much."""

from datetime import date

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Identity,
    Index,
    PrimaryKeyConstraint,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.enums import HealthInsurancePayer
from db.models.base import Base, enum_check


class HealthInsuranceContribution(Base):
    """One payer's monthly contribution over a stretch of months. A month paid by two (employer
    and employee, state budget and student) has a row per payer. Shard-ready: the person key
    leads the primary key (DESIGN.md, "Growing past one machine")."""

    __tablename__ = "health_insurance_contribution"
    __table_args__ = (
        PrimaryKeyConstraint("person_id", "id"),
        CheckConstraint(enum_check("payer", HealthInsurancePayer), name="payer"),
        CheckConstraint("extract(day FROM from_month) = 1", name="from_month_first_day"),
        CheckConstraint("extract(day FROM to_month) = 1", name="to_month_first_day"),
        CheckConstraint("to_month IS NULL OR to_month >= from_month", name="month_order"),
        CheckConstraint("monthly_amount_vnd >= 0", name="amount_non_negative"),
        Index(
            "ix_health_insurance_contribution_person_id_from_month", "person_id", "from_month", "id"
        ),
    )

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    id: Mapped[int] = mapped_column(BigInteger, Identity())
    payer: Mapped[str] = mapped_column(Text)
    from_month: Mapped[date] = mapped_column(Date)
    to_month: Mapped[date | None] = mapped_column(Date)
    monthly_amount_vnd: Mapped[int] = mapped_column(BigInteger)

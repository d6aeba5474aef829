"""Social insurance (BHXH): the participant record, contribution periods per scheme, benefits."""

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Numeric,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.enums import (
    ARMED_FORCES,
    BenefitRegime,
    ContributionNote,
    LumpSumReason,
    ParticipantCategory,
    PaymentMethod,
    Scheme,
)
from db.models.base import Base, enum_check

NOTES = ", ".join(f"'{n.value}'" for n in ContributionNote)
ARMED_FORCES_LIST = ", ".join(f"'{c.value}'" for c in ARMED_FORCES)


class SocialInsurance(Base):
    """One per person holding a BHXH code (mã số BHXH), issued for life."""

    __tablename__ = "social_insurance"
    __table_args__ = (
        CheckConstraint("bhxh_code ~ '^[0-9]{10}$'", name="bhxh_code_format"),
        CheckConstraint(enum_check("participant_category", ParticipantCategory), name="category"),
        CheckConstraint(enum_check("payment_method", PaymentMethod), name="payment_method"),
        CheckConstraint("tax_code ~ '^[0-9]{10}([0-9]{2})?$'", name="tax_code_format"),
        # db.identifiers.validate_personal_tax_code: a 10-digit tax code, or the personal ID
        # (migration 0011; a trigger there refuses an ID whose birth year is in the future).
        CheckConstraint(
            "(is_valid_tax_code(tax_code) AND length(tax_code) = 10)"
            " OR is_valid_personal_id(tax_code)",
            name="tax_code_valid",
        ),
    )

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    bhxh_code: Mapped[str] = mapped_column(Text, unique=True)
    managing_unit_code: Mapped[str | None] = mapped_column(Text)
    office_code: Mapped[str] = mapped_column(ForeignKey("social_insurance_office.code"))
    participant_category: Mapped[str] = mapped_column(Text)
    payment_method: Mapped[str | None] = mapped_column(Text)
    tax_code: Mapped[str | None] = mapped_column(Text)
    # The book's cover (bìa sổ): the office that issued the book and when (migration 0010).
    issuing_office_code: Mapped[str | None] = mapped_column(
        ForeignKey("social_insurance_office.code")
    )
    issued_on: Mapped[date | None] = mapped_column(Date)


class ContributionPeriod(Base):
    """A row of the book's history table (quá trình đóng): a stretch with one unit, salary and rate."""

    __tablename__ = "contribution_period"
    __table_args__ = (
        CheckConstraint(enum_check("scheme", Scheme), name="scheme"),
        CheckConstraint("extract(day FROM from_month) = 1", name="from_month_first_day"),
        CheckConstraint("extract(day FROM to_month) = 1", name="to_month_first_day"),
        CheckConstraint("to_month IS NULL OR to_month >= from_month", name="month_order"),
        CheckConstraint(
            "salary_vnd IS NOT NULL OR salary_coefficient IS NOT NULL", name="salary_or_coefficient"
        ),
        CheckConstraint("salary_vnd IS NULL OR salary_vnd > 0", name="salary_positive"),
        CheckConstraint("rate_pct > 0 AND rate_pct <= 100", name="rate_range"),
        # Voluntary contributors have no employer; every other scheme is paid through one.
        CheckConstraint(
            "(scheme = 'VOLUNTARY_SOCIAL') = (employer_id IS NULL)", name="employer_by_scheme"
        ),
        Index("ix_contribution_period_person_id_from_month", "person_id", "from_month", "id"),
        Index("ix_contribution_period_employer_id_person_id", "employer_id", "person_id"),
        # Through the person key: a settlement and the rows it settled are the same person's.
        ForeignKeyConstraint(["person_id", "settled_by"], ["benefit.person_id", "benefit.id"]),
        CheckConstraint(f"notes <@ ARRAY[{NOTES}]::text[]", name="notes"),
        CheckConstraint(
            "(state_support_pct IS NULL) = (state_support_months IS NULL)"
            " AND (state_support_pct IS NULL OR scheme = 'VOLUNTARY_SOCIAL')",
            name="state_support_voluntary",
        ),
        CheckConstraint("state_support_pct BETWEEN 1 AND 100", name="state_support_pct_range"),
        CheckConstraint(
            "state_support_months BETWEEN 1 AND 120", name="state_support_months_range"
        ),
        CheckConstraint(enum_check("participant_category", ParticipantCategory), name="category"),
        # The armed forces have no BHTN (Law 38/2013 art. 43) and are no voluntary contributors
        # (migration 0014).
        CheckConstraint(
            f"participant_category NOT IN ({ARMED_FORCES_LIST})"
            " OR scheme IN ('COMPULSORY_SOCIAL', 'OCCUPATIONAL_ACCIDENT')",
            name="armed_forces_schemes",
        ),
        # BHTN insures Vietnamese citizens only (Law 38/2013 art. 43(1); migration 0016).
        CheckConstraint(
            "participant_category IS DISTINCT FROM 'FOREIGN_WORKER'"
            " OR scheme IN ('COMPULSORY_SOCIAL', 'OCCUPATIONAL_ACCIDENT')",
            name="foreign_worker_schemes",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    scheme: Mapped[str] = mapped_column(Text)
    from_month: Mapped[date] = mapped_column(Date)
    to_month: Mapped[date | None] = mapped_column(Date)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"))
    job_title: Mapped[str | None] = mapped_column(Text)
    salary_vnd: Mapped[int | None] = mapped_column(BigInteger)
    salary_coefficient: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    position_allowance: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    seniority_allowance_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    regional_allowance: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    rate_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    # The lump-sum withdrawal (BHXH một lần) that settled this row: its months no longer count
    # toward a pension (migration 0009).
    settled_by: Mapped[int | None] = mapped_column(BigInteger)
    # Nặng nhọc, độc hại: work on the list of arduous or hazardous jobs (migration 0010).
    arduous: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # Ghi chú: db.enums.ContributionNote values (migration 0010).
    notes: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    # Hỗ trợ của Nhà nước: the state's support of a voluntary contribution, in percent of 22 %
    # of the rural poverty line, and the months of this row it was paid for (migration 0010).
    state_support_pct: Mapped[int | None] = mapped_column(SmallInteger)
    state_support_months: Mapped[int | None] = mapped_column(SmallInteger)
    # Đối tượng: the participant category the row was contributed under, whose rates its
    # amounts follow (employer_rate_pct, employee_rate_pct: migrations 0014, 0019). NULL: not
    # recorded, read as an ordinary compulsory member (or the voluntary contributor).
    participant_category: Mapped[str | None] = mapped_column(Text)


class Benefit(Base):
    """A benefit decision (quyết định hưởng) under one regime."""

    __tablename__ = "benefit"
    __table_args__ = (
        CheckConstraint(enum_check("regime", BenefitRegime), name="regime"),
        CheckConstraint("period_to IS NULL OR period_to >= period_from", name="period_order"),
        CheckConstraint("amount_vnd >= 0", name="amount_non_negative"),
        Index("ix_benefit_person_id_period_from", "person_id", "period_from", "id"),
        CheckConstraint(enum_check("lump_sum_reason", LumpSumReason), name="lump_sum_reason"),
        CheckConstraint(
            "lump_sum_reason IS NULL OR regime = 'LUMP_SUM_WITHDRAWAL'",
            name="lump_sum_reason_regime",
        ),
        # The target of contribution_period's settled_by (a key through the person).
        UniqueConstraint("person_id", "id"),
        CheckConstraint(
            "pension_rate_pct IS NULL OR (regime = 'RETIREMENT'"
            " AND pension_rate_pct > 0 AND pension_rate_pct <= 75)",
            name="pension_rate",
        ),
        CheckConstraint("average_salary_vnd > 0", name="average_salary_positive"),
        CheckConstraint(
            "incapacity_pct IS NULL OR (regime = 'OCCUPATIONAL_ACCIDENT'"
            " AND incapacity_pct BETWEEN 5 AND 100)",
            name="incapacity",
        ),
        CheckConstraint(
            "sickness_days IS NULL OR (regime = 'SICKNESS' AND sickness_days > 0)",
            name="sickness_days",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    regime: Mapped[str] = mapped_column(Text)
    decision_number: Mapped[str] = mapped_column(Text)
    decided_on: Mapped[date] = mapped_column(Date)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    lump_sum_reason: Mapped[str | None] = mapped_column(Text)
    # The decision's detail (migration 0010): tỷ lệ hưởng lương hưu and mức bình quân tiền lương
    # (retirement), mức suy giảm khả năng lao động (occupational accident), số ngày nghỉ
    # (sickness), and the office that pays (cơ quan chi trả).
    pension_rate_pct: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    average_salary_vnd: Mapped[int | None] = mapped_column(BigInteger)
    incapacity_pct: Mapped[int | None] = mapped_column(SmallInteger)
    sickness_days: Mapped[int | None] = mapped_column(SmallInteger)
    paying_office_code: Mapped[str | None] = mapped_column(
        ForeignKey("social_insurance_office.code")
    )

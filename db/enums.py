"""Closed vocabularies of the National Insurance Database, shared by the models, the seed and the graph.

Values are stored as text with CHECK constraints (not PostgreSQL enum types) so that adding a value is
a one-line, reversible migration.
"""

from enum import StrEnum
from typing import Final


class Sex(StrEnum):
    MALE = "MALE"
    FEMALE = "FEMALE"


class DatePrecision(StrEnum):
    """How much of a birth date is known: many old records hold only the year."""

    DAY = "DAY"
    MONTH = "MONTH"
    YEAR = "YEAR"


class ManagingAuthority(StrEnum):
    """Which ministry keeps the person's insurance book. Defence and Public Security books are secret."""

    FINANCE = "FINANCE"
    DEFENCE = "DEFENCE"
    PUBLIC_SECURITY = "PUBLIC_SECURITY"


class RelativeKind(StrEnum):
    FATHER = "FATHER"
    MOTHER = "MOTHER"
    SPOUSE = "SPOUSE"
    LEGAL_REPRESENTATIVE = "LEGAL_REPRESENTATIVE"


class HouseholdRelation(StrEnum):
    """Relationship of a household member to the head of household (quan hệ với chủ hộ)."""

    HEAD = "HEAD"
    SPOUSE = "SPOUSE"
    CHILD = "CHILD"
    PARENT = "PARENT"
    GRANDCHILD = "GRANDCHILD"
    SIBLING = "SIBLING"
    OTHER = "OTHER"


class EnterpriseType(StrEnum):
    PRIVATE_ENTERPRISE = "PRIVATE_ENTERPRISE"
    LIMITED_COMPANY = "LIMITED_COMPANY"
    JOINT_STOCK_COMPANY = "JOINT_STOCK_COMPANY"
    STATE_OWNED = "STATE_OWNED"
    FOREIGN_INVESTED = "FOREIGN_INVESTED"
    COOPERATIVE = "COOPERATIVE"
    STATE_AGENCY = "STATE_AGENCY"
    PUBLIC_SERVICE_UNIT = "PUBLIC_SERVICE_UNIT"
    HOUSEHOLD_BUSINESS = "HOUSEHOLD_BUSINESS"


class ParticipantCategory(StrEnum):
    """Social insurance participant category (đối tượng tham gia BHXH)."""

    EMPLOYEE = "EMPLOYEE"
    CIVIL_SERVANT = "CIVIL_SERVANT"
    MANAGER = "MANAGER"
    FOREIGN_WORKER = "FOREIGN_WORKER"
    VOLUNTARY = "VOLUNTARY"
    PENSIONER = "PENSIONER"
    NOT_PARTICIPATING = "NOT_PARTICIPATING"
    # The armed forces (Law 41/2024 art. 2(1)(đ), (e)): their own categories and rates.
    ARMED_FORCES_OFFICER = "ARMED_FORCES_OFFICER"
    PROFESSIONAL_SOLDIER = "PROFESSIONAL_SOLDIER"
    POLICE_OFFICER = "POLICE_OFFICER"
    CIPHER_STAFF = "CIPHER_STAFF"
    CONSCRIPT = "CONSCRIPT"


ARMED_FORCES: Final = (
    ParticipantCategory.ARMED_FORCES_OFFICER,
    ParticipantCategory.PROFESSIONAL_SOLDIER,
    ParticipantCategory.POLICE_OFFICER,
    ParticipantCategory.CIPHER_STAFF,
    ParticipantCategory.CONSCRIPT,
)
"""Law 41/2024 art. 2(1)(đ)–(e) (Law 58/2014 art. 2(1)(đ)–(e) before it): officers,
professional soldiers, police, cipher staff, and conscripts (with cadets on an allowance); their
rates are the database's employer_rate_pct and employee_rate_pct (migration 0019)."""


class PaymentMethod(StrEnum):
    """Phương thức đóng: monthly, or every 3/6/12 months, or a lump sum (DOMAIN.md §2)."""

    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"
    SEMI_ANNUAL = "SEMI_ANNUAL"
    ANNUAL = "ANNUAL"
    LUMP_SUM_FUTURE = "LUMP_SUM_FUTURE"
    LUMP_SUM_MISSING = "LUMP_SUM_MISSING"


class Scheme(StrEnum):
    """The insurance book's history tables, one per scheme."""

    COMPULSORY_SOCIAL = "COMPULSORY_SOCIAL"
    VOLUNTARY_SOCIAL = "VOLUNTARY_SOCIAL"
    UNEMPLOYMENT = "UNEMPLOYMENT"
    OCCUPATIONAL_ACCIDENT = "OCCUPATIONAL_ACCIDENT"


class ContributionNote(StrEnum):
    """Ghi chú — what the book notes on a history row (the paper book's remarks column)."""

    BACK_PAYMENT = "BACK_PAYMENT"
    MATERNITY = "MATERNITY"
    PAID_LATE = "PAID_LATE"


class BenefitRegime(StrEnum):
    SICKNESS = "SICKNESS"
    MATERNITY = "MATERNITY"
    RETIREMENT = "RETIREMENT"
    SURVIVORSHIP = "SURVIVORSHIP"
    OCCUPATIONAL_ACCIDENT = "OCCUPATIONAL_ACCIDENT"
    LUMP_SUM_WITHDRAWAL = "LUMP_SUM_WITHDRAWAL"
    SOCIAL_PENSION = "SOCIAL_PENSION"


class LumpSumReason(StrEnum):
    """Why a person may take BHXH một lần (Law 41/2024 art. 70(1))."""

    REACHED_RETIREMENT_AGE = "REACHED_RETIREMENT_AGE"
    EMIGRATION = "EMIGRATION"
    SERIOUS_ILLNESS = "SERIOUS_ILLNESS"
    ARMED_FORCES_DISCHARGE = "ARMED_FORCES_DISCHARGE"
    TWELVE_MONTHS_OUT = "TWELVE_MONTHS_OUT"


class HealthInsurancePayer(StrEnum):
    """Who pays a BHYT contribution (Law on Health Insurance art. 12–13, as amended)."""

    EMPLOYER = "EMPLOYER"
    EMPLOYEE = "EMPLOYEE"
    SOCIAL_INSURANCE_FUND = "SOCIAL_INSURANCE_FUND"
    UNEMPLOYMENT_FUND = "UNEMPLOYMENT_FUND"
    STATE_BUDGET = "STATE_BUDGET"
    HOUSEHOLD = "HOUSEHOLD"
    SELF = "SELF"


class CardStatus(StrEnum):
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"
    TEMPORARILY_LOCKED = "TEMPORARILY_LOCKED"
    EXPIRED = "EXPIRED"


class CardEventKind(StrEnum):
    """What happened to a BHYT card (health_insurance_card_event)."""

    ISSUED = "ISSUED"
    RENEWED = "RENEWED"
    FACILITY_CHANGED = "FACILITY_CHANGED"
    LOCKED = "LOCKED"
    UNLOCKED = "UNLOCKED"
    REVOKED = "REVOKED"


class VisitType(StrEnum):
    OUTPATIENT = "OUTPATIENT"
    INPATIENT = "INPATIENT"


class WageRegion(StrEnum):
    """Vùng lương tối thiểu: the regional minimum wage applies by where the employer operates
    (Decree 74/2024, Decree 293/2025), which the register does not hold: the employer says."""

    REGION_I = "REGION_I"
    REGION_II = "REGION_II"
    REGION_III = "REGION_III"
    REGION_IV = "REGION_IV"

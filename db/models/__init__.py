"""All tables; importing this package registers them on Base.metadata (alembic, tests)."""

from db.models.access_log import AccessLogEntry
from db.models.base import Base
from db.models.consent import Consent, PartnerAgency
from db.models.declaration import ContributionDeclaration, ContributionDeclarationLine
from db.models.employer import Employer
from db.models.health_contribution import HealthInsuranceContribution
from db.models.health_insurance import (
    HealthInsuranceCard,
    HealthInsuranceCardEvent,
    MedicalVisit,
)
from db.models.household import Household, HouseholdMember
from db.models.person import Person, Relative
from db.models.reference import (
    BhytCategory,
    Ethnicity,
    HealthFacility,
    LegacyProvince,
    Province,
    SocialInsuranceOffice,
)
from db.models.social_insurance import Benefit, ContributionPeriod, SocialInsurance
from db.models.unemployment_insurance import UnemploymentBenefit
from db.models.write_path import ChangeLogEntry, IdempotencyRecord

__all__ = [
    "AccessLogEntry",
    "Base",
    "Benefit",
    "BhytCategory",
    "ChangeLogEntry",
    "Consent",
    "ContributionDeclaration",
    "ContributionDeclarationLine",
    "ContributionPeriod",
    "Employer",
    "Ethnicity",
    "HealthFacility",
    "HealthInsuranceCard",
    "HealthInsuranceCardEvent",
    "HealthInsuranceContribution",
    "Household",
    "HouseholdMember",
    "IdempotencyRecord",
    "LegacyProvince",
    "MedicalVisit",
    "PartnerAgency",
    "Person",
    "Province",
    "Relative",
    "SocialInsurance",
    "SocialInsuranceOffice",
    "UnemploymentBenefit",
]

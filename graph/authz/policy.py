"""Who may read which data group of a person: the one table of access rules (DESIGN.md).

The caller's relation to a person is derived from the token and from batched facts (is the
caller the person's legal representative, their current employer, an agency they consented
to?); `POLICY` then maps (role, relation) to the groups granted, narrowed by the officer's scopes
or the consents' groups. No entry means nothing: the person is not found. Deny by default.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

from db.enums import ManagingAuthority
from graph.authz.principal import Principal, Role


class DataGroup(StrEnum):
    IDENTITY = "IDENTITY"
    RELATIVES = "RELATIVES"
    CONTACT = "CONTACT"
    HOUSEHOLD = "HOUSEHOLD"
    SOCIAL_INSURANCE = "SOCIAL_INSURANCE"
    HEALTH_INSURANCE = "HEALTH_INSURANCE"
    MEDICAL = "MEDICAL"
    UNEMPLOYMENT_INSURANCE = "UNEMPLOYMENT_INSURANCE"
    # The person's own records about their data: never shared by consent.
    CONSENTS = "CONSENTS"
    ACCESS_LOG = "ACCESS_LOG"
    CHANGE_LOG = "CHANGE_LOG"


class Relation(StrEnum):
    SELF = "SELF"
    REPRESENTED = "REPRESENTED"  # the caller is the person's legal representative
    EMPLOYEE = "EMPLOYEE"  # the caller's organisation currently employs the person
    INSURED = "INSURED"  # a health facility and any insured person (card check-in)
    MANAGED = "MANAGED"  # an insurance officer and a person the Ministry of Finance manages
    CONSENTED = "CONSENTED"  # an agency the person consented to, while the consent is active
    SAME_MINISTRY = "SAME_MINISTRY"  # a Defence/Public Security principal and their own person
    AUDITED = "AUDITED"  # an auditor reviewing who read the person's data


BOOK = frozenset(DataGroup) - {DataGroup.CONSENTS, DataGroup.ACCESS_LOG, DataGroup.CHANGE_LOG}
EVERYTHING = frozenset(DataGroup)

POLICY: Mapping[tuple[Role, Relation], frozenset[DataGroup]] = {
    (Role.CITIZEN, Relation.SELF): EVERYTHING,
    (Role.CITIZEN, Relation.REPRESENTED): EVERYTHING,
    # Periods only with this employer; card status, not card history (Access.employer_id).
    (Role.EMPLOYER, Relation.EMPLOYEE): frozenset(
        {
            DataGroup.IDENTITY,
            DataGroup.SOCIAL_INSURANCE,
            DataGroup.UNEMPLOYMENT_INSURANCE,
            DataGroup.HEALTH_INSURANCE,
        }
    ),
    # Medical records only of visits at this facility (Access.facility_code).
    (Role.HEALTH_FACILITY, Relation.INSURED): frozenset(
        {DataGroup.IDENTITY, DataGroup.HEALTH_INSURANCE, DataGroup.MEDICAL}
    ),
    (Role.OFFICER, Relation.MANAGED): BOOK,  # ∩ the token's scopes
    (Role.PARTNER_AGENCY, Relation.CONSENTED): BOOK,  # ∩ the active consents' groups
    (Role.MINISTRY, Relation.SAME_MINISTRY): BOOK,
    (Role.AUDITOR, Relation.AUDITED): frozenset({DataGroup.ACCESS_LOG, DataGroup.CHANGE_LOG}),
}

# Officers read what their scopes name; `medical` is never implied by another scope.
OFFICER_SCOPES = frozenset(g.value.lower() for g in BOOK)
"""Every scope that grants something: the book's data groups in lower case."""
OFFICER_DEFAULT_SCOPES = OFFICER_SCOPES - {DataGroup.MEDICAL.value.lower()}

_SECRET = frozenset({ManagingAuthority.DEFENCE, ManagingAuthority.PUBLIC_SECURITY})


@dataclass(frozen=True)
class Consented:
    consent_id: str
    groups: frozenset[str]


@dataclass(frozen=True)
class Facts:
    """What batched look-ups found about the caller and one person (only the caller's role's)."""

    represented: bool = False
    employer_id: int | None = None
    consents: Sequence[Consented] = ()


@dataclass(frozen=True)
class Access:
    """The caller's access to one person, decided once and carried by the person's objects."""

    relation: Relation
    groups: frozenset[DataGroup]
    grounds: tuple[str, ...] = field(default=())
    employer_id: int | None = None
    """Set for employers: contribution rows only with this employer, no whole-history fields."""
    facility_code: str | None = None
    """Set for health facilities: medical records only of visits at this facility."""

    @property
    def is_self(self) -> bool:
        return self.relation is Relation.SELF


def citizen_subject(person: Mapping[str, Any]) -> str | None:
    """The token subject (`sub`) a citizen's token carries for this person: the personal ID, or,
    for a person without one (a foreign worker known by passport), the BHXH code. A person with
    a personal ID is never their BHXH code's subject, so each person has exactly one subject."""
    return person["identification_number"] or person.get("bhxh_code")


def relation(principal: Principal, person: Mapping[str, Any], facts: Facts) -> Relation | None:
    authority = ManagingAuthority(person["managing_authority"])
    if principal.role is Role.CITIZEN and principal.subject == citizen_subject(person):
        return Relation.SELF
    if authority in _SECRET:
        return Relation.SAME_MINISTRY if principal.ministry is authority else None
    match principal.role:
        case Role.CITIZEN if facts.represented:
            return Relation.REPRESENTED
        case Role.EMPLOYER if facts.employer_id is not None:
            return Relation.EMPLOYEE
        case Role.HEALTH_FACILITY if principal.org:
            return Relation.INSURED
        case Role.OFFICER:
            return Relation.MANAGED
        case Role.PARTNER_AGENCY if facts.consents:
            return Relation.CONSENTED
        case Role.AUDITOR:
            return Relation.AUDITED
    return None


def decide(principal: Principal, person: Mapping[str, Any], facts: Facts) -> Access | None:
    """The caller's access to `person`; None means the person does not exist for them."""
    return grant(principal, relation(principal, person, facts), facts)


def grant(principal: Principal, rel: Relation | None, facts: Facts) -> Access | None:
    """The access a relation and its facts give the caller (`decide` once the relation is known)."""
    if rel is None:
        return None
    groups = POLICY.get((principal.role, rel), frozenset())
    grounds: tuple[str, ...] = (rel.value.lower(),)
    match rel:
        case Relation.MANAGED:
            groups = frozenset(g for g in groups if g.value.lower() in principal.scopes)
            grounds = tuple(f"scope:{g.value.lower()}" for g in sorted(groups))
        case Relation.CONSENTED:
            consented = frozenset(g for c in facts.consents for g in c.groups)
            groups = frozenset(g for g in groups if g.value in consented)
            grounds = tuple(f"consent:{c.consent_id}" for c in facts.consents)
        case Relation.EMPLOYEE:
            grounds = (f"employment:{principal.org}",)
        case Relation.INSURED:
            grounds = (f"facility:{principal.org}",)
    if not groups:
        return None
    return Access(
        relation=rel,
        groups=groups,
        grounds=grounds,
        employer_id=facts.employer_id if rel is Relation.EMPLOYEE else None,
        facility_code=principal.org if rel is Relation.INSURED else None,
    )


def hidden_by_ministry(
    principal: Principal, person: Mapping[str, Any], facts: Facts, group: DataGroup
) -> bool:
    """Whether the caller may not read `group` of `person` only because a ministry keeps the
    person's book: were the person an ordinary (Finance-managed) one, the caller would read it.

    Whatever shows such a gap (a household's missing member, a count one short) would tell the
    caller that a Defence or Public Security person is there; gaps the caller sees anyway (a
    person who never consented, someone else's record) tell nothing.
    """
    access = decide(principal, person, facts)
    if access is not None and group in access.groups:
        return False
    ordinary = {**person, "managing_authority": ManagingAuthority.FINANCE.value}
    ordinary_access = decide(principal, ordinary, facts)
    return ordinary_access is not None and group in ordinary_access.groups


@dataclass(frozen=True)
class ListScope:
    """Which persons a list (persons, an employer's roster) may hold for the caller: exactly those
    `decide` admits with at least one group, in the terms SQL selects by, so that counts, pages
    and cursors never include a person the caller cannot see. Made by `list_scope` from `decide`
    itself, never written by hand."""

    authorities: tuple[str, ...] = ()
    """Persons of these managing authorities, whoever they are."""
    employed_authorities: tuple[str, ...] = ()
    """Persons of these managing authorities whom the employer `employer` currently employs."""
    employer: str | None = None
    """The caller's organisation (tax code) when `employed_authorities` is not empty."""

    @property
    def nobody(self) -> bool:
        return not self.authorities and not self.employed_authorities


# A person of the given authority who is not the caller: lists are about others.
def _stand_in(authority: ManagingAuthority) -> dict[str, Any]:
    return {"managing_authority": authority.value, "identification_number": None}


@lru_cache(maxsize=4096)
def list_scope(principal: Principal) -> ListScope:
    """`decide` asked of one stand-in person per managing authority, with the facts a list can
    check in SQL: none (anyone of that authority) or current employment by the caller's
    organisation. Facts a list cannot check (representation, consents) admit nobody to a list;
    such callers reach persons one by one. A function of the principal alone (of its token:
    every request asks it), remembered."""

    def admits(authority: ManagingAuthority, facts: Facts) -> bool:
        return decide(principal, _stand_in(authority), facts) is not None

    anyone = tuple(a.value for a in ManagingAuthority if admits(a, Facts()))
    employed = tuple(
        a.value
        for a in ManagingAuthority
        if a.value not in anyone and principal.org and admits(a, Facts(employer_id=0))
    )
    return ListScope(anyone, employed, principal.org if employed else None)


# The rule of every other GraphQL object type, for the schema walk that proves nothing is
# unguarded: a type reached through a field guarded by group G must list G here. "PUBLIC" types
# are reference lists; "ROOT" types are entry points that check the caller themselves (a Person
# reached from them is decided afresh); Person's own fields are in PERSON_FIELDS below.
PUBLIC = "PUBLIC"
ROOT = "ROOT"
_G = DataGroup
_RULES: dict[str, set[str]] = {
    "PartialDate": {_G.IDENTITY},
    "Contact": {_G.CONTACT},
    "Relative": {_G.RELATIVES},
    "Household": {_G.HOUSEHOLD, ROOT},
    "HouseholdMember": {_G.HOUSEHOLD},
    "SocialInsurance": {_G.SOCIAL_INSURANCE},
    "ContributionPeriod": {_G.SOCIAL_INSURANCE, _G.UNEMPLOYMENT_INSURANCE},
    "ContributionPeriodConnection": {_G.SOCIAL_INSURANCE, _G.UNEMPLOYMENT_INSURANCE},
    "ContributionPeriodEdge": {_G.SOCIAL_INSURANCE, _G.UNEMPLOYMENT_INSURANCE},
    "Allowances": {_G.SOCIAL_INSURANCE, _G.UNEMPLOYMENT_INSURANCE},
    "SchemeTotal": {_G.SOCIAL_INSURANCE},
    "PensionStanding": {_G.SOCIAL_INSURANCE},
    # Reached through PensionStanding.retirement, which also requires IDENTITY (birth date).
    "Retirement": {_G.SOCIAL_INSURANCE},
    "Benefit": {_G.SOCIAL_INSURANCE},
    "BenefitConnection": {_G.SOCIAL_INSURANCE},
    "BenefitEdge": {_G.SOCIAL_INSURANCE},
    "HealthInsurance": {_G.HEALTH_INSURANCE},
    "HealthInsuranceCard": {_G.HEALTH_INSURANCE, ROOT},
    "HealthInsuranceCardConnection": {_G.HEALTH_INSURANCE},
    "HealthInsuranceCardEdge": {_G.HEALTH_INSURANCE},
    "HealthInsuranceContribution": {_G.HEALTH_INSURANCE},
    "HealthInsuranceContributionConnection": {_G.HEALTH_INSURANCE},
    "HealthInsuranceContributionEdge": {_G.HEALTH_INSURANCE},
    "MedicalVisit": {_G.MEDICAL},
    "MedicalVisitConnection": {_G.MEDICAL},
    "MedicalVisitEdge": {_G.MEDICAL},
    "UnemploymentInsurance": {_G.UNEMPLOYMENT_INSURANCE},
    "UnemploymentBenefitDecision": {_G.UNEMPLOYMENT_INSURANCE},
    "Consent": {_G.CONSENTS},
    "ConsentConnection": {_G.CONSENTS},
    "ConsentEdge": {_G.CONSENTS},
    "AccessLogEntry": {_G.ACCESS_LOG},
    "AccessLogEntryConnection": {_G.ACCESS_LOG},
    "AccessLogEntryEdge": {_G.ACCESS_LOG},
    "ChangeLogEntry": {_G.CHANGE_LOG},
    "ChangeLogEntryConnection": {_G.CHANGE_LOG},
    "ChangeLogEntryEdge": {_G.CHANGE_LOG},
    # The employer register is public to any authenticated caller; its contact details and
    # employee list check the caller in their resolvers.
    "Employer": {PUBLIC, ROOT},
    "EmployerContact": {PUBLIC},
    # A declaration is the answer to its own mutation, which only its employer makes.
    "ContributionDeclaration": {ROOT},
    "ContributionDeclarationLine": {ROOT},
    "PersonConnection": {ROOT},
    "PersonEdge": {ROOT},
    "PageInfo": {PUBLIC},
    "Province": {PUBLIC},
    "Ethnicity": {PUBLIC},
    "SocialInsuranceOffice": {PUBLIC},
    "HealthFacility": {PUBLIC},
    "BhytCategory": {PUBLIC},
    "PartnerAgency": {PUBLIC},
}
TYPE_RULES: Mapping[str, frozenset[str]] = {name: frozenset(r) for name, r in _RULES.items()}
# Readable whenever the person is: whoever reached the record addressed it by this key.
PERSON_KEY_FIELDS = frozenset({"identificationNumber", "bhxhCode"})
# The data group of every other field of Person (GraphQL names): the field's guard reads it
# (graph.authz.permissions.guard), and so does the compiled plan, through the same guard.
PERSON_FIELDS: Mapping[str, DataGroup] = {
    "passportNumber": _G.IDENTITY,
    "fullName": _G.IDENTITY,
    "birthDate": _G.IDENTITY,
    "sex": _G.IDENTITY,
    "ethnicity": _G.IDENTITY,
    "nationality": _G.IDENTITY,
    "birthRegistrationPlace": _G.IDENTITY,
    "birthRegistrationProvince": _G.IDENTITY,
    "hometown": _G.IDENTITY,
    "permanentResidence": _G.IDENTITY,
    "managingAuthority": _G.IDENTITY,
    "dateOfDeath": _G.IDENTITY,
    "contact": _G.CONTACT,
    "relatives": _G.RELATIVES,
    "household": _G.HOUSEHOLD,
    "socialInsurance": _G.SOCIAL_INSURANCE,
    "healthInsurance": _G.HEALTH_INSURANCE,
    "medicalVisits": _G.MEDICAL,
    "unemploymentInsurance": _G.UNEMPLOYMENT_INSURANCE,
    "consents": _G.CONSENTS,
    "consentHistory": _G.CONSENTS,
    "accessLog": _G.ACCESS_LOG,
    "changeLog": _G.CHANGE_LOG,
}

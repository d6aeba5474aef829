"""Who may write what: the one table of write rules, beside the read policy (graph.authz.policy).

A write is about one person's records. The caller's relation to the person is the read policy's
(`relation`), plus one that exists only for writes: an employer and a person it does not employ
yet (`HIRING`: the declaration that hires them). `WRITE_POLICY` maps (role, relation) to the
operations allowed; an officer also needs the scope of the data group the operation writes.
No entry means no write. Deny by default; `MUTATION_OPERATIONS` names the operation of every
mutation, and a schema walk (tests/graph/test_write_policy.py) proves none is missing.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from db.enums import ManagingAuthority
from graph.authz.policy import DataGroup, Facts, Relation, relation
from graph.authz.principal import Principal, Role


class WriteOperation(StrEnum):
    GRANT_CONSENT = "GRANT_CONSENT"
    REVOKE_CONSENT = "REVOKE_CONSENT"
    UPDATE_CONTACT = "UPDATE_CONTACT"
    DECLARE_HIRE = "DECLARE_HIRE"
    DECLARE_EMPLOYMENT_CHANGE = "DECLARE_EMPLOYMENT_CHANGE"
    ISSUE_CARD = "ISSUE_CARD"
    CHANGE_CARD = "CHANGE_CARD"
    """Renew, change the initial facility, lock, unlock, revoke."""
    RECORD_VISIT = "RECORD_VISIT"
    DECIDE_UNEMPLOYMENT_BENEFIT = "DECIDE_UNEMPLOYMENT_BENEFIT"
    SETTLE_LUMP_SUM = "SETTLE_LUMP_SUM"


HIRING = "HIRING"
"""The write-only relation of an employer to a person it does not employ (yet)."""

_W = WriteOperation
_OWN = frozenset({_W.GRANT_CONSENT, _W.REVOKE_CONSENT, _W.UPDATE_CONTACT})
WRITE_POLICY: Mapping[tuple[Role, str], frozenset[WriteOperation]] = {
    (Role.CITIZEN, Relation.SELF): _OWN,
    (Role.CITIZEN, Relation.REPRESENTED): _OWN,
    (Role.EMPLOYER, Relation.EMPLOYEE): frozenset({_W.DECLARE_EMPLOYMENT_CHANGE}),
    (Role.EMPLOYER, HIRING): frozenset({_W.DECLARE_HIRE}),
    # A facility records visits of any insured person, and corrects only its own (the writer
    # checks the visit's facility).
    (Role.HEALTH_FACILITY, Relation.INSURED): frozenset({_W.RECORD_VISIT}),
    (Role.OFFICER, Relation.MANAGED): frozenset(
        {_W.ISSUE_CARD, _W.CHANGE_CARD, _W.DECIDE_UNEMPLOYMENT_BENEFIT, _W.SETTLE_LUMP_SUM}
    ),
}

OFFICER_SCOPE: Mapping[WriteOperation, DataGroup] = {
    _W.ISSUE_CARD: DataGroup.HEALTH_INSURANCE,
    _W.CHANGE_CARD: DataGroup.HEALTH_INSURANCE,
    _W.DECIDE_UNEMPLOYMENT_BENEFIT: DataGroup.UNEMPLOYMENT_INSURANCE,
    _W.SETTLE_LUMP_SUM: DataGroup.SOCIAL_INSURANCE,
}
"""The data group an officer's token must hold as a scope to make the operation."""


@dataclass(frozen=True)
class WriteAccess:
    relation: str
    grounds: tuple[str, ...]
    """What the change log records as the reason the write was allowed."""


def write_relation(principal: Principal, person: Mapping[str, Any], facts: Facts) -> str | None:
    rel = relation(principal, person, facts)
    if rel is not None:
        return rel
    ordinary = person["managing_authority"] == ManagingAuthority.FINANCE.value
    if principal.role is Role.EMPLOYER and principal.org and ordinary:
        return HIRING
    return None


def decide_write(
    principal: Principal, person: Mapping[str, Any], facts: Facts, operation: WriteOperation
) -> WriteAccess | None:
    """Whether the caller may make `operation` on `person`'s records, and on what ground."""
    rel = write_relation(principal, person, facts)
    if rel is None or operation not in WRITE_POLICY.get((principal.role, rel), frozenset()):
        return None
    grounds: tuple[str, ...] = (str(rel).lower(),)
    match principal.role:
        case Role.OFFICER:
            scope = OFFICER_SCOPE[operation].value.lower()
            if scope not in principal.scopes:
                return None
            grounds = (f"scope:{scope}",)
        case Role.EMPLOYER:
            grounds = (f"employment:{principal.org}",)
        case Role.HEALTH_FACILITY:
            grounds = (f"facility:{principal.org}",)
    return WriteAccess(relation=str(rel), grounds=grounds)


MUTATION_OPERATIONS: Mapping[str, frozenset[WriteOperation]] = {
    "grantConsent": frozenset({_W.GRANT_CONSENT}),
    "revokeConsent": frozenset({_W.REVOKE_CONSENT}),
    "updateContact": frozenset({_W.UPDATE_CONTACT}),
    # Its lines hire (a person the employer does not employ yet) or change an employment.
    "submitContributionDeclaration": frozenset({_W.DECLARE_HIRE, _W.DECLARE_EMPLOYMENT_CHANGE}),
    "issueHealthInsuranceCard": frozenset({_W.ISSUE_CARD}),
    "renewHealthInsuranceCard": frozenset({_W.CHANGE_CARD}),
    "changeInitialFacility": frozenset({_W.CHANGE_CARD}),
    "lockHealthInsuranceCard": frozenset({_W.CHANGE_CARD}),
    "unlockHealthInsuranceCard": frozenset({_W.CHANGE_CARD}),
    "revokeHealthInsuranceCard": frozenset({_W.CHANGE_CARD}),
    "recordMedicalVisit": frozenset({_W.RECORD_VISIT}),
    "correctMedicalVisit": frozenset({_W.RECORD_VISIT}),
    "decideUnemploymentBenefit": frozenset({_W.DECIDE_UNEMPLOYMENT_BENEFIT}),
    # Corrects a decision's months used: part of deciding the benefit, by the same officers.
    "recordUnemploymentBenefitMonthsUsed": frozenset({_W.DECIDE_UNEMPLOYMENT_BENEFIT}),
    "settleLumpSum": frozenset({_W.SETTLE_LUMP_SUM}),
}
"""The write operations each mutation (its GraphQL name) may make: a mutation missing here has no
rule, and the schema walk of tests/graph/test_write_policy.py fails."""

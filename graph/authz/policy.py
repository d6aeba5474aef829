"""Who may read which data group of a person: the one table of access rules (DESIGN.md).

A caller's relation to a person is derived first (self, a managing officer, the person's own
ministry…); the table then maps (role, relation) to the groups granted. No entry means nothing:
the person is not found. Officers' grants are narrowed to their token's scopes.
"""

from collections.abc import Mapping
from enum import StrEnum
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


class Relation(StrEnum):
    SELF = "SELF"
    MANAGED = "MANAGED"  # an insurance officer and a person the Ministry of Finance manages
    SAME_MINISTRY = (
        "SAME_MINISTRY"  # a Defence/Public Security principal and that ministry's person
    )


ALL_GROUPS = frozenset(DataGroup)
# Officers read what their scopes name; MEDICAL is never implied by another scope.
OFFICER_DEFAULT_SCOPES = frozenset(g.value.lower() for g in ALL_GROUPS - {DataGroup.MEDICAL})

POLICY: Mapping[tuple[Role, Relation], frozenset[DataGroup]] = {
    (Role.CITIZEN, Relation.SELF): ALL_GROUPS,
    (Role.OFFICER, Relation.MANAGED): ALL_GROUPS,  # ∩ scopes
    (Role.MINISTRY, Relation.SAME_MINISTRY): ALL_GROUPS,
}

_SECRET = frozenset({ManagingAuthority.DEFENCE, ManagingAuthority.PUBLIC_SECURITY})


def relation(principal: Principal, person: Mapping[str, Any]) -> Relation | None:
    authority = ManagingAuthority(person["managing_authority"])
    if principal.role is Role.CITIZEN and principal.subject == person["identification_number"]:
        return Relation.SELF
    if authority in _SECRET:
        return Relation.SAME_MINISTRY if principal.ministry is authority else None
    if principal.role is Role.OFFICER:
        return Relation.MANAGED
    return None


def readable_groups(principal: Principal, person: Mapping[str, Any]) -> frozenset[DataGroup]:
    """The groups of `person` the caller may read; empty means the person does not exist for them."""
    rel = relation(principal, person)
    if rel is None:
        return frozenset()
    granted = POLICY.get((principal.role, rel), frozenset())
    if principal.role is Role.OFFICER:
        granted = frozenset(g for g in granted if g.value.lower() in principal.scopes)
    return granted


def listable_authorities(principal: Principal) -> list[str]:
    """Managing authorities whose persons may appear in the caller's lists (persons, employees)."""
    if principal.role is Role.OFFICER:
        return [ManagingAuthority.FINANCE.value]
    if (ministry := principal.ministry) is not None:
        return [ministry.value]
    return []

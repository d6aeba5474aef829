"""Organisation claims are facts to check, not labels.

A token's `org` claim names the caller's organisation, and the policy grants by it (an employer
reads its own employees, a facility the insured, an agency by consent to it, a ministry its own
persons). The identity provider vouches for who the user is; whether the organisation is still
registered and active is this register's fact. So, once per request, right after the token is
verified and before anything runs:

| role | `org` must be |
| --- | --- |
| EMPLOYER | the tax code of a registered employer, not deregistered |
| HEALTH_FACILITY | the code of a registered health facility, not deregistered |
| PARTNER_AGENCY | the code of a registered partner agency, not deregistered |
| MINISTRY | DEFENCE or PUBLIC_SECURITY (the ministries with persons of their own; Finance-managed persons are read by OFFICERs) |
| CITIZEN, AUDITOR | absent: these roles act for no organisation |

An OFFICER's `org` (the social insurance office the identity provider may name) grants nothing:
officers read by scope. It is neither required nor checked.

Otherwise the request is refused with HTTP 403, `extensions.code = FORBIDDEN`, `claim = "org"`
and the request id; nothing else runs.

Answers are cached per process (`CACHE_SIZE` organisations, `CACHE_TTL_SECONDS` each, refusals
included), so a steady stream of requests adds no statement; a deregistration takes effect
within the TTL. A miss costs one statement on a connection of its own, released before the
request takes its connection.
"""

import re
from dataclasses import dataclass
from typing import Final

from cachetools import TTLCache

from db.enums import ManagingAuthority
from db.queries.organisation import OrganisationKind, is_active
from db.session import Database
from graph.authz.principal import Principal, Role

CACHE_SIZE: Final = 4096
CACHE_TTL_SECONDS: Final = 30.0

ORGANISATION_ROLES: Final = {
    Role.EMPLOYER: OrganisationKind.EMPLOYER,
    Role.HEALTH_FACILITY: OrganisationKind.HEALTH_FACILITY,
    Role.PARTNER_AGENCY: OrganisationKind.PARTNER_AGENCY,
}
"""Roles that act for an organisation of the register: `org` is required and must be active."""
MINISTRIES: Final = frozenset(
    {ManagingAuthority.DEFENCE.value, ManagingAuthority.PUBLIC_SECURITY.value}
)
NO_ORGANISATION: Final = frozenset({Role.CITIZEN, Role.AUDITOR})
REQUIRES_ORGANISATION: Final = frozenset({*ORGANISATION_ROLES, Role.MINISTRY})
_CODE: Final = re.compile(r"[A-Za-z0-9_-]{1,32}\Z")
"""The shape of every organisation code of the register (tax codes, facility and agency codes)."""


@dataclass(frozen=True)
class Refusal:
    """Why the token's organisation claim does not hold; safe to show the caller."""

    message: str


def _static_refusal(principal: Principal) -> Refusal | None:
    """What can be decided without the register."""
    role, org = principal.role, principal.org
    if role in REQUIRES_ORGANISATION and not org:
        return Refusal(f"a {role.value} token must name its organisation (`org` claim)")
    if role is Role.MINISTRY and org not in MINISTRIES:
        return Refusal(
            "a MINISTRY token's `org` must be DEFENCE or PUBLIC_SECURITY; persons managed by the"
            " Ministry of Finance are read with an OFFICER token"
        )
    if org is not None and role in NO_ORGANISATION:
        return Refusal(f"a {role.value} token acts for no organisation: it must not carry `org`")
    return None


class OrganisationCheck:
    """Checks a principal's organisation against the register, with a short per-process cache."""

    def __init__(
        self,
        database: Database,
        *,
        ttl_seconds: float = CACHE_TTL_SECONDS,
        size: int = CACHE_SIZE,
    ) -> None:
        self.database = database
        self._cache: TTLCache[tuple[OrganisationKind, str], bool] = TTLCache(size, ttl_seconds)

    async def refusal(self, principal: Principal) -> Refusal | None:
        """None when the token's organisation claim holds (or the role needs none)."""
        if (static := _static_refusal(principal)) is not None:
            return static
        kind = ORGANISATION_ROLES.get(principal.role)
        if kind is None or principal.org is None:
            return None
        if not _CODE.match(principal.org) or not await self._active(kind, principal.org):
            return Refusal(f"the token's organisation is not a registered, active {kind.value}")
        return None

    async def _active(self, kind: OrganisationKind, code: str) -> bool:
        key = (kind, code)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        async with self.database.reader() as reader:
            active = await is_active(reader, kind, code)
        self._cache[key] = active
        return active

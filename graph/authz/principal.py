"""Who is calling: the verified token's claims, reduced to what the policy needs."""

from dataclasses import dataclass, field
from enum import StrEnum

from db.enums import ManagingAuthority


class Role(StrEnum):
    CITIZEN = "CITIZEN"
    EMPLOYER = "EMPLOYER"
    HEALTH_FACILITY = "HEALTH_FACILITY"
    OFFICER = "OFFICER"
    PARTNER_AGENCY = "PARTNER_AGENCY"
    MINISTRY = "MINISTRY"
    AUDITOR = "AUDITOR"


@dataclass(frozen=True)
class Principal:
    role: Role
    subject: str
    """Personal ID for citizens; an opaque account id for organisations' users."""
    org: str | None = None
    """Tax code (employer), facility code, agency code, or the ministry (DEFENCE, PUBLIC_SECURITY)."""
    scopes: frozenset[str] = field(default_factory=frozenset)
    token_id: str | None = None

    @property
    def ministry(self) -> ManagingAuthority | None:
        if self.role is not Role.MINISTRY or self.org not in ManagingAuthority.__members__:
            return None
        return ManagingAuthority[str(self.org)]

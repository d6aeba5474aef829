"""A caller of every kind for a seeded World: one token each, made as the other tests make them
(tokens.mint with the test run's dev key), named by who they are to the world's persons."""

from collections.abc import Iterable

from joserfc.jwk import ECKey

from graph.authz import tokens
from graph.authz.policy import OFFICER_DEFAULT_SCOPES
from graph.authz.principal import Role
from tests.factories.world import World
from tests.graph.probes import BOOK_GROUPS

_HOURS = 6 * 3600  # outlives any test run


def principals(key: ECKey, w: World) -> dict[str, str | None]:
    """Tokens by caller name; None is the anonymous caller (no Authorization header)."""

    def mint(role: Role, subject: str, org: str | None = None, scopes: Iterable[str] = ()) -> str:
        return tokens.mint(
            key, role=role, subject=subject, org=org, scopes=sorted(scopes), ttl_seconds=_HOURS
        )

    def citizen(person: dict[str, object]) -> str:
        return mint(Role.CITIZEN, str(person["identification_number"]))

    all_groups = {g.lower() for g in BOOK_GROUPS}
    return {
        "anonymous": None,
        "citizen self": citizen(w.finance.person),
        "citizen representative": citizen(w.representative),
        "citizen represented child": citizen(w.child.person),
        "citizen stranger": citizen(w.stranger),
        "citizen with empty book": citizen(w.empty),
        "citizen managed by defence": citizen(w.defence.person),
        "employer current": mint(Role.EMPLOYER, "hr-1", w.current_employer["tax_code"]),
        "employer former": mint(Role.EMPLOYER, "hr-2", w.former_employer["tax_code"]),
        "health facility of the visits": mint(
            Role.HEALTH_FACILITY, "desk-1", w.finance.facility_code
        ),
        "health facility elsewhere": mint(Role.HEALTH_FACILITY, "desk-2", w.other_facility["code"]),
        "officer": mint(Role.OFFICER, "officer-1", scopes=OFFICER_DEFAULT_SCOPES),
        "officer with medical scope": mint(Role.OFFICER, "officer-2", scopes=all_groups),
        "officer with identity only": mint(Role.OFFICER, "officer-3", scopes={"identity"}),
        "officer with medical only": mint(Role.OFFICER, "officer-4", scopes={"medical"}),
        "agency with active consent": mint(Role.PARTNER_AGENCY, "bnv-1", "BNV"),
        "agency with revoked consent": mint(Role.PARTNER_AGENCY, "byt-1", "BYT"),
        "agency with expired consent": mint(Role.PARTNER_AGENCY, "nh-1", "NHCSXH"),
        "agency without consent": mint(Role.PARTNER_AGENCY, "tct-1", "TCT"),
        "ministry defence": mint(Role.MINISTRY, "bqp-1", "DEFENCE"),
        "ministry public security": mint(Role.MINISTRY, "bca-1", "PUBLIC_SECURITY"),
        "auditor": mint(Role.AUDITOR, "audit-1"),
    }

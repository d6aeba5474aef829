"""Who may write a person's records: a person and a caller of every kind around them, for the
authorization tests of the contact and benefit mutations."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg

from db.enums import ManagingAuthority, RelativeKind, Sex
from graph.authz.policy import OFFICER_SCOPES
from graph.authz.principal import Role
from tests.factories import employer as employers
from tests.factories import person as persons
from tests.factories import reference
from tests.factories.consent import consent
from tests.graph.conftest import Api

Row = dict[str, Any]


@dataclass
class Cast:
    target: Row
    """Finance-managed; employed now by `employer`, represented by `representative`, consented
    to BNV (identity)."""
    defence: Row
    """Kept by the Ministry of Defence."""
    representative: Row
    stranger: Row
    employer: Row
    other_employer: Row
    facility: Row


def cast(conn: psycopg.Connection, target: Row | None = None) -> Cast:
    office = reference.office(conn)
    target = target or persons.person(conn)
    employer = employers.employer(conn, office)
    employers.employment(conn, target, employer, current=True)
    representative = persons.person(
        conn, full_name="Nguyễn Văn Ba", sex=Sex.MALE, birth_date=date(1960, 1, 1)
    )
    persons.relative(conn, target, RelativeKind.LEGAL_REPRESENTATIVE, linked=representative)
    consent(conn, target, "BNV", ("IDENTITY",))
    return Cast(
        target=target,
        defence=persons.person(conn, authority=ManagingAuthority.DEFENCE, full_name="Đỗ Văn Hải"),
        representative=representative,
        stranger=persons.person(conn, full_name="Lê Văn Tư", sex=Sex.MALE),
        employer=employer,
        other_employer=employers.employer(conn, office, name="Công ty CP Hồng Hà"),
        facility=reference.facility(conn),
    )


Caller = Callable[[Api, Cast], str | None]


def _citizen(who: str) -> Caller:
    return lambda api, c: api.token(Role.CITIZEN, getattr(c, who)["identification_number"])


def _officer(*scopes: str) -> Caller:
    return lambda api, _c: api.token(Role.OFFICER, "officer-1", scopes=sorted(scopes))


EVERY_SCOPE = tuple(sorted(OFFICER_SCOPES))
"""An officer's scopes, all of them."""

CALLERS: dict[str, Caller] = {
    "anonymous": lambda _api, _c: None,
    "citizen self": _citizen("target"),
    "citizen representative": _citizen("representative"),
    "citizen stranger": _citizen("stranger"),
    "citizen managed by defence": _citizen("defence"),
    "employer current": lambda api, c: api.token(Role.EMPLOYER, "hr-1", org=c.employer["tax_code"]),
    "employer unrelated": lambda api, c: api.token(
        Role.EMPLOYER, "hr-2", org=c.other_employer["tax_code"]
    ),
    "health facility": lambda api, c: api.token(
        Role.HEALTH_FACILITY, "desk-1", org=c.facility["code"]
    ),
    "officer social and unemployment": _officer("social_insurance", "unemployment_insurance"),
    "officer social only": _officer("social_insurance"),
    "officer unemployment only": _officer("unemployment_insurance"),
    "officer identity only": _officer("identity"),
    "officer every scope": _officer(*EVERY_SCOPE),
    "agency with consent": lambda api, _c: api.token(Role.PARTNER_AGENCY, "bnv-1", org="BNV"),
    "agency without consent": lambda api, _c: api.token(Role.PARTNER_AGENCY, "tct-1", org="TCT"),
    "ministry defence": lambda api, _c: api.token(Role.MINISTRY, "bqp-1", org="DEFENCE"),
    "auditor": lambda api, _c: api.token(Role.AUDITOR, "audit-1"),
}


def outcome(body: dict[str, Any]) -> str:
    """OK, or the first error's code."""
    if body.get("errors"):
        return str(body["errors"][0]["extensions"]["code"])
    return "OK"


def change_log_rows(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM change_log").fetchone()
    assert row is not None
    return int(row[0])

"""Who may submit a contribution declaration: an EMPLOYER user, for its own registered and active
organisation, and nobody else, whatever the lines name."""

from datetime import date

import psycopg
import pytest

from db.enums import ManagingAuthority, RelativeKind
from graph.authz.policy import OFFICER_DEFAULT_SCOPES, OFFICER_SCOPES
from graph.authz.principal import Role
from tests.factories import employer as employers
from tests.factories import person as persons
from tests.factories import reference
from tests.graph.conftest import Api
from tests.graph.mutations.declarations import (
    SUBMIT,
    count,
    declaration,
    employee,
    fresh_change_log,  # noqa: F401 (a fixture)
    line,
    opening,
    shop,
    whole_table,
)

pytestmark = pytest.mark.usefixtures("fresh_change_log")

NOT_EMPLOYERS = [
    "citizen self",
    "citizen representative",
    "citizen stranger",
    "health facility",
    "officer",
    "officer with every scope",
    "officer without scopes",
    "partner agency",
    "ministry defence",
    "auditor",
]


def _token(
    api: Api,
    conn: psycopg.Connection,
    caller: str,
    worker: dict[str, object],
    rep: dict[str, object],
) -> str:
    citizen = {
        "citizen self": worker["identification_number"],
        "citizen representative": rep["identification_number"],
        "citizen stranger": "079188000001",
    }
    if caller in citizen:
        return api.token(Role.CITIZEN, str(citizen[caller]))
    return {
        "officer": api.officer(OFFICER_DEFAULT_SCOPES),
        "officer with every scope": api.officer(OFFICER_SCOPES),
        "officer without scopes": api.officer(frozenset()),
        "partner agency": api.token(Role.PARTNER_AGENCY, "byt-1", org="BYT"),
        "ministry defence": api.token(Role.MINISTRY, "bqp-1", org="DEFENCE"),
        "auditor": api.token(Role.AUDITOR, "audit-1"),
    }.get(caller) or api.token(Role.HEALTH_FACILITY, "desk-1", org=reference.facility(conn)["code"])


@pytest.mark.parametrize("caller", NOT_EMPLOYERS)
async def test_only_an_employer_declares(api: Api, conn: psycopg.Connection, caller: str) -> None:
    s = shop(conn, api)
    worker = employee(conn, s.employer)
    rep = persons.person(conn, full_name="Nguyễn Văn Bình")
    persons.relative(conn, worker, RelativeKind.LEGAL_REPRESENTATIVE, linked=rep)
    soldier = persons.person(conn, authority=ManagingAuthority.DEFENCE)
    before = whole_table(conn)
    body = await api.query(
        SUBMIT,
        _token(api, conn, caller, worker, rep),
        declaration(
            "2026-03", line(worker, "END"), opening(persons.person(conn)), opening(soldier)
        ),
    )
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "FORBIDDEN"}
    assert error["message"] == "only an employer declares contributions, for its own organisation"
    assert whole_table(conn) == before
    assert count(conn, "contribution_declaration") == 0


async def test_an_anonymous_caller_is_unauthenticated(api: Api, conn: psycopg.Connection) -> None:
    worker = persons.person(conn)
    body = await api.query(SUBMIT, None, declaration("2026-03", opening(worker)))
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert count(conn, "contribution_period") == 0


@pytest.mark.parametrize("organisation", ["unknown", "deregistered"])
async def test_an_employer_that_is_not_registered_and_active_cannot_declare(
    api: Api, conn: psycopg.Connection, organisation: str
) -> None:
    s = shop(conn, api)
    gone = employers.employer(conn, s.office, deregistered_on=date(2025, 1, 1))
    tax_code = "0109999999" if organisation == "unknown" else gone["tax_code"]
    token = api.token(Role.EMPLOYER, "hr-1", org=tax_code)
    body = await api.query(SUBMIT, token, declaration("2026-03", opening(persons.person(conn))))
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert count(conn, "contribution_period") == 0


async def test_a_deregistration_stops_declarations_even_before_the_register_cache_knows(
    api: Api, conn: psycopg.Connection
) -> None:
    s = shop(conn, api)
    first = await api.query(SUBMIT, s.token, declaration("2026-03", opening(persons.person(conn))))
    assert "errors" not in first, first
    # The token's organisation was checked (and is cached) as active; today it is not.
    conn.execute(
        "UPDATE employer SET deregistered_on = current_date WHERE id = %s", [s.employer["id"]]
    )
    before = whole_table(conn)
    body = await api.query(SUBMIT, s.token, declaration("2026-04", opening(persons.person(conn))))
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "FORBIDDEN"}
    assert "not an active employer" in error["message"]
    assert whole_table(conn) == before


async def test_employers_users_share_the_declaration_but_not_their_keys(
    api: Api, conn: psycopg.Connection
) -> None:
    """Two users of one employer declare for it: the month's declaration is the employer's (the
    second replaces the first); their idempotency keys are their own."""
    s = shop(conn, api)
    other_user = api.token(Role.EMPLOYER, "hr-2", org=s.employer["tax_code"])
    a, b = persons.person(conn), persons.person(conn)
    key = {"idempotencyKey": "march"}
    first = await api.query(SUBMIT, s.token, {**declaration("2026-03", opening(a)), **key})
    second = await api.query(SUBMIT, other_user, {**declaration("2026-03", opening(b)), **key})
    assert "errors" not in first and "errors" not in second, (first, second)
    d1 = first["data"]["submitContributionDeclaration"]
    d2 = second["data"]["submitContributionDeclaration"]
    assert (d2["replaces"], d2["submittedBy"]) == (d1["id"], "hr-2")
    assert count(conn, "contribution_period", f"person_id = {a['id']}") == 0
    assert count(conn, "contribution_period", f"person_id = {b['id']}") == 3

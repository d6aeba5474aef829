"""Organisation claims are facts: every organisation a token names exists and is active, or the
request is refused before anything runs (graph.authz.organisations)."""

import asyncio
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import psycopg
import pytest

from db import bhyt_rules
from db.session import Database
from db.urls import libpq_conninfo
from graph.authz.organisations import OrganisationCheck
from graph.authz.principal import Principal, Role
from tests.factories import employer as employers
from tests.factories import reference
from tests.factories.book import book
from tests.graph.conftest import Api

YESTERDAY = bhyt_rules.today() - timedelta(days=1)
NEXT_WEEK = bhyt_rules.today() + timedelta(days=7)
# The probe of the original finding: a facility token reads anyone's identity and card.
READ = """query($id: String!) { person(identificationNumber: $id) {
  fullName healthInsurance { currentCard { status } } } }"""


@pytest.fixture
def agencies(conn: psycopg.Connection) -> Iterator[Callable[..., dict[str, Any]]]:
    """Agencies made for a test, removed after it (the migration's four stay)."""
    made: list[str] = []

    def make(**kwargs: Any) -> dict[str, Any]:
        row = reference.agency(conn, **kwargs)
        made.append(row["code"])
        return row

    yield make
    conn.execute("DELETE FROM consent WHERE grantee_code = ANY(%s)", (made,))
    conn.execute("DELETE FROM partner_agency WHERE code = ANY(%s)", (made,))


def _org(
    conn: psycopg.Connection, agencies: Callable[..., dict[str, Any]], role: Role, case: str
) -> str | None:
    """The `org` claim of `role` for `case`: registered+active, unknown, inactive or missing."""
    if case == "missing":
        return None
    if role is Role.MINISTRY:
        return {"active": "DEFENCE", "unknown": "NAVY", "inactive": "FINANCE"}[case]
    if role is Role.EMPLOYER:
        if case == "unknown":
            return "0109999999"
        office = reference.office(conn)
        gone = {"inactive": YESTERDAY, "active": NEXT_WEEK}[case]
        return str(employers.employer(conn, office, deregistered_on=gone)["tax_code"])
    if role is Role.HEALTH_FACILITY:
        if case == "unknown":
            return "79999"
        closed = {"inactive": bhyt_rules.today(), "active": None}[case]
        return str(reference.facility(conn, deregistered_on=closed)["code"])
    assert role is Role.PARTNER_AGENCY
    if case == "unknown":
        return "NOPE"
    return str(agencies(deregistered_on=YESTERDAY if case == "inactive" else None)["code"])


async def _post(api: Api, token: str, query: str = "{ __typename }", **variables: Any) -> Any:
    return await api.client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "org-check-1"},
    )


def _assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["X-Request-ID"] == "org-check-1"
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "FORBIDDEN", "claim": "org", "requestId": "org-check-1"}
    assert "organisation" in error["message"] or "org" in error["message"]
    assert "data" not in response.json()


ROLES = [Role.EMPLOYER, Role.HEALTH_FACILITY, Role.PARTNER_AGENCY, Role.MINISTRY]
CASES = ["active", "unknown", "inactive", "missing"]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
async def test_every_organisation_role_needs_a_registered_active_organisation(
    api: Api,
    conn: psycopg.Connection,
    agencies: Callable[..., dict[str, Any]],
    role: Role,
    case: str,
) -> None:
    b = book(conn)
    org = _org(conn, agencies, role, case)
    response = await _post(
        api, api.token(role, "user-1", org=org), READ, id=b.person["identification_number"]
    )
    if case != "active":
        _assert_refused(response)
        return
    assert response.status_code == 200, response.text
    assert "person" in response.json()["data"]


@pytest.mark.parametrize(
    ("role", "org", "allowed"),
    [
        (Role.OFFICER, None, True),
        (Role.OFFICER, "BHXH-HN", True),  # the officer's office: grants nothing, not checked
        (Role.CITIZEN, None, True),
        (Role.CITIZEN, "BYT", False),
        (Role.AUDITOR, None, True),
        (Role.AUDITOR, "BYT", False),
    ],
)
async def test_roles_without_an_organisation_name_none_they_cannot_prove(
    api: Api, conn: psycopg.Connection, role: Role, org: str | None, allowed: bool
) -> None:
    response = await _post(api, api.token(role, "001088012345", org=org))
    if allowed:
        assert response.status_code == 200, response.text
    else:
        _assert_refused(response)


async def test_a_refused_token_runs_nothing_but_the_look_up(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn)
    token = api.token(Role.HEALTH_FACILITY, "desk", org="79999")
    before = len(api.database.readers)
    _assert_refused(await _post(api, token, READ, id=b.person["identification_number"]))
    assert sum(r.statements for r in api.database.readers[before:]) == 1
    # Refusals are cached too: a stream of them costs the database nothing more.
    before = len(api.database.readers)
    _assert_refused(await _post(api, token, READ, id=b.person["identification_number"]))
    assert sum(r.statements for r in api.database.readers[before:]) == 0
    assert conn.execute("SELECT count(*) FROM access_log").fetchone() == (0,)


async def test_the_check_adds_no_statement_once_cached(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn)
    token = api.token(Role.EMPLOYER, "hr", org=b.employers[0]["tax_code"])
    query = "query($t: String!) { employer(taxCode: $t) { name } }"
    await api.query(query, token, {"t": b.employers[0]["tax_code"]})
    first = api.last_statements
    await api.query(query, token, {"t": b.employers[0]["tax_code"]})
    assert api.last_statements == first - 1


async def test_a_deregistration_takes_effect_within_the_ttl(
    database_url: str, conn: psycopg.Connection
) -> None:
    facility = reference.facility(conn)
    principal = Principal(role=Role.HEALTH_FACILITY, subject="desk", org=facility["code"])
    database = Database(libpq_conninfo(database_url), min_size=1, max_size=1)
    await database.open()
    try:
        check = OrganisationCheck(database, ttl_seconds=0.2, size=3)
        for code in ("79991", "79992", "79993", "79994"):
            assert await check.refusal(Principal(Role.HEALTH_FACILITY, "d", org=code))
        assert len(check._cache) == 3  # bounded: the oldest answer made room
        assert await check.refusal(principal) is None
        conn.execute(
            "UPDATE health_facility SET deregistered_on = current_date WHERE code = %s",
            (facility["code"],),
        )
        assert await check.refusal(principal) is None  # still cached
        await asyncio.sleep(0.3)
        assert await check.refusal(principal) is not None
    finally:
        await database.close()

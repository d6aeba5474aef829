"""Every read of someone else's data is logged once per request, and the person can read it."""

from typing import Any

import psycopg
import pytest

from graph.authz.principal import Role
from tests.factories.book import book
from tests.factories.consent import consent
from tests.graph.conftest import Api

LOG = """{ me { accessLog(first: 10) { totalCount edges { node {
  actorRole actorSubject actorOrganisation dataGroups grounds requestId operationName } } } } }"""
READ = "query ReadBook($id: String!) { person(identificationNumber: $id) { fullName contact { phone } healthInsurance { currentCard { status } } } }"


def _entries(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    return conn.execute(
        "SELECT person_id, actor_role, data_groups, grounds FROM access_log ORDER BY id"
    ).fetchall()


async def test_officer_read_is_logged_once_and_shown_to_the_person(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn)
    officer = api.officer()
    response = await api.client.post(
        "/graphql",
        json={
            "query": READ,
            "variables": {"id": b.person["identification_number"]},
            "operationName": "ReadBook",
        },
        headers={"Authorization": f"Bearer {officer}", "X-Request-ID": "req-log-1"},
    )
    assert "errors" not in response.json()
    body = await api.query(LOG, api.citizen(b.person))
    log = body["data"]["me"]["accessLog"]
    assert log["totalCount"] == 1
    entry = log["edges"][0]["node"]
    assert entry == {
        "actorRole": "OFFICER",
        "actorSubject": "officer-1",
        "actorOrganisation": None,
        "dataGroups": ["CONTACT", "HEALTH_INSURANCE", "IDENTITY"],
        "grounds": entry["grounds"],
        "requestId": "req-log-1",
        "operationName": "ReadBook",
    }
    assert "scope:identity" in entry["grounds"]


async def test_own_reads_are_not_logged(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn)
    await api.query("{ me { fullName contact { phone } } }", api.citizen(b.person))
    assert _entries(conn) == []


async def test_many_persons_in_one_request_cost_one_insert(
    api: Api, conn: psycopg.Connection
) -> None:
    books = [book(conn) for _ in range(5)]
    reps = [
        {"__typename": "Person", "identificationNumber": b.person["identification_number"]}
        for b in books
    ]
    await api.query(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { fullName } } }",
        api.officer(),
        {"r": reps},
    )
    assert api.last_statements == 2  # the persons, and one insert for all five
    assert sorted(e[0] for e in _entries(conn)) == sorted(b.person["id"] for b in books)


async def test_a_read_writes_nothing_to_the_person_read(api: Api, conn: psycopg.Connection) -> None:
    """The log names its person without locking the person's row (migration 0020): a foreign
    key's check would, and every book served would write to the book."""
    b = book(conn)
    tuple_of_person = "SELECT ctid::text, xmin::text, xmax::text FROM person WHERE id = %s"
    before = conn.execute(tuple_of_person, (b.person["id"],)).fetchone()
    await api.query(READ, api.officer(), {"id": b.person["identification_number"]})
    assert [e[0] for e in _entries(conn)] == [b.person["id"]]
    assert conn.execute(tuple_of_person, (b.person["id"],)).fetchone() == before


async def test_consented_read_names_the_consent(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn)
    c = consent(conn, b.person, groups=("HEALTH_INSURANCE",))
    await api.query(
        READ,
        api.token(Role.PARTNER_AGENCY, "byt-1", org="BYT"),
        {"id": b.person["identification_number"]},
    )
    ((_, role, groups, grounds),) = _entries(conn)
    assert (role, groups, grounds) == (
        "PARTNER_AGENCY",
        ["HEALTH_INSURANCE"],
        [f"consent:{c['id']}"],
    )


async def test_forbidden_fields_are_not_logged_as_read(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn)
    consent(conn, b.person, groups=("HEALTH_INSURANCE",))
    await api.query(
        "query($id: String!) { person(identificationNumber: $id) { fullName } }",
        api.token(Role.PARTNER_AGENCY, "byt-1", org="BYT"),
        {"id": b.person["identification_number"]},
    )
    assert _entries(conn) == []


async def test_auditor_reads_any_log_and_is_logged(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn)
    await api.query(READ, api.officer(), {"id": b.person["identification_number"]})
    auditor = api.token(Role.AUDITOR, "audit-1")
    query = "query($id: String!) { person(identificationNumber: $id) { fullName accessLog { totalCount } } }"
    body = await api.query(query, auditor, {"id": b.person["identification_number"]})
    assert body["data"]["person"] == {"fullName": None, "accessLog": {"totalCount": 1}}
    assert body["errors"][0]["extensions"]["dataGroup"] == "IDENTITY"
    assert [e[1:3] for e in _entries(conn)][-1] == ("AUDITOR", ["ACCESS_LOG"])


async def test_others_cannot_read_a_persons_log(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn)
    query = "query($id: String!) { person(identificationNumber: $id) { accessLog { totalCount } } }"
    body = await api.query(query, api.officer(), {"id": b.person["identification_number"]})
    assert body["errors"][0]["extensions"] == {"code": "FORBIDDEN", "dataGroup": "ACCESS_LOG"}


@pytest.mark.parametrize(
    "statement", ["UPDATE access_log SET actor_role = 'CITIZEN'", "DELETE FROM access_log"]
)
async def test_the_database_refuses_to_rewrite_the_log(
    api: Api, conn: psycopg.Connection, statement: str
) -> None:
    b = book(conn)
    await api.query(READ, api.officer(), {"id": b.person["identification_number"]})
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        conn.execute(statement)
    assert len(_entries(conn)) == 1

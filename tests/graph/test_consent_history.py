"""Consents that pile up: a paginated history, a bounded deprecated list, and at most
MAX_ACTIVE_CONSENTS active consents per person and agency (API and database)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from db.models.consent import MAX_ACTIVE_CONSENTS
from tests.factories.book import book
from tests.factories.consent import consent
from tests.graph.conftest import Api

HISTORY = """query($first: Int!, $after: String) { me { consentHistory(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { id grantee { code } active } } } } }"""
GRANT = """mutation($input: GrantConsentInput!, $idempotencyKey: String!) { grantConsent(input: $input, idempotencyKey: $idempotencyKey) { id active } }"""


def _grant(grantee: str = "BYT") -> dict[str, Any]:
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    return {
        "input": {
            "grantee": grantee,
            "dataGroups": ["HEALTH_INSURANCE"],
            "purpose": "Khám chữa bệnh",
            "validUntil": until,
        }
    }


def _pile(conn: psycopg.Connection, person: dict[str, Any], n: int) -> list[str]:
    """n consents granted a minute apart, newest last; all revoked or expired but the last few."""
    ids = []
    for i in range(n):
        row = consent(conn, person, revoked=i < n - 2)
        conn.execute(
            "UPDATE consent SET granted_at = now() - make_interval(mins => %s) WHERE id = %s",
            (n - i, row["id"]),
        )
        ids.append(str(row["id"]))
    return ids


async def test_history_pages_through_every_consent_newest_first(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn)
    ids = _pile(conn, b.person, 45)
    seen: list[str] = []
    after = None
    statements = set()
    while True:
        body = await api.query(HISTORY, api.citizen(b.person), {"first": 20, "after": after})
        assert "errors" not in body, body
        page = body["data"]["me"]["consentHistory"]
        assert page["totalCount"] == 45
        seen += [e["node"]["id"] for e in page["edges"]]
        statements.add(api.last_statements)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == list(reversed(ids))
    assert len(statements) == 1  # every page costs the same


async def test_a_bad_cursor_is_bad_input(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn)
    for after in ("bm90IGEgY3Vyc29y", "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgMV0="):
        body = await api.query(HISTORY, api.citizen(b.person), {"first": 5, "after": after})
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "after"}


async def test_the_deprecated_list_keeps_working_but_is_bounded(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn)
    ids = _pile(conn, b.person, 105)
    body = await api.query("{ me { consents { id } } }", api.citizen(b.person))
    assert "errors" not in body, body
    assert [c["id"] for c in body["data"]["me"]["consents"]] == list(reversed(ids))[:100]


async def test_active_consents_per_agency_are_bounded_by_the_api(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn)
    citizen = api.citizen(b.person)
    consent(conn, b.person, revoked=True)
    consent(conn, b.person, expired=True)
    for _ in range(MAX_ACTIVE_CONSENTS):
        body = await api.query(GRANT, citizen, _grant())
        assert "errors" not in body, body
    over = await api.query(GRANT, citizen, _grant())
    assert over["data"] is None
    assert over["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "argument": "input.grantee",
    }
    assert str(MAX_ACTIVE_CONSENTS) in over["errors"][0]["message"]
    # Another agency is another bound; revoking one makes room again.
    assert "errors" not in await api.query(GRANT, citizen, _grant("BNV"))
    conn.execute(
        "UPDATE consent SET revoked_at = now() WHERE id = (SELECT id FROM consent"
        " WHERE grantee_code = 'BYT' AND revoked_at IS NULL AND valid_until > now() LIMIT 1)"
    )
    assert "errors" not in await api.query(GRANT, citizen, _grant())
    active = conn.execute(
        "SELECT count(*) FROM consent WHERE grantee_code = 'BYT' AND revoked_at IS NULL"
        " AND valid_until > now()"
    ).fetchone()
    assert active == (MAX_ACTIVE_CONSENTS,)


async def test_the_database_holds_the_bound_too(conn: psycopg.Connection) -> None:
    b = book(conn)
    for _ in range(MAX_ACTIVE_CONSENTS):
        consent(conn, b.person)
    with pytest.raises(psycopg.errors.CheckViolation) as refused:
        consent(conn, b.person)
    assert refused.value.diag.constraint_name == "consent_active_bound"
    revoked = consent(conn, b.person, revoked=True)  # inactive rows are not bounded
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("UPDATE consent SET revoked_at = NULL WHERE id = %s", (revoked["id"],))

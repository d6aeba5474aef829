"""Books read by concurrent requests share their statements on the read lane (db.lane), and each
request answers what it answers alone: the same data, the same errors, the same access log."""

import asyncio
from typing import Any

import psycopg
import pytest

from db.enums import ManagingAuthority
from graph.authz.principal import Role
from tests.factories.book import book
from tests.graph.conftest import Api
from tests.graph.operations import PERSON
from tests.graph.test_ebook import EVERY_SCOPE

BOOKS = 6


@pytest.fixture
def api(api_both: Api) -> Api:
    return api_both


def _authority(n: int) -> dict[str, Any]:
    """One person the ministry rule hides (a state secret: refused to every reader)."""
    return {"managing_authority": ManagingAuthority.DEFENCE} if n == 2 else {}


def _log(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    conn.commit()
    return conn.execute(
        "SELECT person_id, actor_role, actor_subject, data_groups, grounds FROM access_log"
        " ORDER BY person_id, actor_subject"
    ).fetchall()


async def test_concurrent_books_answer_as_they_do_alone(api: Api, conn: psycopg.Connection) -> None:
    books = [
        book(conn, periods=n * 7, cards=n % 3, visits=n * 2, **_authority(n)) for n in range(BOOKS)
    ]
    # An officer with every scope, and each person reading their own book (no log entry).
    requests = [(api.officer(EVERY_SCOPE), b.person["identification_number"]) for b in books] + [
        (api.citizen(b.person), b.person["identification_number"]) for b in books
    ]

    async def one(token: str, person: str) -> dict[str, Any]:
        response = await api.client.post(
            "/graphql",
            json={"query": PERSON, "variables": {"id": person}},
            headers={"Authorization": f"Bearer {token}"},
        )
        return dict(response.json())

    alone = [await one(*request) for request in requests]
    log_alone = _log(conn)
    lane, before = api.database.lane, len(api.database.readers)
    sent = lane.sent
    together = await asyncio.gather(*(one(*request) for request in requests))
    assert together == alone
    assert any("errors" not in body for body in alone)
    # Every read of the officer's requests is logged again, as alone: one insert per request
    # that read someone else's book.
    log = _log(conn)
    assert sorted(log) == sorted(log_alone * 2)
    inserts = len(log) - len(log_alone)
    # The server ran fewer statements than the requests read.
    reads = sum(r.statements for r in api.database.readers[before:]) - inserts
    assert lane.sent - sent < reads


async def test_a_citizen_sharing_a_statement_sees_only_their_own_book(
    api: Api, conn: psycopg.Connection
) -> None:
    """Two citizens' reads run as one statement; each sees their own book and is refused the
    other's, exactly as alone."""
    a, b = book(conn, periods=5), book(conn, periods=9)
    citizen_a = api.token(Role.CITIZEN, a.person["identification_number"])

    async def read(person: dict[str, Any]) -> dict[str, Any]:
        return await api.query(PERSON, citizen_a, {"id": person["identification_number"]})

    own_alone, other_alone = await read(a.person), await read(b.person)
    own, other = await asyncio.gather(read(a.person), read(b.person))
    assert (own, other) == (own_alone, other_alone)
    assert "errors" not in own
    assert other["errors"]

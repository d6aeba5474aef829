"""Nothing hangs: timeouts on statements, locks, checkouts and whole requests; a deadline or a
departed client cancels the query in the server; beyond the in-flight bound the answer is an
immediate 503; readiness is about the database, not the pool; database failures are retryable
codes. A test's transaction holding a table lock plays the slow database."""

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import psycopg
import pytest
from joserfc.jwk import ECKey
from psycopg.conninfo import make_conninfo

from db.session import Timeouts
from db.urls import libpq_conninfo
from graph.app import create_app
from graph.authz import tokens
from graph.authz.principal import Role
from graph.http.edge import DEFAULT_LIMITS, EdgeLimits
from tests.e2e.conftest import serve
from tests.factories.book import book
from tests.graph.conftest import Api, CountingDatabase, serving

APP_NAME = "bhxh-deadline-test"
ME = "{ me { fullName } }"
SLOW = Timeouts(statement=30, lock=30, checkout=2, connect=2)
"""The server would let a blocked statement wait 30 s: only the edge can end it sooner."""


@asynccontextmanager
async def make_api(
    database_url: str,
    key: ECKey,
    *,
    timeouts: Timeouts = SLOW,
    limits: EdgeLimits = DEFAULT_LIMITS,
    max_size: int = 4,
) -> AsyncIterator[Api]:
    conninfo = make_conninfo(libpq_conninfo(database_url), application_name=APP_NAME)
    database = CountingDatabase(conninfo, max_size=max_size, timeouts=timeouts)
    async with serving(database, key, limits=limits) as api:
        yield api


@contextmanager
def locked(database_url: str, table: str = "person") -> Iterator[None]:
    """Another transaction holds an exclusive lock on `table`: every statement reading it waits."""
    with psycopg.connect(libpq_conninfo(database_url)) as holder:
        holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            holder.rollback()


def waiting_on_locks(conn: psycopg.Connection) -> int:
    """The app's statements still running in the server, waiting for a lock."""
    row = conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
        " AND state = 'active' AND wait_event_type = 'Lock'",
        (APP_NAME,),
    ).fetchone()
    assert row is not None
    return int(row[0])


async def eventually(check: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def _post(api: Api, token: str, query: str = ME, **headers: str) -> httpx.Response:
    """A request that fails the test, rather than hanging it, if the app never answers."""
    request = api.client.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}", **headers}
    )
    return await asyncio.wait_for(request, 20)


async def test_the_deadline_cancels_the_query_in_the_server(
    database_url: str, dev_key: ECKey, conn: psycopg.Connection
) -> None:
    b = book(conn)
    async with make_api(database_url, dev_key, limits=EdgeLimits(request_timeout=1)) as api:
        with locked(database_url):
            started = time.monotonic()
            response = await _post(api, api.citizen(b.person), **{"X-Request-ID": "req-late"})
            assert time.monotonic() - started < 5  # the deadline, not the 30 s lock timeout
            assert response.status_code == 503
            assert response.headers["retry-after"] == "1"
            (error,) = response.json()["errors"]
            assert error["extensions"] == {"code": "DEADLINE_EXCEEDED", "requestId": "req-late"}
            # The statement is gone from the server while the lock is still held.
            await eventually(lambda: waiting_on_locks(conn) == 0)
        body = (await _post(api, api.citizen(b.person))).json()  # the connection came back
        assert body == {"data": {"me": {"fullName": b.person["full_name"]}}}


async def test_a_client_that_leaves_cancels_its_query(
    database_url: str, dev_key: ECKey, conn: psycopg.Connection
) -> None:
    """Over real HTTP: the server sees the disconnect (ASGI `http.disconnect`)."""
    b = book(conn)
    database = CountingDatabase(
        make_conninfo(libpq_conninfo(database_url), application_name=APP_NAME), timeouts=SLOW
    )
    app = create_app(
        database=database, verifier=tokens.dev_verifier(dev_key), dev=False, graphiql=False
    )
    token = tokens.mint(dev_key, role=Role.CITIZEN, subject=b.person["identification_number"])
    with serve(app) as url, locked(database_url):
        async with httpx.AsyncClient(base_url=url) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.post(
                    "/graphql",
                    json={"query": ME},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=httpx.Timeout(5, read=1),
                )
        await eventually(lambda: waiting_on_locks(conn) == 0)


@pytest.mark.parametrize(
    ("timeouts", "code"),
    [
        (Timeouts(statement=0.3, lock=30), "DEADLINE_EXCEEDED"),
        (Timeouts(statement=30, lock=0.3), "SERVICE_UNAVAILABLE"),
    ],
    ids=["statement timeout", "lock timeout"],
)
async def test_a_server_timeout_is_a_retryable_code(
    database_url: str, dev_key: ECKey, conn: psycopg.Connection, timeouts: Timeouts, code: str
) -> None:
    """A statement past statement_timeout ran out of time; one past lock_timeout found the
    database busy: both retryable, 503 with Retry-After when nothing was answered."""
    b = book(conn)
    async with make_api(database_url, dev_key, timeouts=timeouts) as api:
        with locked(database_url):
            response = await _post(api, api.citizen(b.person), **{"X-Request-ID": "req-t"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    body = response.json()
    assert body["data"] == {"me": None}
    (error,) = body["errors"]
    assert error["extensions"] == {"code": code, "requestId": "req-t"}
    assert error["path"] == ["me"]
    assert "retry" in error["message"]


async def test_an_answered_part_keeps_http_200(
    database_url: str, dev_key: ECKey, conn: psycopg.Connection
) -> None:
    """A retryable error beside answered data is a partial answer, not a 503."""
    b = book(conn)
    timeouts = Timeouts(statement=30, lock=0.3)
    async with make_api(database_url, dev_key, timeouts=timeouts) as api:
        with locked(database_url, "health_insurance_card"):
            response = await _post(
                api,
                api.citizen(b.person),
                "{ me { fullName healthInsurance { currentCard { code } } } }",
            )
    body = response.json()
    assert response.status_code == 200, body
    assert body["data"]["me"]["fullName"] == b.person["full_name"]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"SERVICE_UNAVAILABLE"}


async def test_an_unreachable_database_fails_fast_with_a_retryable_code(dev_key: ECKey) -> None:
    database = CountingDatabase("host=127.0.0.1 port=9", timeouts=Timeouts(checkout=1, connect=1))
    async with serving(database, dev_key, wait=False) as api:
        started = time.monotonic()
        response = await _post(
            api, api.officer(), '{ person(identificationNumber: "001088012345") { fullName } }'
        )
        assert time.monotonic() - started < 5
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert error["extensions"]["requestId"] == response.headers["x-request-id"]
        assert (await api.client.get("/readyz")).status_code == 503
        assert (await api.client.get("/healthz")).status_code == 200


async def test_beyond_the_in_flight_bound_the_answer_is_503_at_once(
    database_url: str, dev_key: ECKey, conn: psycopg.Connection
) -> None:
    b = book(conn)
    limits = EdgeLimits(max_in_flight=2)
    async with make_api(database_url, dev_key, limits=limits) as api:
        token = api.citizen(b.person)
        with locked(database_url):
            held = [asyncio.ensure_future(_post(api, token)) for _ in range(2)]
            # Both read the locked table: one statement waits there, the other's read queues
            # behind it on the read lane (or runs merged with it: the same person).
            lane = api.database.lane
            await eventually(lambda: waiting_on_locks(conn) == 1 and lane.waiting == 2)
            started = time.monotonic()
            shed = await _post(api, token, **{"X-Request-ID": "req-shed"})
            assert time.monotonic() - started < 1
            assert shed.status_code == 503
            assert shed.headers["retry-after"] == "1"
            assert shed.headers["x-request-id"] == "req-shed"
            (error,) = shed.json()["errors"]
            assert error["extensions"] == {"code": "OVERLOADED", "requestId": "req-shed"}
            # The platform's probes are never shed, and the database is up: ready.
            assert (await api.client.get("/healthz")).status_code == 200
            assert (await api.client.get("/readyz")).status_code == 200
        answers = await asyncio.gather(*held)
        assert [a.status_code for a in answers] == [200, 200]
        assert (await _post(api, token)).status_code == 200  # the slots came back


async def test_readiness_is_the_database_not_the_pool(
    database_url: str, dev_key: ECKey, conn: psycopg.Connection
) -> None:
    """Every pooled connection busy (one, blocked on a lock): still ready, at once."""
    b = book(conn)
    async with make_api(database_url, dev_key, max_size=1) as api:
        with locked(database_url):
            held = asyncio.ensure_future(_post(api, api.citizen(b.person)))
            await eventually(lambda: waiting_on_locks(conn) == 1)
            started = time.monotonic()
            ready = await api.client.get("/readyz")
            assert (ready.status_code, ready.text) == (200, "ready")
            assert time.monotonic() - started < 1.5
        assert (await held).status_code == 200


async def test_an_access_log_that_cannot_be_written_withholds_the_answer(
    database_url: str, dev_key: ECKey, conn: psycopg.Connection
) -> None:
    """No log, no data: the officer's read waits on the log's lock past lock_timeout, and the
    caller gets a retryable 503 without the person's data."""
    b = book(conn)
    timeouts = Timeouts(statement=30, lock=0.3)
    async with make_api(database_url, dev_key, timeouts=timeouts) as api:
        query = f'{{ person(identificationNumber: "{b.person["identification_number"]}") {{ fullName }} }}'
        with locked(database_url, "access_log"):
            response = await _post(api, api.officer(), query, **{"X-Request-ID": "req-log"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert b.person["full_name"] not in response.text
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "requestId": "req-log"}


async def test_an_access_log_write_that_fails_otherwise_is_a_500(
    database_url: str, dev_key: ECKey, conn: psycopg.Connection
) -> None:
    b = book(conn)
    conn.execute("ALTER TABLE access_log ADD CONSTRAINT test_refuse_all CHECK (false) NOT VALID")
    try:
        async with make_api(database_url, dev_key) as api:
            query = f'{{ person(identificationNumber: "{b.person["identification_number"]}") {{ fullName }} }}'
            response = await _post(api, api.officer(), query, **{"X-Request-ID": "req-500"})
    finally:
        conn.execute("ALTER TABLE access_log DROP CONSTRAINT test_refuse_all")
    assert response.status_code == 500
    assert b.person["full_name"] not in response.text
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-500"}

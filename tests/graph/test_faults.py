"""The database restarts under load, and the API recovers at once without ever hanging.

A private PostgreSQL cluster (db/embedded.py, in a temporary directory: the shared test server
is never restarted) holds a migrated database with a few e-books; the app is served over real
HTTP (uvicorn in a thread). Eight clients read e-books without pause while the cluster is stopped
for a few seconds and started again. Then:

- every request ended within its deadline (plus a little for the client's own clock);
- every failure was a retryable `SERVICE_UNAVAILABLE`, with HTTP 503 and `Retry-After` when
  nothing was answered;
- every request sent two seconds after the database's return succeeded;
- `/readyz` said 503 while the database was down and 200 right after it came back;
- after a restart while idle, the pooled (now dead) connections cost no request a failure.
"""

import asyncio
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from joserfc.jwk import ECKey

from db import migrate
from db.embedded import EmbeddedPostgres
from db.session import Database, DatabaseUnavailable, Query, Timeouts
from db.urls import libpq_conninfo
from graph.app import create_app
from graph.authz import tokens
from graph.authz.principal import Role
from graph.http.edge import EdgeLimits
from tests.e2e.conftest import serve
from tests.factories.book import book

FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
DEADLINE = 3.0
CLIENTS = 8
OUTAGE = 2.0
RECOVERY = 2.0
BOOK = "{ me { fullName socialInsurance { bhxhCode } healthInsurance { currentCard { code } } } }"


@dataclass
class Cluster:
    postgres: EmbeddedPostgres
    conninfo: str
    citizens: list[str]


@pytest.fixture(scope="module")
def cluster(pg_bindir: Path) -> Iterator[Cluster]:
    root = Path(tempfile.mkdtemp(prefix="bhxh-faults-"))
    root.chmod(0o755)  # the postgres user must reach the cluster under it
    postgres = EmbeddedPostgres(root / "pg", bindir=pg_bindir, extra_settings=FAST)
    try:
        url = postgres.start()
        migrate.upgrade(url)
        conninfo = libpq_conninfo(url)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            citizens = [book(conn).person["identification_number"] for _ in range(4)]
        yield Cluster(postgres, conninfo, citizens)
    finally:
        postgres.stop()
        shutil.rmtree(postgres.root, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Outcome:
    sent: float
    done: float
    status: int
    codes: list[str]
    retry_after: str | None
    answered: bool = False
    """Some of `data` came back (a request cut mid-way by the outage: HTTP 200, partial)."""


async def _read_books(
    client: httpx.AsyncClient, tokens_: list[str], until: asyncio.Event
) -> list[Outcome]:
    outcomes = []
    index = 0
    while not until.is_set():
        token = tokens_[index % len(tokens_)]
        index += 1
        sent = time.monotonic()
        try:
            response = await client.post(
                "/graphql", json={"query": BOOK}, headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.TransportError as exc:  # a hang or a dropped connection: both are failures
            outcomes.append(Outcome(sent, time.monotonic(), 0, [type(exc).__name__], None))
            continue
        body = response.json()
        codes = [e["extensions"]["code"] for e in body.get("errors", [])]
        answered = (body.get("data") or {}).get("me") is not None
        outcomes.append(
            Outcome(
                sent,
                time.monotonic(),
                response.status_code,
                codes,
                response.headers.get("retry-after"),
                answered,
            )
        )
    return outcomes


async def _readiness(client: httpx.AsyncClient) -> int:
    return (await client.get("/readyz", timeout=DEADLINE + 2)).status_code


def _app(cluster: Cluster, key: ECKey) -> tuple[Database, object]:
    database = Database(
        cluster.conninfo,
        max_size=4,
        timeouts=Timeouts(statement=2, lock=1, checkout=1, connect=1),
    )
    app = create_app(
        database=database,
        verifier=tokens.dev_verifier(key),
        dev=False,
        graphiql=False,
        limits=EdgeLimits(request_timeout=DEADLINE),
    )
    return database, app


async def test_a_restart_under_load_costs_only_the_outage(cluster: Cluster, dev_key: ECKey) -> None:
    _, app = _app(cluster, dev_key)
    citizen_tokens = [tokens.mint(dev_key, role=Role.CITIZEN, subject=c) for c in cluster.citizens]
    with serve(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=DEADLINE + 5) as client:
            assert await _readiness(client) == 200
            until = asyncio.Event()
            load = [
                asyncio.ensure_future(_read_books(client, citizen_tokens, until))
                for _ in range(CLIENTS)
            ]
            await asyncio.sleep(1.0)

            # The outage begins when the stop does: a fast shutdown refuses new sessions and ends
            # the others at once, and on a loaded machine `stop` takes a second or more to return.
            stopping = time.monotonic()
            await asyncio.to_thread(cluster.postgres.stop)
            down_readiness = []
            went_down = time.monotonic()
            while time.monotonic() - went_down < OUTAGE:
                down_readiness.append(await _readiness(client))
                await asyncio.sleep(0.2)
            await asyncio.to_thread(cluster.postgres.start)
            returned = time.monotonic()
            up_readiness = await _readiness(client)

            await asyncio.sleep(RECOVERY + 1.5)
            until.set()
            outcomes = [o for batch in await asyncio.gather(*load) for o in batch]

    assert down_readiness and set(down_readiness) == {503}
    assert up_readiness == 200

    def ok(o: Outcome) -> bool:
        return o.status == 200 and not o.codes

    assert any(ok(o) and o.done < stopping for o in outcomes)  # it served before
    failures = [o for o in outcomes if not ok(o)]
    assert failures  # the outage was felt (else this test proves nothing)
    for failure in failures:
        assert set(failure.codes) == {"SERVICE_UNAVAILABLE"}, failure
        if failure.answered:  # the outage began mid-request: what was read stands
            assert failure.status == 200, failure
        else:
            assert (failure.status, failure.retry_after) == (503, "1"), failure
        assert stopping - 1 < failure.sent < returned + RECOVERY, failure
    for outcome in outcomes:
        assert outcome.done - outcome.sent < DEADLINE + 1, outcome  # nothing hung
    late = [o for o in outcomes if o.sent >= returned + RECOVERY]
    assert late and all(map(ok, late))


async def test_a_restart_while_idle_fails_no_request(cluster: Cluster, dev_key: ECKey) -> None:
    """The pool's idle connections die with the server; each checkout checks its connection, so
    no request gets a dead one."""
    _, app = _app(cluster, dev_key)
    token = tokens.mint(dev_key, role=Role.CITIZEN, subject=cluster.citizens[0])
    with serve(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=DEADLINE + 5) as client:
            headers = {"Authorization": f"Bearer {token}"}
            # Fill the pool: four requests at once hold four connections.
            warm = [
                client.post("/graphql", json={"query": BOOK}, headers=headers) for _ in range(4)
            ]
            assert {r.status_code for r in await asyncio.gather(*warm)} == {200}
            await asyncio.to_thread(cluster.postgres.stop)
            await asyncio.to_thread(cluster.postgres.start)
            started = time.monotonic()
            statuses = []
            for _ in range(15):
                response = await client.post("/graphql", json={"query": BOOK}, headers=headers)
                statuses.append((response.status_code, response.json().get("errors")))
            assert statuses == [(200, None)] * 15
            assert time.monotonic() - started < 15


async def test_the_pool_reaches_a_returning_database_within_a_second(cluster: Cluster) -> None:
    """A replica started before its database (or left without one): the pool keeps trying, and
    its attempts are close enough together that the first request after the database's return
    is served at once. (psycopg_pool's own backoff doubles from 1 s: after 3.5 s down, its next
    attempt came 3 s after the database.)"""
    database = Database(cluster.conninfo, max_size=1, timeouts=Timeouts(checkout=0.2, connect=1))
    await asyncio.to_thread(cluster.postgres.stop)
    try:
        await database.open(wait=False)
        await asyncio.sleep(3.5)
    finally:
        await asyncio.to_thread(cluster.postgres.start)
    returned = time.monotonic()
    try:
        while True:
            try:
                async with database.reader() as reader:
                    assert await reader.fetch(Query("ping", "SELECT 1 AS one"), {}) == [{"one": 1}]
                break
            except DatabaseUnavailable:
                assert time.monotonic() - returned < 5, "the pool did not come back"
        assert time.monotonic() - returned < 1.5
    finally:
        await database.close()

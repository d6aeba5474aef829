"""Database access for the API: psycopg pools, the process's lanes (db.lane) and a per-request
`Reader`.

Policy for concurrent resolvers: graphql-core resolves sibling fields concurrently. The `Reader`
gathers a request's reads: those handed to it while its previous batch is on the wire, or within
a few event-loop turns of each other (the loaders of one level of the query dispatch together),
go to the process's read lane as one batch, which sends them in one psycopg pipeline with the
batches of the other requests in flight (merging reads of one statement: db.lane): one round trip
for the level, the same statements; the number of statements, not their overlap, is what the
design budgets. Reads run in autocommit: no BEGIN/ROLLBACK per batch; a write (`execute`) is a
single statement of its own, never pipelined with reads (db/pipeline.py says why), on the
request's own pooled connection, or on the append lane for the access log's inserts; a unit of
work (`transaction`) holds the request's connection. One request's batches and writes go one at
a time, in order (a read after a write sees it).

Every caller gets its own rows or its own error, as if its statement had run alone: the reads of
one pipeline share an implicit transaction, so when one fails the server skips the rest; those are
sent again in the next pipeline (they are reads), unless the connection is gone, when they fail as
`DatabaseUnavailable`. A caller cancelled while its read is on the wire leaves the statement to
finish (others share the pipeline); `release()` ends the request's reads at once and cancels a
statement in the server that no other request waits for. `statements` counts each statement the
request asked for once; `round_trips` counts the pipelines and single statements that carried
them.

Statements are prepared once per connection: the reads and a lone write go through db.pipeline,
which prepares every `Query` at its first run on a connection (a unit of work's statements through
psycopg's cursors, which do the same), and parameters reach the server untyped (db.adapters), so
each SQL text is one prepared statement, planned once and counted under one query id.

Faults: every connection carries a statement and a lock timeout; a checkout waits at most
`Timeouts.checkout` and checks the connection first (a server restart leaves the pool full of
dead ones): a server that ends a connection (shutdown, crash, terminated backend, idle timeout)
says so or closes the socket, so only a connection with something to read since it went back to
the pool pays a round trip to be checked, the others none. The pool retries connecting every
fraction of a second, so it is back within about a second of the database. Whatever of this
fails reaches the caller as `DatabaseUnavailable` or `StatementTimeout`, which the API answers
with a retryable code.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, Final, cast

import psycopg
import psycopg_pool.pool_async
from psycopg import AsyncConnection, AsyncRawCursor
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool
from psycopg_pool.base import AttemptWithBackoff

from db import pipeline
from db.adapters import ADAPTERS
from db.lane import Lane, Traffic, quiet
from db.statements import (
    DatabaseUnavailable,
    Outbox,
    Pending,
    Query,
    Row,
    StatementTimeout,
    ended,
    fail,
    mapped,
)

__all__ = [
    "Database",
    "DatabaseUnavailable",
    "Query",
    "Reader",
    "Row",
    "StatementTimeout",
    "Timeouts",
    "Transaction",
]

log = logging.getLogger(__name__)

STATEMENT_CANCEL_SECONDS: Final = 5.0
"""How long a cancelled request waits for its running statement to end in the server."""
RECONNECT_INITIAL_DELAY: Final = 0.1
RECONNECT_MAX_DELAY: Final = 0.5
"""Seconds between attempts to reach a database that is down (see `_Backoff`)."""
GATHER_IDLE_TURNS: Final = 2
"""Event-loop turns without a new read after which the waiting reads are sent (`Reader._gather`)."""


@dataclass(frozen=True)
class Timeouts:
    """Seconds. `statement` and `lock` are the server's own limits on every statement of the
    API's connections; `checkout` bounds the wait for a pooled connection (and its check);
    `connect` bounds opening one (and the readiness probe)."""

    statement: float = 5.0
    lock: float = 2.0
    checkout: float = 2.0
    connect: float = 2.0


DEFAULT_TIMEOUTS: Final = Timeouts()


class Reader:
    """One request's database access: counts statements, hands the reads that wait together to
    the process's read lane (db.lane) as one batch, and lazily takes a pooled connection of its
    own for writes and units of work (see the module's note)."""

    def __init__(
        self,
        pool: AsyncConnectionPool[AsyncConnection[DictRow]],
        lane: Lane,
        appends: Lane | None = None,
    ) -> None:
        self._pool = pool
        self._lane = lane
        self._appends = appends
        self._traffic = lane.traffic
        self._conn: AsyncConnection[DictRow] | None = None
        self._lock = asyncio.Lock()
        """Held by a batch of reads on the lane, or a write: one at a time, in order."""
        self._outbox = Outbox(self._gather, self._send)
        self._reading: list[Pending] = []
        """The batch on a lane: `_on`."""
        self._on = lane
        self._writing = False
        self._released = False
        self.statements = 0
        self._trips = 0

    @property
    def round_trips(self) -> int:
        """Pipelines and single statements sent: what the statements cost in waiting."""
        return self._trips + max((p.trips for p in self._reading), default=0)

    async def fetch(self, query: Query, params: Mapping[str, Any]) -> list[Row]:
        if self._released:
            raise ended(query)
        pending = Pending(query, params, asyncio.get_running_loop().create_future())
        self._outbox.put([pending])
        return await pending.answer

    async def rows(self, query: Query, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """`fetch` for a query whose rows are tuples: no dict per row where the reader knows
        the columns by place."""
        assert query.tuples, query.name
        return cast(list[tuple[Any, ...]], await self.fetch(query, params))

    async def execute(self, query: Query, params: Mapping[str, Any]) -> None:
        """A write: its own single-statement transaction (a pipeline of one: the statement and
        its Sync), never sent with reads. An append (`Query.appends`) goes on the append lane,
        in one statement and one commit with the concurrent requests' (db.lane)."""
        if query.appends is not None and self._appends is not None:
            await self._append(query, params)
            return
        async with self._writes():
            try:
                conn = await self._connection()
            except psycopg.Error as exc:  # the pool's checkout
                raise mapped(query, exc)  # noqa: B904 (it keeps the cause)
            if conn is None:
                raise ended(query)
            self.statements += 1
            self._trips += 1
            (outcome,) = await pipeline.run(conn, [query.bound(params)])
        if isinstance(outcome, psycopg.Error):
            raise mapped(query, outcome)  # which keeps psycopg's error as its cause
        if outcome is pipeline.NOT_RUN:
            raise DatabaseUnavailable(f"{query.name}: not run")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator["Transaction"]:
        """A unit of work (graph.writes): one transaction on the request's connection, holding
        the connection (no read of this request interleaves) until it commits or, when the body
        raises, rolls back. A failure of the database itself (lost connection, timeout, also at
        COMMIT) is `DatabaseUnavailable`: whether it committed is then unknown to the caller,
        which is what idempotency keys are for."""
        async with self._writes():
            try:
                conn = await self._connection()
                if conn is None:
                    raise ended(_TRANSACTION)
                async with conn.transaction():
                    yield Transaction(conn, self)
            except psycopg.Error as exc:
                if (unavailable := mapped(_TRANSACTION, exc)) is exc:
                    raise  # a constraint's refusal: the writer decides what it means
                raise unavailable from exc

    async def _send(self, batch: list[Pending], lane: Lane | None = None) -> None:
        """Statements to a lane (the read lane unless said), after this request's writes and
        batches before them."""
        lane = lane or self._lane
        async with self._lock:
            if self._released:
                for pending in batch:
                    fail(pending, ended(pending.query))
                return
            self.statements += len(batch)
            self._reading, self._on = batch, lane
            try:
                await lane.send(batch)
            finally:
                self._trips += max(p.trips for p in batch)
                self._reading = []

    async def _gather(self) -> None:
        """A DataLoader dispatches its batch a few event-loop turns after its first `load`, and
        the loaders of one level of the query do so in neighbouring turns: wait until
        `GATHER_IDLE_TURNS` turns in a row brought no new read."""
        idle = 0
        while idle < GATHER_IDLE_TURNS:
            waiting = len(self._outbox.pending)
            await asyncio.sleep(0)
            idle = idle + 1 if len(self._outbox.pending) == waiting else 0

    async def _append(self, query: Query, params: Mapping[str, Any]) -> None:
        assert self._appends is not None
        pending = Pending(query, params, asyncio.get_running_loop().create_future())
        await self._send([pending], self._appends)
        await pending.answer  # its rows (none), or its error

    @asynccontextmanager
    async def _writes(self) -> AsyncIterator[None]:
        async with self._traffic.parked(), self._lock:
            self._writing = True
            try:
                yield
            finally:
                self._writing = False

    async def _connection(self) -> AsyncConnection[DictRow] | None:
        """The request's connection, taken from the pool on first use; None once it has ended."""
        if self._conn is None and not self._released:
            conn = await self._pool.getconn()
            if self._released:  # the request ended (cancelled) while this waited
                await self._pool.putconn(conn)
            else:
                self._conn = conn
        return None if self._released else self._conn

    async def release(self) -> None:
        """Ends the request's access: reads waiting to be sent, or on the lane, are answered
        `DatabaseUnavailable` at once, and a statement nobody else waits for is cancelled in the
        server (db.lane); a write still running on the request's connection is cancelled there,
        and the connection goes back once it has ended — closing it instead would leave the
        statement running in the server."""
        self._released = True
        reading = [*self._outbox.take(), *self._reading]
        for pending in reading:
            fail(pending, ended(pending.query))
        if reading:
            await self._on.abandoned()
        if self._writing:
            if self._conn is not None:
                with suppress(psycopg.Error):
                    await self._conn.cancel_safe(timeout=STATEMENT_CANCEL_SECONDS)
            with suppress(TimeoutError):
                async with asyncio.timeout(STATEMENT_CANCEL_SECONDS), self._lock:
                    pass
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await self._pool.putconn(conn)


_TRANSACTION: Final = Query("transaction", "")


class Transaction:
    """The statements of one unit of work, each sent on its own (a write's statements depend on
    each other's outcome) and counted with the request's."""

    def __init__(self, conn: AsyncConnection[DictRow], reader: Reader) -> None:
        self._conn = conn
        self._reader = reader

    async def fetch(self, query: Query, params: Mapping[str, Any]) -> list[Row]:
        cursor = await self._run(query, params)
        return await cursor.fetchall() if cursor.description else []

    async def execute(self, query: Query, params: Mapping[str, Any]) -> int:
        """The number of rows the statement changed."""
        cursor = await self._run(query, params)
        return int(cursor.rowcount)

    async def _run(self, query: Query, params: Mapping[str, Any]) -> Any:
        self._reader.statements += 1
        self._reader._trips += 1
        try:
            return await self._conn.execute(query.raw, query.args(params), prepare=True)
        except psycopg.Error as exc:
            if (unavailable := mapped(query, exc)) is exc:
                raise
            raise unavailable from exc


class _Backoff(AttemptWithBackoff):
    """psycopg_pool waits 1, 2, 4, 8… s between attempts to reach a database that is down (and
    between checks of dead pooled connections), so after a 20 s outage the pool came back ~9 s
    after the database. It has no parameter for this, so `Database` puts this policy in its place:
    a first retry after ~0.1 s, then at most every 0.5 s."""

    INITIAL_DELAY = RECONNECT_INITIAL_DELAY

    def update_delay(self, now: float) -> None:
        super().update_delay(now)
        self.delay = min(self.delay, RECONNECT_MAX_DELAY)


class Database:
    """The process's connection pools: the requests' (writes, units of work) and the read lane's
    one connection (db.lane); `reader()` scopes one request's access."""

    def __init__(
        self,
        conninfo: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
    ) -> None:
        psycopg_pool.pool_async.AttemptWithBackoff = _Backoff  # type: ignore[attr-defined]
        self.conninfo = conninfo
        self.timeouts = timeouts
        self.pool = self._pool("bhxh", min_size=min_size, max_size=max_size)
        self.traffic = Traffic()
        self.lane = Lane(self._pool("bhxh-reads", min_size=1, max_size=1), self.traffic)
        self.appends = Lane(
            self._pool("bhxh-appends", min_size=1, max_size=1), self.traffic, writes=True
        )
        self._ping: asyncio.Task[bool] | None = None

    def _pool(
        self, name: str, *, min_size: int, max_size: int
    ) -> AsyncConnectionPool[AsyncConnection[DictRow]]:
        return AsyncConnectionPool(
            self.conninfo,
            min_size=min_size,
            max_size=max_size,
            open=False,
            kwargs={
                "autocommit": True,
                "row_factory": dict_row,
                "cursor_factory": AsyncRawCursor,  # `$n` placeholders: see Query
                "context": ADAPTERS,
                "connect_timeout": _connect_timeout(self.timeouts.connect),
            },
            configure=self._configure,
            check=self._check,
            timeout=self.timeouts.checkout,
            name=name,
        )

    async def open(self, *, wait: bool = True) -> None:
        """`wait=False` serves at once and lets the pools connect in the background (the app's
        start: `/readyz` says when the database answers)."""
        for pool in (self.lane.pool, self.appends.pool, self.pool):
            await pool.open(wait=wait)

    async def close(self) -> None:
        for pool in (self.pool, self.lane.pool, self.appends.pool):
            await pool.close()

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[Reader]:
        reader = Reader(self.pool, self.lane, self.appends)
        try:
            async with self.traffic.request():
                yield reader
        finally:
            await reader.release()

    async def _configure(self, conn: AsyncConnection[DictRow]) -> None:
        statement, lock = _milliseconds(self.timeouts.statement), _milliseconds(self.timeouts.lock)
        # No JIT: the API's statements are short keyed look-ups, and a batch of many keys can lift
        # a plan's estimate over `jit_above_cost` (generate_series' 1,000-row guess), where
        # compiling costs far more than it saves (DESIGN.md, "Facts": 54 ms instead of 7.8 ms).
        # Generic plans: a prepared statement is planned once per connection, not at every run.
        # On `auto` every read stayed on a custom plan (a generic plan costs `= ANY(:keys)` for
        # ten keys; one book's custom plan always looked cheaper), so PostgreSQL planned every
        # statement again: forcing generic plans took 0.62x PostgreSQL's CPU per book
        # (bench/results/ebook.md). Writes too: their statements' generic plans are as good.
        # Every statement's generic plan is checked (tests/db/test_generic_plans.py).
        await conn.execute(
            f"SET statement_timeout = {statement}; SET lock_timeout = {lock}; SET jit = off;"
            " SET plan_cache_mode = force_generic_plan"
        )

    async def _check(self, conn: AsyncConnection[DictRow]) -> None:
        if quiet(conn):
            # Nothing said on it since it went back: a round trip ("" sent and answered) per
            # request would tell no more. A server gone without a word (a cut network) escapes
            # both until a timeout; here the request's statement meets it instead of the check.
            return
        try:
            await AsyncConnectionPool.check_connection(conn)
        except Exception:
            # One dead connection means the server went away: its idle siblings are dead too.
            # Replacing them now spares the next requests a failed check each.
            for pool in (self.pool, self.lane.pool, self.appends.pool):
                await pool.drain()
            raise

    async def ping(self) -> bool:
        """Whether the database answers now, on a connection of its own: a busy pool is not an
        unreachable database, and a probe must not queue behind requests. Concurrent probes
        share one attempt."""
        if self._ping is None or self._ping.done():
            self._ping = asyncio.ensure_future(self._ping_once())
        return await asyncio.shield(self._ping)

    async def _ping_once(self) -> bool:
        try:
            async with asyncio.timeout(self.timeouts.connect + 1):
                conn = await AsyncConnection.connect(
                    self.conninfo,
                    autocommit=True,
                    connect_timeout=_connect_timeout(self.timeouts.connect),
                )
                async with conn:
                    await conn.execute("SELECT 1")
        except (psycopg.Error, OSError, TimeoutError) as exc:
            log.warning("database ping failed: %s", _one_line(exc))
            return False
        return True


def wait_until_reachable(conninfo: str, *, seconds: float, interval: float = 0.5) -> None:
    """Block until the database accepts a connection, for at most `seconds` (so that a service
    started before its database waits for it); then `DatabaseUnavailable` with a one-line reason
    that names the server, never the password."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(conninfo, autocommit=True, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.Error as exc:
            if time.monotonic() + interval > deadline:
                raise DatabaseUnavailable(
                    f"the database {_describe(conninfo)} did not answer within {seconds:g} s"
                    f" ({_one_line(exc)})"
                ) from None
        time.sleep(interval)


def _describe(conninfo: str) -> str:
    try:
        params = conninfo_to_dict(conninfo)
    except psycopg.Error:
        return "(unparsable DATABASE_URL)"
    host = str(params.get("host") or "localhost")
    port = str(params.get("port") or 5432)
    return f"{params.get('dbname') or params.get('user') or ''} at {host}:{port}".strip()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _connect_timeout(seconds: float) -> int:
    return max(2, round(seconds))  # libpq's unit is whole seconds, and below 2 it means 2

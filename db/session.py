"""Database access for the API: a psycopg pool and a per-request `Reader`.

Policy for concurrent resolvers: graphql-core resolves sibling fields concurrently, and every
batch function of one request runs on the request's single pooled connection. The `Reader` takes
an asyncio lock around each statement, so two loaders dispatching in the same tick queue up on
the connection instead of interleaving protocol messages; the number of statements, not their
overlap, is what the design budgets. Reads run in autocommit: no BEGIN/ROLLBACK per batch.

Statements are prepared once per connection: `Reader` asks psycopg to prepare every `Query` at its
first run, and parameters reach the server untyped (`_ADAPTERS`), so the SQL's casts and context
decide every parameter's type. psycopg would otherwise type a Python int by its value (smallint,
integer or bigint, and arrays of them) and send None untyped: one SQL text became several prepared
statements, each planned apart and counted under a query id of its own, as the keys of a batch
crossed 32,767 or a cursor went from None to a value.

Faults: every connection carries a statement and a lock timeout; a checkout waits at most
`Timeouts.checkout` and checks the connection first (a server restart leaves the pool full of
dead ones); the pool retries connecting every fraction of a second, so it is back within about a
second of the database. Whatever of this fails reaches the caller as `DatabaseUnavailable` or
`StatementTimeout`, which the API answers with a retryable code.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

import psycopg
import psycopg_pool.pool_async
from psycopg import AsyncConnection, AsyncCursor, errors
from psycopg.adapt import AdaptersMap, Dumper, PyFormat
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import DictRow, dict_row
from psycopg.types.bool import BoolDumper
from psycopg.types.datetime import DateDumper, DatetimeDumper
from psycopg.types.numeric import Int8Dumper
from psycopg.types.uuid import UUIDDumper
from psycopg_pool import AsyncConnectionPool
from psycopg_pool.base import AttemptWithBackoff

log = logging.getLogger(__name__)

Row = dict[str, Any]

STATEMENT_CANCEL_SECONDS: Final = 5.0
"""How long a cancelled request waits for its running statement to end in the server."""
RECONNECT_INITIAL_DELAY: Final = 0.1
RECONNECT_MAX_DELAY: Final = 0.5
"""Seconds between attempts to reach a database that is down (see `_Backoff`)."""


class DatabaseUnavailable(Exception):
    """The database could not be reached or answered in time: try again (elsewhere)."""


class StatementTimeout(DatabaseUnavailable):
    """A statement ran past `statement_timeout` and the server cancelled it."""


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


class _UntypedInt(Int8Dumper):
    oid = 0  # "unknown": the server gives the parameter the type its context asks for


class _UntypedBool(BoolDumper):
    oid = 0


class _UntypedDate(DateDumper):
    oid = 0


class _UntypedUUID(UUIDDumper):
    oid = 0


class _UntypedDatetime(DatetimeDumper):
    oid = 0

    def upgrade(self, obj: Any, format: PyFormat) -> Dumper:
        return self  # naive or aware, the text is parsed as the context's type


def _untyped_adapters() -> AdaptersMap:
    """psycopg's adapters, except that ints, bools, dates, timestamps and UUIDs, alone or in lists,
    are sent as text of unknown type, as psycopg already sends strings and None: a parameter's
    type no longer depends on its value, so each statement text is one prepared statement."""
    adapters = AdaptersMap(psycopg.adapters)
    for cls, dumper in (
        (int, _UntypedInt),
        (bool, _UntypedBool),
        (date, _UntypedDate),
        (datetime, _UntypedDatetime),
        (UUID, _UntypedUUID),
    ):
        adapters.register_dumper(cls, dumper)
    return adapters


_ADAPTERS: Final = _untyped_adapters()


@dataclass(frozen=True)
class Query:
    """A statement compiled once to psycopg's `%(name)s` form; `name` labels it in metrics."""

    name: str
    sql: str


class Reader:
    """One request's read access: lazily takes a pooled connection, counts statements."""

    def __init__(self, pool: AsyncConnectionPool[AsyncConnection[DictRow]]) -> None:
        self._pool = pool
        self._conn: AsyncConnection[DictRow] | None = None
        self._lock = asyncio.Lock()
        self._released = False
        self.statements = 0

    async def fetch(self, query: Query, params: Mapping[str, Any]) -> list[Row]:
        async with self._lock:
            cursor = await self._run(query, params)
            return await cursor.fetchall()

    async def execute(self, query: Query, params: Mapping[str, Any]) -> None:
        """A write: its own single-statement transaction (the connection is in autocommit)."""
        async with self._lock:
            await self._run(query, params)

    async def _run(self, query: Query, params: Mapping[str, Any]) -> AsyncCursor[DictRow]:
        try:
            if self._conn is None:
                conn = await self._checkout(query)
                self._conn = conn
            self.statements += 1
            return await self._conn.execute(query.sql.encode(), params, prepare=True)
        except errors.QueryCanceled as exc:
            if "statement timeout" in (exc.diag.message_primary or ""):
                raise StatementTimeout(f"{query.name}: statement timeout") from exc
            raise DatabaseUnavailable(f"{query.name}: cancelled") from exc
        except psycopg.OperationalError as exc:
            # Connection lost or refused, pool checkout timed out, lock timeout, server
            # shutting down: the request may succeed on a retry, so it is not the caller's fault
            # and not a bug.
            raise DatabaseUnavailable(f"{query.name}: {type(exc).__name__}") from exc

    async def _checkout(self, query: Query) -> AsyncConnection[DictRow]:
        if self._released:
            raise DatabaseUnavailable(f"{query.name}: the request has ended")
        conn = await self._pool.getconn()
        if self._released:  # the request ended (cancelled) while this batch waited
            await self._pool.putconn(conn)
            raise DatabaseUnavailable(f"{query.name}: the request has ended")
        return conn

    async def release(self) -> None:
        """Returns the connection. A cancelled request (deadline, client gone) can end while a
        loader's batch, which runs in a task of its own, still waits on a statement: that
        statement is cancelled in the server, and the connection goes back once it has ended —
        closing it instead would leave the statement running in the server."""
        self._released = True
        if self._lock.locked():
            if self._conn is not None:
                with suppress(psycopg.Error):
                    await self._conn.cancel_safe(timeout=STATEMENT_CANCEL_SECONDS)
            with suppress(TimeoutError):
                async with asyncio.timeout(STATEMENT_CANCEL_SECONDS), self._lock:
                    pass
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await self._pool.putconn(conn)


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
    """The process's connection pool; `reader()` scopes one request's access."""

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
        self.pool: AsyncConnectionPool[AsyncConnection[DictRow]] = AsyncConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            open=False,
            kwargs={
                "autocommit": True,
                "row_factory": dict_row,
                "context": _ADAPTERS,
                "connect_timeout": _connect_timeout(timeouts.connect),
            },
            configure=self._configure,
            check=self._check,
            timeout=timeouts.checkout,
            name="bhxh",
        )
        self._ping: asyncio.Task[bool] | None = None

    async def open(self, *, wait: bool = True) -> None:
        """`wait=False` serves at once and lets the pool connect in the background (the app's
        start: `/readyz` says when the database answers)."""
        await self.pool.open(wait=wait)

    async def close(self) -> None:
        await self.pool.close()

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[Reader]:
        reader = Reader(self.pool)
        try:
            yield reader
        finally:
            await reader.release()

    async def _configure(self, conn: AsyncConnection[DictRow]) -> None:
        statement, lock = _milliseconds(self.timeouts.statement), _milliseconds(self.timeouts.lock)
        # No JIT: the API's statements are short keyed look-ups, and a batch of many keys can lift
        # a plan's estimate over `jit_above_cost` (generate_series' 1,000-row guess), where
        # compiling costs far more than it saves (DESIGN.md, "Facts": 54 ms instead of 7.8 ms).
        await conn.execute(
            f"SET statement_timeout = {statement}; SET lock_timeout = {lock}; SET jit = off"
        )

    async def _check(self, conn: AsyncConnection[DictRow]) -> None:
        try:
            await AsyncConnectionPool.check_connection(conn)
        except Exception:
            # One dead connection means the server went away: its idle siblings are dead too.
            # Replacing them now spares the next requests a failed check each.
            await self.pool.drain()
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

"""The process's reads, of every request, on one connection of their own: while a pipeline is on
the wire the reads that come queue, and the next pipeline carries them all; reads of one
statement with equal parameters but their keys run as one statement with the keys together.

Why: for a book's ~12 keyed reads PostgreSQL spends more of its CPU setting up and tearing
down each statement's generic plan (ExecutorStart, the portal: ~50 %) than running it, and a
pipeline costs system calls and a commit whatever it holds. Merged across concurrent requests,
that work is shared: 2.85 ms of PostgreSQL's CPU a book alone, 1.41 ms at four books a
statement, 1.06 at sixteen (bench/results/ebook.md). Nothing waits for company: an idle lane
sends at once, so a lone request pays one event-loop turn; under load, the pipeline on the
wire is what gathers the next.

Semantics are each caller's as if its read had run alone (db.session's note):
- A merged statement's rows go to each caller by the key columns the query names
  (`Query.keyed_by`): only its own keys' rows, in the statement's order. A query that names
  none is never merged.
- A read the server skipped (an earlier statement of the pipeline failed) is sent again; a
  merged statement that failed is sent again once per caller, alone, so that a row that makes
  a statement fail fails only the requests that read it.
- A caller that leaves (its request ended) is not waited for; the statement on the wire is
  cancelled in the server once no caller of that pipeline waits any more, never before, since
  others share it. Its request's `statement_timeout` still bounds it.
The connection comes from a pool of one (`Database`), which checks it and reconnects as the
request pool does; writes and units of work keep the request's own connection.
"""

import asyncio
from collections.abc import AsyncIterator, Hashable, Sequence
from contextlib import asynccontextmanager, suppress
from typing import Any, Final

import psycopg
from psycopg import AsyncConnection
from psycopg.rows import DictRow
from psycopg_pool import AsyncConnectionPool

from db import pipeline
from db.statements import DatabaseUnavailable, Pending, answer, fail, mapped

CANCEL_SECONDS: Final = 5.0
HOLD_SECONDS: Final = 0.002
"""The longest a read waits for the other requests in flight to join it (`_hold`)."""

_Group = list[Pending]


class ReadLane:
    def __init__(self, pool: AsyncConnectionPool[AsyncConnection[DictRow]]) -> None:
        self._pool = pool
        self._queue: list[Pending] = []
        self._sender: asyncio.Task[None] | None = None
        self._flight: list[Pending] = []
        """The reads of the pipeline on the wire."""
        self._conn: AsyncConnection[DictRow] | None = None
        """The pool's connection while a pipeline is on the wire."""
        self.sent = 0
        """Statements sent, merged ones once: what the server ran."""
        self.active = 0
        """Requests in flight (`db.session.Database.reader`)."""
        self._parked = 0
        """Those waiting on the database: on this lane, or a write of their own."""
        self._moved = asyncio.Event()

    @property
    def reads(self) -> int:
        """Reads queued or on the wire."""
        return len(self._queue) + sum(not p.answer.done() for p in self._flight)

    @asynccontextmanager
    async def request(self) -> AsyncIterator[None]:
        self.active += 1
        try:
            yield
        finally:
            self.active -= 1
            self._moved.set()

    @asynccontextmanager
    async def parked(self) -> AsyncIterator[None]:
        """Around a wait on the database, so that reads do not wait for this request."""
        self._parked += 1
        self._moved.set()
        try:
            yield
        finally:
            self._parked -= 1

    async def read(self, batch: Sequence[Pending]) -> None:
        """Sends `batch` with whatever else waits; returns once each of its reads is answered
        (or failed, or abandoned by its caller)."""
        self._queue.extend(batch)
        if self._sender is None:
            self._sender = asyncio.create_task(self._send_queued())
        async with self.parked():
            await asyncio.wait([p.answer for p in batch])

    async def abandoned(self) -> None:
        """Some caller left: when nobody waits for the pipeline on the wire any more, its running
        statement is cancelled in the server (the rest of it is then skipped)."""
        conn = self._conn
        if conn is None or not self._flight or not all(p.answer.done() for p in self._flight):
            return
        with suppress(psycopg.Error):
            await conn.cancel_safe(timeout=CANCEL_SECONDS)

    async def _send_queued(self) -> None:
        batch: list[Pending] = []
        try:
            while True:
                await self._hold()
                batch = [p for p in self._queue if not p.answer.done()]
                self._queue = []
                if not batch:
                    return
                await self._send(batch)
        except BaseException as exc:
            # A bug or the loop's shutdown: no caller may wait forever.
            for pending in [*batch, *self._queue]:
                fail(pending, DatabaseUnavailable(f"{pending.query.name}: {type(exc).__name__}"))
            self._queue = []
            raise
        finally:
            self._sender = None

    async def _hold(self) -> None:
        """Waits, at most `HOLD_SECONDS`, until every request in flight waits on the database:
        the others are running Python and may be about to read the same statements."""
        await asyncio.sleep(0)
        deadline = asyncio.get_running_loop().time() + HOLD_SECONDS
        while self._parked < self.active:
            self._moved.clear()
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return
            with suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._moved.wait()

    async def _send(self, batch: list[Pending]) -> None:
        while batch:
            groups = _merged(batch)
            try:
                conn = await self._pool.getconn()
            except psycopg.Error as exc:
                for pending in batch:
                    fail(pending, mapped(pending.query, exc))
                return
            self._conn, self._flight = conn, batch
            for pending in batch:
                pending.trips += 1
            self.sent += len(groups)
            try:
                outcomes = await pipeline.run(
                    conn,
                    [_bound(group) for group in groups],
                    {g[0].query.raw for g in groups if g[0].query.tuples},
                )
            finally:
                self._conn, self._flight = None, []
                await self._pool.putconn(conn)
            # Skipped statements go again unless nobody waits for them any more, the connection
            # is gone, or nothing at all came back (which would repeat for ever).
            retry = not (conn.broken or all(o is pipeline.NOT_RUN for o in outcomes))
            again: list[Pending] = []
            for group, outcome in zip(groups, outcomes, strict=True):
                query = group[0].query
                if isinstance(outcome, psycopg.Error):
                    error = mapped(query, outcome)
                    if len(group) > 1 and retry and error is outcome:
                        # An error of the statement's own (not a timeout or a lost
                        # connection): perhaps of one caller's rows.
                        for pending in group:
                            pending.alone = True
                        again += group
                    else:
                        for pending in group:
                            fail(pending, error)
                elif outcome is not pipeline.NOT_RUN:
                    if len(group) == 1:
                        answer(group[0], outcome)
                    else:
                        for pending, rows in zip(group, _split(group, outcome), strict=True):
                            answer(pending, rows)
                elif retry:
                    again += group
                else:
                    for pending in group:
                        fail(pending, DatabaseUnavailable(f"{query.name}: not run"))
            batch = [p for p in again if not p.answer.done()]


def _signature(pending: Pending) -> Hashable | None:
    """What reads must share to run as one statement: the query and every parameter but the
    keys. None: this read runs as it is."""
    query = pending.query
    if not query.keyed_by or pending.alone:
        return None
    args = zip(query.names, query.args(pending.params), strict=True)
    others = tuple(_hashable(value) for name, value in args if name != "keys")
    try:
        hash(others)
    except TypeError:
        return None
    return (query.raw, others)


def _hashable(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return (type(value), tuple(map(_hashable, value)))
    return value


def _merged(batch: list[Pending]) -> list[_Group]:
    """The batch's reads by statement to send, in the order of each group's first read."""
    groups: list[_Group] = []
    by_signature: dict[Hashable, _Group] = {}
    for pending in batch:
        signature = _signature(pending)
        group = by_signature.get(signature) if signature is not None else None
        if group is None:
            group = [pending]
            groups.append(group)
            if signature is not None:
                by_signature[signature] = group
        else:
            group.append(pending)
    return groups


def _bound(group: _Group) -> pipeline.Statement:
    first = group[0]
    if len(group) == 1:
        return first.query.bound(first.params)
    keys = list(dict.fromkeys(k for pending in group for k in pending.params["keys"]))
    return first.query.bound({**first.params, "keys": keys})


def _split(group: _Group, rows: list[Any]) -> list[list[Any]]:
    """Each read's rows of a merged statement: those whose key columns hold one of its keys."""
    columns = group[0].query.keyed_by
    split: list[list[Any]] = []
    for pending in group:
        keys = set(pending.params["keys"])
        split.append([row for row in rows if any(row[c] in keys for c in columns)])
    return split

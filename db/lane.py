"""The process's statements of every request on connections of their own: reads on one lane,
the access log's appends on another. While a pipeline is on the wire, or while other requests
in flight still run Python (`Traffic.hold`, at most `HOLD_SECONDS`), statements queue, and the
next pipeline carries them all; reads of one statement whose parameters differ only in their
keys (`Query.keyed_by`) run as one statement with the keys together, and appends of one
statement (`Query.appends`) as one insert and one commit.

Why: for a book's ~12 keyed reads PostgreSQL spent more of its CPU setting up and tearing down
each statement's generic plan (ExecutorStart, the portal: ~40-50 %) than running it, and each
request's access-log insert paid its own commit. Merged across concurrent requests that work is
shared: the book's reads cost 2.85 ms of PostgreSQL's CPU alone, 1.41 ms a book at four books a
statement (bench/results/ebook.md). An idle process holds nothing (a lone request waits one
event-loop turn); under load the holding costs no CPU, which the other requests are using.

Semantics are each caller's as if its statement had run alone (db.session's note):
- A merged read's rows go to each caller by the key columns the query names: only its own
  keys' rows, in the statement's order. A query that names none is never merged.
- A read the server skipped (an earlier statement of the pipeline failed) is sent again; a
  merged statement that failed of its own (not a timeout or a lost connection) is sent again
  once per caller, alone, so that a row that makes a statement fail fails only the requests
  that read or wrote it. A write goes in a pipeline of its own: its own transaction.
- A caller that leaves (its request ended) is not waited for; the statement on the wire is
  cancelled in the server once no caller of that pipeline waits any more, never before, since
  others share it. `statement_timeout` still bounds it.
Each lane's connection comes from a pool of one (`db.session.Database`), which checks it and
reconnects as the request pool does; the lane keeps it between the pipelines of a busy spell
(using it again only while nothing waits to be read on it: `quiet`) and gives it back when no
statement waits. Units of work keep the request's own connection.
"""

import asyncio
import select
from collections.abc import AsyncIterator, Callable, Hashable, Sequence
from contextlib import asynccontextmanager, suppress
from typing import Any, Final

import psycopg
from psycopg import AsyncConnection
from psycopg.rows import DictRow
from psycopg_pool import AsyncConnectionPool

from db import pipeline
from db.statements import (
    DatabaseUnavailable,
    Outbox,
    Pending,
    answer,
    cancelled,
    fail,
    mapped,
)

CANCEL_SECONDS: Final = 5.0
HOLD_SECONDS: Final = 0.002
"""The longest a read waits for the other requests in flight to join it (`_hold`)."""

_Group = list[Pending]


class Traffic:
    """The process's requests in flight, and how many of them wait on the database: a lane
    holds its statements while others still run Python (`hold`)."""

    def __init__(self) -> None:
        self.active = 0
        """Requests in flight (`db.session.Database.reader`)."""
        self._parked = 0
        """Those waiting on the database: on a lane, or a unit of work of their own."""
        self._moved = asyncio.Event()

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
        """Around a wait on the database, so that lanes do not wait for this request."""
        self._parked += 1
        self._moved.set()
        try:
            yield
        finally:
            self._parked -= 1

    async def hold(self) -> None:
        """Waits, at most `HOLD_SECONDS`, until every request in flight waits on the database:
        the others are running Python and may be about to send the same statements."""
        await asyncio.sleep(0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + HOLD_SECONDS
        while self._parked < self.active:
            self._moved.clear()
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            with suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._moved.wait()


class Lane:
    """Reads (`writes=False`: every statement waiting goes in one pipeline) or appends
    (`writes=True`: each statement in a pipeline, a transaction, of its own)."""

    def __init__(
        self,
        pool: AsyncConnectionPool[AsyncConnection[DictRow]],
        traffic: Traffic,
        *,
        writes: bool = False,
    ) -> None:
        self.pool = pool
        self.traffic = traffic
        self._writes = writes
        self._outbox = Outbox(self.traffic.hold, self._send, self._idle)
        self._flight: list[Pending] = []
        """The statements' callers on the wire."""
        self._conn: AsyncConnection[DictRow] | None = None
        """The pool's connection while a pipeline is on the wire."""
        self._kept: AsyncConnection[DictRow] | None = None
        """The pool's connection between pipelines while statements wait (`_pipeline` keeps it,
        `_idle` gives it back)."""
        self.sent = 0
        """Statements sent, merged ones once: what the server ran."""
        self.observe: Callable[[int, int], None] | None = None
        """Told, for each pipeline, the statements its callers asked for and those it sent."""

    @property
    def waiting(self) -> int:
        """Callers queued or on the wire."""
        return len(self._outbox.pending) + sum(not p.answer.done() for p in self._flight)

    async def send(self, batch: Sequence[Pending]) -> None:
        """Sends `batch` with whatever else waits; returns once each of its statements is
        answered (or failed, or abandoned by its caller)."""
        self._outbox.put(batch)
        async with self.traffic.parked():
            await asyncio.wait([p.answer for p in batch])

    async def abandoned(self) -> None:
        """Some caller left: when nobody waits for the pipeline on the wire any more, its running
        statement is cancelled in the server (the rest of it is then skipped)."""
        conn = self._conn
        if conn is None or not self._flight or not all(p.answer.done() for p in self._flight):
            return
        with suppress(psycopg.Error):
            await conn.cancel_safe(timeout=CANCEL_SECONDS)

    async def _send(self, batch: list[Pending]) -> None:
        while batch:
            groups = _merged(batch)
            later: list[Pending] = []
            if self._writes:
                # One statement a pipeline: the statements of a pipeline share its implicit
                # transaction, so one's failure would roll back the others' writes.
                later = [p for group in groups[1:] for p in group]
                groups = groups[:1]
            again = await self._pipeline(groups)
            batch = [p for p in [*again, *later] if not p.answer.done()]

    async def _idle(self) -> None:
        """The outbox's sender stopped (nothing waits): the connection goes back to its pool,
        which checks, recycles and closes it; between pipelines of one busy spell it stays
        here (a check-out and its check per pipeline: ~1 % of the process's CPU at 8 books a
        pipeline, more when fewer share one)."""
        if (conn := self._kept) is not None:
            self._kept = None
            await self.pool.putconn(conn)

    async def _pipeline(self, groups: list[_Group]) -> list[Pending]:
        """Sends `groups` in one pipeline and answers their callers; those to send again."""
        batch = [p for group in groups for p in group]
        conn, self._kept = self._kept, None
        if conn is not None and not quiet(conn):
            # Something came on it since its last pipeline (the server closing it): the pool
            # checks it and gives a sound one.
            await self.pool.putconn(conn)
            conn = None
        if conn is None:
            try:
                conn = await self.pool.getconn()
            except psycopg.Error as exc:
                for pending in batch:
                    fail(pending, mapped(pending.query, exc))
                return []
        self._conn, self._flight = conn, batch
        for pending in batch:
            pending.trips += 1
        self.sent += len(groups)
        if self.observe is not None:
            self.observe(len(batch), len(groups))
        try:
            outcomes = await pipeline.run(
                conn,
                [_bound(group) for group in groups],
                {g[0].query.raw for g in groups if g[0].query.tuples},
            )
        finally:
            self._conn, self._flight = None, []
            if conn.broken or conn.closed:
                await self.pool.putconn(conn)  # the pool replaces it
            else:
                self._kept = conn
        # Skipped statements go again unless nobody waits for them any more, the connection
        # is gone, or nothing at all came back (which would repeat for ever).
        retry = not (conn.broken or all(o is pipeline.NOT_RUN for o in outcomes))
        again: list[Pending] = []
        for group, outcome in zip(groups, outcomes, strict=True):
            query = group[0].query
            if isinstance(outcome, psycopg.Error):
                error = mapped(query, outcome)
                if retry and cancelled(outcome):
                    # Cancelled for callers that had left (`abandoned`), which may race with
                    # the next pipeline: whoever still waits sends it again.
                    again += group
                elif len(group) > 1 and retry and error is outcome:
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
        return again


def quiet(conn: AsyncConnection[DictRow]) -> bool:
    """Whether the connection is open and its socket has nothing waiting to be read: no message,
    no end of file, no error (poll reports hang-ups and errors whatever it is asked)."""
    if conn.closed:
        return False
    try:
        fd = conn.pgconn.socket
    except psycopg.Error:
        return False
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return not poller.poll(0)


def _signature(pending: Pending) -> Hashable | None:
    """What reads must share to run as one statement: the query and every parameter but the
    keys. None: this read runs as it is."""
    query = pending.query
    if pending.alone:
        return None
    if query.appends is not None:
        return (query.raw,)
    if not query.keyed_by:
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
    if (name := first.query.appends) is not None:
        # Each a JSON array as orjson writes it ("[…]", no space around): their elements in
        # one array, in the callers' order.
        parts = [str(p.params[name])[1:-1] for p in group]
        return first.query.bound({name: "[" + ",".join(filter(None, parts)) + "]"})
    keys = list(dict.fromkeys(k for pending in group for k in pending.params["keys"]))
    return first.query.bound({**first.params, "keys": keys})


def _split(group: _Group, rows: list[Any]) -> list[list[Any]]:
    """Each read's rows of a merged statement: those whose key columns hold one of its keys."""
    if group[0].query.appends is not None:
        return [[] for _ in group]  # no rows: a write
    # One pass over the rows, each handed to the callers of its keys: testing every row against
    # every caller's keys cost rows x callers (~5 % of the process's CPU at 8 books a statement).
    readers: dict[Any, list[int]] = {}
    for index, pending in enumerate(group):
        for key in dict.fromkeys(pending.params["keys"]):
            readers.setdefault(key, []).append(index)
    split: list[list[Any]] = [[] for _ in group]
    columns = group[0].query.keyed_by
    if len(columns) == 1:
        (column,) = columns
        for row in rows:
            for index in readers.get(row[column], ()):
                split[index].append(row)
        return split
    for row in rows:
        # A row may hold several callers' keys, or one caller's in two columns: once each.
        for index in dict.fromkeys(i for c in columns for i in readers.get(row[c], ())):
            split[index].append(row)
    return split

"""A statement as the API sends it, a read waiting for its rows, and what a caller sees of a
statement's failure: shared by the per-request `db.session.Reader` and the process's
`db.lane.ReadLane`."""

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, cast

import psycopg
from psycopg import errors

from db import pipeline

Row = dict[str, Any]


class DatabaseUnavailable(Exception):
    """The database could not be reached or answered in time: try again (elsewhere)."""


class StatementTimeout(DatabaseUnavailable):
    """A statement ran past `statement_timeout` and the server cancelled it."""


_PLACEHOLDER: Final = re.compile(r"%%|%\((\w+)\)s|%")


@dataclass(frozen=True)
class Query:
    """A statement compiled once to psycopg's `%(name)s` form; `name` labels it in metrics.

    It is sent in PostgreSQL's own form (`$1`, `$2`…, parameters by position: the API's
    connections use psycopg's raw cursors), converted here once: psycopg converts a `%(name)s`
    statement at every run, from a cache only for statements under 4 KB — the contribution
    page's runs twice a book, ~2 % of the server's CPU in psycopg's parser."""

    name: str
    sql: str
    tuples: bool = False
    """Rows come as tuples in the columns' order, not dicts by column name (`Reader.rows`)."""
    keyed_by: tuple[str | int, ...] = ()
    """The columns (names, or places for `tuples`) of which every row holds the element of the
    `keys` parameter it was read for, when the rows of a key do not depend on the other keys:
    reads of the statement with equal other parameters, from several requests at once, may
    then run as one with their keys together, each caller getting its keys' rows
    (db.lane). Empty: the statement always runs as its caller sent it."""
    appends: str | None = None
    """A write whose one parameter (of this name) is a JSON array, as orjson writes it, of the
    rows it inserts, each on its own: the appends of several requests may run as one statement
    with their arrays together, in a transaction of its own (db.lane)."""
    raw: bytes = field(init=False, repr=False, compare=False)
    """`sql` with `$n` placeholders, encoded once: one bytes object, whose hash Python keeps, is
    what the prepared-statement caches (db.pipeline's, psycopg's) look up at every run."""
    names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    """The parameter each `$n` stands for."""

    def __post_init__(self) -> None:
        names: dict[str, int] = {}

        def placeholder(match: re.Match[str]) -> str:
            if match.group(0) == "%%":
                return "%"
            if (name := match.group(1)) is None:
                raise ValueError(f"{self.name}: only %(name)s placeholders and %% are allowed")
            return f"${names.setdefault(name, len(names) + 1)}"

        raw = _PLACEHOLDER.sub(placeholder, self.sql)
        object.__setattr__(self, "raw", raw.encode())
        object.__setattr__(self, "names", tuple(names))
        if self.keyed_by and "keys" not in names:
            raise ValueError(f"{self.name}: keyed_by without a `keys` parameter")
        if self.appends is not None and tuple(names) != (self.appends,):
            raise ValueError(f"{self.name}: an append takes its rows as its one parameter")

    def args(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(params[name] for name in self.names)

    def bound(self, params: Mapping[str, Any]) -> pipeline.Statement:
        return self.raw, self.args(params)


@dataclass(eq=False)
class Pending:
    """A read handed to a `Reader`, until its caller has its rows or its error."""

    query: Query
    params: Mapping[str, Any]
    answer: asyncio.Future[list[Row]]
    trips: int = 0
    """The pipelines that carried it (db.lane): what it cost in waiting."""
    alone: bool = False
    """Sent as its caller sent it, never merged with others' (db.lane): after a merged run
    failed, each read goes again alone, so that each caller gets its own outcome."""


def mapped(query: Query, exc: psycopg.Error) -> Exception:
    """What a caller sees of a statement's failure: the retryable kinds as `DatabaseUnavailable`,
    anything else (a bug in a statement) as it is."""
    unavailable: DatabaseUnavailable
    if isinstance(exc, errors.QueryCanceled):
        if cancelled(exc):
            unavailable = DatabaseUnavailable(f"{query.name}: cancelled")
        else:
            unavailable = StatementTimeout(f"{query.name}: statement timeout")
    elif isinstance(exc, psycopg.OperationalError):
        # Connection lost or refused, pool checkout timed out, lock timeout, server shutting
        # down: the request may succeed on a retry, so it is not the caller's fault and not a bug.
        unavailable = DatabaseUnavailable(f"{query.name}: {type(exc).__name__}")
    else:
        return exc
    unavailable.__cause__ = exc
    return unavailable


def cancelled(exc: psycopg.Error) -> bool:
    """Cancelled by a cancel request (not by `statement_timeout`)."""
    return isinstance(exc, errors.QueryCanceled) and (
        "statement timeout" not in (exc.diag.message_primary or "")
    )


def ended(query: Query) -> DatabaseUnavailable:
    return DatabaseUnavailable(f"{query.name}: the request has ended")


def answer(pending: Pending, rows: list[Row] | list[tuple[Any, ...]]) -> None:
    if not pending.answer.done():  # its caller may have been cancelled
        # Tuples only for a query that asked for them (`Query.tuples`), read by `Reader.rows`.
        pending.answer.set_result(cast(list[Row], rows))


def fail(pending: Pending, exc: BaseException) -> None:
    if not pending.answer.done():
        pending.answer.set_exception(exc)


class Outbox:
    """Statements handed over, and the one task that sends them: it waits until a batch is
    complete (`gather`), takes every statement still wanted and sends them (`send`), and again
    while statements keep coming. Stopped by a bug or the loop's shutdown, it fails every
    statement it holds: no caller may wait forever."""

    def __init__(
        self,
        gather: Callable[[], Awaitable[None]],
        send: Callable[[list[Pending]], Awaitable[None]],
        idle: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.pending: list[Pending] = []
        self._gather = gather
        self._send = send
        self._idle = idle
        """Called when the sender stops: nothing is left to send."""
        self._sender: asyncio.Task[None] | None = None

    def put(self, pendings: Iterable[Pending]) -> None:
        self.pending.extend(pendings)
        if self._sender is None:
            self._sender = asyncio.create_task(self._run())

    def take(self) -> list[Pending]:
        taken, self.pending = self.pending, []
        return taken

    async def _run(self) -> None:
        batch: list[Pending] = []
        try:
            while True:
                await self._gather()
                batch = [p for p in self.take() if not p.answer.done()]
                if not batch:
                    return
                await self._send(batch)
        except BaseException as exc:
            for pending in [*batch, *self.take()]:
                fail(pending, DatabaseUnavailable(f"{pending.query.name}: {type(exc).__name__}"))
            raise
        finally:
            self._sender = None
            if self._idle is not None:
                await self._idle()

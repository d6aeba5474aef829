"""Several read statements in one pipeline: one round trip, one outcome per statement.

The statements go out one after the other with a single Sync at the end. On an autocommit
connection the server runs everything up to that Sync in one implicit transaction; each statement
still has its own `statement_timeout` (PostgreSQL restarts the timer at every Execute). When one
statement fails, the server skips the rest until the Sync: those come back `NOT_RUN`, and whether
to send them again is the caller's choice. Reads go together; a write goes alone (a pipeline of
one): with reads it would share their implicit transaction, and a later read's failure would
roll it back.

The server holds a pipeline's results until the Sync (or until its output buffer fills): when the
connection dies mid-pipeline, statements that ran before the failure may have no answer either.
They come back as the failure (the first) and `NOT_RUN` (the rest), like the statements after it.

This speaks libpq's pipeline through psycopg's `pq` layer and loads rows with the connection's
own adapters (`Transformer`), not through cursors: a cursor's per-statement machinery (its result
queue, row maker, column names, prepared-statement bookkeeping) was a fifth of the server's CPU
for a book's ~14 reads. Each statement is prepared on its first run on a connection, under a name
of ours, kept with its column names; a name the server no longer knows (psycopg sends DEALLOCATE
ALL when it rolls a connection back) is prepared again.
"""

import asyncio
import enum
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from typing import Any, Final
from weakref import WeakKeyDictionary

import psycopg
from psycopg import AsyncConnection, abc, errors, pq
from psycopg.abc import Buffer
from psycopg.adapt import PyFormat, Transformer
from psycopg.pq.abc import PGconn, PGresult
from psycopg.rows import DictRow


class _NotRun(enum.Enum):
    NOT_RUN = "not run"


NOT_RUN: Final = _NotRun.NOT_RUN
"""The server skipped the statement (an earlier one failed) or it was never sent."""

Outcome = list[DictRow] | list[tuple[Any, ...]] | psycopg.Error | _NotRun
Statement = tuple[bytes, Sequence[Any]]
"""SQL in PostgreSQL's `$n` form and its parameters by position (db.session.Query)."""

_TUPLES_OK: Final = pq.ExecStatus.TUPLES_OK
_COMMAND_OK: Final = pq.ExecStatus.COMMAND_OK
_SYNC: Final = pq.ExecStatus.PIPELINE_SYNC
_ABORTED: Final = pq.ExecStatus.PIPELINE_ABORTED


_Key = tuple[bytes, tuple[int, ...]]
"""A prepared statement's SQL and parameter types."""


@dataclass
class _Prepared:
    name: bytes
    columns: tuple[str, ...] | None = None
    """Learnt from the first result (a statement's columns never change)."""


@dataclass
class _Names:
    """The statements prepared on one connection, by SQL and parameter types."""

    by_key: dict[_Key, _Prepared] = field(default_factory=dict)
    issued: int = 0


_TRANSFORMERS: "WeakKeyDictionary[AsyncConnection[Any], abc.Transformer]" = WeakKeyDictionary()
"""One per connection, kept: a Transformer learns its dumpers and loaders per type as it goes
(a new one per pipeline spent ~30 µs finding them again). Shared by the connection's
pipelines, which is safe since each use (dump a statement's parameters, load a result's rows)
runs to its end without awaiting."""


def _transformer(conn: AsyncConnection[Any]) -> abc.Transformer:
    tx = _TRANSFORMERS.get(conn)
    if tx is None:
        tx = _TRANSFORMERS[conn] = Transformer.from_context(conn)
    return tx


_Dumped = tuple[Sequence[Buffer | None], tuple[int, ...], Sequence[pq.Format] | None]
"""A statement's parameters as sent: values, types (all "unknown": db.adapters) and formats."""


_NAMES: "WeakKeyDictionary[AsyncConnection[Any], _Names]" = WeakKeyDictionary()


async def run(
    conn: AsyncConnection[DictRow],
    statements: Sequence[Statement],
    tuples: Set[bytes] = frozenset(),
) -> list[Outcome]:
    """Each statement's rows, its error, or `NOT_RUN`, in order. Only the first statement that
    failed in the server gets an error; every statement before it has its rows: dicts by column
    name, or tuples in the columns' order for the statements (by SQL) in `tuples`. A statement
    whose parameters cannot be sent (a bug) gets that error and is not sent."""
    tx = _transformer(conn)
    outcomes: list[Outcome] = []
    sendable: list[tuple[bytes, _Dumped]] = []
    for sql, params in statements:
        try:
            sendable.append((sql, _dump(tx, params)))
            outcomes.append(NOT_RUN)
        except psycopg.Error as exc:
            outcomes.append(exc)
    if sendable:
        async with conn.lock:
            ran = await _run(conn, tx, sendable, tuples)
            if any(_unknown_statement(o) for o in ran):
                _NAMES.pop(conn, None)  # the server forgot them: prepare every one again
                ran = await _run(conn, tx, sendable, tuples)
        answers = iter(ran)
        outcomes = [next(answers) if o is NOT_RUN else o for o in outcomes]
    return outcomes


def _unknown_statement(outcome: Outcome) -> bool:
    """The server has no prepared statement of the name sent."""
    return isinstance(outcome, errors.InvalidSqlStatementName)


@dataclass(eq=False)
class _Sent:
    key: _Key
    prepared: _Prepared
    parsing: bool
    """Whether a Parse went ahead of the statement: its result comes first."""


async def _run(
    conn: AsyncConnection[DictRow],
    tx: abc.Transformer,
    statements: list[tuple[bytes, _Dumped]],
    tuples: Set[bytes],
) -> list[Outcome]:
    pgconn = conn.pgconn
    names = _NAMES.get(conn)
    if names is None:
        names = _NAMES[conn] = _Names()
    sent: list[_Sent] = []
    results: list[PGresult] = []
    failure: psycopg.Error | None = None
    try:
        pgconn.enter_pipeline_mode()  # fails on a connection that is already closed
        for sql, (values, types, formats) in statements:
            key = (sql, types)
            prepared = names.by_key.get(key)
            parsing = prepared is None
            if prepared is None:
                prepared = _Prepared(f"bhxh_{names.issued}".encode())
                names.issued += 1
                pgconn.send_prepare(prepared.name, sql, param_types=types)
            pgconn.send_query_prepared(prepared.name, values, param_formats=formats)
            sent.append(_Sent(key, prepared, parsing))
            if parsing:
                names.by_key[key] = prepared  # unless its Parse fails (`_outcomes`)
        pgconn.pipeline_sync()
        await _exchange(pgconn, results)
        pgconn.exit_pipeline_mode()
    except psycopg.Error as exc:
        # The connection failed (libpq says so; its status is now BAD), or, should it still be
        # up, the exchange stopped half-way: either way it cannot be used again.
        failure = exc
        pgconn.finish()
    except BaseException:
        pgconn.finish()  # cancelled mid-exchange, or a bug: as above
        raise
    return _outcomes(conn, names, len(statements), sent, results, tx, failure, tuples)


def _dump(tx: abc.Transformer, params: Sequence[Any]) -> _Dumped:
    values = tx.dump_sequence(params, [PyFormat.AUTO] * len(params))
    return values, tuple(tx.types or ()), tx.formats


async def _exchange(pgconn: PGconn, results: list[PGresult]) -> None:
    """Sends what libpq holds and reads every command's result until the Sync's: each
    command's result, then libpq's None that ends it (none after the Sync's)."""
    fd = pgconn.socket
    while pgconn.flush():  # the socket is full: read meanwhile, so that the server never waits
        await _ready(fd, write=True)
        pgconn.consume_input()
    while True:
        pgconn.consume_input()
        ended = False  # a command's end was read: a second None means nothing more has come
        while not pgconn.is_busy():
            result = pgconn.get_result()
            if result is None:
                if ended:
                    break
                ended = True
                continue
            if result.status == _SYNC:
                return
            ended = False
            results.append(result)
        await _ready(fd, write=False)


async def _ready(fd: int, *, write: bool) -> None:
    loop = asyncio.get_running_loop()
    ready = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, wake)
    if write:
        loop.add_writer(fd, wake)
    try:
        await ready
    finally:
        loop.remove_reader(fd)
        if write:
            loop.remove_writer(fd)


def _outcomes(
    conn: AsyncConnection[DictRow],
    names: _Names,
    count: int,
    sent: list[_Sent],
    results: list[PGresult],
    tx: abc.Transformer,
    failure: psycopg.Error | None,
    tuples: Set[bytes],
) -> list[Outcome]:
    """Results arrive in order, a Parse's ahead of its statement's. The first error is its
    statement's outcome and every statement after it is `NOT_RUN`; when the connection failed,
    the first statement without a result (or never sent) gets `failure`."""
    encoding = conn.info.encoding
    outcomes: list[Outcome] = []
    it = iter(results)
    stopped = False
    for index in range(count):
        statement = sent[index] if index < len(sent) else None
        outcome: Outcome = NOT_RUN
        if not stopped:
            result = next(it, None) if statement is not None else None
            if statement and statement.parsing and result and result.status == _COMMAND_OK:
                result = next(it, None)
            if result is None:
                outcome, failure = failure or NOT_RUN, None
            elif result.status == _TUPLES_OK:
                assert statement is not None
                if statement.key[0] in tuples:
                    tx.set_pgresult(result)
                    outcome = tx.load_rows(0, result.ntuples, tuple)
                else:
                    outcome = _rows(statement.prepared, result, tx, encoding)
            elif result.status == _COMMAND_OK:
                outcome = []
            elif result.status != _ABORTED:
                outcome = errors.error_from_result(result, encoding=encoding)
        stopped = not isinstance(outcome, list)
        if stopped and statement is not None and statement.parsing:
            # Whether its Parse ran is unknown: prepare it again next time (a name that did
            # parse stays in the server, unused, until the connection closes).
            names.by_key.pop(statement.key, None)
        outcomes.append(outcome)
    return outcomes


def _rows(
    prepared: _Prepared, result: PGresult, tx: abc.Transformer, encoding: str
) -> list[DictRow]:
    columns = prepared.columns
    if columns is None:
        columns = prepared.columns = tuple(
            (result.fname(i) or b"").decode(encoding) for i in range(result.nfields)
        )
    tx.set_pgresult(result)
    # zip without `strict`: libpq gives every row all of the result's columns.
    return tx.load_rows(0, result.ntuples, lambda values: dict(zip(columns, values)))  # noqa: B905

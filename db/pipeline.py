"""Several read statements in one psycopg pipeline: one round trip, one outcome per statement.

psycopg sends the statements one after the other and a single Sync at the end. On an autocommit
connection the server runs everything up to that Sync in one implicit transaction; each statement
still has its own `statement_timeout` (PostgreSQL restarts the timer at every Execute). When one
statement fails, the server skips the rest until the Sync: those come back `NOT_RUN`, and whether
to send them again is the caller's choice. Only reads belong here: a write would share the
implicit transaction, and a later read's failure would roll it back.

The server holds a pipeline's results until the Sync (or until its output buffer fills): when the
connection dies mid-pipeline, statements that ran before the failure may have no answer either.
They come back as the failure (the first) and `NOT_RUN` (the rest), like the statements after it.
"""

import enum
from collections.abc import Mapping, Sequence
from typing import Any, Final

import psycopg
from psycopg import AsyncConnection, AsyncCursor
from psycopg.rows import DictRow


class _NotRun(enum.Enum):
    NOT_RUN = "not run"


NOT_RUN: Final = _NotRun.NOT_RUN
"""The server skipped the statement (an earlier one failed) or it was never sent."""

Outcome = list[DictRow] | psycopg.Error | _NotRun
Statement = tuple[bytes, Mapping[str, Any] | Sequence[Any]]
"""SQL and its parameters, as the connection's cursors take them (db.session: `$n` and a tuple)."""


async def run(conn: AsyncConnection[DictRow], statements: Sequence[Statement]) -> list[Outcome]:
    """Each statement's rows, its error, or `NOT_RUN`, in order. Only the first statement that
    failed gets an error; every statement before it has its rows."""
    cursors: list[AsyncCursor[DictRow]] = []
    prepared: dict[int, tuple[object, bytes]] = {}
    failure: psycopg.Error | None = None
    try:
        async with conn.pipeline():
            for sql, params in statements:
                cursor = conn.cursor()
                cursors.append(cursor)
                known = len(_prepared_names(conn))
                try:
                    await cursor.execute(sql, params, prepare=True)
                except psycopg.Error as exc:
                    # Sending reads whatever results have arrived: this is an earlier statement's
                    # error, and the server will skip everything after it until the Sync.
                    failure = exc
                    break
                finally:
                    if len(names := _prepared_names(conn)) > known:  # this one is being prepared
                        prepared[len(cursors) - 1] = next(reversed(names.items()))
    except psycopg.Error as exc:
        failure = failure or _earliest(exc)
    outcomes: list[Outcome] = []
    for cursor in cursors:
        if cursor.pgresult is not None:
            outcomes.append(await cursor.fetchall())
        elif failure is not None:
            # Results arrive in order: the first statement without one is the one that failed.
            outcomes.append(failure)
            failure = None
        else:
            outcomes.append(NOT_RUN)
    outcomes.extend(NOT_RUN for _ in statements[len(cursors) :])
    names = _prepared_names(conn)
    for index, (key, name) in prepared.items():
        if not isinstance(outcomes[index], list) and names.get(key) == name:
            del names[key]
    return outcomes


def _prepared_names(conn: AsyncConnection[DictRow]) -> dict[Any, bytes]:
    """psycopg's record of the statements it has prepared on `conn` (query → name).

    psycopg prepares a statement the `prepare_threshold`-th time it runs it: it sends a Parse with a
    name ahead of the statement and records the name as prepared. Outside a pipeline it checks the
    Parse's result first; in a pipeline it does not (psycopg 3.3, `_maybe_prepare_gen`). When the
    server skips that Parse (an earlier statement failed) or it fails, the record is false, and the
    next run of the statement on this connection would fail with "prepared statement … does not
    exist". `run` forgets the names of the statements that did not succeed: psycopg prepares them
    again later (one that did parse before failing stays in the server, unused, until the
    connection closes). psycopg has no public interface for this, hence its private `_prepared`.
    """
    cache = getattr(conn, "_prepared", None)
    names = getattr(cache, "_names", None)
    return names if isinstance(names, dict) else {}


def _earliest(exc: psycopg.Error) -> psycopg.Error:
    """psycopg's pipeline exit fetches the remaining results in a `finally`: when the failing
    statement's error is raised before that, a skipped statement's `PipelineAborted` replaces it
    and keeps it as its context."""
    while isinstance(exc, psycopg.errors.PipelineAborted) and isinstance(
        exc.__context__, psycopg.Error
    ):
        exc = exc.__context__
    return exc

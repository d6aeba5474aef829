"""Several read statements in one psycopg pipeline: one round trip, one outcome per statement.

psycopg sends the statements one after the other and a single Sync at the end. On an autocommit
connection the server runs everything up to that Sync in one implicit transaction; each statement
still has its own `statement_timeout` (PostgreSQL restarts the timer at every Execute). When one
statement fails, the server skips the rest until the Sync: those come back `NOT_RUN`, and whether
to send them again is the caller's choice. Only reads belong here: a write would share the
implicit transaction, and a later read's failure would roll it back.
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
Statement = tuple[bytes, Mapping[str, Any]]


async def run(conn: AsyncConnection[DictRow], statements: Sequence[Statement]) -> list[Outcome]:
    """Each statement's rows, its error, or `NOT_RUN`, in order. Only the first statement that
    failed gets an error; every statement before it has its rows."""
    cursors: list[AsyncCursor[DictRow]] = []
    failure: psycopg.Error | None = None
    try:
        async with conn.pipeline():
            for sql, params in statements:
                cursor = conn.cursor()
                cursors.append(cursor)
                try:
                    await cursor.execute(sql, params)
                except psycopg.Error as exc:
                    # Sending reads whatever results have arrived: this is an earlier statement's
                    # error, and the server will skip everything after it until the Sync.
                    failure = exc
                    break
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
    return outcomes


def _earliest(exc: psycopg.Error) -> psycopg.Error:
    """psycopg's pipeline exit fetches the remaining results in a `finally`: when the failing
    statement's error is raised before that, a skipped statement's `PipelineAborted` replaces it
    and keeps it as its context."""
    while isinstance(exc, psycopg.errors.PipelineAborted) and isinstance(
        exc.__context__, psycopg.Error
    ):
        exc = exc.__context__
    return exc

"""The reads that wait together go out in one pipeline, and every caller keeps its own outcome.

A pipeline's statements share one implicit transaction on the server, so `now()` (the start of the
transaction) is the same for all of them: that is the server's own word that they went together.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from psycopg import errors
from psycopg.conninfo import make_conninfo

from db.session import Database, DatabaseUnavailable, Query, Reader, StatementTimeout, Timeouts
from db.urls import libpq_conninfo
from tests.db.databases import opened

APP_NAME = "bhxh-pipeline-test"
NUMBERED = Query("numbered", "SELECT %(n)s::int AS n, now() AS began, pg_backend_pid() AS pid")
DIVIDE = Query("divide", "SELECT 1 / %(n)s::int AS quotient")
SLEEP = Query("sleep", "SELECT true AS slept FROM pg_sleep(%(seconds)s)")
LOCKED = Query("locked", "SELECT count(*) AS n FROM person")


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """One connection, so a connection that went bad would be the next request's connection."""
    timeouts = Timeouts(statement=0.5, lock=0.3)
    async with opened(database_url, APP_NAME, max_size=1, timeouts=timeouts) as database:
        yield database


@contextmanager
def locked(database_url: str) -> Iterator[None]:
    """Another transaction holds the person table locked: reading it waits for lock_timeout."""
    with psycopg.connect(libpq_conninfo(database_url)) as holder:
        holder.execute("LOCK TABLE person IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            holder.rollback()


async def _outcomes(reader: Reader, reads: list[tuple[Query, dict[str, Any]]]) -> list[Any]:
    """Every read handed to the reader in the same turn, as concurrent loaders do."""
    return await asyncio.gather(*(reader.fetch(q, p) for q, p in reads), return_exceptions=True)


async def test_reads_of_one_turn_go_in_one_pipeline(database: Database) -> None:
    reads = [(NUMBERED, {"n": n}) for n in range(6)]
    async with database.reader() as reader:
        together = await _outcomes(reader, reads)
        assert (reader.statements, reader.round_trips) == (6, 1)
    async with database.reader() as reader:
        one_by_one = [await reader.fetch(q, p) for q, p in reads]
        assert (reader.statements, reader.round_trips) == (6, 6)

    assert [rows[0]["n"] for rows in together] == list(range(6))
    assert len({rows[0]["began"] for rows in together}) == 1  # one implicit transaction
    assert [[r["n"] for r in rows] for rows in together] == [
        [r["n"] for r in rows] for rows in one_by_one
    ]


async def test_reads_that_arrive_while_a_pipeline_runs_go_in_the_next(database: Database) -> None:
    async with database.reader() as reader:
        first = asyncio.ensure_future(_outcomes(reader, [(SLEEP, {"seconds": 0.1})] * 2))
        await _until(lambda: reader.round_trips == 1)
        later = await _outcomes(reader, [(NUMBERED, {"n": n}) for n in range(3)])
        assert await first == [[{"slept": True}]] * 2
        assert [rows[0]["n"] for rows in later] == [0, 1, 2]
        assert (reader.statements, reader.round_trips) == (5, 2)


def _divide_by_zero(_: Database) -> tuple[Query, dict[str, Any], type[Exception]]:
    return DIVIDE, {"n": 0}, errors.DivisionByZero  # a bug in a statement reaches its caller


def _statement_timeout(_: Database) -> tuple[Query, dict[str, Any], type[Exception]]:
    return SLEEP, {"seconds": 2}, StatementTimeout


@pytest.mark.parametrize("failing", [_divide_by_zero, _statement_timeout], ids=["bug", "timeout"])
async def test_a_failing_read_fails_alone(
    database: Database,
    failing: Callable[[Database], tuple[Query, dict[str, Any], type[Exception]]],
) -> None:
    """The server skips what follows a failed statement in the pipeline; those reads are sent
    again, so each caller gets what it would have got alone, and the connection stays usable."""
    query, params, expected = failing(database)
    reads = [(NUMBERED, {"n": 1}), (query, params), (NUMBERED, {"n": 2}), (NUMBERED, {"n": 3})]
    async with database.reader() as reader:
        first, failed, *rest = await _outcomes(reader, reads)
        assert first[0]["n"] == 1
        assert type(failed) is expected
        assert [rows[0]["n"] for rows in rest] == [2, 3]
        assert len({rows[0]["began"] for rows in rest}) == 1  # sent again, together
        # Every read counted once; the skipped ones cost one more round trip.
        assert (reader.statements, reader.round_trips) == (4, 2)
        assert (await reader.fetch(NUMBERED, {"n": 4}))[0]["n"] == 4


async def test_reads_skipped_before_their_first_run_are_prepared_when_sent_again(
    database: Database,
) -> None:
    """A statement's first run on a connection goes with its Parse; when an earlier read fails,
    the server skips that Parse too, so sending the read again must prepare it again (the
    failing read sleeps first, so that every read is sent before its error comes back)."""
    late_divide = Query(
        "late_divide",  # pg_sleep is volatile: the planner cannot fold the division ahead
        "SELECT 1 / (%(n)s::int + 0 * length(pg_sleep(0.05)::text)) AS quotient",
    )
    fresh = [Query(f"fresh_{n}", f"SELECT %(n)s::int AS n, {n} AS which") for n in range(4)]
    async with database.reader() as reader:
        await _outcomes(reader, [(NUMBERED, {"n": 1})])  # the connection is taken
        failed, *rest = await _outcomes(
            reader, [(late_divide, {"n": 0}), *[(q, {"n": n}) for n, q in enumerate(fresh)]]
        )
        again = await _outcomes(reader, [(q, {"n": n}) for n, q in enumerate(fresh)])
    assert isinstance(failed, errors.DivisionByZero)
    assert (
        [rows[0]["which"] for rows in rest]
        == [rows[0]["which"] for rows in again]
        == [
            0,
            1,
            2,
            3,
        ]
    )


async def test_a_lock_timeout_is_retryable_and_fails_alone(
    database: Database, database_url: str
) -> None:
    with locked(database_url):
        async with database.reader() as reader:
            failed, after = await _outcomes(reader, [(LOCKED, {}), (NUMBERED, {"n": 1})])
    assert type(failed) is DatabaseUnavailable
    assert isinstance(failed.__cause__, errors.LockNotAvailable)
    assert after[0]["n"] == 1


def _sleeping(conn: psycopg.Connection) -> list[int]:
    """The backends running SLEEP now."""
    rows = conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND state = 'active'"
        " AND query LIKE 'SELECT true AS slept%%'",
        (APP_NAME,),
    ).fetchall()
    return [row[0] for row in rows]


async def _until(check: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_release_cancels_the_running_read_and_fails_the_rest(
    database_url: str, conn: psycopg.Connection
) -> None:
    """A request that ends (deadline, client gone) while its pipeline waits in the server: its
    reads fail at once, the running statement (which no other request waits for) is cancelled
    there, reads not yet sent fail too, and the lane's connection stays in working order."""
    conninfo = make_conninfo(libpq_conninfo(database_url), application_name=APP_NAME)
    database = Database(conninfo, max_size=1, timeouts=Timeouts(statement=30))
    await database.open()
    try:
        reader = Reader(database.pool, database.lane)
        reads: list[tuple[Query, dict[str, Any]]] = [
            (NUMBERED, {"n": 1}),
            (SLEEP, {"seconds": 20}),
            (NUMBERED, {"n": 2}),
        ]
        pipeline = asyncio.ensure_future(_outcomes(reader, reads))
        await _until(lambda: bool(_sleeping(conn)))
        waiting = asyncio.ensure_future(reader.fetch(NUMBERED, {"n": 3}))
        await asyncio.sleep(0)
        await asyncio.wait_for(reader.release(), 5)
        outcomes = await asyncio.wait_for(pipeline, 5)
        await _until(lambda: _sleeping(conn) == [])
        for outcome in outcomes:
            assert type(outcome) is DatabaseUnavailable
            assert "the request has ended" in str(outcome)
        with pytest.raises(DatabaseUnavailable, match="the request has ended"):
            await asyncio.wait_for(waiting, 5)
        with pytest.raises(DatabaseUnavailable, match="the request has ended"):
            await reader.fetch(NUMBERED, {"n": 4})
        async with database.reader() as fresh:  # the lane's connection, back and usable
            assert (await fresh.fetch(NUMBERED, {"n": 5}))[0]["n"] == 5
    finally:
        await database.close()


async def test_a_connection_lost_mid_pipeline_fails_its_reads_retryably(
    database: Database, conn: psycopg.Connection
) -> None:
    async with database.reader() as reader:
        reads: list[tuple[Query, dict[str, Any]]] = [
            (NUMBERED, {"n": 1}),
            (SLEEP, {"seconds": 0.4}),
            (NUMBERED, {"n": 2}),
        ]
        pipeline = asyncio.ensure_future(_outcomes(reader, reads))
        await _until(lambda: bool(_sleeping(conn)))
        (pid,) = _sleeping(conn)
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        first, sleeper, after = await asyncio.wait_for(pipeline, 5)
    # The server holds a pipeline's results until it ends or its output buffer fills: a read
    # that ran before the connection died may not have been answered, and fails retryably too.
    assert first[0]["n"] == 1 if isinstance(first, list) else type(first) is DatabaseUnavailable
    assert type(sleeper) is DatabaseUnavailable
    assert type(after) is DatabaseUnavailable
    async with database.reader() as fresh:  # the pool replaced the dead connection
        assert (await fresh.fetch(NUMBERED, {"n": 3}))[0]["n"] == 3


async def test_a_caller_that_leaves_before_the_pipeline_goes_costs_no_statement(
    database: Database,
) -> None:
    async with database.reader() as reader:
        tasks = [asyncio.ensure_future(reader.fetch(NUMBERED, {"n": n})) for n in range(3)]
        await asyncio.sleep(0)  # each has handed its read to the reader
        tasks[1].cancel()
        with pytest.raises(asyncio.CancelledError):
            await tasks[1]
        assert [(await tasks[0])[0]["n"], (await tasks[2])[0]["n"]] == [0, 2]
        assert (reader.statements, reader.round_trips) == (2, 1)


async def test_a_write_goes_alone(
    database: Database, scratch_table: Callable[[str, str], None]
) -> None:
    """A write is never part of a pipeline: a later read's failure cannot roll it back."""
    scratch_table("pipeline_test", "v text")
    write = Query("write", "INSERT INTO pipeline_test (v) VALUES (%(v)s)")
    read = Query("read", "SELECT v FROM pipeline_test")
    async with database.reader() as reader:
        outcomes = await asyncio.gather(
            reader.fetch(NUMBERED, {"n": 1}),
            reader.execute(write, {"v": "written"}),
            reader.fetch(DIVIDE, {"n": 0}),
            return_exceptions=True,
        )
        assert isinstance(outcomes[2], errors.DivisionByZero)
        assert await reader.fetch(read, {}) == [{"v": "written"}]
        assert (reader.statements, reader.round_trips) == (4, 3)

"""The read lane (db.lane): reads of several requests go out together, one statement's reads
with equal parameters run as one, and every caller still gets what it would have got alone."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import psycopg
import pytest
from psycopg import errors

from db.lane import quiet
from db.session import Database, DatabaseUnavailable, Query, Reader, Timeouts
from tests.db.databases import opened

APP_NAME = "bhxh-lane-test"

# Each key's row, with how many keys its statement was run with: the server's word on merging.
KEYED = Query(
    "keyed",
    "SELECT k AS key, %(tag)s::text AS tag, cardinality(CAST(%(keys)s AS bigint[])) AS batch,"
    " now() AS began FROM unnest(CAST(%(keys)s AS bigint[])) WITH ORDINALITY AS u(k, i)"
    " ORDER BY i DESC",
    keyed_by=("key",),
)
UNKEYED = Query(
    "unkeyed", "SELECT k AS key, now() AS began FROM unnest(CAST(%(keys)s AS bigint[])) AS k"
)
# 1 / key: a key of 0 fails the statement it is in.
INVERSE = Query(
    "inverse",
    "SELECT k AS key, 1 / k AS inverse FROM unnest(CAST(%(keys)s AS bigint[])) AS k",
    keyed_by=("key",),
)
# A row found by either of two keys (as persons by personal ID or BHXH code).
EITHER_KEY = Query(
    "either_key",
    "SELECT v.id, v.code, cardinality(CAST(%(keys)s AS text[])) AS batch FROM (VALUES ('1', 'a'), ('2', 'b'), ('3', 'c')) AS v(id, code)"
    " WHERE v.id = ANY(CAST(%(keys)s AS text[])) OR v.code = ANY(CAST(%(keys)s AS text[]))"
    " ORDER BY v.id",
    keyed_by=("id", "code"),
)
SLOW_KEYED = Query(
    "slow_keyed",
    "SELECT k AS key FROM unnest(CAST(%(keys)s AS bigint[])) AS k, pg_sleep(%(seconds)s)",
    keyed_by=("key",),
)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    timeouts = Timeouts(statement=10, lock=1)
    async with opened(database_url, APP_NAME, max_size=2, timeouts=timeouts) as database:
        yield database


async def _until(check: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


def _running(conn: psycopg.Connection, like: str) -> int:
    row = conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND state = 'active'"
        " AND query LIKE %s",
        (APP_NAME, like),
    ).fetchone()
    assert row is not None
    return int(row[0])


async def _reads(database: Database, reads: list[tuple[Query, dict[str, Any]]]) -> list[Any]:
    """Each read from a request of its own, all in the same turn."""

    async def alone(query: Query, params: dict[str, Any]) -> Any:
        async with database.reader() as reader:
            return await reader.fetch(query, params)

    return await asyncio.gather(*(alone(q, p) for q, p in reads), return_exceptions=True)


async def test_one_statement_for_the_reads_of_several_requests(database: Database) -> None:
    a, b, c, d = await _reads(
        database,
        [
            (KEYED, {"keys": [1, 2], "tag": "x"}),
            (KEYED, {"keys": [3, 2], "tag": "x"}),
            (KEYED, {"keys": [4], "tag": "y"}),  # another parameter: a statement of its own
            (UNKEYED, {"keys": [5]}),  # no key columns: never merged
        ],
    )
    # Each caller has its own keys' rows only, in the statement's order.
    assert [(r["key"], r["batch"]) for r in a] == [(2, 3), (1, 3)]
    assert [(r["key"], r["batch"]) for r in b] == [(3, 3), (2, 3)]
    assert [(r["key"], r["batch"]) for r in c] == [(4, 1)]
    assert [r["key"] for r in d] == [5]
    assert len({r["began"] for r in [*a, *b, *c, *d]}) == 1  # one pipeline


async def test_a_row_of_two_key_columns_goes_once_to_each_caller_of_either(
    database: Database,
) -> None:
    both, other, mixed = await _reads(
        database,
        [
            (EITHER_KEY, {"keys": ["1", "a"]}),  # one row by both its keys: once
            (EITHER_KEY, {"keys": ["b"]}),
            (EITHER_KEY, {"keys": ["c", "1"]}),
        ],
    )
    # One statement with the four distinct keys.
    assert both == [{"id": "1", "code": "a", "batch": 4}]
    assert other == [{"id": "2", "code": "b", "batch": 4}]
    assert [r["id"] for r in mixed] == ["1", "3"]  # the statement's order


async def test_a_merged_statement_that_fails_fails_only_its_own_reads(database: Database) -> None:
    zero, five, six = await _reads(
        database, [(INVERSE, {"keys": [0]}), (INVERSE, {"keys": [5]}), (INVERSE, {"keys": [6]})]
    )
    assert type(zero) is errors.DivisionByZero
    assert five == [{"key": 5, "inverse": 0}]
    assert six == [{"key": 6, "inverse": 0}]


async def test_reads_that_come_while_a_pipeline_runs_go_together_in_the_next(
    database: Database, conn: psycopg.Connection
) -> None:
    first = asyncio.ensure_future(_reads(database, [(SLOW_KEYED, {"keys": [1], "seconds": 0.3})]))
    await _until(lambda: _running(conn, "SELECT k AS key FROM unnest%") == 1)
    later = await _reads(database, [(KEYED, {"keys": [n], "tag": "x"}) for n in range(3)])
    assert [[(r["key"], r["batch"]) for r in rows] for rows in later] == [
        [(0, 3)],
        [(1, 3)],
        [(2, 3)],
    ]
    assert await first == [[{"key": 1}]]


async def test_a_connection_kept_between_pipelines_that_the_server_closed_is_replaced(
    database: Database, conn: psycopg.Connection
) -> None:
    """Between the pipelines of a busy spell the lane keeps its connection rather than going
    back to its pool; one the server closed meanwhile is not used, but checked and replaced."""
    lane = database.lane
    kept = await lane.pool.getconn()
    conn.execute("SELECT pg_terminate_backend(%s)", (kept.info.backend_pid,))
    await _until(lambda: not quiet(kept))
    lane._kept = kept  # as `_pipeline` leaves it while statements wait
    (rows,) = await _reads(database, [(KEYED, {"keys": [1], "tag": "x"})])
    assert [r["key"] for r in rows] == [1]
    assert lane._kept is None  # the sender stopped: the connection went back to its pool


async def test_a_shared_statement_runs_on_while_one_caller_waits(
    database: Database, conn: psycopg.Connection
) -> None:
    """A request that ends leaves a statement others wait for running; when the last one ends
    too, the statement is cancelled in the server and the lane goes on."""
    ended, staying = Reader(database.pool, database.lane), Reader(database.pool, database.lane)
    slow = {"seconds": 0.5}
    both = asyncio.gather(
        ended.fetch(SLOW_KEYED, {"keys": [1], **slow}),
        staying.fetch(SLOW_KEYED, {"keys": [2], **slow}),
        return_exceptions=True,
    )
    await _until(lambda: _running(conn, "SELECT k AS key FROM unnest%") == 1)
    await ended.release()
    gone, kept = await asyncio.wait_for(both, 5)
    assert type(gone) is DatabaseUnavailable
    assert kept == [{"key": 2}]
    await staying.release()

    last = Reader(database.pool, database.lane)
    waiting = asyncio.ensure_future(last.fetch(SLOW_KEYED, {"keys": [3], "seconds": 30}))
    await _until(lambda: _running(conn, "SELECT k AS key FROM unnest%") == 1)
    await asyncio.wait_for(last.release(), 5)
    await _until(lambda: _running(conn, "SELECT k AS key FROM unnest%") == 0)
    with pytest.raises(DatabaseUnavailable, match="the request has ended"):
        await waiting
    async with database.reader() as fresh:
        assert [r["key"] for r in await fresh.fetch(KEYED, {"keys": [7], "tag": "x"})] == [7]


async def test_a_statement_cancelled_while_its_callers_wait_goes_again(
    database: Database, conn: psycopg.Connection
) -> None:
    """A cancel meant for callers that left can reach the next pipeline (it travels on a
    connection of its own): those still waiting get their rows all the same."""
    reading = asyncio.ensure_future(_reads(database, [(SLOW_KEYED, {"keys": [1], "seconds": 0.3})]))
    await _until(lambda: _running(conn, "SELECT k AS key FROM unnest%") == 1)
    conn.execute(
        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = %s"
        " AND state = 'active' AND query LIKE 'SELECT k AS key FROM unnest%%'",
        (APP_NAME,),
    )
    assert await asyncio.wait_for(reading, 5) == [[{"key": 1}]]


def test_key_columns_need_a_keys_parameter() -> None:
    with pytest.raises(ValueError, match="keyed_by without a `keys` parameter"):
        Query("bad", "SELECT %(id)s::int AS id", keyed_by=("id",))


APPEND = Query(
    "append",
    "INSERT INTO lane_append_test (v) SELECT (e ->> 'v')::int"
    " FROM jsonb_array_elements(CAST(%(rows)s AS jsonb)) AS e",
    appends="rows",
)


async def test_appends_of_several_requests_commit_as_one_and_fail_alone(
    database: Database, conn: psycopg.Connection, scratch_table: Callable[[str, str], None]
) -> None:
    scratch_table("lane_append_test", "v int CHECK (v <> 0)")

    async def append(*values: int) -> None:
        async with database.reader() as reader:
            rows = "[" + ",".join(f'{{"v":{v}}}' for v in values) + "]"
            await reader.execute(APPEND, {"rows": rows})

    sent = database.appends.sent
    await asyncio.gather(append(1, 2), append(3))
    assert database.appends.sent - sent == 1  # one statement, one commit
    # A row the table refuses fails its own request only: the merged statement rolled back
    # whole, and each request's rows went again alone.
    outcomes = await asyncio.gather(append(4), append(0), append(5), return_exceptions=True)
    assert outcomes[0] is None and outcomes[2] is None
    assert type(outcomes[1]) is errors.CheckViolation
    conn.commit()
    rows = conn.execute("SELECT v FROM lane_append_test ORDER BY v").fetchall()
    assert [v for (v,) in rows] == [1, 2, 3, 4, 5]


def test_an_append_takes_its_rows_as_its_one_parameter() -> None:
    with pytest.raises(ValueError, match="one parameter"):
        Query("bad", "INSERT INTO t SELECT %(a)s, %(b)s", appends="a")

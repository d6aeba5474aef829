"""One pipeline, one outcome per statement: rows, the failing statement's error, or NOT_RUN."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from psycopg import AsyncConnection, AsyncRawCursor, errors
from psycopg.rows import DictRow, dict_row

from db import pipeline
from db.urls import libpq_conninfo

NUMBER = b"SELECT $1::int AS n"
DIVIDE = b"SELECT 1 / $1::int AS quotient"


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[AsyncConnection[DictRow]]:
    async with await AsyncConnection.connect(
        libpq_conninfo(database_url),
        autocommit=True,
        row_factory=dict_row,
        cursor_factory=AsyncRawCursor,
    ) as conn:
        yield conn


async def _prepared(conn: AsyncConnection[DictRow]) -> list[str]:
    cursor = await conn.execute("SELECT statement FROM pg_prepared_statements ORDER BY statement")
    return [row["statement"] for row in await cursor.fetchall()]


async def test_every_statement_gets_its_rows_in_order(conn: AsyncConnection[DictRow]) -> None:
    outcomes = await pipeline.run(conn, [(NUMBER, (n,)) for n in range(5)])
    assert outcomes == [[{"n": n}] for n in range(5)]


async def test_statements_named_in_tuples_get_tuples_in_column_order(
    conn: AsyncConnection[DictRow],
) -> None:
    pair = b"SELECT $1::int AS b, $1::int + 1 AS a"
    outcomes = await pipeline.run(conn, [(pair, (1,)), (NUMBER, (2,))], {pair})
    assert outcomes == [[(1, 2)], [{"n": 2}]]
    # The same prepared statement, read the other way on the next run.
    assert await pipeline.run(conn, [(pair, (1,))]) == [[{"b": 1, "a": 2}]]


async def test_a_statement_is_prepared_once_per_connection(
    conn: AsyncConnection[DictRow],
) -> None:
    for n in range(3):
        assert await pipeline.run(conn, [(NUMBER, (n,)), (DIVIDE, (1,))]) == [
            [{"n": n}],
            [{"quotient": 1}],
        ]
    assert await _prepared(conn) == sorted([DIVIDE.decode(), NUMBER.decode()])


@pytest.mark.parametrize("after", [2, 10, 300], ids=["few", "some", "many"])
async def test_only_the_failing_statement_gets_the_error(
    conn: AsyncConnection[DictRow], after: int
) -> None:
    """With many statements behind it, the error arrives while they are still being sent; with
    few, at the pipeline's end: the outcomes are the same. The skipped statements' Parse did not
    run either: they are prepared again when they next run."""
    statements: list[pipeline.Statement] = [(NUMBER, (1,)), (DIVIDE, (0,))]
    statements += [(f"SELECT $1::int AS n{n % 4}".encode(), (n,)) for n in range(after)]
    first, failed, *rest = await pipeline.run(conn, statements)
    assert first == [{"n": 1}]
    assert isinstance(failed, errors.DivisionByZero)
    assert rest == [pipeline.NOT_RUN] * after
    # The connection is out of pipeline mode, idle, and answers, the skipped ones included.
    assert not conn.pgconn.pipeline_status
    again = await pipeline.run(conn, statements[2:6])
    assert again == [[{f"n{n % 4}": n}] for n in range(min(after, 4))]
    # Prepared at once, each under one name: no "does not exist" sent everything again.
    texts = await _prepared(conn)
    assert len(texts) == len(set(texts))


async def test_a_failure_in_the_first_statement_skips_all_the_rest(
    conn: AsyncConnection[DictRow],
) -> None:
    outcomes = await pipeline.run(conn, [(DIVIDE, (0,)), (NUMBER, (1,))])
    assert isinstance(outcomes[0], errors.DivisionByZero)
    assert outcomes[1:] == [pipeline.NOT_RUN]


async def test_a_statement_that_does_not_parse_fails_alone_and_is_not_kept(
    conn: AsyncConnection[DictRow],
) -> None:
    broken = b"SELECT $1::int FROM nowhere"
    first, failed, rest = await pipeline.run(conn, [(NUMBER, (1,)), (broken, (1,)), (NUMBER, (2,))])
    assert (first, rest) == ([{"n": 1}], pipeline.NOT_RUN)
    assert isinstance(failed, errors.UndefinedTable)
    (again,) = await pipeline.run(conn, [(broken, (1,))])
    assert isinstance(again, errors.UndefinedTable)  # parsed again, not "does not exist"


async def test_statements_the_server_forgot_are_prepared_again(
    conn: AsyncConnection[DictRow],
) -> None:
    """psycopg sends DEALLOCATE ALL when it rolls a connection back (a pool's reset does)."""
    await pipeline.run(conn, [(NUMBER, (1,)), (DIVIDE, (1,))])
    await conn.execute("DEALLOCATE ALL")
    assert await pipeline.run(conn, [(NUMBER, (2,)), (DIVIDE, (1,))]) == [
        [{"n": 2}],
        [{"quotient": 1}],
    ]
    assert await _prepared(conn) == sorted([DIVIDE.decode(), NUMBER.decode()])


async def test_values_come_back_through_the_connections_adapters(
    conn: AsyncConnection[DictRow],
) -> None:
    sql = b"SELECT $1::date AS day, '{\"a\": [1]}'::jsonb AS doc, 1.50::numeric AS amount"
    (rows,) = await pipeline.run(conn, [(sql, ("2026-11-30",))])
    assert isinstance(rows, list)
    (row,) = rows
    assert isinstance(row, dict)
    assert str(row["day"]) == "2026-11-30"
    assert row["doc"] == {"a": [1]}
    assert str(row["amount"]) == "1.50"


async def test_a_statement_whose_parameters_cannot_be_sent_fails_alone(
    conn: AsyncConnection[DictRow],
) -> None:
    first, failed, last = await pipeline.run(
        conn, [(NUMBER, (1,)), (NUMBER, (object(),)), (NUMBER, (3,))]
    )
    assert (first, last) == ([{"n": 1}], [{"n": 3}])
    assert isinstance(failed, errors.ProgrammingError)
    assert "cannot adapt" in str(failed)


async def test_a_pipeline_cancelled_mid_exchange_leaves_no_connection_to_reuse(
    conn: AsyncConnection[DictRow],
) -> None:
    """Half-way through the protocol a connection cannot serve another statement: it is closed
    (a pool then replaces it) rather than left in pipeline mode with results unread."""
    running = asyncio.ensure_future(pipeline.run(conn, [(b"SELECT pg_sleep(5)", ())]))
    await asyncio.sleep(0.2)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert conn.closed


async def test_a_closed_connection_is_every_statements_failure_not_an_exception(
    conn: AsyncConnection[DictRow],
) -> None:
    """The first statement gets the connection's error, the rest `NOT_RUN`: the caller decides
    (db.session answers them `DatabaseUnavailable`)."""
    conn.pgconn.finish()
    failed, rest = await pipeline.run(conn, [(NUMBER, (1,)), (NUMBER, (2,))])
    assert isinstance(failed, errors.OperationalError)
    assert rest is pipeline.NOT_RUN

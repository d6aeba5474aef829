"""One pipeline, one outcome per statement: rows, the failing statement's error, or NOT_RUN."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from psycopg import AsyncConnection, errors
from psycopg.rows import DictRow, dict_row

from db import pipeline
from db.urls import libpq_conninfo

NUMBER = b"SELECT %(n)s::int AS n"
DIVIDE = b"SELECT 1 / %(n)s::int AS quotient"


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[AsyncConnection[DictRow]]:
    async with await AsyncConnection.connect(
        libpq_conninfo(database_url), autocommit=True, row_factory=dict_row
    ) as conn:
        yield conn


async def test_every_statement_gets_its_rows_in_order(conn: AsyncConnection[DictRow]) -> None:
    outcomes = await pipeline.run(conn, [(NUMBER, {"n": n}) for n in range(5)])
    assert outcomes == [[{"n": n}] for n in range(5)]


@pytest.mark.parametrize("after", [2, 10, 300], ids=["few", "prepared", "many"])
async def test_only_the_failing_statement_gets_the_error(
    conn: AsyncConnection[DictRow], after: int
) -> None:
    """With many statements behind it, the error arrives while they are still being sent; with
    few, at the pipeline's end: the outcomes are the same. Among ten, one crosses psycopg's
    prepare threshold: its skipped Parse must not leave psycopg believing it is prepared."""
    statements: list[pipeline.Statement] = [(NUMBER, {"n": 1}), (DIVIDE, {"n": 0})]
    statements += [(NUMBER, {"n": n}) for n in range(after)]
    first, failed, *rest = await pipeline.run(conn, statements)
    assert first == [{"n": 1}]
    assert isinstance(failed, errors.DivisionByZero)
    assert rest == [pipeline.NOT_RUN] * after
    # The connection is out of pipeline mode, idle, and answers.
    assert not conn.pgconn.pipeline_status
    for n in range(conn.prepare_threshold or 0, 8):
        cursor = await conn.execute(NUMBER, {"n": n})
        assert await cursor.fetchall() == [{"n": n}]


async def test_a_failure_in_the_first_statement_skips_all_the_rest(
    conn: AsyncConnection[DictRow],
) -> None:
    params: dict[str, Any] = {"n": 0}
    outcomes = await pipeline.run(conn, [(DIVIDE, params), (NUMBER, {"n": 1})])
    assert isinstance(outcomes[0], errors.DivisionByZero)
    assert outcomes[1:] == [pipeline.NOT_RUN]

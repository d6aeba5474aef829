"""Database access for the API: a psycopg pool and a per-request `Reader`.

Policy for concurrent resolvers: graphql-core resolves sibling fields concurrently, and every
batch function of one request runs on the request's single pooled connection. The `Reader` takes
an asyncio lock around each statement, so two loaders dispatching in the same tick queue up on
the connection instead of interleaving protocol messages; the number of statements, not their
overlap, is what the design budgets. Reads run in autocommit: no BEGIN/ROLLBACK per batch.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection, AsyncCursor
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

log = logging.getLogger(__name__)

Row = dict[str, Any]


@dataclass(frozen=True)
class Query:
    """A statement compiled once to psycopg's `%(name)s` form; `name` labels it in metrics."""

    name: str
    sql: str


class Reader:
    """One request's read access: lazily takes a pooled connection, counts statements."""

    def __init__(self, pool: AsyncConnectionPool[AsyncConnection[DictRow]]) -> None:
        self._pool = pool
        self._conn: AsyncConnection[DictRow] | None = None
        self._lock = asyncio.Lock()
        self.statements = 0

    async def fetch(self, query: Query, params: Mapping[str, Any]) -> list[Row]:
        async with self._lock:
            cursor = await self._run(query, params)
            return await cursor.fetchall()

    async def execute(self, query: Query, params: Mapping[str, Any]) -> None:
        """A write: its own single-statement transaction (the connection is in autocommit)."""
        async with self._lock:
            await self._run(query, params)

    async def _run(self, query: Query, params: Mapping[str, Any]) -> AsyncCursor[DictRow]:
        if self._conn is None:
            self._conn = await self._pool.getconn()
        self.statements += 1
        return await self._conn.execute(query.sql.encode(), params)

    async def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await self._pool.putconn(conn)


class Database:
    """The process's connection pool; `reader()` scopes one request's access."""

    def __init__(self, conninfo: str, *, min_size: int = 1, max_size: int = 10) -> None:
        self.pool: AsyncConnectionPool[AsyncConnection[DictRow]] = AsyncConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            open=False,
            kwargs={"autocommit": True, "row_factory": dict_row},
            name="bhxh",
        )

    async def open(self) -> None:
        await self.pool.open(wait=True)

    async def close(self) -> None:
        await self.pool.close()

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[Reader]:
        reader = Reader(self.pool)
        try:
            yield reader
        finally:
            await reader.release()

    async def ping(self) -> bool:
        try:
            async with self.pool.connection(timeout=2) as conn:
                await conn.execute("SELECT 1")
        except Exception:
            log.warning("database ping failed", exc_info=True)
            return False
        return True

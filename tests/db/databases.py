"""A `Database` of a test's own."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from psycopg.conninfo import make_conninfo

from db.session import Database
from db.urls import libpq_conninfo


@asynccontextmanager
async def opened(
    database_url: str, application_name: str, **options: Any
) -> AsyncIterator[Database]:
    """Open for the block, its connections named `application_name` in pg_stat_activity;
    `options` go to `Database`."""
    conninfo = make_conninfo(libpq_conninfo(database_url), application_name=application_name)
    database = Database(conninfo, **options)
    await database.open()
    try:
        yield database
    finally:
        await database.close()

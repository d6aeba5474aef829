"""Alembic environment (async). The URL comes from the config's `sqlalchemy.url` attribute set by
the caller (db.migrate), or DATABASE_URL when alembic is run by hand.

Every run takes a per-database advisory lock (replicas starting together migrate one after the
other) and, when the caller names the runtime role (`bhxh db …` does), re-applies its grants in
the same transaction as the revisions, so no table is ever there without them."""

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from db import roles
from db.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata
# pg_advisory_xact_lock's key for "a migration runs on this database" (any constant will do).
_MIGRATION_LOCK = 0x62687868_6D696772  # "bhxhmigr"


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("no database URL: set DATABASE_URL or run migrations through `bhxh db`")
    return url


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        context.run_migrations()
        if runtime_role := config.attributes.get("runtime_role"):
            roles.grant_runtime(connection, runtime_role)


async def _run_async() -> None:
    engine = create_async_engine(_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:  # a failed migration must not leave its connection open
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())

"""Migrations: reversible on a seeded database, and the models agree with them."""

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from db import migrate
from db.models import Base
from db.seed import seed_database
from db.urls import libpq_conninfo, sqlalchemy_url


def _tables(url: str) -> set[str]:
    with psycopg.connect(libpq_conninfo(url)) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {r[0] for r in rows} - {"alembic_version"}


def test_upgrade_downgrade_upgrade_on_seeded_database(fresh_database: str) -> None:
    migrate.upgrade(fresh_database)
    seed_database(libpq_conninfo(fresh_database), persons=60, seed=3, progress=False)
    assert _tables(fresh_database) == set(Base.metadata.tables)

    migrate.downgrade(fresh_database, "base")
    assert _tables(fresh_database) == set()
    assert migrate.current(fresh_database) is None

    migrate.upgrade(fresh_database)
    assert migrate.current(fresh_database) == migrate.head()
    seed_database(libpq_conninfo(fresh_database), persons=20, seed=3, progress=False)


def test_models_match_migrations(database_url: str) -> None:
    """`alembic check`: a model change without its revision fails here."""
    engine = create_engine(sqlalchemy_url(database_url))
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []

"""One migrated PostgreSQL database for the whole run: a fresh database on the server named by
DATABASE_URL, or the embedded cluster under .data/test-pg. Tests start from empty tables.

Factories and clean-up connect as the owner (`database_url`); the app under test connects as the
runtime role (`runtime_url`, db/roles.py), as `bhxh serve` does, so the whole suite proves that
the role's privileges suffice. The runtime role logs in without a password: the test server must
trust local connections (the embedded cluster does)."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from db import migrate
from db.roles import DEFAULT_RUNTIME_ROLE
from db.urls import libpq_conninfo, sqlalchemy_url, with_user

ROOT = Path(__file__).resolve().parent.parent

# Person-owned and reference tables emptied between tests (reference lists stay: the migration's).
_DATA_TABLES = (
    "medical_visit, health_insurance_card, unemployment_benefit, benefit, contribution_period,"
    " social_insurance, household_member, household, relative, person, employer,"
    " health_facility, social_insurance_office"
)


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A URL to a database we may create other databases from."""
    if url := os.environ.get("DATABASE_URL"):
        yield url
        return
    from db.embedded import EmbeddedPostgres

    settings = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
    with EmbeddedPostgres(ROOT / ".data" / "test-pg", extra_settings=settings) as embedded:
        yield embedded.url


def create_database(server: str) -> str:
    name = f"bhxh_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libpq_conninfo(server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return sqlalchemy_url(server).set(database=name).render_as_string(hide_password=False)


def drop_database(server: str, url: str) -> None:
    name = make_url(url).database
    with psycopg.connect(libpq_conninfo(server), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    url = create_database(server_url)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        drop_database(server_url, url)


@pytest.fixture(scope="session")
def runtime_url(database_url: str) -> str:
    """The test database as the runtime role, which migrating created and granted."""
    return with_user(database_url, DEFAULT_RUNTIME_ROLE)


@pytest.fixture(scope="session")
def fresh_database(server_url: str) -> Iterator[str]:
    """An empty (unmigrated) database for migration tests."""
    url = create_database(server_url)
    try:
        yield url
    finally:
        drop_database(server_url, url)


@pytest.fixture
def conn(database_url: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection for factories; the tables are emptied after each test."""
    with psycopg.connect(libpq_conninfo(database_url), autocommit=True) as connection:
        yield connection
        empty_tables(connection)


def empty_tables(
    connection: psycopg.Connection, tables: str = _DATA_TABLES, *, restart_identity: bool = True
) -> None:
    """TRUNCATE … CASCADE reaches the access log, whose trigger refuses TRUNCATE: the owner
    lifts it for this one statement, as only the owner can."""
    with connection.transaction():
        connection.execute("ALTER TABLE access_log DISABLE TRIGGER access_log_no_truncate")
        restart = " RESTART IDENTITY" if restart_identity else ""
        connection.execute(f"TRUNCATE {tables}{restart} CASCADE")
        connection.execute("ALTER TABLE access_log ENABLE TRIGGER access_log_no_truncate")

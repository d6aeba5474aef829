"""One migrated PostgreSQL database for the whole run: a fresh database on the server named by
DATABASE_URL, or the embedded cluster under .data/test-pg. Tests start from empty tables."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from db import migrate
from db.urls import libpq_conninfo, sqlalchemy_url

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
        connection.execute(f"TRUNCATE {_DATA_TABLES} RESTART IDENTITY CASCADE")

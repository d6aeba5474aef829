"""One migrated PostgreSQL database for the whole run: a fresh database on the server named by
DATABASE_URL, or the embedded cluster under .data/test-pg. Tests start from empty tables.

Factories and clean-up connect as the owner (`database_url`); the app under test connects as the
runtime role (`runtime_url`, db/roles.py), as `bhxh serve` does, so the whole suite proves that
the role's privileges suffice. The runtime role logs in without a password: the test server must
trust local connections (the embedded cluster does)."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from db import migrate
from db.embedded import EmbeddedPostgresError, find_pg_bindir
from db.roles import DEFAULT_RUNTIME_ROLE
from db.urls import libpq_conninfo, sqlalchemy_url, with_user

ROOT = Path(__file__).resolve().parent.parent

# Person-owned and reference tables emptied between tests (reference lists stay: the migration's).
_DATA_TABLES = (
    "medical_visit, health_insurance_card, unemployment_benefit, benefit, contribution_period,"
    " social_insurance, household_member, household, relative, person, employer,"
    " health_facility, social_insurance_office, change_log, idempotency_record"
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


@contextmanager
def throwaway_database(server: str, *, migrated: bool) -> Iterator[str]:
    """A database of its own on `server`, dropped afterwards (also when the test dropped it)."""
    url = create_database(server)
    try:
        if migrated:
            migrate.upgrade(url)
        yield url
    finally:
        drop_database(server, url)


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    with throwaway_database(server_url, migrated=True) as url:
        yield url


@pytest.fixture(scope="session")
def runtime_url(database_url: str) -> str:
    """The test database as the runtime role, which migrating created and granted."""
    return with_user(database_url, DEFAULT_RUNTIME_ROLE)


@pytest.fixture(scope="session")
def fresh_database(server_url: str) -> Iterator[str]:
    """An empty (unmigrated) database for migration tests."""
    with throwaway_database(server_url, migrated=False) as url:
        yield url


@pytest.fixture
def empty_database(server_url: str) -> Iterator[str]:
    """An empty database of this test's own."""
    with throwaway_database(server_url, migrated=False) as url:
        yield url


@pytest.fixture
def scratch_database(server_url: str) -> Iterator[str]:
    """A migrated database of this test's own, for tests that change the schema or grants."""
    with throwaway_database(server_url, migrated=True) as url:
        yield url


@pytest.fixture
def role_name(server_url: str) -> Iterator[str]:
    """A role name no other test run uses (roles are cluster-wide), dropped afterwards: drop the
    databases whose grants name it first."""
    name = f"bhxh_test_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg.connect(libpq_conninfo(server_url), autocommit=True) as conn:
        conn.execute(f'DROP ROLE IF EXISTS "{name}"')


@pytest.fixture(scope="session")
def pg_bindir() -> Path:
    """PostgreSQL's server binaries, for tests that run clusters of their own (scripts/test
    installs them): missing binaries fail those tests rather than skip them."""
    try:
        return find_pg_bindir()
    except EmbeddedPostgresError as exc:
        pytest.fail(f"{exc} (scripts/test installs them)")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """REDIS_URL when set; otherwise a private redis-server on a unix socket for this run
    (scripts/test installs it), so the shared store is tested on every machine."""
    if url := os.environ.get("REDIS_URL"):
        yield url
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail(
            "redis-server is missing: scripts/test installs it (apt-get install redis-server)"
        )
    directory = tempfile.mkdtemp(prefix="bhxh-redis-")  # short: a unix socket path has a limit
    sock = f"{directory}/redis.sock"
    process = subprocess.Popen(
        [
            server,
            "--port",
            "0",
            "--unixsocket",
            sock,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            directory,
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_for_socket(sock, process)
        yield f"unix://{sock}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


def _wait_for_socket(path: str, process: "subprocess.Popen[bytes]") -> None:
    for _ in range(200):
        if process.poll() is not None:
            pytest.fail(f"redis-server exited with {process.returncode}")
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(path)
                return
            except OSError:
                time.sleep(0.05)
    pytest.fail("redis-server did not open its socket")


@pytest.fixture
def conn(database_url: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection for factories; the tables are emptied after each test."""
    with psycopg.connect(libpq_conninfo(database_url), autocommit=True) as connection:
        yield connection
        empty_tables(connection)


@pytest.fixture
def scratch_table(conn: psycopg.Connection) -> Iterator[Callable[[str, str], None]]:
    """`create(name, columns)`: a table of the test's own, dropped afterwards (the migrations'
    test compares the database's tables with the models)."""
    created: list[str] = []

    def create(name: str, columns: str) -> None:
        conn.execute(f"CREATE TABLE {name} ({columns})")
        created.append(name)

    yield create
    for name in created:
        conn.execute(f"DROP TABLE {name}")


def empty_tables(
    connection: psycopg.Connection, tables: str = _DATA_TABLES, *, restart_identity: bool = True
) -> None:
    """`tables` and the access log (which names persons without a key: migration 0020) are
    emptied; TRUNCATE … CASCADE reaches the change log. Both logs' triggers refuse TRUNCATE:
    the owner lifts them for this one statement, as only the owner can."""
    logs = ("access_log", "change_log")
    with connection.transaction():
        for log in logs:
            connection.execute(f"ALTER TABLE {log} DISABLE TRIGGER {log}_no_truncate")
        restart = " RESTART IDENTITY" if restart_identity else ""
        connection.execute(f"TRUNCATE {tables}, access_log{restart} CASCADE")
        for log in logs:
            connection.execute(f"ALTER TABLE {log} ENABLE TRIGGER {log}_no_truncate")

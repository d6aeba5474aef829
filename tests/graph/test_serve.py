"""`bhxh serve` as a process: it waits a bounded time for its database and then says so in one
line; on SIGTERM it stops accepting, finishes the request in flight and exits 0. The settings
that tune the edge come from the environment, and a bad value stops the start."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from graph.authz import tokens
from graph.authz.principal import Role
from graph.config import ConfigError, Settings
from tests.factories.book import book
from tests.graph.test_deadlines import locked

BHXH = Path(sys.executable).parent / "bhxh"
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BHXH_")}
    return {**env, "BHXH_ENV": "dev", "BHXH_DATA_DIR": str(tmp_path), **extra}


def test_without_a_database_serve_waits_then_exits_with_one_line(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        DATABASE_URL=f"postgresql://postgres@127.0.0.1:{_free_port()}/bhxh",
        BHXH_DB_WAIT="2",
    )
    done = subprocess.run(
        [BHXH, "serve", "--port", str(_free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    (line,) = lines
    assert line.startswith("Error: the database bhxh at 127.0.0.1:")
    assert "did not answer within 2 s" in line and "BHXH_DB_WAIT" in line
    # That it retried meanwhile: tests/db/test_session.py counts the attempts.


def _lock_waiters(conn: psycopg.Connection) -> int:
    row = conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND state = 'active' AND wait_event_type = 'Lock'"
    ).fetchone()
    assert row is not None
    return int(row[0])


def _refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except OSError:
        return True


def _spawn(port: int, env: dict[str, str]) -> "subprocess.Popen[bytes]":
    return subprocess.Popen(
        [BHXH, "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


async def _until(check: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.1)


async def test_sigterm_finishes_the_request_in_flight_and_exits_0(
    tmp_path: Path, database_url: str, conn: psycopg.Connection
) -> None:
    b = book(conn)  # not empty: serve seeds no demo data
    port = _free_port()
    env = _env(
        tmp_path,
        DATABASE_URL=database_url,
        BHXH_SHUTDOWN_GRACE="20",
        BHXH_LOCK_TIMEOUT="30",
        BHXH_STATEMENT_TIMEOUT="30",
        BHXH_REQUEST_TIMEOUT="30",
    )
    process = _spawn(port, env)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:

            async def ready() -> bool:
                try:
                    return (await client.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            deadline = time.monotonic() + 60
            while not await ready():
                assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "serve did not become ready"
                await asyncio.sleep(0.2)

            key = tokens.load_or_create_dev_key(tmp_path / "dev-signing-key.json")
            token = tokens.mint(key, role=Role.CITIZEN, subject=b.person["identification_number"])
            with locked(database_url):
                in_flight = asyncio.ensure_future(
                    client.post(
                        "/graphql",
                        json={"query": "{ me { fullName } }"},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                )
                await _until(lambda: _lock_waiters(conn) == 1, 10)
                process.send_signal(signal.SIGTERM)
                await _until(lambda: _refuses_connections(port), 10)  # stopped accepting
                await asyncio.sleep(0.5)
                assert process.poll() is None  # still finishing the request in flight
            response = await asyncio.wait_for(in_flight, 20)
        assert response.status_code == 200
        assert response.json() == {"data": {"me": {"fullName": b.person["full_name"]}}}
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        output = process.communicate(timeout=10)[0].decode()
    assert "Traceback" not in output


def test_the_edge_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "BHXH_STATEMENT_TIMEOUT": "2.5",
            "BHXH_LOCK_TIMEOUT": "0.5",
            "BHXH_DB_CHECKOUT_TIMEOUT": "1",
            "BHXH_DB_POOL_SIZE": "20",
            "BHXH_REQUEST_TIMEOUT": "8",
            "BHXH_MAX_IN_FLIGHT": "128",
            "BHXH_MAX_BODY_BYTES": "65536",
            "BHXH_DB_WAIT": "0",
            "BHXH_SHUTDOWN_GRACE": "5",
        }
    )
    assert (settings.statement_timeout, settings.lock_timeout, settings.checkout_timeout) == (
        2.5,
        0.5,
        1.0,
    )
    assert (settings.pool_size, settings.request_timeout, settings.max_in_flight) == (20, 8.0, 128)
    assert (settings.max_body_bytes, settings.database_wait, settings.shutdown_grace) == (
        65536,
        0.0,
        5,
    )
    defaults = Settings.from_env({})
    assert (defaults.statement_timeout, defaults.request_timeout, defaults.max_in_flight) == (
        5.0,
        10.0,
        64,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BHXH_STATEMENT_TIMEOUT", "0"),
        ("BHXH_STATEMENT_TIMEOUT", "soon"),
        ("BHXH_REQUEST_TIMEOUT", "-1"),
        ("BHXH_REQUEST_TIMEOUT", "inf"),
        ("BHXH_LOCK_TIMEOUT", "nan"),
        ("BHXH_MAX_IN_FLIGHT", "0"),
        ("BHXH_MAX_BODY_BYTES", "1MB"),
        ("BHXH_DB_WAIT", "-5"),
        ("BHXH_SHUTDOWN_GRACE", "2.5"),
    ],
)
def test_a_bad_edge_setting_names_itself(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})

"""The API's pooled connections carry the session settings the service relies on."""

import socket
import threading

import pytest

from db.session import Database, DatabaseUnavailable, Query, Timeouts, wait_until_reachable
from db.urls import libpq_conninfo

SETTINGS = Query(
    "session_settings",
    "SELECT current_setting('statement_timeout') AS statement_timeout,"
    " current_setting('lock_timeout') AS lock_timeout, current_setting('jit') AS jit,"
    " current_setting('plan_cache_mode') AS plan_cache_mode, pg_backend_pid() AS pid",
)


async def test_every_connection_has_timeouts_no_jit_and_generic_plans(database_url: str) -> None:
    """Every connection of the pool, not only the first: three readers held at once take three."""
    database = Database(
        libpq_conninfo(database_url), max_size=3, timeouts=Timeouts(statement=3, lock=1.5)
    )
    await database.open()
    try:
        async with database.reader() as a, database.reader() as b, database.reader() as c:
            rows = [(await reader.fetch(SETTINGS, {}))[0] for reader in (a, b, c)]
    finally:
        await database.close()
    assert len({row.pop("pid") for row in rows}) == 3
    assert (
        rows
        == [
            {
                "statement_timeout": "3s",
                "lock_timeout": "1500ms",
                "jit": "off",
                "plan_cache_mode": "force_generic_plan",
            }
        ]
        * 3
    )


def test_waiting_for_the_database_retries_until_the_wait_is_over() -> None:
    """`serve`'s bounded wait: a server that never speaks PostgreSQL is tried again and again
    until the wait runs out, then one reason naming the server (never its password)."""
    accepted = 0
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def refuse() -> None:
            nonlocal accepted
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return  # the listener closed: the test is over
                accepted += 1
                conn.close()

        threading.Thread(target=refuse, daemon=True).start()
        conninfo = f"host=127.0.0.1 port={port} dbname=bhxh user=u password=secret"
        with pytest.raises(DatabaseUnavailable) as refused:
            wait_until_reachable(conninfo, seconds=1, interval=0.1)
    assert accepted >= 3
    message = str(refused.value)
    assert message.startswith(f"the database bhxh at 127.0.0.1:{port} did not answer within 1 s")
    assert "secret" not in message and "\n" not in message

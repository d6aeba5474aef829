"""The API's pooled connections carry the session settings the service relies on."""

import asyncio
import json
import socket
import threading
from typing import Any

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from db.session import Database, DatabaseUnavailable, Query, Timeouts, wait_until_reachable
from db.urls import libpq_conninfo

SETTINGS = Query(
    "session_settings",
    "SELECT current_setting('statement_timeout') AS statement_timeout,"
    " current_setting('lock_timeout') AS lock_timeout, current_setting('jit') AS jit,"
    " current_setting('plan_cache_mode') AS plan_cache_mode, pg_backend_pid() AS pid",
)


async def test_every_connection_has_timeouts_no_jit_and_generic_plans(database_url: str) -> None:
    """Every connection, not only the first: three units of work held at once take three of the
    request pool, and the reads go on the read lane's own (db.lane)."""
    database = Database(
        libpq_conninfo(database_url), max_size=3, timeouts=Timeouts(statement=3, lock=1.5)
    )
    await database.open()
    try:
        async with database.reader() as a, database.reader() as b, database.reader() as c:
            async with a.transaction() as x, b.transaction() as y, c.transaction() as z:
                rows = [(await tx.fetch(SETTINGS, {}))[0] for tx in (x, y, z)]
            rows += await a.fetch(SETTINGS, {})
    finally:
        await database.close()
    assert len({row.pop("pid") for row in rows}) == 4
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
        * 4
    )


JSON_DOCUMENTS = Query(
    "json_documents",
    "SELECT d::json AS json, d::jsonb AS jsonb, d::jsonb::text AS jsonb_text, d AS text"
    " FROM unnest(%(documents)s::text[]) AS d",
)
DOCUMENTS = [
    '{"code": "01001", "name": "Bệnh viện Bạch Mai", "deregistered_on": null, "tier": "TW"}',
    '[1, -2, 1.5, 0.1, 1e-7, 2.5e300, true, false, null, "", "\\u00e9\\n\\ud83d\\ude00"]',
    '{"big": 123456789012345678901234567890, "neg": -9223372036854775809, "max": 18446744073709551615}',
    '{"a": {"b": [{"c": []}, {}]}, "n": 12345678901234567890.5}',
    '[1e400, -1e400, 1e-400, 18446744073709551616, "id 0123456789012345678"]',
    '"a string"',
    "42",
    "null",
]


async def test_json_and_jsonb_read_as_the_standard_library_reads_them(database_url: str) -> None:
    """orjson reads them (db.session), to the same values, big integers included."""
    database = Database(libpq_conninfo(database_url), max_size=1)
    await database.open()
    try:
        async with database.reader() as reader:
            alone = await reader.fetch(JSON_DOCUMENTS, {"documents": DOCUMENTS})
            piped, _ = await asyncio.gather(
                reader.fetch(JSON_DOCUMENTS, {"documents": DOCUMENTS}),
                reader.fetch(JSON_DOCUMENTS, {"documents": DOCUMENTS}),
            )
            assert reader.round_trips == 2
    finally:
        await database.close()
    for rows in (alone, piped):
        assert [row["json"] for row in rows] == [json.loads(row["text"]) for row in rows]
        assert [row["jsonb"] for row in rows] == [json.loads(row["jsonb_text"]) for row in rows]
    assert [type(row["json"]) for row in alone] == [type(json.loads(d)) for d in DOCUMENTS]


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


PID = Query("backend_pid", "SELECT pg_backend_pid() AS pid")


@pytest.fixture
def round_trip_checks(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The connections the pool checked with a round trip (psycopg_pool's check)."""
    checked: list[object] = []
    check = AsyncConnectionPool.check_connection

    async def counted(conn: Any) -> None:
        checked.append(conn)
        await check(conn)

    monkeypatch.setattr(AsyncConnectionPool, "check_connection", staticmethod(counted))
    return checked


async def test_a_quiet_pooled_connection_is_taken_without_a_round_trip(
    database_url: str, round_trip_checks: list[object]
) -> None:
    database = Database(libpq_conninfo(database_url), max_size=1)
    await database.open()
    try:
        pids = []
        for _ in range(3):
            async with database.reader() as reader:
                pids.append((await reader.fetch(PID, {}))[0]["pid"])
    finally:
        await database.close()
    assert len(set(pids)) == 1
    assert round_trip_checks == []


async def test_a_connection_the_server_ended_is_replaced_at_checkout(
    database_url: str, round_trip_checks: list[object]
) -> None:
    database = Database(libpq_conninfo(database_url), max_size=1)
    await database.open()
    try:
        async with database.reader() as reader:
            pid = (await reader.fetch(PID, {}))[0]["pid"]
        async with await psycopg.AsyncConnection.connect(
            libpq_conninfo(database_url), autocommit=True
        ) as admin:
            await admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])  # waits for it
        async with database.reader() as reader:
            again = (await reader.fetch(PID, {}))[0]["pid"]
    finally:
        await database.close()
    assert again != pid
    assert len(round_trip_checks) >= 1

"""The API's pooled connections carry the session settings the service relies on."""

from db.session import Database, Query, Timeouts
from db.urls import libpq_conninfo

SETTINGS = Query(
    "session_settings",
    "SELECT current_setting('statement_timeout') AS statement_timeout,"
    " current_setting('lock_timeout') AS lock_timeout, current_setting('jit') AS jit",
)


async def test_every_connection_has_timeouts_and_no_jit(database_url: str) -> None:
    database = Database(
        libpq_conninfo(database_url), max_size=1, timeouts=Timeouts(statement=3, lock=1.5)
    )
    await database.open()
    try:
        async with database.reader() as reader:
            (row,) = await reader.fetch(SETTINGS, {})
    finally:
        await database.close()
    assert row == {"statement_timeout": "3s", "lock_timeout": "1500ms", "jit": "off"}

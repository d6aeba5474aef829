"""One day for the whole product: Vietnam's (db.bhyt_rules.today), in Python and in the database
(`vietnam_today()`, migration 0018), whatever the server's or the session's time zone. A check that
read the session's `current_date` refused, from 17:00 UTC on a month's last day, the contributions
the application had just dated for Vietnam's new month."""

from pathlib import Path

import psycopg
import pytest

from db import bhyt_rules

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("zone", ["UTC", "Etc/GMT+12", "Pacific/Kiritimati", "Asia/Ho_Chi_Minh"])
def test_the_databases_today_is_vietnams_in_every_session_time_zone(
    conn: psycopg.Connection, zone: str
) -> None:
    conn.execute("SELECT set_config('TimeZone', %s, false)", [zone])
    before = bhyt_rules.today()
    row = conn.execute("SELECT vietnam_today()").fetchone()
    assert row is not None and row[0] in {before, bhyt_rules.today()}  # midnight may pass between


def test_no_trigger_or_function_reads_the_sessions_day(conn: psycopg.Connection) -> None:
    triggers = conn.execute(
        "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal"
    ).fetchall()
    functions = conn.execute(
        "SELECT proname, prosrc FROM pg_proc WHERE pronamespace = 'public'::regnamespace"
    ).fetchall()
    assert [name for name, text in [*triggers, *functions] if "current_date" in text.lower()] == []


def test_no_statement_reads_the_sessions_day() -> None:
    sources = [*ROOT.glob("db/**/*.py"), *ROOT.glob("graph/**/*.py")]
    assert [
        str(p.relative_to(ROOT))
        for p in sources
        if "current_date" in p.read_text() or "date.today()" in p.read_text()
    ] == []

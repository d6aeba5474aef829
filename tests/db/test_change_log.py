"""The change log's triggers (migration 0006) on the real PostgreSQL: what they record, what
they leave out, and a plan that stays linear in the rows a statement changes."""

import json
import re
from datetime import date
from typing import Any, cast

import psycopg
import pytest

from tests.factories import employer as employers
from tests.factories import person as persons
from tests.factories import reference

ACTOR = {
    "role": "EMPLOYER",
    "subject": "hr-1",
    "org": "0100109106",
    "grounds": ["employment:0100109106"],
    "request_id": "req-1",
    "operation": "submitContributionDeclaration",
    "idempotency_key": "k-1",
}


def _as_actor(conn: psycopg.Connection) -> None:
    conn.execute("SELECT set_config('bhxh.actor', %s, true)", [json.dumps(ACTOR)])


def _periods(conn: psycopg.Connection, n: int) -> list[int]:
    office = reference.office(conn)
    employer = employers.employer(conn, office)
    ids = []
    for _ in range(n):
        employers.employment(conn, persons.person(conn), employer, current=True)
    for (period_id,) in conn.execute("SELECT id FROM contribution_period ORDER BY id"):
        ids.append(period_id)
    return ids


def _log(conn: psycopg.Connection) -> list[tuple[object, ...]]:
    return conn.execute(
        "SELECT action, record_table, before, after, grounds, operation FROM change_log ORDER BY id"
    ).fetchall()


def test_an_update_records_the_changed_fields_of_each_row(conn: psycopg.Connection) -> None:
    (period,) = _periods(conn, 1)
    with conn.transaction():
        _as_actor(conn)
        conn.execute(
            "UPDATE contribution_period SET to_month = '2026-01-01' WHERE id = %s", [period]
        )
    assert _log(conn) == [
        (
            "UPDATE",
            "contribution_period",
            {"to_month": None},
            {"to_month": "2026-01-01"},
            ["employment:0100109106"],
            "submitContributionDeclaration",
        )
    ]


def test_no_change_and_the_owners_own_writes_are_not_recorded(conn: psycopg.Connection) -> None:
    (period,) = _periods(conn, 1)
    with conn.transaction():
        _as_actor(conn)
        conn.execute("UPDATE contribution_period SET to_month = to_month WHERE id = %s", [period])
    conn.execute("UPDATE contribution_period SET to_month = '2020-01-01' WHERE id = %s", [period])
    assert _log(conn) == []


def test_a_delete_records_the_whole_row(conn: psycopg.Connection) -> None:
    (period,) = _periods(conn, 1)
    with conn.transaction():
        _as_actor(conn)
        conn.execute("DELETE FROM contribution_period WHERE id = %s", [period])
    ((action, _, before, after, _, _),) = _log(conn)
    assert (action, after) == ("DELETE", None)
    row = cast(dict[str, Any], before)  # the deleted row, as jsonb
    assert row["id"] == period and row["from_month"] == date(2012, 1, 1).isoformat()


@pytest.mark.parametrize("rows", [300])
def test_recording_a_large_update_joins_old_and_new_rows_without_a_nested_loop(
    conn: psycopg.Connection, rows: int
) -> None:
    """The planner guesses one row per transition table; a nested loop over them made a
    600-row update of a declaration take seconds. auto_explain shows the trigger's plan."""
    ids = _periods(conn, rows)
    plans: list[str] = []
    conn.add_notice_handler(lambda notice: plans.append(notice.message_primary or ""))
    with conn.transaction():
        conn.execute("LOAD 'auto_explain'")
        conn.execute("SET LOCAL auto_explain.log_min_duration = 0")
        conn.execute("SET LOCAL auto_explain.log_nested_statements = on")
        conn.execute("SET LOCAL client_min_messages = log")
        _as_actor(conn)
        conn.execute(
            "UPDATE contribution_period SET to_month = '2026-01-01' WHERE id = ANY(%s)", [ids]
        )
    (trigger,) = [p for p in plans if "INSERT INTO change_log" in p and "old_rows" in p]
    assert re.search(r"(Hash|Merge) Cond: \(+o\.r ->> 'id'", trigger), trigger
    assert "Join Filter" not in trigger and "JIT" not in trigger, trigger
    assert len(_log(conn)) == rows

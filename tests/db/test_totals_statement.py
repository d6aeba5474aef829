"""The totals statement counts maternity months as `db.rules.maternity_months` does: the SQL and
the rule's hand-computed tests share one reading of "14 working days in the month"."""

import random
from datetime import date, timedelta

import psycopg
from psycopg.rows import dict_row

from db import bhyt_rules
from db.queries.social_insurance import CONTRIBUTION_TOTALS_BY_PERSON
from db.rules import maternity_months
from tests.factories import person as persons
from tests.factories.person import insert


def _leaves(today: date) -> list[tuple[date, date | None]]:
    """Leaves of 1 to 200 days, some open, some ending after today, one starting after it."""
    rng = random.Random(9)
    leaves: list[tuple[date, date | None]] = []
    for _ in range(60):
        start = today - timedelta(days=rng.randrange(0, 900))
        end = start + timedelta(days=rng.randrange(0, 200))
        leaves.append((start, None if rng.random() < 0.1 else end))
    # A leave decided ahead counts nothing yet.
    leaves.append((today + timedelta(days=10), today + timedelta(days=190)))
    return leaves


def test_maternity_months_agree_with_the_rule(conn: psycopg.Connection) -> None:
    today = bhyt_rules.today()
    leaves = _leaves(today)
    ids = []
    for i, (start, end) in enumerate(leaves):
        holder = persons.person(conn)
        ids.append(holder["id"])
        insert(
            conn,
            "benefit",
            {
                "person_id": holder["id"],
                "regime": "MATERNITY",
                "decision_number": f"{i}/QĐ-BHXH",
                "decided_on": start,
                "period_from": start,
                "period_to": end,
                "amount_vnd": 0,
            },
        )
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(CONTRIBUTION_TOTALS_BY_PERSON.sql, {"keys": ids})
        found = {r["person_id"]: r for r in cur.fetchall()}
    for person_id, (start, end) in zip(ids, leaves, strict=True):
        expected = len(maternity_months(start, end, today))
        row = found.get(person_id)
        counted = (row["maternity_months"], row["months"], row["pension_months"]) if row else None
        assert counted == ((expected,) * 3 if expected else None), (start, end)

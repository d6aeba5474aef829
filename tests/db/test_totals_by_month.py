"""The totals statement against the same rules applied here month by month: every month of every
row and counting leave generated and counted in Python, on books built to hold the cases the
statement's interval sweeps must get right (overlapping, duplicate and adjacent rows, a settled
row over an unsettled one, ongoing rows, rows after this month or across it, maternity leave
across month ends and under compulsory rows, a lump sum, a claim filed mid-row) and on random
books of such rows. Real PostgreSQL, under the generic plan the app runs it with."""

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import psycopg

from db.enums import Scheme
from db.queries.social_insurance import CONTRIBUTION_TOTALS_BY_PERSON
from db.rules import add_months, maternity_months, months_apart
from tests.factories import employer as employers
from tests.factories import person as persons
from tests.factories import reference
from tests.factories.person import insert

C, V = Scheme.COMPULSORY_SOCIAL.value, Scheme.VOLUNTARY_SOCIAL.value
U, OA = Scheme.UNEMPLOYMENT.value, Scheme.OCCUPATIONAL_ACCIDENT.value


@dataclass
class Writer:
    conn: psycopg.Connection
    employer_id: int
    this_month: date
    count: int = 0

    def month(self, offset: int) -> date:
        return add_months(self.this_month, offset)

    def row(
        self,
        person_id: int,
        scheme: str,
        first: int,
        last: int | None,
        settled_by: int | None = None,
    ) -> None:
        """A row from this month + `first` to this month + `last` (None: ongoing)."""
        insert(
            self.conn,
            "contribution_period",
            {
                "person_id": person_id,
                "scheme": scheme,
                "from_month": self.month(first),
                "to_month": None if last is None else self.month(last),
                "employer_id": None if scheme == V else self.employer_id,
                "salary_vnd": 8_000_000,
                "rate_pct": 22 if scheme == V else 8,
                "settled_by": settled_by,
            },
        )

    def benefit(self, person_id: int, regime: str, start: date, end: date | None) -> int:
        self.count += 1
        return int(
            insert(
                self.conn,
                "benefit",
                {
                    "person_id": person_id,
                    "regime": regime,
                    "decision_number": f"{self.count}/QĐ-BHXH",
                    "decided_on": start if end is None else end,
                    "period_from": start,
                    "period_to": end,
                    "amount_vnd": 1_000_000,
                },
            )["id"]
        )

    def claim(self, person_id: int, filed_on: date) -> None:
        self.count += 1
        insert(
            self.conn,
            "unemployment_benefit",
            {
                "person_id": person_id,
                "decision_number": f"{self.count}/QĐ-SLĐTBXH",
                "filed_on": filed_on,
                "decided_on": filed_on,
                "starts_on": filed_on,
                "contribution_months_counted": 24,
                "months_granted": 3,
                "months_used": 0,
                "monthly_amount_vnd": 4_800_000,
            },
        )


def _writer(conn: psycopg.Connection) -> Writer:
    today = conn.execute("SELECT vietnam_today()").fetchone()[0]  # type: ignore[index]
    office = reference.office(conn)
    return Writer(conn, employers.employer(conn, office)["id"], today.replace(day=1))


def _edge_books(w: Writer) -> list[int]:
    """One person per group of cases; returns their ids."""
    ids = [persons.person(w.conn)["id"] for _ in range(6)]
    a, b, c, d, e, f = ids
    day = w.month
    # a: compulsory rows overlapping, duplicated, adjacent; a settled row over an unsettled one;
    # an ongoing row; an unemployment row inside a compulsory one; an accident row across this
    # month; voluntary months over compulsory ones (counted once toward a pension).
    lump = w.benefit(a, "LUMP_SUM_WITHDRAWAL", day(-24), day(-24))
    w.row(a, C, -50, -45, settled_by=lump)
    w.row(a, C, -47, -44)
    w.row(a, C, -40, -30)
    w.row(a, C, -35, -25)
    w.row(a, C, -20, -18)
    w.row(a, C, -20, -18)
    w.row(a, C, -17, -15)
    w.row(a, C, -14, -12)
    w.row(a, C, -6, None)
    w.row(a, U, -38, -31)
    w.row(a, OA, -3, 2)
    w.row(a, V, -42, -36)
    w.row(a, V, -9, -8, settled_by=lump)
    # Maternity: across month ends where no row is; partly under the rows of -14…-12; twice
    # over the same months; under a settled compulsory row only; under a voluntary row only;
    # before the lump sum (settled months); ongoing; decided ahead.
    w.benefit(a, "MATERNITY", day(-10) + timedelta(days=9), day(-7) + timedelta(days=8))
    w.benefit(a, "MATERNITY", day(-10) + timedelta(days=2), day(-9) + timedelta(days=20))
    w.benefit(a, "MATERNITY", day(-13) + timedelta(days=4), day(-11) + timedelta(days=27))
    w.benefit(a, "MATERNITY", day(-46), day(-46) + timedelta(days=27))
    w.benefit(a, "MATERNITY", day(-29), day(-27) - timedelta(days=1))
    w.benefit(a, "MATERNITY", day(-1) + timedelta(days=3), None)
    w.benefit(a, "MATERNITY", day(1) + timedelta(days=3), day(5))
    w.benefit(a, "SICKNESS", day(-11), day(-11) + timedelta(days=25))
    # Claims: the latest, filed mid-month inside the row of -40…-30, counts from the next month.
    w.claim(a, day(-50) + timedelta(days=3))
    w.claim(a, day(-33) + timedelta(days=14))
    # b: voluntary only, prepaid: a row across this month, rows wholly ahead (one open), a
    # settled row; a claim filed on a month's first day.
    lump_b = w.benefit(b, "LUMP_SUM_WITHDRAWAL", day(-30), day(-30))
    w.row(b, V, -60, -40, settled_by=lump_b)
    w.row(b, V, -45, -20)
    w.row(b, V, -2, 3)
    w.row(b, V, 2, 5)
    w.row(b, V, 4, 9)
    w.row(b, V, 3, None)
    w.claim(b, day(-21))
    # c: an open row starting next month counts nothing: no totals at all.
    w.row(c, V, 1, None)
    # d: maternity leave alone makes the compulsory total; a lump sum decided the month after
    # one month settles that month only.
    w.benefit(d, "MATERNITY", day(-8) + timedelta(days=1), day(-3) + timedelta(days=15))
    w.benefit(d, "LUMP_SUM_WITHDRAWAL", day(-5) + timedelta(days=10), day(-5) + timedelta(days=10))
    # e: a claim filed after every row, and one ahead of today.
    w.row(e, C, -30, -10)
    w.row(e, U, -30, -10)
    w.claim(e, day(-5) + timedelta(days=1))
    w.claim(e, day(2))
    # f: a row of this month only, settled and unsettled copies of the same months.
    lump_f = w.benefit(f, "LUMP_SUM_WITHDRAWAL", day(-1), day(-1))
    w.row(f, C, 0, 0)
    w.row(f, C, -12, -3, settled_by=lump_f)
    w.row(f, C, -12, -3)
    w.row(f, V, -12, -3, settled_by=lump_f)
    return ids


def _random_books(w: Writer, count: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    ids = []
    for _ in range(count):
        who = persons.person(w.conn)["id"]
        ids.append(who)
        lumps = [
            w.benefit(who, "LUMP_SUM_WITHDRAWAL", d, d)
            for d in (w.month(-rng.randrange(0, 60)) + timedelta(days=rng.randrange(28)),)
            if rng.random() < 0.4
        ]
        compulsory: list[tuple[int, int | None]] = []
        for _ in range(rng.randrange(0, 9)):
            scheme = rng.choice((C, C, C, V, V, OA))
            first = rng.randrange(-60, 7 if scheme == V else 1)
            last = None if rng.random() < 0.15 else first + rng.randrange(0, 24)
            settled = lumps[0] if lumps and rng.random() < 0.3 else None
            w.row(who, scheme, first, last, settled_by=settled)
            if scheme == C:
                compulsory.append((first, last))
        for first, last in compulsory:
            if rng.random() < 0.4:  # BHTN inside a BHXH row (migration 0011)
                stop = (
                    last if last is None or rng.random() < 0.5 else rng.randrange(first, last + 1)
                )
                latest = min(first if stop is None else stop, 0)  # none starts ahead
                w.row(who, U, rng.randrange(first, latest + 1), stop)
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            start = w.month(-rng.randrange(-2, 60)) + timedelta(days=rng.randrange(28))
            end = None if rng.random() < 0.1 else start + timedelta(days=rng.randrange(0, 200))
            w.benefit(who, "MATERNITY", start, end)
        for _ in range(rng.choice((0, 1, 2))):
            w.claim(who, w.month(-rng.randrange(-3, 60)) + timedelta(days=rng.randrange(28)))
    return ids


def _months(first: date, last: date) -> Iterable[date]:
    return (add_months(first, i) for i in range(months_apart(first, last) + 1))


def _by_hand(conn: psycopg.Connection, ids: list[int]) -> list[tuple[Any, ...]]:
    """The statement's rows, counted month by month from the tables' rows."""
    today: date = conn.execute("SELECT vietnam_today()").fetchone()[0]  # type: ignore[index]
    this_month = today.replace(day=1)
    periods = conn.execute(
        "SELECT person_id, scheme, from_month, to_month, settled_by IS NOT NULL"
        " FROM contribution_period WHERE person_id = ANY(%s)",
        (ids,),
    ).fetchall()
    benefits = conn.execute(
        "SELECT person_id, regime, decided_on, period_from, period_to FROM benefit"
        " WHERE person_id = ANY(%s)",
        (ids,),
    ).fetchall()
    claims = conn.execute(
        "SELECT person_id, max(filed_on) FROM unemployment_benefit WHERE person_id = ANY(%s)"
        " GROUP BY person_id",
        (ids,),
    ).fetchall()
    filed: dict[int, date] = dict(claims)
    # (person, scheme) -> {(month, settled, maternity)}
    book: dict[tuple[int, str], set[tuple[date, bool, bool]]] = defaultdict(set)
    for person_id, scheme, first, last, settled in periods:
        for month in _months(first, last or this_month):
            book[person_id, scheme].add((month, settled, False))
    for person_id, regime, _, start, end in benefits:
        if regime != "MATERNITY":
            continue
        lumps = [b[2] for b in benefits if b[0] == person_id and b[1] == "LUMP_SUM_WITHDRAWAL"]
        for month in maternity_months(start, end, today):
            covered = any(
                p[0] == person_id and p[1] == C and p[2] <= month <= (p[3] or this_month)
                for p in periods
            )
            if not covered:
                settled = any(d >= add_months(month, 1) for d in lumps)
                book[person_id, C].add((month, settled, True))

    rows = []
    for (person_id, scheme), months in sorted(book.items()):
        now = [(m, settled, maternity) for m, settled, maternity in months if m <= this_month]
        pension = [x for s in (C, V) for x in book.get((person_id, s), ()) if x[0] <= this_month]
        claim = filed.get(person_id)
        rows.append(
            (
                person_id,
                scheme,
                len({m for m, settled, _ in now if not settled}),
                len({m for m, settled, _ in now if settled}),
                len({m for m, settled, maternity in now if maternity and not settled}),
                len({m for m, _, _ in months if m > this_month}),
                len({m for m, _, _ in now if claim is not None and m >= claim}),
                len({m for m, settled, _ in pension if not settled}),
                len({m for m, settled, _ in pension if settled}),
            )
        )
    return rows


def _statement(conn: psycopg.Connection, keys: list[int]) -> list[tuple[Any, ...]]:
    conn.execute("SET plan_cache_mode = force_generic_plan")
    rows = conn.execute(CONTRIBUTION_TOTALS_BY_PERSON.sql, {"keys": keys}, prepare=True)
    return rows.fetchall()


def test_edge_cases_month_by_month(conn: psycopg.Connection) -> None:
    w = _writer(conn)
    ids = _edge_books(w)
    found = _statement(conn, ids)
    assert found == _by_hand(conn, ids)
    assert all(type(v) is int for row in found for v in row[2:])
    assert not [row for row in found if row[0] == ids[2]]  # a row wholly ahead counts nothing
    for key in ids:  # one key at a time too
        assert _statement(conn, [key]) == _by_hand(conn, [key])


def test_random_books_month_by_month(conn: psycopg.Connection) -> None:
    w = _writer(conn)
    ids = _random_books(w, 150, seed=41)
    found = _statement(conn, ids)
    assert found == _by_hand(conn, ids)
    assert len({row[0] for row in found}) > 100
    for key in ids[:40]:
        assert _statement(conn, [key]) == _by_hand(conn, [key])

"""The seeded data could be real: no impossible rows, and the shares DOMAIN.md §7 names.

One database of 1,500 persons seeded as of a fixed mid-month "today" (so that rows dated later in
the same month would show), checked with SQL over all rows.
"""

from collections.abc import Iterator
from datetime import date
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from db import bhyt_rules, migrate, rules
from db.enums import ARMED_FORCES
from db.seed import EARLIEST_TODAY, common, seed_database
from db.seed.careers import contribution_window
from db.seed.common import month_index
from db.seed.events import leave_months
from db.urls import libpq_conninfo
from tests.conftest import create_database, drop_database

PERSONS = 1500
TODAY = date(2026, 11, 17)


@pytest.fixture(scope="module")
def db(server_url: str) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    url = create_database(server_url)
    try:
        migrate.upgrade(url)
        conninfo = libpq_conninfo(url)
        seed_database(conninfo, persons=PERSONS, seed=11, progress=False, today=TODAY)
        with psycopg.connect(conninfo, row_factory=dict_row) as conn:
            yield conn
    finally:
        drop_database(server_url, url)


def _all(conn: psycopg.Connection[dict[str, Any]], sql: str, **params: Any) -> list[Any]:
    return conn.execute(sql, params).fetchall()


def _one(conn: psycopg.Connection[dict[str, Any]], sql: str, **params: Any) -> Any:
    row = conn.execute(sql, params).fetchone()
    assert row is not None
    return next(iter(row.values()))


# --- impossible rows ---------------------------------------------------------------------------


def test_no_contribution_before_the_age_of_15(db: psycopg.Connection[dict[str, Any]]) -> None:
    assert not _all(
        db,
        "SELECT c.id FROM contribution_period c JOIN person p ON p.id = c.person_id"
        " WHERE c.from_month < date_trunc('month', p.birth_date + interval '15 years')",
    )


def test_the_contribution_window_opens_at_15_and_closes_today_or_at_death() -> None:
    born = SimpleNamespace(birth_month=month_index(2000, 3), died=None)  # born in March 2000
    common.set_today(date(2026, 11, 17))
    assert contribution_window(born) == (month_index(2015, 3), month_index(2026, 11))  # type: ignore[arg-type]
    born.died = date(2024, 2, 29)  # the month of death is the last one
    assert contribution_window(born) == (month_index(2015, 3), month_index(2024, 2))  # type: ignore[arg-type]


def test_nothing_is_dated_after_today(db: psycopg.Connection[dict[str, Any]]) -> None:
    checks = {
        "row starts": "SELECT count(*) FROM contribution_period WHERE from_month > %(today)s",
        "row ends": "SELECT count(*) FROM contribution_period"
        " WHERE to_month > date_trunc('month', %(today)s::date)",
        "decision": "SELECT count(*) FROM benefit"
        " WHERE decided_on > %(today)s OR period_from > %(today)s",
        "claim": "SELECT count(*) FROM unemployment_benefit"
        " WHERE filed_on > %(today)s OR decided_on > %(today)s OR starts_on > %(today)s",
        "card": "SELECT count(*) FROM health_insurance_card WHERE valid_from > %(today)s",
        "visit": "SELECT count(*) FROM medical_visit"
        " WHERE (admitted_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date >= %(today)s"
        " OR (discharged_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date >= %(today)s",
        "person": "SELECT count(*) FROM person WHERE birth_date > %(today)s",
    }
    found = {what: _one(db, sql, today=TODAY) for what, sql in checks.items()}
    assert found == dict.fromkeys(checks, 0)


def test_nothing_is_dated_after_death(db: psycopg.Connection[dict[str, Any]]) -> None:
    """A person's own rows stop at death: contributions by the month of death, cards starting
    by the day, visits admitted and discharged by it, benefits and claims starting by it and
    never running past it."""
    checks = {
        "contribution month": "SELECT count(*) FROM contribution_period c JOIN person p"
        " ON p.id = c.person_id WHERE coalesce(c.to_month, 'infinity') > date_trunc('month', p.died_on)",
        "card": "SELECT count(*) FROM health_insurance_card c JOIN person p ON p.id = c.person_id"
        " WHERE c.valid_from > p.died_on OR c.valid_to > p.died_on",
        "visit": "SELECT count(*) FROM medical_visit v JOIN person p ON p.id = v.person_id"
        " WHERE (v.admitted_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date > p.died_on"
        " OR (v.discharged_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date > p.died_on",
        "benefit": "SELECT count(*) FROM benefit b JOIN person p ON p.id = b.person_id"
        " WHERE b.period_from > p.died_on OR coalesce(b.period_to, 'infinity') > p.died_on",
        "claim": "SELECT count(*) FROM unemployment_benefit u JOIN person p ON p.id = u.person_id"
        " WHERE u.filed_on > p.died_on OR u.starts_on > p.died_on",
        "still participating": "SELECT count(*) FROM social_insurance s JOIN person p"
        " ON p.id = s.person_id WHERE p.died_on IS NOT NULL"
        " AND s.participant_category <> 'NOT_PARTICIPATING'",
    }
    found = {what: _one(db, sql) for what, sql in checks.items()}
    assert found == dict.fromkeys(checks, 0)
    # Deaths cut real histories short: some who died had contributed, and had a card.
    assert _one(
        db,
        "SELECT count(DISTINCT p.id) FROM person p JOIN contribution_period c"
        " ON c.person_id = p.id WHERE p.died_on IS NOT NULL",
    )
    assert _one(
        db,
        "SELECT count(*) FROM health_insurance_card c JOIN person p ON p.id = c.person_id"
        " WHERE c.valid_to = p.died_on",
    )


def test_survivor_benefits_follow_a_death(db: psycopg.Connection[dict[str, Any]]) -> None:
    """A survivor benefit (trợ cấp tuất) is held by a living relative of a person who died
    before it started; or, for widows whose husband is not in the data set, no spouse of theirs
    is (retirement.later_life)."""
    benefits = _all(
        db,
        "SELECT b.id, b.period_from, p.died_on AS holder_died,"
        # A spouse or parent of the holder, or a child (whose record names the holder).
        " (SELECT max(d.died_on) FROM relative r JOIN person d"
        "  ON (r.person_id = b.person_id AND d.id = r.relative_person_id)"
        "  OR (r.relative_person_id = b.person_id AND d.id = r.person_id"
        "   AND r.kind IN ('FATHER', 'MOTHER'))"
        "  WHERE d.died_on < b.period_from) AS relative_died,"
        " EXISTS (SELECT FROM relative r WHERE r.person_id = b.person_id AND r.kind = 'SPOUSE'"
        "  AND r.relative_person_id IS NOT NULL) AS spouse_in_data"
        " FROM benefit b JOIN person p ON p.id = b.person_id WHERE b.regime = 'SURVIVORSHIP'",
    )
    after_death = [b for b in benefits if b["relative_died"] is not None]
    assert len(after_death) >= 5
    assert all(b["relative_died"] is not None or not b["spouse_in_data"] for b in benefits)
    assert all(b["holder_died"] is None or b["holder_died"] >= b["period_from"] for b in benefits)
    # The deceased's own book has a survivor benefit only as a relative of someone else.
    orphans = _all(
        db,
        "SELECT b.id FROM benefit b JOIN person p ON p.id = b.person_id"
        " WHERE b.regime = 'SURVIVORSHIP' AND p.died_on < b.period_from",
    )
    assert not orphans


def test_a_plausible_share_of_persons_died(db: psycopg.Connection[dict[str, Any]]) -> None:
    """Deaths since 2016 at Vietnam's mortality (crude death rate about 6–7 ‰ a year): some
    per cent of the persons, mostly old, none after today and none before birth."""
    share = _one(db, "SELECT avg((died_on IS NOT NULL)::int) FROM person")
    assert 0.02 <= share <= 0.09
    old = _one(
        db,
        "SELECT avg((died_on - birth_date >= 365 * 60)::int) FROM person WHERE died_on IS NOT NULL",
    )
    assert old >= 0.5
    assert not _all(
        db,
        "SELECT id FROM person WHERE died_on > %(t)s OR died_on < '2016-01-01'",
        t=TODAY,
    )
    # The ministries' officers serve today (careers._armed): none has died.
    assert not _all(
        db, "SELECT id FROM person WHERE died_on IS NOT NULL AND managing_authority <> 'FINANCE'"
    )


def test_rows_running_on_today_stay_open(db: psycopg.Connection[dict[str, Any]]) -> None:
    month = date(TODAY.year, TODAY.month, 1)
    assert _one(db, "SELECT count(*) FROM contribution_period WHERE to_month IS NULL") > 0
    # Closed this month: only by a death this month.
    assert not _all(
        db,
        "SELECT c.id FROM contribution_period c JOIN person p ON p.id = c.person_id"
        " WHERE c.to_month = %(m)s AND p.died_on IS NULL",
        m=month,
    )


def test_no_two_rows_with_one_employer_overlap(db: psycopg.Connection[dict[str, Any]]) -> None:
    assert not _all(
        db,
        "SELECT a.id, b.id FROM contribution_period a JOIN contribution_period b"
        " ON a.person_id = b.person_id AND a.scheme = b.scheme AND a.id < b.id"
        " AND a.employer_id IS NOT DISTINCT FROM b.employer_id"
        " AND daterange(a.from_month, coalesce(a.to_month, 'infinity'), '[]')"
        " && daterange(b.from_month, coalesce(b.to_month, 'infinity'), '[]')",
    )


def test_unemployment_months_are_compulsory_social_months(
    db: psycopg.Connection[dict[str, Any]],
) -> None:
    assert _one(db, "SELECT count(*) FROM contribution_period WHERE scheme = 'UNEMPLOYMENT'") > 0
    assert not _all(
        db,
        "SELECT u.id, m FROM contribution_period u,"
        " generate_series(u.from_month, coalesce(u.to_month, %(today)s), interval '1 month') m"
        " WHERE u.scheme = 'UNEMPLOYMENT' AND NOT EXISTS ("
        "  SELECT FROM contribution_period c WHERE c.person_id = u.person_id"
        "  AND c.scheme = 'COMPULSORY_SOCIAL' AND c.from_month <= m"
        "  AND (c.to_month IS NULL OR c.to_month >= m))",
        today=TODAY,
    )


def test_armed_forces_rows_carry_their_category(db: psycopg.Connection[dict[str, Any]]) -> None:
    """The career officers' rows (careers._armed) carry the officer's category: compulsory BHXH
    and the accident fund, never BHTN; foreign workers' rows carry theirs (no BHTN either); no
    one else's row carries a category."""
    rows = _all(
        db,
        "SELECT s.participant_category AS person, c.participant_category AS row, c.scheme,"
        " count(*) AS n FROM contribution_period c JOIN social_insurance s USING (person_id)"
        " GROUP BY 1, 2, 3",
    )
    armed = {r["person"] for r in rows} & {c.value for c in ARMED_FORCES}
    assert armed, "the seed has officers of the armed forces"
    officers = [r for r in rows if r["person"] in armed]
    assert all(r["row"] == r["person"] for r in officers)
    assert {r["scheme"] for r in officers} == {"COMPULSORY_SOCIAL", "OCCUPATIONAL_ACCIDENT"}
    others = [r for r in rows if r["person"] not in armed]
    foreign = [r for r in others if r["row"] == "FOREIGN_WORKER"]
    assert foreign, "the seed has foreign workers"
    assert {r["scheme"] for r in foreign} == {"COMPULSORY_SOCIAL", "OCCUPATIONAL_ACCIDENT"}
    assert all(r["row"] is None for r in others if r["row"] != "FOREIGN_WORKER")


# --- rows that agree with one another ----------------------------------------------------------


def test_withdrawals_settle_the_rows_before_them(db: psycopg.Connection[dict[str, Any]]) -> None:
    """The rule migration 0009 back-filled old books with: a closed BHXH row ending in or before
    the month of a lump-sum withdrawal is settled by the first such withdrawal."""
    expected = _all(
        db,
        "SELECT c.id, CASE WHEN c.scheme IN ('COMPULSORY_SOCIAL', 'VOLUNTARY_SOCIAL')"
        " THEN (SELECT b.id FROM benefit b WHERE b.person_id = c.person_id"
        "  AND b.regime = 'LUMP_SUM_WITHDRAWAL'"
        "  AND date_trunc('month', b.decided_on) >= c.to_month"
        "  ORDER BY b.decided_on, b.id LIMIT 1) END AS settled_by"
        " FROM contribution_period c ORDER BY c.id",
    )
    stored = _all(db, "SELECT id, settled_by FROM contribution_period ORDER BY id")
    assert any(r["settled_by"] is not None for r in stored)
    assert stored == expected


def test_visits_split_by_the_base_salary_of_their_day(
    db: psycopg.Connection[dict[str, Any]],
) -> None:
    visits = _all(
        db,
        "SELECT v.total_cost_vnd, v.fund_paid_vnd, v.patient_paid_vnd, c.benefit_level,"
        " (v.admitted_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day,"
        " v.facility_code = c.initial_facility_code AS registered"
        " FROM medical_visit v JOIN health_insurance_card c ON c.id = v.card_id",
    )
    assert len(visits) > 1000
    low = 0
    for v in visits:
        split = bhyt_rules.cost_split(v["total_cost_vnd"], v["benefit_level"], v["day"])
        assert v["fund_paid_vnd"] + v["patient_paid_vnd"] == v["total_cost_vnd"]
        if split.rule == "LOW_COST" or v["registered"]:
            assert v["fund_paid_vnd"] == split.fund_paid, v
        else:
            assert v["fund_paid_vnd"] <= split.fund_paid, v
        low += split.rule == "LOW_COST"
    assert 0.02 < low / len(visits) < 0.6  # cheap visits exist, and are not the rule


def _leave_months(start: date, end: date) -> list[int]:
    """The month indexes of a whole leave that count as contribution time (the seed cuts the
    leave as decided, so its months are counted to its end, not to today)."""
    return [m.year * 12 + m.month - 1 for m in rules.maternity_months(start, end, end)]


def test_maternity_gaps_are_the_months_the_leave_fills(
    db: psycopg.Connection[dict[str, Any]],
) -> None:
    leaves = _all(
        db,
        "SELECT b.person_id, b.period_from, b.period_to FROM benefit b"
        " WHERE b.regime = 'MATERNITY' AND b.period_to - b.period_from > 150",
    )
    assert len(leaves) > 5
    aligned = 0
    for leave in leaves:
        filled = _leave_months(leave["period_from"], leave["period_to"])
        first, last = filled[0] - 1, filled[-1] + 1
        covered = {
            r["m"].year * 12 + r["m"].month - 1
            for r in _all(
                db,
                "SELECT m::date FROM contribution_period c, generate_series(c.from_month,"
                " coalesce(c.to_month, %(t)s), interval '1 month') m"
                " WHERE c.person_id = %(p)s AND c.scheme = 'COMPULSORY_SOCIAL'",
                p=leave["person_id"],
                t=TODAY,
            )
        }
        assert not covered & set(filled), leave  # no contributions in a month the leave fills
        if first in covered and last in covered:  # the job runs on around the leave
            assert set(range(first, last + 1)) - covered == set(filled), leave
            aligned += 1
    assert aligned > 0


def test_mothers_on_leave_today_are_still_employed(
    db: psycopg.Connection[dict[str, Any]],
) -> None:
    """A mother whose leave fills this month pays nothing for it, yet keeps her job: her record
    stays with her employer's category, her last row closed before the leave."""
    mothers = _all(
        db,
        "SELECT s.participant_category, s.managing_unit_code, b.period_from, b.period_to"
        " FROM benefit b JOIN social_insurance s ON s.person_id = b.person_id"
        " WHERE b.regime = 'MATERNITY' AND b.period_to - b.period_from > 150"
        " AND b.period_from <= %(t)s AND b.period_to >= %(t)s"
        " AND NOT EXISTS (SELECT FROM contribution_period c WHERE c.person_id = b.person_id"
        "  AND c.to_month IS NULL)",
        t=TODAY,
    )
    month = month_index(TODAY.year, TODAY.month)
    on_leave = [m for m in mothers if month in _leave_months(m["period_from"], m["period_to"])]
    assert on_leave
    assert all(m["participant_category"] != "NOT_PARTICIPATING" for m in on_leave), on_leave
    assert all(m["managing_unit_code"] is not None for m in on_leave), on_leave


def test_a_leave_is_cut_whole_even_past_today() -> None:
    # Leave from Friday 20 March 2026: March holds 8 working days of it (20, 23–27, 30, 31), not
    # a full month; 1–19 September holds 14 (1–4, 7–11, 14–18), a full month, though it lies
    # after the seed's today (the leave is cut as decided; rules.maternity_months to its end).
    common.set_today(date(2026, 5, 4))
    assert leave_months(date(2026, 3, 20), date(2026, 9, 19)) == (
        month_index(2026, 4),
        month_index(2026, 9),
    )


def test_newborns_are_covered_from_birth(db: psycopg.Connection[dict[str, Any]]) -> None:
    firsts = _all(
        db,
        "SELECT p.birth_date, min(c.valid_from) AS first FROM person p"
        " JOIN health_insurance_card c ON c.person_id = p.id"
        " WHERE p.birth_date >= '2018-01-01' GROUP BY p.id, p.birth_date",
    )
    assert len(firsts) > 20
    assert all(f["first"] == f["birth_date"] for f in firsts)


def test_child_cards_end_with_the_72nd_month(db: psycopg.Connection[dict[str, Any]]) -> None:
    late = _all(
        db,
        "SELECT c.id FROM health_insurance_card c JOIN person p ON p.id = c.person_id"
        " WHERE c.category_code = 'TE' AND c.valid_to >= p.birth_date + interval '6 years'",
    )
    assert not late
    # Children who turned six in a year with a card: the TE card ends the day before.
    ended = _one(
        db,
        "SELECT count(*) FROM health_insurance_card c JOIN person p ON p.id = c.person_id"
        " WHERE c.category_code = 'TE'"
        " AND c.valid_to = (p.birth_date + interval '6 years')::date - 1",
    )
    assert ended > 0


def test_unemployment_cards_end_with_the_allowance(
    db: psycopg.Connection[dict[str, Any]],
) -> None:
    cards = _all(
        db,
        "SELECT c.valid_to, (SELECT max((date_trunc('month', u.starts_on)"
        "  + make_interval(months => u.months_used))::date - 1)"
        "  FROM unemployment_benefit u WHERE u.person_id = c.person_id"
        "  AND u.starts_on <= c.valid_to) AS allowance_ends, p.died_on"
        " FROM health_insurance_card c JOIN person p ON p.id = c.person_id"
        " WHERE c.category_code = 'TN'",
    )
    assert cards
    assert all(
        c["valid_to"]
        == min(c["allowance_ends"], date(c["valid_to"].year, 12, 31), c["died_on"] or date.max)
        for c in cards
    )


def test_cards_are_expired_once_they_end(db: psycopg.Connection[dict[str, Any]]) -> None:
    assert not _all(
        db,
        "SELECT id FROM health_insurance_card WHERE valid_to < %(t)s"
        " AND status NOT IN ('EXPIRED', 'REVOKED')",
        t=TODAY,
    )


def test_a_card_names_the_province_that_issued_it(
    db: psycopg.Connection[dict[str, Any]],
) -> None:
    """Cards an employer buys are issued where it pays (its unit code's province digits), the
    others where the holder lives."""
    cards = _all(
        db,
        "SELECT c.category_code, c.province_code, substr(e.unit_code, 3, 2) AS employer,"
        " l.province_code = p.residence_province_code AS where_living"
        " FROM health_insurance_card c JOIN person p ON p.id = c.person_id"
        " JOIN legacy_province l ON l.code = c.province_code"
        " LEFT JOIN contribution_period cp ON cp.person_id = c.person_id"
        " AND cp.scheme = 'COMPULSORY_SOCIAL'"
        " AND cp.from_month <= date_trunc('month', c.valid_from)"
        " AND (cp.to_month IS NULL OR cp.to_month >= date_trunc('month', c.valid_from))"
        " LEFT JOIN employer e ON e.id = cp.employer_id",
    )
    employed = [c for c in cards if c["category_code"] in ("DN", "HC", "HX", "CH")]
    assert employed and all(c["province_code"] == c["employer"] for c in employed if c["employer"])
    assert any(not c["where_living"] for c in employed)  # some work in another province
    others = ("GD", "HS", "TE", "HN", "CN", "BT", "HT", "TN")
    assert all(c["where_living"] for c in cards if c["category_code"] in others)


def test_one_person_households_exist(db: psycopg.Connection[dict[str, Any]]) -> None:
    sizes = _all(db, "SELECT count(*) AS n FROM household_member GROUP BY household_id")
    ones = sum(s["n"] == 1 for s in sizes)
    assert 0.03 <= ones / len(sizes) <= 0.35


# --- shares (DOMAIN.md §7) ---------------------------------------------------------------------


def test_shares_are_within_the_national_bounds(db: psycopg.Connection[dict[str, Any]]) -> None:
    month = date(TODAY.year, TODAY.month, 1)
    current = " AND from_month <= %(m)s AND (to_month IS NULL OR to_month >= %(m)s)"

    def contributors(scheme: str) -> int:
        return int(
            _one(
                db,
                "SELECT count(DISTINCT person_id) FROM contribution_period WHERE scheme = %(s)s"
                + current,
                s=scheme,
                m=month,
            )
        )

    compulsory, voluntary = contributors("COMPULSORY_SOCIAL"), contributors("VOLUNTARY_SOCIAL")
    unemployment = contributors("UNEMPLOYMENT")
    covered = _one(
        db,
        "SELECT count(DISTINCT person_id) FROM health_insurance_card"
        " WHERE valid_from <= %(t)s AND valid_to >= %(t)s AND status <> 'REVOKED'",
        t=TODAY,
    )
    holder_years = _one(
        db,
        "SELECT sum((least(valid_to, %(t)s) - valid_from + 1) / 365.0) FROM health_insurance_card"
        " WHERE status <> 'REVOKED' AND valid_from <= %(t)s",
        t=TODAY,
    )
    visits = _one(db, "SELECT count(*) FROM medical_visit WHERE card_id IS NOT NULL")
    assert 0.85 <= covered / PERSONS <= 0.99  # BHYT ~94 % of people
    assert 0.06 <= voluntary / (compulsory + voluntary) <= 0.18  # voluntary 10–13 % of BHXH
    assert 0.65 <= unemployment / compulsory <= 0.95  # BHTN ≈ 80 % of compulsory
    assert 1.0 <= visits / float(holder_years) <= 1.8  # ≈ 1.4 visits per card-holder-year


def test_voluntary_incomes_and_visitors_look_national(
    db: psycopg.Connection[dict[str, Any]],
) -> None:
    at_floor = _one(
        db,
        "SELECT avg((salary_vnd = 1500000)::int) FROM contribution_period"
        " WHERE scheme = 'VOLUNTARY_SOCIAL' AND from_month >= '2022-01-01'",
    )
    assert at_floor >= 0.6  # income mostly at the 1,500,000 floor
    # Of those holding a card all of 2025, 50–60 % had a visit that year (DOMAIN.md, unverified).
    visited = _one(
        db,
        "SELECT avg((EXISTS (SELECT FROM medical_visit v WHERE v.card_id = c.id))::int)"
        " FROM health_insurance_card c WHERE c.valid_from = '2025-01-01'"
        " AND c.valid_to = '2025-12-31' AND c.status <> 'REVOKED'",
    )
    assert 0.4 <= visited <= 0.7


# --- the seed's today ----------------------------------------------------------------------------


def test_today_follows_the_clock_unless_given(server_url: str) -> None:
    url = create_database(server_url)
    try:
        migrate.upgrade(url)
        conninfo = libpq_conninfo(url)
        seed_database(conninfo, persons=40, seed=3, progress=False)
        with psycopg.connect(conninfo) as conn:
            latest = conn.execute(
                "SELECT max(valid_to), max(valid_from) FROM health_insurance_card"
            ).fetchone()
        today = bhyt_rules.today()
        assert latest is not None and latest[1] <= today <= latest[0]
    finally:
        drop_database(server_url, url)


def test_today_before_the_coded_timelines_is_refused() -> None:
    with pytest.raises(ValueError, match="today"):
        seed_database("", persons=1, today=date(EARLIEST_TODAY.year - 1, 12, 31))

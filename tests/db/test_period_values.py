"""The periods page computes a row's months, amounts and state support (db.queries.period_values,
migration 0019) as the Python it replaced did: the old definitions are kept here, privately,
and compared with the statement's values on generated rows around every change of a rate, of
the base salary and of the poverty line, for every scheme and participant category."""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

import psycopg
from psycopg.rows import dict_row

from db import bhyt_rules, rules
from db.contribution_shares import base_salary, contribution_salary
from db.enums import ARMED_FORCES, ContributionNote, ParticipantCategory, Scheme
from db.queries.social_insurance import CONTRIBUTION_PERIODS_PAGE
from db.rules import add_months
from tests.factories import person as persons
from tests.factories.employer import employer as new_employer
from tests.factories.reference import office

# --- the Python definitions the statement replaced (db/contribution_shares.py and
# graph/types/social_insurance.py before migration 0019), unchanged -----------------------------


@dataclass(frozen=True, slots=True)
class _Shares:
    employer: Decimal
    employee: Decimal


@dataclass(frozen=True, slots=True)
class _Amounts:
    employer: int
    employee: int


_D = Decimal
_COMPULSORY: Final = (
    (date(2017, 6, 1), _Shares(_D(17), _D(8))),
    (date(2014, 1, 1), _Shares(_D(18), _D(8))),
    (date(2012, 1, 1), _Shares(_D(17), _D(7))),
    (date(2010, 1, 1), _Shares(_D(16), _D(6))),
    (date(1900, 1, 1), _Shares(_D(15), _D(5))),
)
_ACCIDENT: Final = (
    (date(2022, 7, 1), _Shares(_D("0.5"), _D(0))),
    (date(2021, 7, 1), _Shares(_D(0), _D(0))),
    (date(2017, 6, 1), _Shares(_D("0.5"), _D(0))),
    (date(2016, 7, 1), _Shares(_D(1), _D(0))),
    (date(1900, 1, 1), _Shares(_D(0), _D(0))),
)
_UNEMPLOYMENT: Final = (
    (date(2022, 10, 1), _Shares(_D(1), _D(1))),
    (date(2021, 10, 1), _Shares(_D(0), _D(1))),
    (date(1900, 1, 1), _Shares(_D(1), _D(1))),
)
_VOLUNTARY: Final = (
    (date(2014, 1, 1), _Shares(_D(0), _D(22))),
    (date(2012, 1, 1), _Shares(_D(0), _D(20))),
    (date(2010, 1, 1), _Shares(_D(0), _D(18))),
    (date(1900, 1, 1), _Shares(_D(0), _D(16))),
)
_TIMELINES: Final = {
    Scheme.COMPULSORY_SOCIAL: _COMPULSORY,
    Scheme.OCCUPATIONAL_ACCIDENT: _ACCIDENT,
    Scheme.UNEMPLOYMENT: _UNEMPLOYMENT,
    Scheme.VOLUNTARY_SOCIAL: _VOLUNTARY,
}
_CONSCRIPTS_FROM: Final = date(2016, 1, 1)
_CONSCRIPT: Final = _Shares(_D(22), _D(0))
_CONSCRIPT_ACCIDENT_BEFORE_7_2016: Final = _Shares(_D(1), _D(0))
_ACCIDENT_OWN_FUND_FROM: Final = date(2016, 7, 1)
_RURAL_POVERTY_LINE: Final = ((date(2022, 1, 1), 1_500_000), (date(2016, 1, 1), 700_000))
_STATE_SUPPORT_FROM: Final = date(2018, 1, 1)
_VOLUNTARY_RATE_PCT: Final = Decimal(22)


def _shares(scheme: Scheme, month: date) -> _Shares:
    return next(s for since, s in _TIMELINES[scheme] if month >= since)


def _category_shares(
    category: ParticipantCategory | None, scheme: Scheme, month: date
) -> _Shares | None:
    if category not in ARMED_FORCES:
        return _shares(scheme, month)
    if scheme in (Scheme.UNEMPLOYMENT, Scheme.VOLUNTARY_SOCIAL):
        return None
    if category is not ParticipantCategory.CONSCRIPT:
        return _shares(scheme, month)
    if month < _CONSCRIPTS_FROM:
        return None
    if scheme is Scheme.COMPULSORY_SOCIAL:
        return _CONSCRIPT
    if month < _ACCIDENT_OWN_FUND_FROM:
        return _CONSCRIPT_ACCIDENT_BEFORE_7_2016
    return _shares(scheme, month)


def _vnd(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _monthly_amounts(
    scheme: Scheme,
    month: date,
    salary: Decimal | None,
    category: ParticipantCategory | None,
    maternity: bool,
) -> _Amounts | None:
    if category is ParticipantCategory.CONSCRIPT:
        base = base_salary(month)
        salary = None if base is None else Decimal(base)
    rates = _category_shares(category, scheme, month)
    if salary is None or rates is None:
        return None
    if maternity:
        return _Amounts(0, 0)
    return _Amounts(_vnd(salary * rates.employer / 100), _vnd(salary * rates.employee / 100))


def _state_support_vnd(month: date, support_pct: int | None) -> int | None:
    if support_pct is None or month < _STATE_SUPPORT_FROM:
        return None
    line = next(amount for since, amount in _RURAL_POVERTY_LINE if month >= since)
    return _vnd(Decimal(line) * _VOLUNTARY_RATE_PCT / 100 * support_pct / 100)


def _months_between(start: date, end: date | None) -> int:
    this_month = bhyt_rules.today().replace(day=1)
    last = min(end or this_month, this_month)
    return max(0, (last.year - start.year) * 12 + last.month - start.month + 1)


def _expected(row: dict[str, Any]) -> tuple[int, int | None, int | None, int | None]:
    """months, employer and employee amounts, state support: the old definitions of a row."""
    month = row["from_month"]
    category = row["participant_category"]
    salary = contribution_salary(
        month,
        row["salary_vnd"],
        row["salary_coefficient"],
        row["position_allowance"],
        row["seniority_allowance_pct"],
    )
    amounts = _monthly_amounts(
        Scheme(row["scheme"]),
        month,
        salary,
        ParticipantCategory(category) if category else None,
        ContributionNote.MATERNITY in row["notes"],
    )
    return (
        _months_between(month, row["to_month"]),
        amounts.employer if amounts else None,
        amounts.employee if amounts else None,
        _state_support_vnd(month, row["state_support_pct"]),
    )


# --- generated rows --------------------------------------------------------------------------

_CATEGORIES: Final[tuple[ParticipantCategory | None, ...]] = (None, *ParticipantCategory)
_NOT_BHTN: Final = frozenset({*ARMED_FORCES, ParticipantCategory.FOREIGN_WORKER})
"""Categories the table refuses on BHTN and voluntary rows (migrations 0014, 0016)."""

# (salary_vnd, coefficient, position allowance, seniority %): amounts whose shares round half
# up (4,999,900 × 0.5 % = 24,999.5), odd amounts, and coefficient salaries with and without
# allowances.
_SALARIES: Final = (
    (4_999_900, None, None, None),
    (6_240_781, None, None, None),
    (1_234_567, None, None, None),
    (10_000_000, Decimal("2.34"), None, None),  # an amount and a coefficient: the amount
    (None, Decimal("2.34"), None, None),
    (None, Decimal("5.40"), None, Decimal("8")),
    (None, Decimal("6.00"), Decimal("0.20"), Decimal("10.50")),
    (None, Decimal("1.86"), Decimal("0.15"), Decimal("0")),
    (None, Decimal("4.43"), Decimal("0.35"), Decimal("7.25")),
)
_SUPPORT_PCT: Final = (None, 30, 25, 10, 50, 40, 20, 33)


def _boundaries(this_month: date) -> set[date]:
    """Every month a value changes, and this month."""
    changes = {since for timeline in _TIMELINES.values() for since, _ in timeline}
    changes |= {since for since, _ in rules.BASE_SALARY}
    changes |= {since for since, _ in _RURAL_POVERTY_LINE}
    changes |= {_CONSCRIPTS_FROM, _ACCIDENT_OWN_FUND_FROM, _STATE_SUPPORT_FROM, this_month}
    return changes - {date(1900, 1, 1)} | {date(1990, 1, 1)}


def _months(this_month: date) -> list[date]:
    """Before, at and after every boundary; voluntary months paid ahead."""
    around = {add_months(b, d) for b in _boundaries(this_month) for d in (-1, 0, 1)}
    return sorted(around | {add_months(this_month, 6)})


@dataclass(frozen=True)
class _Row:
    category: ParticipantCategory | None
    scheme: Scheme
    from_month: date
    to_month: date | None
    salary: tuple[int | None, Decimal | None, Decimal | None, Decimal | None]
    maternity: bool
    support_pct: int | None


def _rows(this_month: date) -> Iterator[_Row]:
    """Every scheme × category the table takes × month, each with three of the salaries, an
    end (ongoing, the same month, a year on, paid ahead past this month), maternity notes on
    some and the state's support on some voluntary rows; counters that cycle at different
    lengths mix them."""
    counter = itertools.count()
    for category, scheme, month in itertools.product(_CATEGORIES, Scheme, _months(this_month)):
        if scheme in (Scheme.UNEMPLOYMENT, Scheme.VOLUNTARY_SOCIAL) and category in _NOT_BHTN:
            continue
        if month > this_month and scheme is not Scheme.VOLUNTARY_SOCIAL:
            continue  # only voluntary months are paid ahead (contribution_period_not_future)
        for _ in range(3):
            i = next(counter)
            ends = (None, month, add_months(month, 11), max(month, add_months(this_month, 3)))
            support = _SUPPORT_PCT[i % len(_SUPPORT_PCT)]
            yield _Row(
                category=category,
                scheme=scheme,
                from_month=month,
                to_month=ends[i % len(ends)],
                salary=_SALARIES[i % len(_SALARIES)],
                maternity=i % 5 == 0,
                support_pct=support if scheme is Scheme.VOLUNTARY_SOCIAL else None,
            )


_COLUMNS: Final = (
    "person_id, scheme, from_month, to_month, employer_id, salary_vnd, salary_coefficient,"
    " position_allowance, seniority_allowance_pct, rate_pct, notes, state_support_pct,"
    " state_support_months, participant_category"
)


def _insert(conn: psycopg.Connection, this_month: date) -> list[int]:
    """The generated rows, one person per category and first month: a BHTN row needs BHXH
    months under it (each person's first row is compulsory and ongoing from 1980), checked
    over the person's rows at each insert, so each person has few."""
    unit = new_employer(conn, office(conn))["id"]
    holders: dict[tuple[ParticipantCategory | None, date], int] = {}
    rows = list(_rows(this_month))
    for row in rows:
        if (row.category, row.from_month) not in holders:
            holders[row.category, row.from_month] = persons.person(conn)["id"]
    cover: tuple[Any, ...] = (
        date(1980, 1, 1),
        None,
        unit,
        5_000_000,
        None,
        None,
        None,
        25,
        [],
        None,
        None,
        None,
    )
    with conn.cursor().copy(f"COPY contribution_period ({_COLUMNS}) FROM STDIN") as copy:
        for pid in holders.values():
            copy.write_row((pid, Scheme.COMPULSORY_SOCIAL.value, *cover))
        for row in rows:
            voluntary = row.scheme is Scheme.VOLUNTARY_SOCIAL
            copy.write_row(
                (
                    holders[row.category, row.from_month],
                    row.scheme.value,
                    row.from_month,
                    row.to_month,
                    None if voluntary else unit,
                    *row.salary,
                    1,
                    [ContributionNote.MATERNITY.value] if row.maternity else [],
                    row.support_pct,
                    None if row.support_pct is None else 12,
                    None if row.category is None else row.category.value,
                )
            )
    return list(holders.values())


def _page(conn: psycopg.Connection, keys: list[int]) -> list[dict[str, Any]]:
    """Every row of the persons, read through the periods page statement."""
    params = {
        "keys": keys,
        "limit": 1_000_000,
        "after_sort": None,
        "after_id": None,
        "schemes": None,
        "start": None,
        "end": None,
        "employer": None,
    }
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(CONTRIBUTION_PERIODS_PAGE.sql, params)
        return cur.fetchall()


def test_the_statements_values_are_the_old_definitions(conn: psycopg.Connection) -> None:
    this_month = bhyt_rules.today().replace(day=1)
    keys = _insert(conn, this_month)
    rows = _page(conn, keys)
    assert len(rows) > 10_000
    got = {
        r["id"]: (
            r["months"],
            r["employer_amount_vnd"],
            r["employee_amount_vnd"],
            r["state_support_vnd"],
        )
        for r in rows
    }
    wrong = [(r, got[r["id"]], _expected(r)) for r in rows if got[r["id"]] != _expected(r)]
    assert not wrong, f"{len(wrong)} rows differ, e.g. {wrong[:3]}"
    # What was generated covers what it should: amounts of every category under both schemes
    # the armed forces pay, none where nothing is known, maternity zeros, support and none.
    values = list(got.values())
    assert {r["participant_category"] for r in rows if r["employer_amount_vnd"]} == {
        c.value if c else None for c in _CATEGORIES
    }
    assert any(v[1] is None for v in values) and any(v[1] == 0 == v[2] for v in values)
    assert {v[3] is None for v in values} == {True, False}
    assert {v[0] for v in values} >= {0, 1, 12}


def test_the_rates_are_the_old_timelines_in_every_month(conn: psycopg.Connection) -> None:
    """The functions of migration 0019, month by month from 1990 to 2035, for every scheme and
    category, against the old timelines (the table refuses rows the generated test cannot
    insert: the armed forces' BHTN, for one)."""
    months = [add_months(date(1990, 1, 1), n) for n in range(46 * 12)]
    categories = [c.value if c else None for c in _CATEGORIES]
    with conn.cursor() as cur:
        cur.execute(
            "SELECT s, c, m::date, employer_rate_pct(s, c, m::date),"
            " employee_rate_pct(s, c, m::date), base_salary_vnd(m::date),"
            " state_support_basis_vnd(m::date)"
            " FROM unnest(%s::text[]) s, unnest(%s::text[]) c, unnest(%s::date[]) m",
            [[s.value for s in Scheme], categories, months],
        )
        found = cur.fetchall()
    assert len(found) == len(Scheme) * len(categories) * len(months)
    for scheme, category, month, employer, employee, base, basis in found:
        shares = _category_shares(
            ParticipantCategory(category) if category else None, Scheme(scheme), month
        )
        assert (employer, employee) == (
            (shares.employer, shares.employee) if shares else (None, None)
        ), (scheme, category, month)
        assert base == base_salary(month), month
        line = next((a for since, a in _RURAL_POVERTY_LINE if month >= since), None)
        old = None if line is None or month < _STATE_SUPPORT_FROM else Decimal(line) * 22 / 100
        assert basis == old, month


def test_the_base_salary_is_db_rules_in_every_month(conn: psycopg.Connection) -> None:
    """db.rules.BASE_SALARY stays Python's (benefits, seeds): the database's timeline must not
    drift from it."""
    months = [add_months(date(1992, 1, 1), n) for n in range(40 * 12)]
    with conn.cursor() as cur:
        cur.execute("SELECT m, base_salary_vnd(m) FROM unnest(%s::date[]) m", [months])
        found: dict[date, int | None] = dict(cur.fetchall())
    expected = {m: (rules.base_salary(m) if m >= rules.BASE_SALARY[0][0] else None) for m in months}
    assert found == expected


def test_months_from_days_are_exact_from_1900_to_2100(conn: psycopg.Connection) -> None:
    """db.queries.period_values counts a row's months from the days between first days of
    months: the same as counting calendar months, for every pair of months in two centuries."""
    with conn.cursor() as cur:
        cur.execute(
            """
            WITH m AS (
                SELECT d::date AS d FROM generate_series(
                    DATE '1900-01-01', DATE '2100-12-01', interval '1 month') AS d
            )
            SELECT count(*) FILTER (WHERE ((b.d - a.d) * 9600 + 146097) / 292194
                <> (date_part('year', b.d) - date_part('year', a.d)) * 12
                   + date_part('month', b.d) - date_part('month', a.d)),
                   count(*)
            FROM m AS a JOIN m AS b ON b.d >= a.d
            """
        )
        assert cur.fetchone() == (0, 2412 * 2413 // 2)

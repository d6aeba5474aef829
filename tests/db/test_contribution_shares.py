"""The employer's and employee's shares over a book's history, and the state's support, as the
periods page computes them (db.queries.period_values, migration 0019), on hand-computed cases;
and the contribution salary the seeds compute in Python (db/contribution_shares.py)."""

from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from db.contribution_shares import base_salary, contribution_salary
from db.enums import ContributionNote, ParticipantCategory, Scheme
from db.queries.social_insurance import CONTRIBUTION_PERIODS_PAGE
from tests.factories import person as persons
from tests.factories.employer import employer
from tests.factories.person import insert
from tests.factories.reference import office

C, U, A, V = (
    Scheme.COMPULSORY_SOCIAL,
    Scheme.UNEMPLOYMENT,
    Scheme.OCCUPATIONAL_ACCIDENT,
    Scheme.VOLUNTARY_SOCIAL,
)
_PC = ParticipantCategory
_RATE_SALARY = 100_000_000
"""A salary on which each percent of a rate is 1,000,000 VND: the amounts show the rates."""


def _period(
    conn: psycopg.Connection,
    scheme: Scheme,
    month: date,
    *,
    salary_vnd: int | None = None,
    coefficient: str | None = None,
    position: str | None = None,
    seniority: str | None = None,
    category: ParticipantCategory | None = None,
    maternity: bool = False,
    support_pct: int | None = None,
) -> dict[str, Any]:
    """One row of its own person's book, read back through the periods page statement."""
    holder = persons.person(conn)["id"]
    unit = None if scheme is V else employer(conn, office(conn))["id"]
    if scheme is U:  # BHTN months need BHXH months under them
        insert(
            conn,
            "contribution_period",
            {
                "person_id": holder, "scheme": C, "from_month": date(1990, 1, 1),
                "employer_id": unit, "salary_vnd": 5_000_000, "rate_pct": 25,
            },
        )  # fmt: skip
    row = insert(
        conn,
        "contribution_period",
        {
            "person_id": holder,
            "scheme": scheme,
            "from_month": month,
            "to_month": month,
            "employer_id": unit,
            "salary_vnd": salary_vnd,
            "salary_coefficient": None if coefficient is None else Decimal(coefficient),
            "position_allowance": None if position is None else Decimal(position),
            "seniority_allowance_pct": None if seniority is None else Decimal(seniority),
            "rate_pct": 1,
            "participant_category": category,
            "notes": [ContributionNote.MATERNITY] if maternity else [],
            "state_support_pct": support_pct,
            "state_support_months": None if support_pct is None else 12,
        },
    )
    params = {
        "keys": [holder], "limit": 10, "after_sort": None, "after_id": None,
        "schemes": None, "start": None, "end": None, "employer": None,
    }  # fmt: skip
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(CONTRIBUTION_PERIODS_PAGE.sql, params)
        return next(r for r in cur.fetchall() if r["id"] == row["id"])


def _amounts(row: dict[str, Any]) -> tuple[int | None, int | None]:
    return row["employer_amount_vnd"], row["employee_amount_vnd"]


def _rates(employer: str, employee: str) -> tuple[int, int]:
    """The amounts on `_RATE_SALARY` of these percents."""
    return int(Decimal(employer) * _RATE_SALARY / 100), int(Decimal(employee) * _RATE_SALARY / 100)


@pytest.mark.parametrize(
    ("scheme", "month", "employer", "employee"),
    [
        (C, date(2009, 12, 1), "15", "5"),  # Law 71/2006 art. 91–92
        (C, date(2010, 1, 1), "16", "6"),
        (C, date(2012, 3, 1), "17", "7"),
        (C, date(2017, 5, 1), "18", "8"),  # the accident fund's 1 % still inside
        (C, date(2017, 6, 1), "17", "8"),  # Decree 44/2017
        (C, date(2026, 11, 1), "17", "8"),  # Law 41/2024 art. 33–34
        (A, date(2016, 6, 1), "0", "0"),
        (A, date(2016, 7, 1), "1", "0"),  # Decree 37/2016
        (A, date(2017, 6, 1), "0.5", "0"),
        (A, date(2021, 7, 1), "0", "0"),  # Resolution 68/NQ-CP
        (A, date(2022, 6, 1), "0", "0"),
        (A, date(2022, 7, 1), "0.5", "0"),
        (U, date(2021, 9, 1), "1", "1"),
        (U, date(2021, 10, 1), "0", "1"),  # Resolution 116/NQ-CP
        (U, date(2022, 9, 1), "0", "1"),
        (U, date(2022, 10, 1), "1", "1"),
        (V, date(2008, 1, 1), "0", "16"),  # Law 71/2006 art. 100
        (V, date(2013, 12, 1), "0", "20"),
        (V, date(2014, 1, 1), "0", "22"),
    ],
)
def test_shares(
    conn: psycopg.Connection, scheme: Scheme, month: date, employer: str, employee: str
) -> None:
    row = _period(conn, scheme, month, salary_vnd=_RATE_SALARY)
    assert _amounts(row) == _rates(employer, employee)


def test_combined_compulsory_rate_is_the_books_rate_pct(conn: psycopg.Connection) -> None:
    bhxh = _amounts(_period(conn, C, date(2024, 1, 1), salary_vnd=_RATE_SALARY))
    bhtn = _amounts(_period(conn, U, date(2022, 1, 1), salary_vnd=_RATE_SALARY))
    assert bhxh == _rates("17", "8")  # 25 % together
    assert bhtn == _rates("0", "1")  # 1 % together


@pytest.mark.parametrize(
    ("month", "amount"),
    [
        (date(1992, 12, 1), None),
        (date(1993, 1, 1), 120_000),
        (date(2013, 7, 1), 1_150_000),
        (date(2024, 6, 1), 1_800_000),
        (date(2024, 7, 1), 2_340_000),
        (date(2026, 7, 1), 2_530_000),
    ],
)
def test_base_salary(conn: psycopg.Connection, month: date, amount: int | None) -> None:
    assert base_salary(month) == amount
    # A coefficient of 1.00 without allowances is the base salary: the employee's BHTN is 1 %.
    row = _period(conn, U, month, coefficient="1.00")
    assert row["employee_amount_vnd"] == (None if amount is None else amount // 100)


def test_salary_in_vnd_is_itself() -> None:
    assert contribution_salary(date(2024, 7, 1), 10_000_000, None, None, None) == 10_000_000


def test_coefficient_salary(conn: psycopg.Connection) -> None:
    # (2.34 + 0.20) × 2,340,000 = 5,943,600; + 5 % seniority = 6,240,780
    salary = contribution_salary(
        date(2024, 7, 1), None, Decimal("2.34"), Decimal("0.20"), Decimal(5)
    )
    assert salary == Decimal("6240780")
    # without allowances: 2.34 × 1,490,000 = 3,486,600
    assert contribution_salary(date(2020, 1, 1), None, Decimal("2.34"), None, None) == Decimal(
        "3486600"
    )
    # The statement's: 17 % of 6,240,780 = 1,060,932.6 → 1,060,933; 8 % = 499,262.4 → 499,262.
    row = _period(conn, C, date(2024, 7, 1), coefficient="2.34", position="0.20", seniority="5")
    assert _amounts(row) == (1_060_933, 499_262)
    # 17 % of 3,486,600 = 592,722; 8 % = 278,928.
    assert _amounts(_period(conn, C, date(2020, 1, 1), coefficient="2.34")) == (592_722, 278_928)


def test_coefficient_salary_before_the_known_base_salaries_is_unknown(
    conn: psycopg.Connection,
) -> None:
    assert contribution_salary(date(1990, 1, 1), None, Decimal("2.34"), None, None) is None
    # No salary, no amounts.
    assert _amounts(_period(conn, C, date(1990, 1, 1), coefficient="2.34")) == (None, None)


@pytest.mark.parametrize(
    ("scheme", "month", "salary", "expected"),
    [
        (C, date(2024, 7, 1), 10_000_000, (1_700_000, 800_000)),
        (C, date(2015, 1, 1), 5_000_000, (900_000, 400_000)),
        (A, date(2024, 7, 1), 6_240_780, (31_204, 0)),  # 31,203.9 rounds up
        (A, date(2024, 7, 1), 4_999_900, (25_000, 0)),  # 24,999.5: half up
        (U, date(2022, 1, 1), 7_000_000, (0, 70_000)),
        (U, date(2023, 1, 1), 7_000_000, (70_000, 70_000)),
        (V, date(2024, 1, 1), 1_500_000, (0, 330_000)),
    ],
)
def test_monthly_amounts(
    conn: psycopg.Connection, scheme: Scheme, month: date, salary: int, expected: tuple[int, int]
) -> None:
    assert _amounts(_period(conn, scheme, month, salary_vnd=salary)) == expected


def test_maternity_months_are_paid_by_nobody(conn: psycopg.Connection) -> None:
    row = _period(conn, C, date(2024, 7, 1), salary_vnd=10_000_000, maternity=True)
    assert _amounts(row) == (0, 0)
    # Without a salary, still nothing known.
    row = _period(conn, C, date(1990, 1, 1), coefficient="2.34", maternity=True)
    assert _amounts(row) == (None, None)


@pytest.mark.parametrize(
    ("month", "pct", "amount"),
    [
        # 700,000 × 22 % = 154,000; × 30 % = 46,200
        (date(2019, 3, 1), 30, 46_200),
        # 700,000 × 22 % × 10 % = 15,400
        (date(2021, 12, 1), 10, 15_400),
        # 1,500,000 × 22 % = 330,000; × 20 % = 66,000; × 50 % = 165,000; × 25 % = 82,500
        (date(2024, 1, 1), 20, 66_000),
        (date(2026, 1, 1), 50, 165_000),
        (date(2022, 1, 1), 25, 82_500),
        # before 2018 the state supported nobody; no percent, no support
        (date(2017, 12, 1), 30, None),
        (date(2024, 1, 1), None, None),
    ],
)
def test_state_support(
    conn: psycopg.Connection, month: date, pct: int | None, amount: int | None
) -> None:
    row = _period(conn, V, month, salary_vnd=1_500_000, support_pct=pct)
    assert row["state_support_vnd"] == amount


# --- the armed forces (Law 41/2024 art. 2(1)(đ)–(e)) ---------------------------------------


@pytest.mark.parametrize(
    ("category", "scheme", "month", "expected"),
    [
        (_PC.ARMED_FORCES_OFFICER, C, date(2016, 7, 1), ("18", "8")),  # Law 58/2014 art. 85–86
        (_PC.ARMED_FORCES_OFFICER, C, date(2025, 1, 1), ("17", "8")),  # Law 41/2024 art. 33–34
        (_PC.ARMED_FORCES_OFFICER, A, date(2016, 7, 1), ("1", "0")),  # Decree 37/2016
        (_PC.POLICE_OFFICER, A, date(2025, 1, 1), ("0.5", "0")),  # Decree 58/2020 art. 4
        (_PC.PROFESSIONAL_SOLDIER, A, date(2021, 8, 1), ("0", "0")),  # Resolution 68/NQ-CP
        (_PC.CONSCRIPT, C, date(2015, 12, 1), None),  # covered from 1/2016 (Law 58/2014)
        (_PC.EMPLOYEE, U, date(2025, 1, 1), ("1", "1")),  # everyone else: the general rates
        (None, C, date(2025, 1, 1), ("17", "8")),
    ],
)
def test_category_shares(
    conn: psycopg.Connection,
    category: ParticipantCategory | None,
    scheme: Scheme,
    month: date,
    expected: tuple[str, str] | None,
) -> None:
    row = _period(conn, scheme, month, salary_vnd=_RATE_SALARY, category=category)
    assert _amounts(row) == ((None, None) if expected is None else _rates(*expected))


@pytest.mark.parametrize(
    ("category", "scheme", "month", "expected"),
    [
        (_PC.CONSCRIPT, C, date(2025, 1, 1), ("22", "0")),  # the unit pays, on the base salary
        (_PC.CONSCRIPT, A, date(2016, 1, 1), ("1", "0")),  # Law 58/2014 art. 86(3)(a)
        (_PC.CONSCRIPT, A, date(2025, 1, 1), ("0.5", "0")),
        (_PC.CIPHER_STAFF, U, date(2025, 1, 1), None),  # no BHTN for the armed forces
        (_PC.POLICE_OFFICER, V, date(2025, 1, 1), None),
        (_PC.CONSCRIPT, U, date(2025, 1, 1), None),
    ],
)
def test_category_rates(
    conn: psycopg.Connection,
    category: ParticipantCategory,
    scheme: Scheme,
    month: date,
    expected: tuple[str, str] | None,
) -> None:
    """Rates the salary does not show (a conscript's are on the base salary) or that no row
    can have (the table refuses the armed forces' BHTN and voluntary rows), asked of the rate
    functions themselves."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT employer_rate_pct(%(s)s, %(c)s, %(m)s), employee_rate_pct(%(s)s, %(c)s, %(m)s)",
            {"s": scheme, "c": category, "m": month},
        )
        got = cur.fetchone()
    assert got == ((None, None) if expected is None else tuple(map(Decimal, expected)))


def test_an_officers_month_in_2016(conn: psycopg.Connection) -> None:
    # Đại úy: 5.40 × 1,210,000 (base salary from 5/2016) × 1.08 (8 % seniority) = 7,056,720.
    month = date(2016, 7, 1)
    salary = contribution_salary(month, None, Decimal("5.40"), None, Decimal(8))
    assert salary == 7_056_720
    officer = _PC.ARMED_FORCES_OFFICER
    # 18 % = 1,270,209.6 → 1,270,210 from the unit; 8 % = 564,537.6 → 564,538 from the officer.
    row = _period(conn, C, month, coefficient="5.40", seniority="8", category=officer)
    assert _amounts(row) == (1_270_210, 564_538)
    # The accident fund's own 1 % from 7/2016: 70,567.2 → 70,567.
    row = _period(conn, A, month, coefficient="5.40", seniority="8", category=officer)
    assert _amounts(row) == (70_567, 0)


def test_an_officers_month_in_2025(conn: psycopg.Connection) -> None:
    # Thiếu tá: 6.00 × 2,340,000 × 1.10 (10 % seniority) = 15,444,000.
    month = date(2025, 1, 1)
    salary = contribution_salary(month, None, Decimal("6.00"), None, Decimal(10))
    assert salary == 15_444_000
    officer = _PC.ARMED_FORCES_OFFICER
    # 17 % = 2,625,480; 8 % = 1,235,520.
    row = _period(conn, C, month, coefficient="6.00", seniority="10", category=officer)
    assert _amounts(row) == (2_625_480, 1_235_520)


def test_a_police_officers_accident_fund_share(conn: psycopg.Connection) -> None:
    # 15,444,000 × 0.5 % = 77,220, all from the unit.
    row = _period(conn, A, date(2025, 1, 1), salary_vnd=15_444_000, category=_PC.POLICE_OFFICER)
    assert _amounts(row) == (77_220, 0)


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        # 2,340,000 × 22 % = 514,800, all by the unit, whatever the conscript's allowance.
        (date(2025, 1, 1), (514_800, 0)),
        # 2,530,000 (Decree 161/2026) × 22 % = 556,600.
        (date(2026, 7, 1), (556_600, 0)),
    ],
)
def test_a_conscripts_month_on_the_base_salary(
    conn: psycopg.Connection, month: date, expected: tuple[int, int]
) -> None:
    # 936,000 = 0.40 × 2,340,000: the private's allowance the row shows
    row = _period(conn, C, month, salary_vnd=936_000, category=_PC.CONSCRIPT)
    assert _amounts(row) == expected


def test_a_conscripts_accident_fund_on_the_base_salary(conn: psycopg.Connection) -> None:
    # 2,340,000 × 0.5 % = 11,700 (Decree 58/2020 art. 4(2)), whatever the row's coefficient.
    row = _period(conn, A, date(2025, 1, 1), coefficient="0.40", category=_PC.CONSCRIPT)
    assert _amounts(row) == (11_700, 0)

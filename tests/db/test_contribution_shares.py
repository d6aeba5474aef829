"""The employer's and employee's shares over a book's history (db/contribution_shares.py), on
hand-computed cases."""

from datetime import date
from decimal import Decimal

import pytest

from db.contribution_shares import (
    Amounts,
    Shares,
    base_salary,
    category_shares,
    contribution_salary,
    monthly_amounts,
    period_amounts,
    shares,
    state_support_vnd,
)
from db.enums import ParticipantCategory, Scheme

C, U, A, V = (
    Scheme.COMPULSORY_SOCIAL,
    Scheme.UNEMPLOYMENT,
    Scheme.OCCUPATIONAL_ACCIDENT,
    Scheme.VOLUNTARY_SOCIAL,
)


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
def test_shares(scheme: Scheme, month: date, employer: str, employee: str) -> None:
    assert shares(scheme, month) == Shares(Decimal(employer), Decimal(employee))


def test_combined_compulsory_rate_is_the_books_rate_pct() -> None:
    assert shares(C, date(2024, 1, 1)).total == 25
    assert shares(U, date(2022, 1, 1)).total == 1


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
def test_base_salary(month: date, amount: int | None) -> None:
    assert base_salary(month) == amount


def test_salary_in_vnd_is_itself() -> None:
    assert contribution_salary(date(2024, 7, 1), 10_000_000, None, None, None) == 10_000_000


def test_coefficient_salary() -> None:
    # (2.34 + 0.20) × 2,340,000 = 5,943,600; + 5 % seniority = 6,240,780
    salary = contribution_salary(
        date(2024, 7, 1), None, Decimal("2.34"), Decimal("0.20"), Decimal(5)
    )
    assert salary == Decimal("6240780")
    # without allowances: 2.34 × 1,490,000 = 3,486,600
    assert contribution_salary(date(2020, 1, 1), None, Decimal("2.34"), None, None) == Decimal(
        "3486600"
    )


def test_coefficient_salary_before_the_known_base_salaries_is_unknown() -> None:
    assert contribution_salary(date(1990, 1, 1), None, Decimal("2.34"), None, None) is None


@pytest.mark.parametrize(
    ("scheme", "month", "salary", "expected"),
    [
        (C, date(2024, 7, 1), 10_000_000, Amounts(1_700_000, 800_000)),
        (C, date(2015, 1, 1), 5_000_000, Amounts(900_000, 400_000)),
        (A, date(2024, 7, 1), 6_240_780, Amounts(31_204, 0)),  # 31,203.9 rounds up
        (A, date(2024, 7, 1), 4_999_900, Amounts(25_000, 0)),  # 24,999.5: half up
        (U, date(2022, 1, 1), 7_000_000, Amounts(0, 70_000)),
        (U, date(2023, 1, 1), 7_000_000, Amounts(70_000, 70_000)),
        (V, date(2024, 1, 1), 1_500_000, Amounts(0, 330_000)),
    ],
)
def test_monthly_amounts(scheme: Scheme, month: date, salary: int, expected: Amounts) -> None:
    assert monthly_amounts(scheme, month, Decimal(salary)) == expected


def test_maternity_months_are_paid_by_nobody() -> None:
    assert monthly_amounts(C, date(2024, 7, 1), Decimal(10_000_000), maternity=True) == Amounts(
        0, 0
    )


def test_no_salary_no_amounts() -> None:
    assert monthly_amounts(C, date(2024, 7, 1), None) is None


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
def test_state_support(month: date, pct: int | None, amount: int | None) -> None:
    assert state_support_vnd(month, pct) == amount


# --- the armed forces (Law 41/2024 art. 2(1)(đ)–(e)) ---------------------------------------

_PC = ParticipantCategory


@pytest.mark.parametrize(
    ("category", "scheme", "month", "expected"),
    [
        (_PC.ARMED_FORCES_OFFICER, C, date(2016, 7, 1), ("18", "8")),  # Law 58/2014 art. 85–86
        (_PC.ARMED_FORCES_OFFICER, C, date(2025, 1, 1), ("17", "8")),  # Law 41/2024 art. 33–34
        (_PC.ARMED_FORCES_OFFICER, A, date(2016, 7, 1), ("1", "0")),  # Decree 37/2016
        (_PC.POLICE_OFFICER, A, date(2025, 1, 1), ("0.5", "0")),  # Decree 58/2020 art. 4
        (_PC.PROFESSIONAL_SOLDIER, A, date(2021, 8, 1), ("0", "0")),  # Resolution 68/NQ-CP
        (_PC.CIPHER_STAFF, U, date(2025, 1, 1), None),  # no BHTN for the armed forces
        (_PC.POLICE_OFFICER, V, date(2025, 1, 1), None),
        (_PC.CONSCRIPT, C, date(2015, 12, 1), None),  # covered from 1/2016 (Law 58/2014)
        (_PC.CONSCRIPT, C, date(2025, 1, 1), ("22", "0")),  # the unit pays, on the base salary
        (_PC.CONSCRIPT, A, date(2016, 1, 1), ("1", "0")),  # Law 58/2014 art. 86(3)(a)
        (_PC.CONSCRIPT, A, date(2025, 1, 1), ("0.5", "0")),
        (_PC.CONSCRIPT, U, date(2025, 1, 1), None),
        (_PC.EMPLOYEE, U, date(2025, 1, 1), ("1", "1")),  # everyone else: `shares`
        (None, C, date(2025, 1, 1), ("17", "8")),
    ],
)
def test_category_shares(
    category: ParticipantCategory | None,
    scheme: Scheme,
    month: date,
    expected: tuple[str, str] | None,
) -> None:
    want = None if expected is None else Shares(Decimal(expected[0]), Decimal(expected[1]))
    assert category_shares(category, scheme, month) == want


def test_an_officers_month_in_2016() -> None:
    # Đại úy: 5.40 × 1,210,000 (base salary from 5/2016) × 1.08 (8 % seniority) = 7,056,720.
    month = date(2016, 7, 1)
    salary = contribution_salary(month, None, Decimal("5.40"), None, Decimal(8))
    assert salary == 7_056_720
    officer = _PC.ARMED_FORCES_OFFICER
    # 18 % = 1,270,209.6 → 1,270,210 from the unit; 8 % = 564,537.6 → 564,538 from the officer.
    assert monthly_amounts(C, month, salary, category=officer) == Amounts(1_270_210, 564_538)
    # The accident fund's own 1 % from 7/2016: 70,567.2 → 70,567.
    assert monthly_amounts(A, month, salary, category=officer) == Amounts(70_567, 0)


def test_an_officers_month_in_2025() -> None:
    # Thiếu tá: 6.00 × 2,340,000 × 1.10 (10 % seniority) = 15,444,000.
    month = date(2025, 1, 1)
    salary = contribution_salary(month, None, Decimal("6.00"), None, Decimal(10))
    assert salary == 15_444_000
    officer = _PC.ARMED_FORCES_OFFICER
    # 17 % = 2,625,480; 8 % = 1,235,520.
    assert monthly_amounts(C, month, salary, category=officer) == Amounts(2_625_480, 1_235_520)
    assert monthly_amounts(U, month, salary, category=officer) is None


def test_a_police_officers_accident_fund_share() -> None:
    # 15,444,000 × 0.5 % = 77,220, all from the unit.
    salary = Decimal(15_444_000)
    got = monthly_amounts(A, date(2025, 1, 1), salary, category=_PC.POLICE_OFFICER)
    assert got == Amounts(77_220, 0)


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        # 2,340,000 × 22 % = 514,800, all by the unit, whatever the conscript's allowance.
        (date(2025, 1, 1), Amounts(514_800, 0)),
        # 2,530,000 (Decree 161/2026) × 22 % = 556,600.
        (date(2026, 7, 1), Amounts(556_600, 0)),
    ],
)
def test_a_conscripts_month_on_the_base_salary(month: date, expected: Amounts) -> None:
    allowance = Decimal(936_000)  # 0.40 × 2,340,000: the private's allowance the row shows
    assert monthly_amounts(C, month, allowance, category=_PC.CONSCRIPT) == expected


def test_a_conscripts_accident_fund_on_the_base_salary() -> None:
    # 2,340,000 × 0.5 % = 11,700 (Decree 58/2020 art. 4(2)).
    got = monthly_amounts(A, date(2025, 1, 1), None, category=_PC.CONSCRIPT)
    assert got == Amounts(11_700, 0)


@pytest.mark.parametrize(
    ("scheme", "month", "salary_vnd", "coefficient", "position", "seniority", "category"),
    [
        (C, date(2024, 7, 1), 9_000_000, None, None, None, None),
        (U, date(2021, 11, 1), 5_000_001, None, None, None, None),
        (C, date(2019, 7, 1), None, Decimal("2.34"), Decimal("0.2"), Decimal("5"), None),
        (C, date(2019, 7, 1), None, Decimal("2.340"), Decimal("0.20"), Decimal("5.0"), None),
        (A, date(2016, 3, 1), None, Decimal("4.4"), None, None, ParticipantCategory.CONSCRIPT),
        (V, date(2020, 1, 1), 1_600_000, None, None, None, None),
        (C, date(1990, 1, 1), None, Decimal("2.34"), None, None, None),
    ],
)
@pytest.mark.parametrize("maternity", [False, True])
def test_period_amounts_are_monthly_amounts_on_the_rows_salary(
    scheme: Scheme,
    month: date,
    salary_vnd: int | None,
    coefficient: Decimal | None,
    position: Decimal | None,
    seniority: Decimal | None,
    category: ParticipantCategory | None,
    maternity: bool,
) -> None:
    """Remembered by equal inputs, numerically equal Decimals included: the same amounts."""
    salary = contribution_salary(month, salary_vnd, coefficient, position, seniority)
    expected = monthly_amounts(scheme, month, salary, category=category, maternity=maternity)
    for _ in range(2):
        got = period_amounts(
            scheme, month, salary_vnd, coefficient, position, seniority, category, maternity
        )
        assert got == expected

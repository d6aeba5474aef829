"""The employer's and employee's shares over a book's history (db/contribution_shares.py), on
hand-computed cases."""

from datetime import date
from decimal import Decimal

import pytest

from db.contribution_shares import (
    Amounts,
    Shares,
    base_salary,
    contribution_salary,
    monthly_amounts,
    shares,
    state_support_vnd,
)
from db.enums import Scheme

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

"""The declaration's rules (db/contribution_rules.py), on hand-computed cases."""

from datetime import date
from decimal import Decimal

import pytest

from db import contribution_rules as rules
from db.enums import Scheme, WageRegion

R1, R2, R3, R4 = (
    WageRegion.REGION_I,
    WageRegion.REGION_II,
    WageRegion.REGION_III,
    WageRegion.REGION_IV,
)
C, U, A, V = (
    Scheme.COMPULSORY_SOCIAL,
    Scheme.UNEMPLOYMENT,
    Scheme.OCCUPATIONAL_ACCIDENT,
    Scheme.VOLUNTARY_SOCIAL,
)


@pytest.mark.parametrize(
    ("region", "month", "wage"),
    [
        # Decree 74/2024 from 1/7/2024
        (R1, date(2024, 7, 1), 4_960_000),
        (R2, date(2024, 12, 1), 4_410_000),
        (R3, date(2025, 6, 1), 3_860_000),
        (R4, date(2025, 12, 1), 3_450_000),
        # Decree 293/2025 from 1/1/2026
        (R1, date(2026, 1, 1), 5_310_000),
        (R2, date(2026, 1, 1), 4_730_000),
        (R3, date(2026, 11, 1), 4_140_000),
        (R4, date(2030, 1, 1), 3_700_000),
        # before the earliest value this register knows
        (R1, date(2024, 6, 1), None),
    ],
)
def test_minimum_wage_by_region_and_month(
    region: WageRegion, month: date, wage: int | None
) -> None:
    assert rules.minimum_wage(region, month) == wage


def test_the_ceiling_is_twenty_reference_levels() -> None:
    assert rules.salary_ceiling(date(2024, 7, 1)) == 46_800_000
    assert rules.salary_ceiling(date(2026, 11, 1)) == 20 * 2_340_000


@pytest.mark.parametrize(
    ("salary", "region", "month", "fails"),
    [
        (5_310_000, R1, date(2026, 3, 1), False),  # exactly the floor
        (5_309_999, R1, date(2026, 3, 1), True),
        (4_960_000, R1, date(2025, 12, 1), False),  # the 2024 floor still applied in 12/2025
        (4_960_000, R1, date(2026, 1, 1), True),  # ...and no longer in 1/2026
        (3_450_000, R4, date(2025, 12, 1), False),
        (46_800_000, R1, date(2026, 3, 1), False),  # exactly the ceiling
        (46_800_001, R1, date(2026, 3, 1), True),
        (9_000_000, R1, date(2024, 6, 1), True),  # no floor known
    ],
)
def test_salary_between_floor_and_ceiling(
    salary: int, region: WageRegion, month: date, fails: bool
) -> None:
    assert (rules.salary_problem(salary, region, month) is not None) is fails


def test_salary_problems_say_which_bound() -> None:
    low = rules.salary_problem(4_700_000, R2, date(2026, 5, 1))
    assert low is not None and "REGION_II" in low and "4,730,000" in low and "05/2026" in low
    high = rules.salary_problem(50_000_000, R2, date(2026, 5, 1))
    assert high is not None and "46,800,000" in high


@pytest.mark.parametrize(
    ("scheme", "month", "rate"),
    [
        (C, date(2026, 3, 1), Decimal(25)),  # 3 + 14 employer, 8 employee
        (C, date(2021, 11, 1), Decimal(25)),
        (U, date(2026, 3, 1), Decimal(2)),  # 1 + 1
        (U, date(2021, 9, 1), Decimal(2)),
        (U, date(2021, 10, 1), Decimal(1)),  # Resolution 116: employer 0 from 10/2021…
        (U, date(2022, 9, 1), Decimal(1)),  # …to 9/2022
        (U, date(2022, 10, 1), Decimal(2)),
        (A, date(2026, 3, 1), Decimal("0.5")),
        (A, date(2021, 6, 1), Decimal("0.5")),
        (A, date(2021, 7, 1), Decimal(0)),  # Resolution 68: waived 7/2021…
        (A, date(2022, 6, 1), Decimal(0)),  # …to 6/2022
        (A, date(2022, 7, 1), Decimal("0.5")),
    ],
)
def test_rates_are_employer_and_employee_together(
    scheme: Scheme, month: date, rate: Decimal
) -> None:
    assert rules.rate_pct(scheme, month) == rate


def test_voluntary_contributions_have_no_employer_rate() -> None:
    with pytest.raises(ValueError):
        rules.rate_pct(V, date(2026, 3, 1))


@pytest.mark.parametrize(
    ("schemes", "fails"),
    [
        ({C}, False),
        ({C, U}, False),
        ({C, U, A}, False),
        ({U}, True),  # BHTN needs BHXH
        ({A}, True),
        ({C, V}, True),
    ],
)
def test_schemes_need_compulsory_social_and_never_voluntary(
    schemes: set[Scheme], fails: bool
) -> None:
    assert (rules.schemes_problem(frozenset(schemes)) is not None) is fails


def test_opened_rows_follow_compulsory_social_and_skip_waived_schemes() -> None:
    assert rules.opened_schemes(frozenset({C}), date(2026, 3, 1)) == [
        (C, Decimal(25)),
        (A, Decimal("0.5")),
    ]
    assert rules.opened_schemes(frozenset({C, U}), date(2026, 3, 1)) == [
        (C, Decimal(25)),
        (U, Decimal(2)),
        (A, Decimal("0.5")),
    ]
    # In 1/2022 TNLĐ-BNN was waived (no row) and BHTN was the employee's 1 % only.
    assert rules.opened_schemes(frozenset({C, U, A}), date(2022, 1, 1)) == [
        (C, Decimal(25)),
        (U, Decimal(1)),
    ]


@pytest.mark.parametrize(
    ("month", "today", "fails"),
    [
        (date(2026, 11, 1), date(2026, 11, 30), False),  # this month
        (date(2026, 12, 1), date(2026, 11, 30), True),  # next month
        (date(2026, 12, 1), date(2026, 12, 1), False),
        (date(2024, 7, 1), date(2026, 11, 30), False),  # the earliest known floor
        (date(2024, 6, 1), date(2026, 11, 30), True),
    ],
)
def test_months_that_can_be_declared(month: date, today: date, fails: bool) -> None:
    assert (rules.month_problem(month, today) is not None) is fails


def test_previous_month_crosses_the_year() -> None:
    assert rules.previous_month(date(2026, 1, 1)) == date(2025, 12, 1)
    assert rules.previous_month(date(2026, 3, 1)) == date(2026, 2, 1)

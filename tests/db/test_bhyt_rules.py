"""The BHYT rules (db/bhyt_rules.py) against values worked out by hand. The five-year date is
derived in SQL: tests/db/test_five_year_date.py."""

from datetime import date

import pytest

from db.bhyt_rules import (
    Split,
    add_months,
    base_salary,
    cost_split,
    may_change_initial_facility,
)


@pytest.mark.parametrize(
    ("day", "amount"),
    [
        (date(2015, 1, 1), 1_150_000),
        (date(2019, 6, 30), 1_390_000),
        (date(2019, 7, 1), 1_490_000),
        (date(2023, 6, 30), 1_490_000),
        (date(2023, 7, 1), 1_800_000),
        (date(2024, 7, 1), 2_340_000),
        (date(2026, 6, 30), 2_340_000),
        (date(2026, 7, 1), 2_530_000),
    ],
)
def test_base_salary_in_force(day: date, amount: int) -> None:
    assert base_salary(day) == amount


def test_no_rules_before_2015() -> None:
    with pytest.raises(ValueError, match="2015-01-01"):
        base_salary(date(2014, 12, 31))


SPRING_2025 = date(2025, 3, 10)  # base salary 2,340,000: 15 % is 351,000; 6× is 14,040,000
AUTUMN_2026 = date(2026, 9, 1)  # base salary 2,530,000: 15 % is 379,500


@pytest.mark.parametrize(
    ("total", "level", "day", "split"),
    [
        # Below 15 % of the base salary: the fund pays it all, whatever the level.
        (350_999, 4, SPRING_2025, Split(350_999, 0, "LOW_COST")),
        (0, 4, SPRING_2025, Split(0, 0, "LOW_COST")),
        (379_499, 3, AUTUMN_2026, Split(379_499, 0, "LOW_COST")),
        # At the threshold the level's rate applies: 80 % of 351,000 = 280,800.
        (351_000, 4, SPRING_2025, Split(280_800, 70_200, "BENEFIT_LEVEL")),
        (379_500, 4, AUTUMN_2026, Split(303_600, 75_900, "BENEFIT_LEVEL")),
        # 80 % of 1,234,567 = 987,653.6 → 987,654; the patient pays the other 246,913.
        (1_234_567, 4, SPRING_2025, Split(987_654, 246_913, "BENEFIT_LEVEL")),
        # 95 % of 1,000,001 = 950,000.95 → 950,001; of 400,010 = 380,009.5 → 380,010 (half up).
        (1_000_001, 3, SPRING_2025, Split(950_001, 50_000, "BENEFIT_LEVEL")),
        (400_010, 3, SPRING_2025, Split(380_010, 20_000, "BENEFIT_LEVEL")),
        # Levels 1, 2 and 5: all of it.
        (5_000_000, 1, SPRING_2025, Split(5_000_000, 0, "BENEFIT_LEVEL")),
        (5_000_000, 2, SPRING_2025, Split(5_000_000, 0, "BENEFIT_LEVEL")),
        (5_000_000, 5, SPRING_2025, Split(5_000_000, 0, "BENEFIT_LEVEL")),
    ],
)
def test_cost_split(total: int, level: int, day: date, split: Split) -> None:
    assert cost_split(total, level, day) == split
    assert split.fund_paid + split.patient_paid == total


@pytest.mark.parametrize(
    ("copaid", "split"),
    [
        # 20 % of 10,000,000 is 2,000,000; the year's co-payments stop at 14,040,000.
        (12_000_000, Split(8_000_000, 2_000_000, "BENEFIT_LEVEL")),
        (12_040_000, Split(8_000_000, 2_000_000, "BENEFIT_LEVEL")),
        (13_000_000, Split(8_960_000, 1_040_000, "FIVE_YEAR_CAP")),
        (14_040_000, Split(10_000_000, 0, "FIVE_YEAR_CAP")),
        (20_000_000, Split(10_000_000, 0, "FIVE_YEAR_CAP")),
    ],
)
def test_five_years_cap_the_years_co_payments(copaid: int, split: Split) -> None:
    got = cost_split(10_000_000, 4, SPRING_2025, five_years_reached=True, copaid_this_year=copaid)
    assert got == split


def test_the_cap_needs_five_years() -> None:
    got = cost_split(10_000_000, 4, SPRING_2025, copaid_this_year=20_000_000)
    assert got == Split(8_000_000, 2_000_000, "BENEFIT_LEVEL")


@pytest.mark.parametrize(
    ("day", "allowed"),
    [
        (date(2026, 1, 1), True),
        (date(2026, 1, 31), True),
        (date(2026, 4, 15), True),
        (date(2026, 7, 1), True),
        (date(2026, 10, 31), True),
        (date(2026, 2, 1), False),
        (date(2026, 3, 31), False),
        (date(2026, 11, 30), False),
        (date(2026, 12, 31), False),
    ],
)
def test_initial_facility_changes_in_a_quarters_first_month(day: date, allowed: bool) -> None:
    assert may_change_initial_facility(day) is allowed


@pytest.mark.parametrize(
    ("day", "months", "later"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 10, 1), 3, date(2025, 1, 1)),
        (date(2020, 2, 29), 60, date(2025, 2, 28)),
    ],
)
def test_add_months(day: date, months: int, later: date) -> None:
    assert add_months(day, months) == later

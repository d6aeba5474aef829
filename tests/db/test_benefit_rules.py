"""The benefit rules of db.rules, each against amounts computed by hand from the statute."""

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from db.enums import LumpSumReason, Sex, WageRegion
from db.rules import (
    NotInForce,
    add_months,
    base_salary,
    bhtn_allowance_cap,
    bhtn_ineligibility,
    bhtn_monthly_allowance,
    coefficient_salary,
    lump_sum_amount,
    lump_sum_refusal,
    lump_sum_years,
    months_apart,
    regional_minimum_wage,
    retirement_date,
)


def _months(first: date, count: int, salary: int) -> dict[date, Fraction | int]:
    return {add_months(first, i): salary for i in range(count)}


def test_calendar() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2026, 3, 15), -3) == date(2025, 12, 15)
    assert months_apart(date(2025, 6, 1), date(2026, 7, 20)) == 13


def test_salary_levels_in_force() -> None:
    assert base_salary(date(2024, 6, 30)) == 1_800_000
    assert base_salary(date(2024, 7, 1)) == 2_340_000
    assert regional_minimum_wage(WageRegion.REGION_I, date(2026, 1, 1)) == 5_310_000
    assert regional_minimum_wage(WageRegion.REGION_IV, date(2025, 12, 31)) == 3_450_000
    assert regional_minimum_wage(WageRegion.REGION_II, date(2024, 6, 30)) == 4_160_000
    with pytest.raises(NotInForce):
        regional_minimum_wage(WageRegion.REGION_I, date(2012, 12, 31))


def test_coefficient_salary_leaves_the_regional_allowance_out() -> None:
    # (2.34 + 0.20) × 1.05 × 2,340,000 = 2.667 × 2,340,000 = 6,240,780
    salary = coefficient_salary(Decimal("2.34"), Decimal("0.20"), Decimal("5"), 2_340_000)
    assert salary == 6_240_780
    assert coefficient_salary(Decimal("4.00"), None, None, 1_800_000) == 7_200_000


def test_bhtn_eligibility() -> None:
    assert "has 11 BHTN contribution months" in str(bhtn_ineligibility(11, 40))
    assert "11 BHTN contribution months not yet spent" in str(bhtn_ineligibility(12, 11))
    assert bhtn_ineligibility(12, 12) is None


def test_bhtn_allowance_cap() -> None:
    assert bhtn_allowance_cap(WageRegion.REGION_I, date(2026, 3, 10), False) == 26_550_000
    assert bhtn_allowance_cap(WageRegion.REGION_III, date(2025, 5, 10), False) == 19_300_000
    # State-set pay before 2026: 5 × the base salary, whatever the region.
    assert bhtn_allowance_cap(WageRegion.REGION_I, date(2025, 5, 10), True) == 11_700_000
    # From 2026 (Law 74/2025) the regional minimum wage for everyone.
    assert bhtn_allowance_cap(WageRegion.REGION_II, date(2026, 2, 1), True) == 23_650_000


def test_bhtn_monthly_allowance() -> None:
    # Average 11,000,000 → 60 % = 6,600,000.
    six = [12_000_000] * 3 + [10_000_000] * 3
    assert bhtn_monthly_allowance(six, 26_550_000) == 6_600_000
    assert bhtn_monthly_allowance(six, 5_000_000) == 5_000_000
    # 60 % of 60,000,005 / 6 = 6,000,000.5 → rounded half up.
    assert bhtn_monthly_allowance([10_000_005] + [10_000_000] * 5, 10**9) == 6_000_001
    with pytest.raises(ValueError):
        bhtn_monthly_allowance([], 1)


def test_lump_sum_years_carry_odd_months_into_the_later_period() -> None:
    # 30 months before 2014: 2 years, 6 carried; 10 + 6 = 16 from 2014: 1 year + 4 → 1.5.
    assert lump_sum_years(30, 10) == (2, Fraction(3, 2))
    assert lump_sum_years(0, 24) == (0, Fraction(2))
    assert lump_sum_years(12, 7) == (1, Fraction(1))
    assert lump_sum_years(5, 0) == (0, Fraction(1, 2))
    assert lump_sum_years(0, 0) == (0, Fraction(0))


def test_lump_sum_amount() -> None:
    # 24 months before 2014 at 5,000,000 and 18 from 2014 at 8,000,000: average 264 M / 42;
    # 2 years × 1.5 + 1.5 years × 2 = 6 months of it: 264 M / 7 = 37,714,285.71 → 37,714,286.
    salaries = _months(date(2012, 1, 1), 24, 5_000_000) | _months(date(2014, 1, 1), 18, 8_000_000)
    assert lump_sum_amount(salaries) == 37_714_286
    # Voluntary income counts like salary: + 6 months at 2,000,000 → average 276 M / 48 =
    # 5,750,000; 2 years × 1.5 + 2 years × 2 = 7 → 40,250,000.
    salaries |= _months(date(2015, 7, 1), 6, 2_000_000)
    assert lump_sum_amount(salaries) == 40_250_000


def test_lump_sum_under_a_year_pays_back_what_was_paid_in() -> None:
    # 8 months at 6,000,000: 22 % of 48 M = 10,560,000 (under 2 × 6 M).
    assert lump_sum_amount(_months(date(2025, 1, 1), 8, 6_000_000)) == 10_560_000
    # 10 months: 22 % of 60 M = 13,200,000, capped at 2 months: 12,000,000.
    assert lump_sum_amount(_months(date(2025, 1, 1), 10, 6_000_000)) == 12_000_000
    with pytest.raises(ValueError):
        lump_sum_amount({})


@pytest.mark.parametrize(
    ("sex", "birth", "retires"),
    [
        (Sex.MALE, date(1960, 5, 1), date(2020, 5, 1)),  # 60, before the reform
        (Sex.MALE, date(1961, 9, 15), date(2021, 12, 15)),  # 60y3m in 2021
        (Sex.MALE, date(1961, 10, 1), date(2022, 4, 1)),  # 60y6m in 2022 (Decree 135 table)
        (Sex.MALE, date(1970, 3, 1), date(2032, 3, 1)),  # 62 from 2028
        (Sex.FEMALE, date(1966, 1, 10), date(2021, 5, 10)),  # 55y4m in 2021
        (Sex.FEMALE, date(1966, 9, 10), date(2022, 5, 10)),  # 55y8m in 2022
        (Sex.FEMALE, date(1970, 3, 1), date(2027, 7, 1)),  # 57y4m in 2027
        (Sex.FEMALE, date(1980, 1, 1), date(2040, 1, 1)),  # 60 from 2035
    ],
)
def test_retirement_date(sex: Sex, birth: date, retires: date) -> None:
    assert retirement_date(sex, birth) == retires


def _refusal(reason: LumpSumReason, **overrides: object) -> str | None:
    facts: dict[str, object] = {
        "sex": Sex.MALE,
        "birth": date(1961, 9, 15),
        "decided_on": date(2026, 7, 1),
        "months": 100,
        "first_month": date(2010, 1, 1),
        "last_month": date(2025, 6, 1),
        **overrides,
    }
    return lump_sum_refusal(reason, **facts)  # type: ignore[arg-type]


def test_lump_sum_reasons() -> None:
    age = LumpSumReason.REACHED_RETIREMENT_AGE
    assert _refusal(age) is None
    assert _refusal(age, decided_on=date(2021, 12, 14)) == "reaches retirement age on 2021-12-15"
    assert _refusal(age, months=179) is None
    assert "enough for a pension" in str(_refusal(age, months=180))

    out = LumpSumReason.TWELVE_MONTHS_OUT
    assert _refusal(out) is None  # last month 6/2025, then 7/2025–6/2026: 12 months out
    assert "has 11 full months" in str(_refusal(out, decided_on=date(2026, 6, 30)))
    assert "before 1 July 2025" in str(_refusal(out, first_month=date(2025, 7, 1)))
    assert "below 20 years" in str(_refusal(out, months=240))

    for documented in (
        LumpSumReason.EMIGRATION,
        LumpSumReason.SERIOUS_ILLNESS,
        LumpSumReason.ARMED_FORCES_DISCHARGE,
    ):
        assert _refusal(documented, decided_on=date(2000, 1, 1), months=500) is None

"""The footer's rules by hand: retirement age by birth date (Decree 135/2020 appendix I), the
months a pension needs, and which months of maternity leave count."""

from datetime import date

import pytest

from db.enums import Sex
from db.rules import (
    add_months,
    maternity_months,
    maternity_working_days,
    pension_months_missing,
    pension_months_required,
    retirement_age_months,
    retirement_date,
)


@pytest.mark.parametrize(
    ("sex", "birth", "age", "reached"),
    [
        # Reached 60 / 55 by the end of 2020: the old ages.
        (Sex.MALE, date(1960, 12, 31), (60, 0), date(2020, 12, 31)),
        (Sex.FEMALE, date(1965, 12, 20), (55, 0), date(2020, 12, 20)),
        # 2021: men 60y3m (born 1/1961–9/1961), women 55y4m (born 1/1966–8/1966).
        (Sex.MALE, date(1961, 1, 10), (60, 3), date(2021, 4, 10)),
        (Sex.MALE, date(1961, 9, 10), (60, 3), date(2021, 12, 10)),
        (Sex.FEMALE, date(1966, 8, 5), (55, 4), date(2021, 12, 5)),
        # 60y3m from 10/1961 falls in 2022: that year's 60y6m applies; women 55y8m.
        (Sex.MALE, date(1961, 10, 10), (60, 6), date(2022, 4, 10)),
        (Sex.FEMALE, date(1966, 9, 5), (55, 8), date(2022, 5, 5)),
        # 2024: men born 4/1963–12/1963 retire at 61.
        (Sex.MALE, date(1963, 8, 31), (61, 0), date(2024, 8, 31)),
        # The last steps: men 61y9m (born 3/1966, in 12/2027), 62 from born 4/1966.
        (Sex.MALE, date(1966, 3, 15), (61, 9), date(2027, 12, 15)),
        (Sex.MALE, date(1966, 4, 15), (62, 0), date(2028, 4, 15)),
        # Women 59y8m (born 4/1975, in 12/2034), 60 from born 5/1975.
        (Sex.FEMALE, date(1975, 4, 1), (59, 8), date(2034, 12, 1)),
        (Sex.FEMALE, date(1975, 5, 1), (60, 0), date(2035, 5, 1)),
        # The e-book's citizen and a young man: the final ages.
        (Sex.FEMALE, date(1988, 5, 17), (60, 0), date(2048, 5, 17)),
        (Sex.MALE, date(1990, 1, 1), (62, 0), date(2052, 1, 1)),
    ],
)
def test_retirement_age_by_birth_date(
    sex: Sex, birth: date, age: tuple[int, int], reached: date
) -> None:
    assert divmod(retirement_age_months(sex, birth), 12) == age
    assert retirement_date(sex, birth) == reached


def test_months_a_pension_needs() -> None:
    # Law 58/2014 art. 54: 20 years; Law 41/2024 art. 64 from 1/7/2025: 15 years.
    assert pension_months_required(date(2025, 6, 30)) == 240
    assert pension_months_required(date(2025, 7, 1)) == 180
    assert pension_months_missing(100, date(2026, 11, 30)) == 80
    assert pension_months_missing(100, date(2025, 6, 30)) == 140
    assert pension_months_missing(200, date(2026, 11, 30)) == 0


TODAY = date(2026, 1, 1)


def test_working_days_of_leave_in_a_month() -> None:
    # 1/3/2025 is a Saturday. Leave from Monday 10/3: 10–14, 17–21, 24–28 and Monday 31.
    assert (
        maternity_working_days(date(2025, 3, 10), date(2025, 9, 9), date(2025, 3, 1), TODAY) == 16
    )
    # Wednesday 12/3: 3 + 5 + 5 + 1 = 14, the threshold; from Thursday 13/3: 13.
    assert maternity_working_days(date(2025, 3, 12), None, date(2025, 3, 1), TODAY) == 14
    assert maternity_working_days(date(2025, 3, 13), None, date(2025, 3, 1), TODAY) == 13
    # 1/9/2025 is a Monday; leave to Tuesday 9/9: 5 + 2.
    assert maternity_working_days(date(2025, 3, 10), date(2025, 9, 9), date(2025, 9, 1), TODAY) == 7
    # A month outside the leave has none.
    assert (
        maternity_working_days(date(2025, 3, 10), date(2025, 9, 9), date(2025, 10, 1), TODAY) == 0
    )


def test_months_of_leave_that_count() -> None:
    # 10/3–9/9/2025: March (16 days) to August count, September (7) does not: 6 months.
    assert maternity_months(date(2025, 3, 10), date(2025, 9, 9), TODAY) == [
        date(2025, m, 1) for m in range(3, 9)
    ]
    # 17/3–16/9/2025: March has 11 working days, September 12: April to August, 5 months.
    assert maternity_months(date(2025, 3, 17), date(2025, 9, 16), TODAY) == [
        date(2025, m, 1) for m in range(4, 9)
    ]


def test_leave_counts_up_to_today_only() -> None:
    # 1/11/2025 is a Saturday; leave from Monday 3/11 to May 2026. On 20/11: 5 + 5 + 4 = 14 days.
    leave = (date(2025, 11, 3), date(2026, 5, 2))
    assert maternity_months(*leave, date(2025, 11, 20)) == [date(2025, 11, 1)]
    # On 19/11 only 13 have passed: nothing counts yet, and no later month ever counts ahead.
    assert maternity_months(*leave, date(2025, 11, 19)) == []


def _age_by_reading(sex: Sex, birth: date) -> int:
    """Decree 135/2020 appendix I read year by year: the age of the first year (from 2021) in
    which the person reaches that year's age; the old age for those who reached it before."""
    base, step, final = (720, 3, 744) if sex is Sex.MALE else (660, 4, 720)
    if add_months(birth, base).year < 2021:
        return base
    for year in range(2021, 2200):
        age = min(final, base + step * (year - 2020))
        if add_months(birth, age).year <= year:
            return age
    raise AssertionError(birth)


@pytest.mark.parametrize("sex", [Sex.MALE, Sex.FEMALE])
def test_retirement_age_of_every_month_of_birth_is_the_decrees_reading(sex: Sex) -> None:
    for year in range(1950, 2011):
        for month in range(1, 13):
            for day in (1, 31 if month in (1, 3, 5, 7, 8, 10, 12) else 28):
                birth = date(year, month, day)
                assert retirement_age_months(sex, birth) == _age_by_reading(sex, birth), birth

"""Insurance rules the book derives values from (DOMAIN.md §3–4), as pure functions.

Amounts are whole đồng, computed exactly (fractions) and rounded half up once, at the end.
"""

import calendar
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Final, TypeVar

from db.enums import LumpSumReason, Sex, WageRegion

T = TypeVar("T")

# --- calendar ---------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later (earlier when negative), the last day of a shorter month."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_of(day: date) -> date:
    return day.replace(day=1)


def months_apart(earlier: date, later: date) -> int:
    """Calendar months from `earlier`'s month to `later`'s (0 for the same month)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


# --- salary levels in force -------------------------------------------------------------------


class NotInForce(LookupError):
    """No value of the table was in force on the day asked for (before its first entry)."""


def in_force(table: Sequence[tuple[date, T]], on: date) -> T:
    """The value of a timeline (entries in date order) in force on `on`."""
    found = [value for start, value in table if start <= on]
    if not found:
        raise NotInForce(f"no value before {table[0][0].isoformat()}")
    return found[-1]


# Lương cơ sở (base salary): what state-set pay coefficients are multiplied by. Decrees
# 31/2012, 66/2013, 47/2016, 47/2017, 72/2018, 38/2019, 24/2023, 73/2024, 161/2026 (DOMAIN.md §4).
BASE_SALARY: Final[tuple[tuple[date, int], ...]] = (
    (date(1993, 1, 1), 120_000),
    (date(1997, 1, 1), 144_000),
    (date(2000, 1, 1), 180_000),
    (date(2001, 1, 1), 210_000),
    (date(2003, 1, 1), 290_000),
    (date(2005, 10, 1), 350_000),
    (date(2006, 10, 1), 450_000),
    (date(2008, 1, 1), 540_000),
    (date(2009, 5, 1), 650_000),
    (date(2010, 5, 1), 730_000),
    (date(2011, 5, 1), 830_000),
    (date(2012, 5, 1), 1_050_000),
    (date(2013, 7, 1), 1_150_000),
    (date(2016, 5, 1), 1_210_000),
    (date(2017, 7, 1), 1_300_000),
    (date(2018, 7, 1), 1_390_000),
    (date(2019, 7, 1), 1_490_000),
    (date(2023, 7, 1), 1_800_000),
    (date(2024, 7, 1), 2_340_000),
    (date(2026, 7, 1), 2_530_000),
)

# Lương tối thiểu vùng (regional minimum wage), regions I–IV: Decrees 103/2012, 182/2013,
# 103/2014, 122/2015, 153/2016, 141/2017, 157/2018, 90/2019, 38/2022, 74/2024, 293/2025.
REGIONAL_MINIMUM_WAGE: Final[tuple[tuple[date, tuple[int, int, int, int]], ...]] = (
    (date(2013, 1, 1), (2_350_000, 2_100_000, 1_800_000, 1_650_000)),
    (date(2014, 1, 1), (2_700_000, 2_400_000, 2_100_000, 1_900_000)),
    (date(2015, 1, 1), (3_100_000, 2_750_000, 2_400_000, 2_150_000)),
    (date(2016, 1, 1), (3_500_000, 3_100_000, 2_700_000, 2_400_000)),
    (date(2017, 1, 1), (3_750_000, 3_320_000, 2_900_000, 2_580_000)),
    (date(2018, 1, 1), (3_980_000, 3_530_000, 3_090_000, 2_760_000)),
    (date(2019, 1, 1), (4_180_000, 3_710_000, 3_250_000, 2_920_000)),
    (date(2020, 1, 1), (4_420_000, 3_920_000, 3_430_000, 3_070_000)),
    (date(2022, 7, 1), (4_680_000, 4_160_000, 3_640_000, 3_250_000)),
    (date(2024, 7, 1), (4_960_000, 4_410_000, 3_860_000, 3_450_000)),
    (date(2026, 1, 1), (5_310_000, 4_730_000, 4_140_000, 3_700_000)),
)
_REGIONS: Final = tuple(WageRegion)


def base_salary(on: date) -> int:
    return in_force(BASE_SALARY, on)


def regional_minimum_wage(region: WageRegion, on: date) -> int:
    return in_force(REGIONAL_MINIMUM_WAGE, on)[_REGIONS.index(region)]


def coefficient_salary(
    coefficient: Decimal, position: Decimal | None, seniority_pct: Decimal | None, base: int
) -> Fraction:
    """The contribution salary of state-set pay: (pay coefficient + position allowance) × (1 +
    seniority allowance %) × base salary (Law 58/2014 art. 89(1), Law 41/2024 art. 31(1)). The
    regional allowance is not part of it."""
    grade = Fraction(coefficient) + Fraction(position or 0)
    return grade * (1 + Fraction(seniority_pct or 0) / 100) * base


def whole_dong(amount: Fraction) -> int:
    """Rounded half up to the đồng."""
    return int((amount * 2 + 1) // 2)


# --- unemployment insurance (BHTN) ------------------------------------------------------------

BHTN_MONTHS_PER_BENEFIT_MONTH = 12
BHTN_QUALIFYING_MONTHS: Final = 12
BHTN_WINDOW_MONTHS: Final = 24
BHTN_FILING_MONTHS: Final = 3
BHTN_AVERAGE_MONTHS: Final = 6
BHTN_ALLOWANCE_SHARE: Final = Fraction(60, 100)
BHTN_CAP_MULTIPLE: Final = 5
BHTN_CAP_BY_REGION_FOR_ALL: Final = date(2026, 1, 1)
"""Law 74/2025 (from 1/1/2026) caps every allowance at 5 × the regional minimum wage; before
it, Law 38/2013 art. 50(1) capped state-set pay at 5 × the base salary."""


def bhtn_months_granted(contribution_months: int) -> int:
    """Benefit duration: 3 months for 12–36 contribution months, +1 per further 12, at most 12.
    0 below the 12-month eligibility threshold."""
    if contribution_months < 12:
        return 0
    return min(12, 3 + max(0, contribution_months - 36) // 12)


def bhtn_reserved_months(
    last_claim: tuple[int, int] | None, months_since_last_claim: int, total_months: int
) -> int:
    """Contribution months available for a future claim (thời gian bảo lưu), Decree 28/2015
    art. 18(6)–(7) and Circular 28/2015 art. 9.

    `last_claim` is (months counted, benefit months used) of the latest decision. A claim
    spends 12 counted months per benefit month used (Law 38/2013 art. 50(2): 3 months for the
    first 36, one more per further 12); what it counted but did not spend stays reserved: the
    odd months above the entitlement's multiple of 12, the months of an entitlement not received
    (the claimant found work, or did not collect the allowance), and what a 12-month entitlement
    counted above 144 months (this service's reading: the decree reserves the contribution time
    not used for a benefit and sets no cap). Months contributed after the claim add to it;
    earlier claims' leftovers were counted into the later one. With no claim, every month counts.
    """
    if last_claim is None:
        return total_months
    counted, used = last_claim
    unspent = max(0, counted - used * BHTN_MONTHS_PER_BENEFIT_MONTH)
    return unspent + months_since_last_claim


def bhtn_ineligibility(window_months: int, reserved_months: int) -> str | None:
    """Why a claim is refused, or None. Law 38/2013 art. 49(2), Law 74/2025: at least 12 BHTN
    contribution months within the 24 months before the labour contract ended. Months an
    earlier benefit already spent cannot qualify a claim again (Decree 28/2015 art. 18), so the
    months still reserved must reach 12 too."""
    if window_months < BHTN_QUALIFYING_MONTHS:
        return (
            f"has {window_months} BHTN contribution months in the {BHTN_WINDOW_MONTHS} months"
            f" before the contract ended; {BHTN_QUALIFYING_MONTHS} are required"
        )
    if reserved_months < BHTN_QUALIFYING_MONTHS:
        return (
            f"has {reserved_months} BHTN contribution months not yet spent by an earlier"
            f" benefit; {BHTN_QUALIFYING_MONTHS} are required"
        )
    return None


def bhtn_allowance_cap(region: WageRegion, contract_ended_on: date, state_payroll: bool) -> int:
    """5 × the regional minimum wage in force when the contract ended (Law 38/2013 art. 50(1),
    Law 74/2025); before 2026, 5 × the base salary for state-set pay."""
    if state_payroll and contract_ended_on < BHTN_CAP_BY_REGION_FOR_ALL:
        return BHTN_CAP_MULTIPLE * base_salary(contract_ended_on)
    return BHTN_CAP_MULTIPLE * regional_minimum_wage(region, contract_ended_on)


def bhtn_monthly_allowance(last_salaries: Sequence[Fraction | int], cap: int) -> int:
    """60 % of the average salary of the last 6 contribution months, at most `cap` (Law 38/2013
    art. 50(1), Law 74/2025)."""
    if not last_salaries:
        raise ValueError("no contribution month to average")
    average = Fraction(sum(last_salaries, Fraction(0)), len(last_salaries))
    return min(whole_dong(BHTN_ALLOWANCE_SHARE * average), cap)


# --- lump-sum withdrawal (BHXH một lần) -------------------------------------------------------

LUMP_SUM_RATE_CHANGE: Final = date(2014, 1, 1)
LUMP_SUM_MONTHS_PER_YEAR_BEFORE: Final = Fraction(3, 2)
LUMP_SUM_MONTHS_PER_YEAR_FROM: Final = Fraction(2)
LUMP_SUM_SHORT_RATE: Final = Fraction(22, 100)
"""The retirement and survivorship fund's rate (employer 14 % + employee 8 %; voluntary 22 %)."""


def lump_sum_years(months_before_2014: int, months_from_2014: int) -> tuple[int, Fraction]:
    """Contribution years (before 2014, from 2014) the amount is paid for. Odd months before
    2014 move into the later period; the later period's odd months count as half a year (1–6)
    or a year (7–11) (Decree 115/2015 art. 19(2), Circular 59/2015 art. 19(3))."""
    before, carried = divmod(months_before_2014, 12)
    years, odd = divmod(months_from_2014 + carried, 12)
    part = Fraction(0) if odd == 0 else Fraction(1, 2) if odd <= 6 else Fraction(1)
    return before, years + part


def lump_sum_amount(salaries: Mapping[date, Fraction | int]) -> int:
    """BHXH một lần for the contribution months given (month → salary or income), Law 58/2014
    art. 60(2), Law 41/2024 art. 70(2): 1.5 months of the average salary per contribution year
    before 2014, 2 months per year from 2014; the average is over every month given. Less than
    a year: what was paid in (22 %), at most 2 months of the average."""
    if not salaries:
        raise ValueError("no contribution month to settle")
    total = sum(salaries.values(), Fraction(0))
    average = Fraction(total, len(salaries))
    if len(salaries) < 12:
        paid_in: Fraction = LUMP_SUM_SHORT_RATE * total
        return whole_dong(min(paid_in, 2 * average))
    before = sum(1 for month in salaries if month < LUMP_SUM_RATE_CHANGE)
    early, late = lump_sum_years(before, len(salaries) - before)
    multiple = LUMP_SUM_MONTHS_PER_YEAR_BEFORE * early + LUMP_SUM_MONTHS_PER_YEAR_FROM * late
    return whole_dong(average * multiple)


PENSION_MONTHS: Final = 15 * 12
"""Law 41/2024 art. 64: 15 contribution years for a pension."""
LUMP_SUM_TRANSITION: Final = date(2025, 7, 1)
LUMP_SUM_TRANSITION_MONTHS: Final = 20 * 12
MONTHS_OUT: Final = 12


RETIREMENT_AGE_RISE_FROM: Final = 2021


def retirement_age_months(sex: Sex, birth: date) -> int:
    """Retirement age in normal working conditions, in months (Labour Code 2019 art. 169(2),
    Decree 135/2020 art. 4 and its appendix I): 60 (men) and 55 (women) for those who reached it
    by 2020; from 2021 the age rises by 3 months a year for men to 62 (reached in 2028) and by 4
    months a year for women to 60 (2035), and a person retires at the age of the year in which
    they reach it. A birth date known only to the year or month is stored as its first day and
    read so (this service's reading: 1 January, or the month's first day, as the social insurance
    practice takes them). Early retirement (arduous work, lost capacity, the armed forces' own
    ages) is out of this rule's scope."""
    base, step, final = (720, 3, 744) if sex is Sex.MALE else (660, 4, 720)

    def reached_in(age: int) -> int:  # the year of add_months(birth, age), without the date
        return birth.year + (birth.month - 1 + age) // 12

    if reached_in(base) < RETIREMENT_AGE_RISE_FROM:
        return base
    year = RETIREMENT_AGE_RISE_FROM
    while True:
        age = min(final, base + step * (year - RETIREMENT_AGE_RISE_FROM + 1))
        # From the final age on, every later year asks the same age: it is the answer.
        if age == final or reached_in(age) <= year:
            return age
        year += 1


def retirement_date(sex: Sex, birth: date) -> date:
    """The day a person reaches retirement age (`retirement_age_months`)."""
    return add_months(birth, retirement_age_months(sex, birth))


PENSION_MONTHS_BEFORE: Final = 20 * 12
PENSION_MONTHS_FROM: Final = date(2025, 7, 1)


def pension_months_required(on: date) -> int:
    """Contribution months a pension needs: 20 years under Law 58/2014 art. 54, 15 under Law
    41/2024 art. 64 from 1 July 2025 (the minimum; a higher rate needs more)."""
    return PENSION_MONTHS if on >= PENSION_MONTHS_FROM else PENSION_MONTHS_BEFORE


def pension_months_missing(pension_months: int, on: date) -> int:
    """Months still needed for a pension, counted on `on`; never negative."""
    return max(0, pension_months_required(on) - pension_months)


# --- maternity (thai sản) -----------------------------------------------------------------------

MATERNITY_WORKING_DAYS: Final = 14
"""Law 58/2014 art. 39(2), and Law 41/2024's maternity section: a month with at least 14
working days of maternity leave counts as contribution time, without contributions."""


def maternity_working_days(
    leave_from: date, leave_to: date | None, month: date, today: date
) -> int:
    """Working days of leave in `month`: Monday to Friday between the leave's first and last day
    (an open leave, or one ending later, stops at `today`). This service's reading of "working
    day": the book holds no work schedule or holiday calendar, so public holidays count and
    Saturdays do not. The totals statement applies the same count in SQL."""
    start = max(leave_from, month_of(month))
    last = min(leave_to or today, today, add_months(month_of(month), 1) - timedelta(days=1))
    days = (last - start).days + 1
    return sum(1 for i in range(max(days, 0)) if (start + timedelta(days=i)).isoweekday() < 6)


def maternity_months(leave_from: date, leave_to: date | None, today: date) -> list[date]:
    """The months of a leave that count as contribution time (before any contribution row
    covers them): those with at least `MATERNITY_WORKING_DAYS` working days of leave."""
    last = min(leave_to or today, today)
    months = [
        add_months(month_of(leave_from), i) for i in range(months_apart(leave_from, last) + 1)
    ]
    return [
        m
        for m in months
        if maternity_working_days(leave_from, leave_to, m, today) >= MATERNITY_WORKING_DAYS
    ]


def lump_sum_refusal(
    reason: LumpSumReason,
    *,
    sex: Sex,
    birth: date,
    decided_on: date,
    months: int,
    first_month: date,
    last_month: date,
) -> str | None:
    """Why the reason does not hold on the book's data, or None (Law 41/2024 art. 70(1)).
    `months` are the contribution months to settle, from `first_month` to `last_month`.
    Emigration, serious illness and discharge from the armed forces rest on documents the
    officer checked; the book cannot contradict them."""
    match reason:
        case LumpSumReason.REACHED_RETIREMENT_AGE:
            # (a): retirement age reached without the 15 years a pension needs.
            retires = retirement_date(sex, birth)
            if decided_on < retires:
                return f"reaches retirement age on {retires.isoformat()}"
            if months >= PENSION_MONTHS:
                return f"has {months} contribution months: enough for a pension"
        case LumpSumReason.TWELVE_MONTHS_OUT:
            # (đ): contributed before 1/7/2025, then 12 months outside compulsory and voluntary
            # insurance, and fewer than 20 years in all.
            if first_month >= LUMP_SUM_TRANSITION:
                return "applies only to persons who contributed before 1 July 2025"
            out = months_apart(last_month, month_of(decided_on)) - 1
            if out < MONTHS_OUT:
                return f"has {max(out, 0)} full months without contributions; 12 are required"
            if months >= LUMP_SUM_TRANSITION_MONTHS:
                return f"has {months} contribution months; it applies below 20 years"
    return None

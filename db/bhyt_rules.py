"""Health insurance (BHYT) rules the write path applies, as pure functions with their statutes.

Statute references are to the Law on Health Insurance (Luật Bảo hiểm y tế) 25/2008/QH12 as
amended by Law 46/2014/QH13 (from 1/1/2015) and its guidance, Decree 146/2018/NĐ-CP; numbers
taken from secondary sources (DOMAIN.md) are marked "unverified" where they are. Law 51/2024/QH15
(from 1/7/2025) amends the law again; nothing here depends on what it changed, as far as known.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Final

from db import rules

VIETNAM: Final = timezone(timedelta(hours=7), "ICT")
"""Vietnam's time (UTC+7, no daylight saving): card validity and visit dates are its days."""


def today() -> date:
    """Today in Vietnam. The one clock of the BHYT writes (tests move it)."""
    return datetime.now(UTC).astimezone(VIETNAM).date()


def vietnam_date(at: datetime) -> date:
    return at.astimezone(VIETNAM).date()


BASE_SALARY: Final = rules.BASE_SALARY
"""Lương cơ sở: the one timeline (db.rules), from RULES_FROM on for these rules."""
RULES_FROM: Final = date(2015, 1, 1)
"""The cost-sharing rules below are Law 46/2014's, in force from 1/1/2015: a visit before it
is not split by this code."""


def base_salary(on: date) -> int:
    """The base salary (lương cơ sở) in force on a day, from RULES_FROM on."""
    if on < RULES_FROM:
        raise ValueError(f"no BHYT cost-sharing rules coded before {RULES_FROM.isoformat()}")
    return next(amount for start, amount in reversed(BASE_SALARY) if start <= on)


COVERAGE_PCT: Final = {1: 100, 2: 100, 3: 95, 4: 80, 5: 100}
"""Mức hưởng by benefit level (DOMAIN.md's table; Law on Health Insurance art. 22(1)(a), (b),
(đ), (e)). Level 2's caps on some items and level 5's costs outside the BHYT scope need item
lines a visit record does not carry: the split is of the visit's total at the level's rate."""

LOW_COST_SHARE_PCT: Final = 15
"""Art. 22(1)(c): the fund pays 100 % of a visit costing less than the level the Government sets,
which Decree 146/2018/NĐ-CP art. 14 sets at 15 % of the base salary."""

FIVE_YEAR_CAP_BASE_SALARIES: Final = 6
"""Art. 22(1)(d): after 5 consecutive years of cover, once the year's co-payments exceed 6 months
of base salary the fund pays 100 % (except a self-referred off-route visit: visits recorded here
carry no route, so none is treated as one)."""


@dataclass(frozen=True)
class Split:
    """Who pays a visit's total cost (VND): fund_paid + patient_paid == total, always."""

    fund_paid: int
    patient_paid: int
    rule: str
    """Why: LOW_COST, BENEFIT_LEVEL or FIVE_YEAR_CAP (the rule that set the patient's part)."""


def cost_split(
    total: int,
    benefit_level: int,
    on: date,
    *,
    five_years_reached: bool = False,
    copaid_this_year: int = 0,
) -> Split:
    """The fund's and the patient's parts of a visit of `total` VND on day `on`.

    `five_years_reached`: the card's five-year date (thời điểm đủ 5 năm liên tục) is on or
    before `on`. `copaid_this_year`: what the patient co-paid for the calendar year's earlier
    visits. The fund's part at the level's rate is rounded half up to a whole đồng, and the
    patient pays the rest, so the two always add up to `total`.
    """
    if total < 0:
        raise ValueError("a visit's total cost is never negative")
    salary = base_salary(on)
    if total * 100 < LOW_COST_SHARE_PCT * salary:
        return Split(total, 0, "LOW_COST")
    fund = (total * COVERAGE_PCT[benefit_level] + 50) // 100
    patient = total - fund
    if five_years_reached:
        room = max(0, FIVE_YEAR_CAP_BASE_SALARIES * salary - copaid_this_year)
        if patient > room:
            return Split(total - room, room, "FIVE_YEAR_CAP")
    return Split(fund, patient, "BENEFIT_LEVEL")


QUARTER_FIRST_MONTHS: Final = frozenset({1, 4, 7, 10})


def may_change_initial_facility(on: date) -> bool:
    """Art. 26(3): the insured may change the initial facility (nơi đăng ký KCB ban đầu) at the
    start of each quarter, which the guidance reads as the quarter's first month (January,
    April, July, October; Circular 40/2015/TT-BYT art. 8, unverified)."""
    return on.month in QUARTER_FIRST_MONTHS


CONTINUITY_GAP_MONTHS: Final = 3
"""Five consecutive years (5 năm liên tục, art. 22(1)(d)): cover is continuous when a card's
validity follows the previous card's, or follows it after a break of at most 3 months (Decree
146/2018/NĐ-CP art. 12(5), carrying Joint Circular 41/2014/TTLT-BYT-BTC art. 5(1)(d); no text
found that Law 51/2024/QH15 or the decree implementing it from 1/7/2025 changed the limit: see
the README). A break of 3 calendar months from its first uncovered day keeps continuity, one
day more breaks it. The derivation is one SQL fragment (db.queries.health_insurance.five_year_date)
that the card reads and the visit's split both use."""
CONTINUITY_GAP_FROM: Final = RULES_FROM
"""The allowed break counts from 1/1/2015, when Law 46/2014 and Joint Circular 41/2014 took
effect: a break that began before it interrupts continuity however short (Vietnam Social
Security's answers read it so)."""
FIVE_YEARS: Final = 5


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has fewer days."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")

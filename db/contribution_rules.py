"""The rules of an employer's monthly contribution declaration (DOMAIN.md §4), as pure functions.

Amounts are VND per month; a month is the date of its first day. Rates are `rate_pct` as the
book stores it (the seed's meaning): the scheme's combined employer + employee rate, in percent
of the salary declared for social insurance.
"""

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final

from db.enums import Scheme, WageRegion
from db.rules import regional_minimum_wage


class LineKind(StrEnum):
    """What a declaration line reports about one employee (mẫu D02-LT's kinds of change)."""

    START = "START"
    SALARY_CHANGE = "SALARY_CHANGE"
    END = "END"
    UNPAID_LEAVE = "UNPAID_LEAVE"
    MATERNITY_LEAVE = "MATERNITY_LEAVE"
    RETURN = "RETURN"


class LineOutcome(StrEnum):
    OPENED = "OPENED"
    CHANGED = "CHANGED"
    CLOSED = "CLOSED"


OPENING: Final = frozenset({LineKind.START, LineKind.SALARY_CHANGE, LineKind.RETURN})
"""Kinds that open rows from the month, and so carry a salary, a job title and schemes."""
LEAVE: Final = frozenset({LineKind.UNPAID_LEAVE, LineKind.MATERNITY_LEAVE})
"""Kinds after which the person stays the employer's employee without contributing."""
OUTCOME: Final = {
    LineKind.START: LineOutcome.OPENED,
    LineKind.RETURN: LineOutcome.OPENED,
    LineKind.SALARY_CHANGE: LineOutcome.CHANGED,
    LineKind.END: LineOutcome.CLOSED,
    LineKind.UNPAID_LEAVE: LineOutcome.CLOSED,
    LineKind.MATERNITY_LEAVE: LineOutcome.CLOSED,
}

EMPLOYER_SCHEMES: Final = frozenset(
    {Scheme.COMPULSORY_SOCIAL, Scheme.UNEMPLOYMENT, Scheme.OCCUPATIONAL_ACCIDENT}
)
"""The schemes an employer declares: voluntary BHXH is the person's own (Law 41/2024 art. 2)."""

EARLIEST_MONTH: Final = date(2024, 7, 1)
"""The first month a declaration may name: the month Decree 74/2024's minimum wages and the
reference level of the ceiling took effect (earlier months are corrected at the office)."""

REFERENCE_LEVEL: Final = 2_340_000
"""Mức tham chiếu (Law 41/2024 art. 7, Decree 159/2025): the base salary of 7/2024, which the
ceiling stayed tied to when the base salary rose on 1/7/2026 (DOMAIN.md: later changes unknown)."""
CEILING_MULTIPLE: Final = 20


def month_of(day: date) -> date:
    return day.replace(day=1)


def previous_month(month: date) -> date:
    return date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)


def minimum_wage(region: WageRegion, month: date) -> int | None:
    """The regional minimum wage in force in `month` (db.rules' one table); None before the
    first month a declaration may name."""
    if month < EARLIEST_MONTH:
        return None
    return regional_minimum_wage(region, month)


def salary_ceiling(month: date) -> int:
    """The highest salary contributions are paid on: 20 × the base salary (Law 58/2014 art. 89(3))
    until 6/2025, 20 × the reference level (Law 41/2024 art. 31(3)) from 7/2025; both 2,340,000
    over every month this register accepts."""
    return CEILING_MULTIPLE * REFERENCE_LEVEL


def salary_problem(salary: int, region: WageRegion, month: date) -> str | None:
    """Why `salary` cannot be declared for `month` in `region` (None: it can). The floor is the
    regional minimum wage (Labour Code 2019 art. 90–91; Law 41/2024 art. 31), the ceiling
    `salary_ceiling`."""
    floor = minimum_wage(region, month)
    if floor is None:
        return f"no regional minimum wage is known before {EARLIEST_MONTH:%m/%Y}"
    if salary < floor:
        return (
            f"is below the regional minimum wage of {region.value} in {month:%m/%Y} ({floor:,} VND)"
        )
    ceiling = salary_ceiling(month)
    if salary > ceiling:
        return f"is above the ceiling of 20 × the reference level ({ceiling:,} VND)"
    return None


# Windows when an employer's share was waived, as (first month, last month) inclusive.
_ACCIDENT_WAIVED: Final = (date(2021, 7, 1), date(2022, 6, 1))  # Resolution 68/NQ-CP
_BHTN_EMPLOYER_WAIVED: Final = (date(2021, 10, 1), date(2022, 9, 1))  # Resolution 116/NQ-CP


def _within(month: date, window: tuple[date, date]) -> bool:
    return window[0] <= month <= window[1]


def rate_pct(scheme: Scheme, month: date) -> Decimal:
    """The scheme's combined employer + employee rate in `month`, in percent (0: nothing is paid
    and the book holds no row):
    - COMPULSORY_SOCIAL 25: employer 3 (sickness, maternity) + 14 (retirement, survivorship),
      employee 8 (Law 41/2024 art. 33–34; the same since 6/2017 under Law 58/2014 art. 85–86);
    - OCCUPATIONAL_ACCIDENT 0.5, employer only (Decree 58/2020 art. 4); 0 from 7/2021 to 6/2022
      (Resolution 68/NQ-CP);
    - UNEMPLOYMENT 2: employer 1 + employee 1 (Law on Employment 38/2013 art. 57); the employer's
      1 was 0 from 10/2021 to 9/2022 (Resolution 116/NQ-CP), so 1.
    """
    match scheme:
        case Scheme.COMPULSORY_SOCIAL:
            return Decimal(25)
        case Scheme.OCCUPATIONAL_ACCIDENT:
            return Decimal(0) if _within(month, _ACCIDENT_WAIVED) else Decimal("0.5")
        case Scheme.UNEMPLOYMENT:
            return Decimal(1) if _within(month, _BHTN_EMPLOYER_WAIVED) else Decimal(2)
    raise ValueError(f"{scheme} is not declared by an employer")


def schemes_problem(schemes: frozenset[Scheme]) -> str | None:
    """Why an opening line's schemes cannot be declared (None: they can)."""
    if Scheme.VOLUNTARY_SOCIAL in schemes:
        return "VOLUNTARY_SOCIAL is the person's own contribution, never an employer's"
    if Scheme.COMPULSORY_SOCIAL not in schemes:
        # BHTN needs compulsory BHXH in the same month (DOMAIN.md, "BHTN").
        return "must include COMPULSORY_SOCIAL: an employee's BHTN and TNLĐ-BNN go with it"
    return None


def citizens_only_problem(schemes: frozenset[Scheme], nationality: str) -> str | None:
    """Why a line cannot open `schemes` for a person of `nationality` (None: it can). BHTN
    insures Vietnamese citizens working under a labour contract (Law on Employment 38/2013
    art. 43(1)); a foreign worker joins compulsory BHXH and the accident fund only (Law 41/2024
    art. 2(2), Decree 143/2018/NĐ-CP). The database holds the same rule for rows contributed
    as a foreign worker (migration 0016)."""
    if Scheme.UNEMPLOYMENT in schemes and nationality != "VN":
        return "is not a Vietnamese citizen: UNEMPLOYMENT (BHTN) insures Vietnamese citizens only"
    return None


def opened_schemes(schemes: frozenset[Scheme], month: date) -> list[tuple[Scheme, Decimal]]:
    """The rows an opening line starts in `month`, with their rates: compulsory BHXH, the
    occupational accident fund with it (the employer pays TNLĐ-BNN for every compulsory member:
    Law 84/2015 art. 43–44, as the book's history keeps it), and BHTN when declared. A scheme
    whose rate is 0 that month has no row."""
    wanted = {Scheme.COMPULSORY_SOCIAL, Scheme.OCCUPATIONAL_ACCIDENT} | (
        {Scheme.UNEMPLOYMENT} if Scheme.UNEMPLOYMENT in schemes else set()
    )
    order = (Scheme.COMPULSORY_SOCIAL, Scheme.UNEMPLOYMENT, Scheme.OCCUPATIONAL_ACCIDENT)
    rows = [(s, rate_pct(s, month)) for s in order if s in wanted]
    return [(s, r) for s, r in rows if r > 0]


def month_problem(month: date, today: date) -> str | None:
    """Why `month` cannot be declared on `today` (None: it can)."""
    if month.day != 1:
        return "must be a month (its first day)"
    if month > month_of(today):
        return "is in the future: declare a month when it has begun"
    if month < EARLIEST_MONTH:
        return (
            f"is before {EARLIEST_MONTH:%m/%Y}, the first month whose regional minimum wage this"
            " register knows"
        )
    return None

"""Shared pieces of the synthetic data generator: the fixed "today", month arithmetic, the legal
timelines (salaries, rates) that histories follow, and small deterministic helpers.

Everything here is pure and deterministic: the same seed and the same "today" must give
byte-identical data on any machine and in any worker process, so nothing here reads the clock (the
caller sets the day with `set_today`, in the parent and in every worker) and nothing iterates a
set of strings (string hashes change from process to process).
"""

import random
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date
from typing import TypeVar

T = TypeVar("T")


def month_index(year: int, month: int) -> int:
    """Months since year 0: cheap arithmetic for contribution histories."""
    return year * 12 + month - 1


# The seed's "today": nothing is dated after it, and rows running on stay open. `seed_database`
# sets it (the clock's day by default, or an explicit one) before generating, in every process;
# generators read `common.AS_OF` at call time, never a copy taken at import. The value below is
# only the default of code that builds chunks directly (tests).
AS_OF = date(2026, 11, 1)
AS_OF_MONTH = month_index(AS_OF.year, AS_OF.month)


def set_today(today: date) -> None:
    """Makes `today` the seed's "today" in this process."""
    global AS_OF, AS_OF_MONTH
    AS_OF = today
    AS_OF_MONTH = month_index(today.year, today.month)


# COPY's text format spells NULL as \N; rows are rendered as text by the generators themselves.
NULL = "\\N"

_MONTH_BASE = month_index(1900, 1)
_MONTH_TEXT = [
    f"{(_MONTH_BASE + i) // 12:04d}-{(_MONTH_BASE + i) % 12 + 1:02d}-01" for i in range(201 * 12)
]


def month_text(m: int) -> str:
    """The first day of month index `m` as an ISO date."""
    return _MONTH_TEXT[m - _MONTH_BASE]


def month_date(m: int) -> date:
    return date(m // 12, m % 12 + 1, 1)


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February in a common year
        return d.replace(year=d.year + years, day=28)


def add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    return date(d.year + m // 12, m % 12 + 1, min(d.day, 28))


def chunk_rng(seed: int, chunk: int, stream: str = "") -> random.Random:
    """One generator per chunk (and purpose): chunks can be built in any process, in any order."""
    # A string seed is hashed with SHA-512 by random.seed, independent of PYTHONHASHSEED.
    return random.Random(f"bhxh:{seed}:{chunk}:{stream}")


def scramble(x: int, modulus: int, multiplier: int, offset: int = 0) -> int:
    """A bijection of [0, modulus): distinct inputs stay distinct but look random.

    `multiplier` must share no factor with `modulus` (for powers of ten: odd and not a multiple of 5).
    """
    return (x * multiplier + offset) % modulus


def cumulative(weights: Sequence[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


def weighted(rng: random.Random, items: Sequence[T], cum: Sequence[float]) -> T:
    """An item drawn with cumulative weights `cum`: random.choices for one item, minus its
    per-call overhead (this is on the generator's hottest paths)."""
    return items[bisect_right(cum, rng.random() * cum[-1])]


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: the means here are small (visits, job changes)."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, mean**0.5)))
    limit = 2.718281828459045**-mean
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


class Timeline:
    """A value that changes at given months (a salary level, a rate): look-ups by month index."""

    __slots__ = ("_starts", "_values")

    def __init__(self, changes: Sequence[tuple[int, int, float]]) -> None:
        """`changes` are (year, month, value) in order; before the first change the first value holds."""
        self._starts = [month_index(y, m) for y, m, _ in changes]
        self._values = [v for _, _, v in changes]

    def at(self, m: int) -> float:
        i = bisect_right(self._starts, m) - 1
        return self._values[max(i, 0)]

    def changes_between(self, first: int, last: int) -> list[int]:
        """Months in (first, last] where the value changes."""
        lo = bisect_right(self._starts, first)
        hi = bisect_right(self._starts, last)
        return self._starts[lo:hi]


# Lương cơ sở (base salary), VND/month: civil-service coefficients are multiplied by it.
BASE_SALARY = Timeline(
    [
        (1993, 1, 120_000),
        (1997, 1, 144_000),
        (2000, 1, 180_000),
        (2001, 1, 210_000),
        (2003, 1, 290_000),
        (2005, 10, 350_000),
        (2006, 10, 450_000),
        (2008, 1, 540_000),
        (2009, 5, 650_000),
        (2010, 5, 730_000),
        (2011, 5, 830_000),
        (2012, 5, 1_050_000),
        (2013, 7, 1_150_000),
        (2016, 5, 1_210_000),
        (2017, 7, 1_300_000),
        (2018, 7, 1_390_000),
        (2019, 7, 1_490_000),
        (2023, 7, 1_800_000),
        (2024, 7, 2_340_000),
        (2026, 7, 2_530_000),
    ]
)

# Regional minimum wage of region I (the highest); regions II–IV are fixed fractions of it.
MIN_WAGE_REGION_1 = Timeline(
    [
        (1993, 1, 120_000),
        (2001, 1, 210_000),
        (2003, 1, 290_000),
        (2006, 1, 450_000),
        (2008, 1, 620_000),
        (2009, 1, 800_000),
        (2010, 1, 980_000),
        (2011, 1, 1_350_000),
        (2011, 10, 2_000_000),
        (2013, 1, 2_350_000),
        (2014, 1, 2_700_000),
        (2015, 1, 3_100_000),
        (2016, 1, 3_500_000),
        (2017, 1, 3_750_000),
        (2018, 1, 3_980_000),
        (2019, 1, 4_180_000),
        (2020, 1, 4_420_000),
        (2022, 7, 4_680_000),
        (2024, 7, 4_960_000),
        (2026, 1, 5_310_000),
    ]
)
REGION_FACTOR = (1.0, 0.89, 0.78, 0.70)

# Compulsory BHXH rate (employer + employee, retirement/survivorship and sickness/maternity).
COMPULSORY_RATE = Timeline(
    [(1995, 1, 20), (2010, 1, 22), (2012, 1, 24), (2014, 1, 26), (2017, 6, 25)]
)
UNEMPLOYMENT_START = month_index(2009, 1)  # BHTN began on 1/1/2009
UNEMPLOYMENT_RATE = 2  # 1 % employer + 1 % employee
# TNLĐ-BNN became its own 0.5 % contribution in June 2017; it was waived from 7/2021 to 6/2022.
ACCIDENT_RATE = Timeline([(2017, 6, 0.5), (2021, 7, 0), (2022, 7, 0.5)])
ACCIDENT_START = month_index(2017, 6)
# Before 2015 only employers of ten or more had to pay BHTN.
UNEMPLOYMENT_ALL_EMPLOYERS = month_index(2015, 1)

# Voluntary BHXH began in 2008; its rate rose by 2 points every two years to 22 %.
VOLUNTARY_START = month_index(2008, 1)
VOLUNTARY_RATE = Timeline([(2008, 1, 16), (2010, 1, 18), (2012, 1, 20), (2014, 1, 22)])
# The lowest declarable income: the rural poverty line of the time.
VOLUNTARY_FLOOR = Timeline(
    [(2008, 1, 200_000), (2011, 1, 400_000), (2016, 1, 700_000), (2022, 1, 1_500_000)]
)
VOLUNTARY_CEILING = 46_800_000


def rate_text(rate: float) -> str:
    return f"{rate:.2f}"

"""Who pays what on a row of the book's history: the employer's and the employee's shares of a
scheme's rate by month, the salary a row's contributions are computed on, and the amounts.

Pure functions; every rate names its statute. `db.contribution_rules.rate_pct` is the combined
rate an employer declares today; this module goes back over the whole history a book holds.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from db import rules
from db.enums import ARMED_FORCES, ParticipantCategory, Scheme


@dataclass(frozen=True, slots=True)
class Shares:
    """A scheme's rate in one month, in percent of the salary, by who pays it."""

    employer: Decimal
    employee: Decimal

    @property
    def total(self) -> Decimal:
        return self.employer + self.employee


_D = Decimal

# Compulsory BHXH (retirement/survivorship + sickness/maternity), (from month, employer, employee):
# - 15 + 5 under Decree 12/CP (1995) and Law 71/2006 art. 91–92 (employer: 3 sickness, 1 accident,
#   11 retirement); from 2010 both rose by 1 point every two years (art. 91(1), 92(1)) to 18 + 8
#   in 2014, which Law 58/2014 art. 85–86 kept;
# - 17 + 8 from 6/2017: the accident fund became its own row (Decree 44/2017/NĐ-CP), 3 + 14
#   for the employer, 8 for the employee, as Law 41/2024 art. 33–34 still has it.
_COMPULSORY: Final = (
    (date(2017, 6, 1), Shares(_D(17), _D(8))),
    (date(2014, 1, 1), Shares(_D(18), _D(8))),
    (date(2012, 1, 1), Shares(_D(17), _D(7))),
    (date(2010, 1, 1), Shares(_D(16), _D(6))),
    (date(1900, 1, 1), Shares(_D(15), _D(5))),
)
# TNLĐ-BNN, employer only: 1 % from 7/2016 (Decree 37/2016/NĐ-CP art. 44), 0.5 % from 6/2017
# (Decree 44/2017/NĐ-CP; Decree 58/2020/NĐ-CP art. 4 keeps it), 0 from 7/2021 to 6/2022
# (Resolution 68/NQ-CP). Before 7/2016 the employer's 1 % was inside the compulsory rate above.
_ACCIDENT: Final = (
    (date(2022, 7, 1), Shares(_D("0.5"), _D(0))),
    (date(2021, 7, 1), Shares(_D(0), _D(0))),
    (date(2017, 6, 1), Shares(_D("0.5"), _D(0))),
    (date(2016, 7, 1), Shares(_D(1), _D(0))),
    (date(1900, 1, 1), Shares(_D(0), _D(0))),
)
# BHTN: 1 + 1 (Law 71/2006 art. 102 from 2009; Law on Employment 38/2013 art. 57); the
# employer's 1 was 0 from 10/2021 to 9/2022 (Resolution 116/NQ-CP). The state's share is not
# the book's.
_UNEMPLOYMENT: Final = (
    (date(2022, 10, 1), Shares(_D(1), _D(1))),
    (date(2021, 10, 1), Shares(_D(0), _D(1))),
    (date(1900, 1, 1), Shares(_D(1), _D(1))),
)
# Voluntary BHXH, the contributor's own: 16 % from 2008 rising by 2 points every two years to
# 22 % in 2014 (Law 71/2006 art. 100), 22 % since (Law 58/2014 art. 87; Law 41/2024 art. 36).
_VOLUNTARY: Final = (
    (date(2014, 1, 1), Shares(_D(0), _D(22))),
    (date(2012, 1, 1), Shares(_D(0), _D(20))),
    (date(2010, 1, 1), Shares(_D(0), _D(18))),
    (date(1900, 1, 1), Shares(_D(0), _D(16))),
)
_TIMELINES: Final = {
    Scheme.COMPULSORY_SOCIAL: _COMPULSORY,
    Scheme.OCCUPATIONAL_ACCIDENT: _ACCIDENT,
    Scheme.UNEMPLOYMENT: _UNEMPLOYMENT,
    Scheme.VOLUNTARY_SOCIAL: _VOLUNTARY,
}


def shares(scheme: Scheme, month: date) -> Shares:
    """The employer's and the employee's rates of `scheme` in `month`."""
    return next(s for since, s in _TIMELINES[scheme] if month >= since)


CONSCRIPTS_FROM: Final = date(2016, 1, 1)
"""Conscripts and cadets joined compulsory BHXH on 1/1/2016 (Law 58/2014 art. 2(1)(e), 124)."""
# A conscript's unit, on the base salary: 22 % to retirement and survivorship (Law 58/2014 art.
# 86(3)(b); the reading taken of Law 41/2024 art. 33–34, which keeps the 22 %): no sickness or
# maternity fund, nothing from the conscript.
_CONSCRIPT: Final = Shares(_D(22), _D(0))
# The accident fund of a conscript: 1 % of the base salary from 1/2016 (Law 58/2014 art.
# 86(3)(a)), then the timeline above (`_ACCIDENT`: Decree 37/2016, Decree 44/2017, Decree
# 58/2020 art. 4(2); the waiver of Resolution 68/NQ-CP read as covering the armed forces' units).
_CONSCRIPT_ACCIDENT_BEFORE_7_2016: Final = Shares(_D(1), _D(0))
_ACCIDENT_OWN_FUND_FROM: Final = date(2016, 7, 1)


def category_shares(
    category: ParticipantCategory | None, scheme: Scheme, month: date
) -> Shares | None:
    """The rates of `scheme` in `month` for a row contributed under `category` (None: the
    scheme does not cover the category then). A row without a category is an ordinary
    compulsory member's or a voluntary contributor's: `shares`.

    - Officers, professional soldiers, police and cipher staff pay as employees do, on their
      rank salary: compulsory BHXH by the same timeline (Law 71/2006 art. 91–92, Law 58/2014
      art. 85–86, Law 41/2024 art. 33–34: 17 + 8 since 6/2017) and the accident fund's employer
      share (`_ACCIDENT`; Decree 58/2020 art. 4(1)(a) names the armed forces at 0.5 %).
    - Conscripts (and cadets): `_CONSCRIPT`, from `CONSCRIPTS_FROM`.
    - No BHTN for any of them: the Law on Employment covers people under labour or work
      contracts, not the armed forces (Law 38/2013 art. 43; Law 74/2025 keeps it). No voluntary
      BHXH either: they are compulsory members.
    """
    if category not in ARMED_FORCES:
        return shares(scheme, month)
    if scheme in (Scheme.UNEMPLOYMENT, Scheme.VOLUNTARY_SOCIAL):
        return None
    if category is not ParticipantCategory.CONSCRIPT:
        return shares(scheme, month)
    if month < CONSCRIPTS_FROM:
        return None
    if scheme is Scheme.COMPULSORY_SOCIAL:
        return _CONSCRIPT
    if month < _ACCIDENT_OWN_FUND_FROM:
        return _CONSCRIPT_ACCIDENT_BEFORE_7_2016
    return shares(scheme, month)


# Lương cơ sở: the one timeline (db.rules). A coefficient row before 1/1993 has no amount.
_BASE_SALARY: Final = rules.BASE_SALARY


def base_salary(month: date) -> int | None:
    """The base salary (lương cơ sở) in force in `month`; None before 1/1993."""
    found = [amount for since, amount in _BASE_SALARY if since <= month]
    return found[-1] if found else None


def contribution_salary(
    month: date,
    salary_vnd: int | None,
    coefficient: Decimal | None,
    position_allowance: Decimal | None,
    seniority_pct: Decimal | None,
) -> Decimal | None:
    """The monthly salary contributions are computed on (tiền lương tháng đóng BHXH).

    An amount is itself. A coefficient salary (the state's pay scale) is (coefficient + position
    allowance) × base salary, raised by the seniority allowance's percent; the regional allowance
    is not part of it (Law 58/2014 art. 89(1); Law 41/2024 art. 31(1)(a)).
    """
    if salary_vnd is not None:
        return Decimal(salary_vnd)
    base = base_salary(month)
    if coefficient is None or base is None:
        return None
    grade = (coefficient + (position_allowance or Decimal(0))) * base
    return grade * (1 + (seniority_pct or Decimal(0)) / 100)


@dataclass(frozen=True, slots=True)
class Amounts:
    employer: int
    employee: int


def _vnd(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def monthly_amounts(
    scheme: Scheme,
    month: date,
    salary: Decimal | None,
    *,
    category: ParticipantCategory | None = None,
    maternity: bool = False,
) -> Amounts | None:
    """What the employer (for the armed forces, their unit) and the employee pay per month on
    `salary` at the rates of `month` for `category` (`category_shares`; whole VND, half up); None
    without a salary or where the scheme does not cover the category. A conscript's
    contributions are computed on the base salary of the month, whatever the row's allowance
    (Law 58/2014 art. 86(3); Law 41/2024 art. 33–34). Months of maternity leave count as paid
    with nothing paid by either (Law 58/2014 art. 39(2); Law 41/2024 keeps the rule)."""
    if category is ParticipantCategory.CONSCRIPT:
        base = base_salary(month)
        salary = None if base is None else Decimal(base)
    rates = category_shares(category, scheme, month)
    if salary is None or rates is None:
        return None
    if maternity:
        return Amounts(0, 0)
    return Amounts(_vnd(salary * rates.employer / 100), _vnd(salary * rates.employee / 100))


def period_amounts(
    scheme: Scheme,
    month: date,
    salary_vnd: int | None,
    coefficient: Decimal | None,
    position_allowance: Decimal | None,
    seniority_pct: Decimal | None,
    category: ParticipantCategory | None,
    maternity: bool,
) -> Amounts | None:
    """`monthly_amounts` of a row of the history from its own columns (`contribution_salary`
    of its first month)."""
    salary = contribution_salary(month, salary_vnd, coefficient, position_allowance, seniority_pct)
    return monthly_amounts(scheme, month, salary, category=category, maternity=maternity)


# Chuẩn hộ nghèo khu vực nông thôn, the basis of the state's support of voluntary contributions:
# 700,000 for 2016–2021 (Decision 59/2015/QĐ-TTg), 1,500,000 from 2022 (Decree 07/2021/NĐ-CP).
_RURAL_POVERTY_LINE: Final = ((date(2022, 1, 1), 1_500_000), (date(2016, 1, 1), 700_000))
STATE_SUPPORT_FROM: Final = date(2018, 1, 1)
"""The state supports voluntary contributions from 1/1/2018 (Decree 134/2015/NĐ-CP art. 14)."""
VOLUNTARY_RATE_PCT: Final = Decimal(22)


def state_support_vnd(month: date, support_pct: int | None) -> int | None:
    """The state's support per month of a voluntary contribution: `support_pct` (by the
    contributor's category: 30/25/10 % under Decree 134/2015 art. 14, 50/40/30/20 % from
    7/2025 under Decree 159/2025) of 22 % of the rural poverty line (whole VND, half up).
    None without support or before it began."""
    if support_pct is None or month < STATE_SUPPORT_FROM:
        return None
    line = next(amount for since, amount in _RURAL_POVERTY_LINE if month >= since)
    return _vnd(Decimal(line) * VOLUNTARY_RATE_PCT / 100 * support_pct / 100)

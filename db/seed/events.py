"""Events within a job: maternity leave, sick leave and occupational accidents, each a benefit
decision, maternity also a six-month gap in the contribution rows."""

import random
from dataclasses import replace
from datetime import date, timedelta

from db.enums import BenefitRegime
from db.seed import common
from db.seed.common import BASE_SALARY, add_months, month_date, month_index
from db.seed.histories import NEVER, Book, Step


def maternity(rng: random.Random, book: Book, begin: int, birth: date) -> None:
    """Six months of leave around a birth, cut out of the steps from index `begin` on (the
    current job): no contributions are paid while the benefit replaces the salary."""
    b = month_index(birth.year, birth.month)
    lo, hi = b - 1, b + 4
    average = book.average_pay(lo - 1, 6) or book.steps[begin].pay()
    kept: list[Step] = []
    for s in book.steps[begin:]:
        if s.end < lo or s.start > hi:
            kept.append(s)
            continue
        if s.start < lo:
            kept.append(replace(s, end=lo - 1))
        if s.end > hi:
            kept.append(replace(s, start=hi + 1))
    book.steps[begin:] = kept
    start = max(month_date(lo), birth - timedelta(days=rng.randint(0, 40)))
    end = add_months(start, 6) - timedelta(days=1)
    # 100 % of the average salary for six months, plus a lump sum of two base salaries.
    book.benefit(rng, BenefitRegime.MATERNITY, start, end, 6 * average + 2 * BASE_SALARY.at(b))


def incidents(rng: random.Random, book: Book, step: Step, manual: bool) -> None:
    """Now and then a few days of sick pay (75 %); in manual work, rarely, an accident at work."""
    years = (step.end - step.start + 1) / 12
    if rng.random() < 0.05 * years:
        m = rng.randint(step.start, step.end)
        start = month_date(m) + timedelta(days=rng.randint(0, 27))
        days = rng.randint(2, 14)
        amount = step.pay() / 24 * 0.75 * days
        book.benefit(rng, BenefitRegime.SICKNESS, start, start + timedelta(days=days - 1), amount)
    if manual and rng.random() < 0.002 * years:
        m = rng.randint(step.start, step.end)
        start = month_date(m) + timedelta(days=rng.randint(30, 90))
        if start >= month_date(common.AS_OF_MONTH):
            return
        base = BASE_SALARY.at(m)
        if rng.random() < 0.1:  # lasting incapacity: a monthly allowance, and BHYT category TB
            book.benefit(rng, BenefitRegime.OCCUPATIONAL_ACCIDENT, start, None, 0.3 * base)
            book.cover.append((month_index(start.year, start.month) + 1, NEVER, "TB"))
        else:
            amount = base * rng.randint(5, 30)
            book.benefit(rng, BenefitRegime.OCCUPATIONAL_ACCIDENT, start, start, amount)

"""Events within a job: maternity leave, sick leave and occupational accidents, each a benefit
decision, maternity also a gap in the contribution rows for the months the leave fills."""

import random
from datetime import date, timedelta

from db import rules
from db.enums import BenefitRegime
from db.seed import common
from db.seed.common import BASE_SALARY, month_date, month_index
from db.seed.histories import NEVER, Book, Step


def leave_months(start: date, end: date) -> tuple[int, int]:
    """The first and last month index of a leave's months that count as contribution time
    (db.rules.maternity_months, Law 58/2014 art. 39(2)). The leave is taken whole, as decided:
    its months after the seed's today are cut from steps that never reach them anyway."""
    months = rules.maternity_months(start, end, end)
    return month_index(months[0].year, months[0].month), month_index(
        months[-1].year, months[-1].month
    )


def maternity(rng: random.Random, book: Book, begin: int, birth: date) -> None:
    """Six months of leave from up to two months before a birth (Law 41/2024 art. 53), cut out
    of the steps from index `begin` on (the current job) for the months the leave fills (see
    rules.maternity_months): the benefit replaces the salary then."""
    start = birth - timedelta(days=rng.randint(0, 40))
    end = rules.add_months(start, 6) - timedelta(days=1)
    lo, hi = leave_months(start, end)
    b = month_index(birth.year, birth.month)
    average = book.average_pay(lo - 1, 6) or book.steps[begin].pay()
    if lo <= common.AS_OF_MONTH <= hi and book.steps[-1].end >= min(hi, common.AS_OF_MONTH):
        book.on_leave = True  # still employed, paying nothing this month
    book.cut(lo, hi, begin)
    book.leaves.append((lo, hi))  # cut again once the book is complete: a next job may overlap
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
        if start >= month_date(book.until):
            return
        base = BASE_SALARY.at(m)
        if rng.random() < 0.1:  # lasting incapacity: a monthly allowance, and BHYT category TB
            book.benefit(rng, BenefitRegime.OCCUPATIONAL_ACCIDENT, start, None, 0.3 * base)
            book.cover.append((month_index(start.year, start.month) + 1, NEVER, "TB", ""))
        else:
            amount = base * rng.randint(5, 30)
            book.benefit(rng, BenefitRegime.OCCUPATIONAL_ACCIDENT, start, start, amount)

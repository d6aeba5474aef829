"""Events within a job: maternity leave, sick leave and occupational accidents, each a benefit
decision, maternity also a gap in the contribution rows for the months the leave fills."""

import random
from datetime import date, timedelta

from db import bhyt_rules
from db.enums import BenefitRegime
from db.seed import common
from db.seed.common import BASE_SALARY, month_date, month_index
from db.seed.histories import NEVER, Book, Step

# Law 58/2014 art. 39(2) and art. 86(7), carried into Law 41/2024: a month with at least 14
# working days of maternity leave is paid by neither employer nor employee and counts as
# contribution time. Working days are read as Monday to Friday (public holidays not deducted).
FULL_LEAVE_WORKING_DAYS = 14


def working_days(first: date, last: date) -> int:
    """Monday-to-Friday days in [first, last]."""
    if last < first:
        return 0
    weeks, rest = divmod((last - first).days + 1, 7)
    start = first.weekday()
    return weeks * 5 + sum((start + i) % 7 < 5 for i in range(rest))


def leave_months(start: date, end: date) -> list[int]:
    """The month indexes with at least FULL_LEAVE_WORKING_DAYS working days of leave within
    [start, end]: the months no contributions are paid for."""
    out = []
    for m in range(month_index(start.year, start.month), month_index(end.year, end.month) + 1):
        first = month_date(m)
        last = month_date(m + 1) - timedelta(days=1)
        if working_days(max(first, start), min(last, end)) >= FULL_LEAVE_WORKING_DAYS:
            out.append(m)
    return out


def maternity(rng: random.Random, book: Book, begin: int, birth: date) -> None:
    """Six months of leave from up to two months before a birth (Law 41/2024 art. 53), cut out
    of the steps from index `begin` on (the current job) for the months the leave fills (see
    FULL_LEAVE_WORKING_DAYS): the benefit replaces the salary then."""
    start = birth - timedelta(days=rng.randint(0, 40))
    end = bhyt_rules.add_months(start, 6) - timedelta(days=1)
    months = leave_months(start, end)
    lo, hi = months[0], months[-1]
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
        if start >= month_date(common.AS_OF_MONTH):
            return
        base = BASE_SALARY.at(m)
        if rng.random() < 0.1:  # lasting incapacity: a monthly allowance, and BHYT category TB
            book.benefit(rng, BenefitRegime.OCCUPATIONAL_ACCIDENT, start, None, 0.3 * base)
            book.cover.append((month_index(start.year, start.month) + 1, NEVER, "TB", ""))
        else:
            amount = base * rng.randint(5, 30)
            book.benefit(rng, BenefitRegime.OCCUPATIONAL_ACCIDENT, start, start, amount)

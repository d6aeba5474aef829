"""The salary a row of the book's history has its contributions computed on, for the seeds
(db.seed.book_fields) that derive other rows from it.

A read's amounts are not computed here: the statement that reads a row computes them
(db.queries.period_values, on the rates and base salary of migration 0019).
"""

from datetime import date
from decimal import Decimal
from typing import Final

from db import rules

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

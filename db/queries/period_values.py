"""A contribution period's derived values, computed by the statement that reads the period: the
months it counts, what the employer and the employee pay per month, and the state's support.

The one definition reads use (graph.types.social_insurance.ContributionPeriod shows them as
they come). The rates, the base salary and the support's basis by month are the database's
functions of migration 0019, inlined by the planner. Arithmetic stays in `numeric` (exact, as
Python's Decimal was) and rounds once, at the end, by the cast to bigint: numeric to integer
rounds half away from zero, which is half up for these non-negative values.
"""

from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    FromClause,
    Integer,
    Label,
    Numeric,
    any_,
    case,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
)

from db.enums import ContributionNote, ParticipantCategory

# Constants are written into the SQL (a bound value would be a parameter callers do not send).
_HUNDREDTH: ColumnElement[Any] = literal_column("0.01", Numeric())
_ZERO: ColumnElement[Any] = literal_column("0", Numeric())
_ONE: ColumnElement[Any] = literal_column("1", Numeric())
_MATERNITY: ColumnElement[Any] = literal_column(f"'{ContributionNote.MATERNITY.value}'")
_CONSCRIPT: ColumnElement[Any] = literal_column(f"'{ParticipantCategory.CONSCRIPT.value}'")


def period_values(rows: FromClause) -> list[Label[Any]]:
    """`months`, `employer_amount_vnd`, `employee_amount_vnd` and `state_support_vnd` of
    contribution_period rows (a table or a subquery with its columns), labelled so."""
    c = rows.c
    salary = _contribution_salary(rows)
    # Months of maternity leave count as paid with nothing paid by either (Law 58/2014 art.
    # 39(2); Law 41/2024 keeps the rule): 0 where the row has a salary and the scheme covers
    # the category, NULL otherwise, as a NULL carries through the product.
    share = case((any_(c.notes) == _MATERNITY, _ZERO), else_=_HUNDREDTH)

    def amount(rate_pct: ColumnElement[Any]) -> ColumnElement[Any]:
        return cast(salary * rate_pct * share, BigInteger)

    employer = func.employer_rate_pct(c.scheme, c.participant_category, c.from_month)
    employee = func.employee_rate_pct(c.scheme, c.participant_category, c.from_month)
    # The state's support per supported month: the row's percent of its basis (NULL before
    # 2018 and without a percent).
    support = func.state_support_basis_vnd(c.from_month) * c.state_support_pct * _HUNDREDTH
    return [
        _months(rows).label("months"),
        amount(employer).label("employer_amount_vnd"),
        amount(employee).label("employee_amount_vnd"),
        cast(support, BigInteger).label("state_support_vnd"),
    ]


def _contribution_salary(rows: FromClause) -> ColumnElement[Any]:
    """The monthly salary contributions are computed on (tiền lương tháng đóng BHXH), of the
    row's first month (a row starts anew when a rate changes).

    An amount is itself. A coefficient salary (the state's pay scale) is (coefficient +
    position allowance) × base salary, raised by the seniority allowance's percent; the
    regional allowance is not part of it (Law 58/2014 art. 89(1); Law 41/2024 art.
    31(1)(a)). A conscript's is the base salary, whatever the row's allowance (Law 58/2014 art.
    86(3); Law 41/2024 art. 33–34). NULL before the known base salaries (1/1993)."""
    c = rows.c
    base = cast(func.base_salary_vnd(c.from_month), Numeric())
    grade = (c.salary_coefficient + func.coalesce(c.position_allowance, _ZERO)) * base
    seniority = _ONE + func.coalesce(c.seniority_allowance_pct, _ZERO) * _HUNDREDTH
    return case(
        (c.participant_category == _CONSCRIPT, base),
        else_=func.coalesce(cast(c.salary_vnd, Numeric()), grade * seniority),
    )


def _months(rows: FromClause) -> ColumnElement[Any]:
    """Months of a row that count: up to Vietnam's current month only (`vietnam_today()`,
    migration 0018, as db.bhyt_rules.today), none for a row that starts later (its months are
    prepaid or not yet due).

    From the days between the two first days of months, in integer arithmetic (date_part's
    four calls cost ~0.2 µs a row more): the Gregorian calendar's 4800 months are 146,097 days,
    and n consecutive months are never half a month from n × 146097 / 4800 days, so rounding
    days × 4800 / 146097 gives the months exactly (tests/db/test_period_values.py checks every
    pair of months from 1900 to 2100)."""
    c = rows.c
    # Once per statement (an InitPlan), not a time-zone conversion per row.
    today: ColumnElement[Any] = literal_column("date_trunc('month', vietnam_today())")
    this_month = select(cast(today, Date)).scalar_subquery()
    # `least` ignores a NULL: an ongoing row counts to this month.
    days = type_coerce(func.least(c.to_month, this_month) - c.from_month, Integer)

    def number(value: int) -> ColumnElement[int]:
        return literal_column(str(value), Integer)

    # Integer division (truncating: for days >= 0, the floor).
    apart = (days * number(9600) + number(146097)) // number(292194)
    return case((days < number(0), number(0)), else_=apart + number(1))

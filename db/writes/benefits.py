"""Benefit decisions (decideUnemploymentBenefit, recordUnemploymentBenefitMonthsUsed,
settleLumpSum), inside the mutation's unit of work.

A decision is computed from the book as the transaction sees it, after taking the person's
benefit lock: two decisions for one person (a double submission under two keys, two officers)
run one after the other, and the second sees the first's decision.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import text

from db import rules
from db.enums import BenefitRegime, Scheme
from db.queries.compile import compile_query
from db.session import Row, Transaction

_SOCIAL = f"('{Scheme.COMPULSORY_SOCIAL}', '{Scheme.VOLUNTARY_SOCIAL}')"

LOCK = compile_query(
    "lock_person_benefits",
    text(
        "SELECT pg_advisory_xact_lock(hashtextextended("
        "'benefit:' || CAST(CAST(:person_id AS bigint) AS text), 0))"
    ),
)

# The person's distinct BHTN months up to the month the contract ended (ongoing rows up to
# this month), as the book's totals count them (db.queries.social_insurance).
_BHTN_MONTHS = (
    "SELECT DISTINCT CAST(m AS date) AS month FROM contribution_period AS p"
    " CROSS JOIN LATERAL generate_series(p.from_month, LEAST(coalesce(p.to_month,"
    " CAST(date_trunc('month', vietnam_today()) AS date)), CAST(:end_month AS date)),"
    " interval '1 month') AS m"
    f" WHERE p.person_id = :person_id AND p.scheme = '{Scheme.UNEMPLOYMENT}'"
    " AND p.from_month <= CAST(:end_month AS date)"
)
# The latest decision is the one the book's reserved months start from
# (graph.types.unemployment_insurance): the last by decision date, and the latest filing.
BHTN_FACTS = compile_query(
    "bhtn_claim_facts",
    text(
        f"WITH months AS ({_BHTN_MONTHS}),"
        " claim AS (SELECT filed_on, decided_on, contribution_months_counted, months_used"
        " FROM unemployment_benefit WHERE person_id = :person_id"
        " ORDER BY decided_on DESC, id DESC LIMIT 1),"
        " filed AS (SELECT max(filed_on) AS filed_on FROM unemployment_benefit"
        " WHERE person_id = :person_id)"
        " SELECT (SELECT count(*) FROM months) AS total_months,"
        " (SELECT count(*) FROM months WHERE month > CAST(:end_month AS date)"
        f" - interval '{rules.BHTN_WINDOW_MONTHS} months') AS window_months,"
        " (SELECT count(*) FROM months, filed WHERE month >= filed.filed_on)"
        " AS months_since_last_claim,"
        " claim.filed_on, claim.decided_on, claim.contribution_months_counted,"
        " claim.months_used,"
        " EXISTS (SELECT 1 FROM benefit WHERE person_id = :person_id"
        f" AND regime = '{BenefitRegime.RETIREMENT}') AS pensioner"
        " FROM (SELECT 1) AS one LEFT JOIN claim ON true"
    ),
)
# The rows behind the last six BHTN months (two rows of one month: two books or employers).
BHTN_LAST_MONTHS = compile_query(
    "bhtn_last_months",
    text(
        f"WITH months AS ({_BHTN_MONTHS} ORDER BY month DESC"
        f" LIMIT {rules.BHTN_AVERAGE_MONTHS})"
        " SELECT months.month, p.salary_vnd, p.salary_coefficient, p.position_allowance,"
        " p.seniority_allowance_pct FROM months JOIN contribution_period AS p"
        f" ON p.person_id = :person_id AND p.scheme = '{Scheme.UNEMPLOYMENT}'"
        " AND p.from_month <= months.month AND coalesce(p.to_month, months.month) >= months.month"
        " ORDER BY months.month DESC"
    ),
)
INSERT_UNEMPLOYMENT_DECISION = compile_query(
    "insert_unemployment_decision",
    text(
        "INSERT INTO unemployment_benefit (person_id, decision_number, filed_on, decided_on,"
        " starts_on, contribution_months_counted, months_granted, months_used,"
        " monthly_amount_vnd, contract_ended_on, wage_region)"
        " VALUES (:person_id, :decision_number, :filed_on, :decided_on, :starts_on, :counted,"
        " :granted, :granted, :amount, :contract_ended_on, :wage_region) RETURNING id"
    ),
)
RECORD_MONTHS_USED = compile_query(
    "record_unemployment_months_used",
    text(
        "UPDATE unemployment_benefit SET months_used = :months_used"
        " WHERE id = :id AND version = :expected_version RETURNING version"
    ),
)
DECISION_VERSION = compile_query(
    "unemployment_decision_version",
    text("SELECT version FROM unemployment_benefit WHERE id = :id"),
)

UNSETTLED_SOCIAL_ROWS = compile_query(
    "unsettled_social_rows",
    text(
        "SELECT id, from_month, to_month, salary_vnd, salary_coefficient, position_allowance,"
        " seniority_allowance_pct FROM contribution_period"
        f" WHERE person_id = :person_id AND scheme IN {_SOCIAL} AND settled_by IS NULL"
        " ORDER BY from_month, id"
    ),
)
PENSIONER = compile_query(
    "pensioner",
    text(
        "SELECT EXISTS (SELECT 1 FROM benefit WHERE person_id = :person_id"
        f" AND regime = '{BenefitRegime.RETIREMENT}') AS pensioner"
    ),
)
INSERT_LUMP_SUM = compile_query(
    "insert_lump_sum",
    text(
        "INSERT INTO benefit (person_id, regime, decision_number, decided_on, period_from,"
        " period_to, amount_vnd, lump_sum_reason)"
        f" VALUES (:person_id, '{BenefitRegime.LUMP_SUM_WITHDRAWAL}', :decision_number,"
        " :decided_on, :decided_on, :decided_on, :amount, :reason) RETURNING id"
    ),
)
# Only rows that ended by the cut-off: a row declared meanwhile (open, or later) stays as it is.
SETTLE_ROWS = compile_query(
    "settle_social_rows",
    text(
        "UPDATE contribution_period SET settled_by = :benefit_id"
        f" WHERE person_id = :person_id AND scheme IN {_SOCIAL} AND settled_by IS NULL"
        " AND to_month <= :cutoff"
    ),
)


async def lock_person(tx: Transaction, person_id: int) -> None:
    await tx.fetch(LOCK, {"person_id": person_id})


@dataclass(frozen=True)
class LastClaim:
    filed_on: date
    decided_on: date
    counted: int
    used: int


@dataclass(frozen=True)
class BhtnFacts:
    total_months: int
    window_months: int
    months_since_last_claim: int
    last_claim: LastClaim | None
    pensioner: bool

    @property
    def reserved_months(self) -> int:
        """The months a claim now may count: the book's reserved months at the contract's end."""
        last = self.last_claim
        return rules.bhtn_reserved_months(
            (last.counted, last.used) if last else None,
            self.months_since_last_claim,
            self.total_months,
        )


async def bhtn_facts(tx: Transaction, person_id: int, contract_ended_on: date) -> BhtnFacts:
    params = {"person_id": person_id, "end_month": rules.month_of(contract_ended_on)}
    (row,) = await tx.fetch(BHTN_FACTS, params)
    claim = (
        LastClaim(
            row["filed_on"],
            row["decided_on"],
            row["contribution_months_counted"],
            row["months_used"],
        )
        if row["filed_on"] is not None
        else None
    )
    return BhtnFacts(
        total_months=row["total_months"],
        window_months=row["window_months"],
        months_since_last_claim=row["months_since_last_claim"],
        last_claim=claim,
        pensioner=row["pensioner"],
    )


@dataclass(frozen=True)
class LastSalaries:
    salaries: list[Fraction]
    """One per month, newest first."""
    state_payroll: bool
    """Whether the newest month was paid by a state pay coefficient."""


async def bhtn_last_salaries(
    tx: Transaction, person_id: int, contract_ended_on: date
) -> LastSalaries:
    """The salaries of the last six BHTN months up to the contract's end. Coefficients are
    valued at the base salary of their month (what was contributed on); a month on two rows
    counts the higher salary (BHTN is paid on one contract: Law 38/2013 art. 43(3))."""
    params = {"person_id": person_id, "end_month": rules.month_of(contract_ended_on)}
    by_month: dict[date, tuple[Fraction, bool]] = {}
    for row in await tx.fetch(BHTN_LAST_MONTHS, params):
        salary = _salary(row, rules.base_salary(row["month"]))
        state = row["salary_vnd"] is None
        if row["month"] not in by_month or salary > by_month[row["month"]][0]:
            by_month[row["month"]] = (salary, state)
    newest = sorted(by_month, reverse=True)
    return LastSalaries(
        salaries=[by_month[m][0] for m in newest],
        state_payroll=bool(newest) and by_month[newest[0]][1],
    )


async def insert_unemployment_decision(tx: Transaction, **values: Any) -> int:
    """A decision whose whole entitlement counts as used until an officer records less."""
    (row,) = await tx.fetch(INSERT_UNEMPLOYMENT_DECISION, values)
    return int(row["id"])


async def record_months_used(
    tx: Transaction, decision_id: int, months_used: int, expected_version: int
) -> int | None:
    """The decision's new version, or None when its version is not `expected_version`."""
    rows = await tx.fetch(
        RECORD_MONTHS_USED,
        {"id": decision_id, "months_used": months_used, "expected_version": expected_version},
    )
    return int(rows[0]["version"]) if rows else None


async def decision_version(tx: Transaction, decision_id: int) -> int | None:
    rows = await tx.fetch(DECISION_VERSION, {"id": decision_id})
    return int(rows[0]["version"]) if rows else None


@dataclass(frozen=True)
class Unsettled:
    """The person's compulsory and voluntary BHXH rows not settled yet."""

    rows: list[Row]
    pensioner: bool

    @property
    def open_ended(self) -> bool:
        return any(r["to_month"] is None for r in self.rows)

    @property
    def last_month(self) -> date:
        months: list[date] = [r["to_month"] for r in self.rows]
        return max(months)

    def salaries(self, decided_on: date) -> dict[date, Fraction]:
        """Salary (or chosen income) per distinct month, the higher where rows overlap; state
        pay coefficients valued at the base salary in force on the decision (Decree 115/2015
        art. 10(1): they are adjusted to the base salary when the benefit is paid)."""
        base = rules.base_salary(decided_on)
        by_month: dict[date, Fraction] = {}
        for row in self.rows:
            salary = _salary(row, base)
            for month in _months(row["from_month"], row["to_month"]):
                by_month[month] = max(salary, by_month.get(month, Fraction(0)))
        return by_month


async def unsettled(tx: Transaction, person_id: int) -> Unsettled:
    params = {"person_id": person_id}
    rows = await tx.fetch(UNSETTLED_SOCIAL_ROWS, params)
    (pension,) = await tx.fetch(PENSIONER, params)
    return Unsettled(rows=rows, pensioner=pension["pensioner"])


async def settle(
    tx: Transaction,
    *,
    person_id: int,
    decision_number: str,
    decided_on: date,
    amount: int,
    reason: str,
    cutoff: date,
) -> tuple[int, int]:
    """(the withdrawal's id, the number of rows it settled)."""
    (row,) = await tx.fetch(
        INSERT_LUMP_SUM,
        {
            "person_id": person_id,
            "decision_number": decision_number,
            "decided_on": decided_on,
            "amount": amount,
            "reason": reason,
        },
    )
    settled = await tx.execute(
        SETTLE_ROWS, {"person_id": person_id, "benefit_id": row["id"], "cutoff": cutoff}
    )
    return int(row["id"]), settled


def _salary(row: Row, base: int) -> Fraction:
    if row["salary_vnd"] is not None:
        return Fraction(row["salary_vnd"])
    return rules.coefficient_salary(
        row["salary_coefficient"], row["position_allowance"], row["seniority_allowance_pct"], base
    )


def _months(first: date, last: date) -> Iterator[date]:
    for i in range(rules.months_apart(first, last) + 1):
        yield rules.add_months(first, i)

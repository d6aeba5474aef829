"""A person's insurance book under construction: salary steps become contribution-period rows per
scheme, and benefit decisions and unemployment claims are recorded as they happen.

A *step* is a stretch of months with one employer, job and salary. Each scheme's history table
turns the steps into rows, split where the scheme's rate changed (BHXH rates rose in 2010, 2012
and 2014…) and clipped to when the scheme applied (BHTN from 2009, and before 2015 only at
employers of ten or more; TNLĐ-BNN from June 2017, waived from 7/2021 to 6/2022). Consecutive rows
that agree on everything are merged, so there is about one row per contribution year.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from db import rules
from db.enums import BenefitRegime, Scheme
from db.seed import common
from db.seed.common import (
    ACCIDENT_RATE,
    ACCIDENT_START,
    BASE_SALARY,
    COMPULSORY_RATE,
    NULL,
    UNEMPLOYMENT_RATE,
    VOLUNTARY_RATE,
    Timeline,
    month_date,
    month_index,
    month_text,
    rate_text,
)

NEVER = 10**7  # a month index after any data set
_STARTS_ON_DAY_11 = date(2026, 1, 1)  # Law 74/2025: benefit from the 11th working day, not the 16th
_SNV_FROM = date(2025, 3, 1)  # claims decided by the Department of Home Affairs since March 2025


@dataclass(slots=True)
class Step:
    start: int
    end: int  # inclusive
    employer: int
    job: str
    salary: int  # VND; 0 when paid by coefficient
    coef: float = 0.0
    position: float = 0.0
    seniority: int = 0
    regional: float = 0.0
    bhtn_from: int = NEVER  # first month this step also pays BHTN
    accident: bool = True  # pays TNLĐ-BNN (from June 2017)
    category: str = NULL  # the armed forces' participant category; NULL: an ordinary member

    def pay(self) -> float:
        """Monthly salary in VND, coefficients converted at the base salary of the step's end."""
        if self.salary:
            return self.salary
        return (
            (self.coef + self.position + self.regional)
            * BASE_SALARY.at(self.end)
            * (1 + self.seniority / 100)
        )


@dataclass(slots=True)
class Claim:
    filed: int  # month index of filing
    counted: int
    used: int


@dataclass(slots=True)
class Book:
    """What the history generator produces for one person."""

    pid: int
    until: int  # the last month anything may happen in: careers.contribution_window's end
    died: date | None = None
    steps: list[Step] = field(default_factory=list)
    voluntary: list[tuple[int, int, int]] = field(default_factory=list)  # (start, end, income)
    ongoing: bool = False  # the latest step or voluntary row runs on past the seed's today
    benefits: list[str] = field(default_factory=list)
    claims: list[str] = field(default_factory=list)
    last_claim: Claim | None = None
    # BHYT coverage that comes with work or benefits: (first month, last month, category, legacy
    # province of the issuing office, "" for the one where the person lives).
    cover: list[tuple[int, int, str, str]] = field(default_factory=list)
    pension_from: int = NEVER
    withdrawn: bool = False
    # Months of maternity leave paid for by neither employer nor employee: (first, last).
    leaves: list[tuple[int, int]] = field(default_factory=list)
    on_leave: bool = False  # on maternity leave today from a job that runs on
    # Lump-sum withdrawals: (month of the decision, index of the benefit in `benefits`).
    settlements: list[tuple[int, int]] = field(default_factory=list)
    category: str = ""  # participant category on the seed's today
    payment: str = NULL
    unit_code: str = NULL
    office_code: str = ""
    tax_code: str = NULL

    @property
    def months(self) -> int:
        return sum(s.end - s.start + 1 for s in self.steps) + sum(
            e - s + 1 for s, e, _ in self.voluntary
        )

    def cut(self, lo: int, hi: int, begin: int = 0) -> None:
        """Removes months [lo, hi] from the steps from index `begin` on."""
        kept: list[Step] = []
        for s in self.steps[begin:]:
            if s.end < lo or s.start > hi:
                kept.append(s)
                continue
            if s.start < lo:
                kept.append(replace(s, end=lo - 1))
            if s.end > hi:
                kept.append(replace(s, start=hi + 1))
        self.steps[begin:] = kept

    def bhtn_months(self, first: int, last: int) -> int:
        """BHTN months paid within [first, last]."""
        return sum(
            max(0, min(last, s.end) - max(first, s.start, s.bhtn_from) + 1) for s in self.steps
        )

    def average_pay(self, last: int, months: int) -> float:
        """Average monthly pay over the `months` paid months up to `last` (pension, allowance base)."""
        total, n = 0.0, 0
        for s in reversed(self.steps):
            if s.start > last:
                continue
            take = min(months - n, min(s.end, last) - s.start + 1)
            total += s.pay() * take
            n += take
            if n >= months:
                break
        return total / n if n else 0.0

    # --- benefits ------------------------------------------------------------------------

    def benefit(
        self,
        rng: random.Random,
        regime: BenefitRegime,
        start: date,
        end: date | None,
        amount: float,
        decided: date | None = None,
    ) -> date:
        """Records a benefit decision; returns the day it was decided. Nothing is decided or
        starts after the seed's today: a decision that would is dated today. Nothing of the
        holder's starts or runs after their death (a decision may come after it)."""
        decided = min(decided or start + timedelta(days=rng.randint(5, 40)), common.AS_OF)
        start = min(start, common.AS_OF)
        if self.died is not None:
            start, end = min(start, self.died), min(end or self.died, self.died)
        number = f"{rng.randint(1, 9999)}/QĐ-BHXH"
        to = end.isoformat() if end else NULL
        self.benefits.append(
            f"{self.pid}\t{regime.value}\t{number}\t{decided.isoformat()}\t{start.isoformat()}\t{to}\t{max(0, round(amount, -3)):.0f}"
        )
        return decided

    def claim_terms(self, job_end: int) -> tuple[int, int] | None:
        """(months counted, months granted) of a claim after a job ending with month `job_end`,
        or None when not eligible: 12 BHTN months within the last 24 are needed."""
        if job_end + 1 >= self.until or self.bhtn_months(job_end - 23, job_end) < 12:
            return None
        previous = self.last_claim
        if previous is None:
            counted = self.bhtn_months(0, job_end)
        else:
            reserved = max(
                0, previous.counted - previous.used * rules.BHTN_MONTHS_PER_BENEFIT_MONTH
            )
            counted = reserved + self.bhtn_months(previous.filed + 1, job_end)
        granted = rules.bhtn_months_granted(counted)
        return (counted, granted) if granted else None

    def claim(
        self,
        rng: random.Random,
        job_end: int,
        terms: tuple[int, int],
        next_start: int,
        wage_cap: float,
    ) -> None:
        """Records a claim (quyết định hưởng trợ cấp thất nghiệp) with the allowance months used
        before the next job (`next_start`, a month index) or the seed's today."""
        counted, granted = terms
        filed = month_date(job_end + 1) + timedelta(days=rng.randint(3, 80))
        filed = min(filed, month_date(self.until) - timedelta(days=20))
        decided = filed + timedelta(days=rng.randint(12, 19))
        starts = filed + timedelta(days=11 if filed >= _STARTS_ON_DAY_11 else 16)
        start_m = month_index(starts.year, starts.month)
        used = max(0, min(granted, min(next_start, self.until + 1) - start_m))
        # 60 % of the last six months' pay, capped at five regional minimum wages.
        amount = max(1000, round(min(0.6 * self.average_pay(job_end, 6), 5 * wage_cap), -3))
        office = "SNV" if decided >= _SNV_FROM else "SLĐTBXH"
        number = f"{rng.randint(100, 9999)}/QĐ-{office}"
        self.claims.append(
            f"{self.pid}\t{number}\t{filed.isoformat()}\t{decided.isoformat()}\t{starts.isoformat()}\t{counted}\t{granted}\t{used}\t{amount:.0f}"
        )
        self.last_claim = Claim(month_index(filed.year, filed.month), counted, used)
        if used:
            self.cover.append((start_m, start_m + used - 1, "TN", ""))

    # --- rows ----------------------------------------------------------------------------

    def period_lines(self) -> list[tuple[int, str, str]]:
        """(index in `benefits` of the lump-sum withdrawal that settled the row or -1, row tail,
        the participant category the row was contributed under or NULL)."""
        rows: list[tuple[int, str, str]] = []
        self._emit(rows, Scheme.COMPULSORY_SOCIAL, COMPULSORY_RATE, lambda s: s.start)
        self._emit(rows, Scheme.UNEMPLOYMENT, None, lambda s: s.bhtn_from)
        self._emit(
            rows,
            Scheme.OCCUPATIONAL_ACCIDENT,
            ACCIDENT_RATE,
            lambda s: ACCIDENT_START if s.accident else NEVER,
        )
        for start, end, income in self.voluntary:
            for a, b, rate in _by_rate(start, end, VOLUNTARY_RATE):
                open_ended = self.ongoing and b == common.AS_OF_MONTH
                to = NULL if open_ended else month_text(b)
                rows.append(
                    (
                        -1 if open_ended else self._settled_by(b),
                        f"{self.pid}\tVOLUNTARY_SOCIAL\t{month_text(a)}\t{to}\t{NULL}\t{NULL}\t{income}\t{NULL}\t{NULL}\t{NULL}\t{NULL}\t{rate_text(rate)}",
                        NULL,
                    )
                )
        return rows

    def _settled_by(self, last: int) -> int:
        """The withdrawal that settles a BHXH row ending with month `last`: the first one decided
        in or after that month (the rule migration 0009 back-filled old books with), or -1."""
        for decided, index in self.settlements:
            if decided >= last:
                return index
        return -1

    def _emit(
        self,
        rows: list[tuple[int, str, str]],
        scheme: Scheme,
        rates: Timeline | None,
        first: Callable[[Step], int],
    ) -> None:
        merged: list[_Row] = []
        for step in self.steps:
            lo = max(step.start, first(step))
            if lo > step.end:
                continue
            for a, b, rate in _by_rate(lo, step.end, rates):
                if rate <= 0:
                    continue
                prev = merged[-1] if merged else None
                if (
                    prev is not None
                    and prev.end == a - 1
                    and prev.rate == rate
                    and _same_terms(prev.step, step)
                ):
                    prev.end = b
                else:
                    merged.append(_Row(a, b, step, rate))
        settles = scheme is Scheme.COMPULSORY_SOCIAL and bool(self.settlements)
        for row in merged:
            step = row.step
            open_ended = self.ongoing and row.end == common.AS_OF_MONTH
            to = NULL if open_ended else month_text(row.end)
            if step.salary:
                pay = f"{step.salary}\t{NULL}\t{NULL}\t{NULL}\t{NULL}"
            else:
                position = f"{step.position:.2f}" if step.position else NULL
                regional = f"{step.regional:.2f}" if step.regional else NULL
                seniority = step.seniority or NULL
                pay = f"{NULL}\t{step.coef:.2f}\t{position}\t{seniority}\t{regional}"
            rows.append(
                (
                    self._settled_by(row.end) if settles and not open_ended else -1,
                    f"{self.pid}\t{scheme.value}\t{month_text(row.start)}\t{to}\t{step.employer}\t{step.job}\t{pay}\t{rate_text(row.rate)}",
                    step.category,
                )
            )


@dataclass(slots=True)
class _Row:
    start: int
    end: int
    step: Step
    rate: float


def _same_terms(a: Step, b: Step) -> bool:
    return (a.employer, a.job, a.salary, a.coef, a.position, a.seniority, a.regional, a.category) == (
        b.employer, b.job, b.salary, b.coef, b.position, b.seniority, b.regional, b.category,
    )  # fmt: skip


def _by_rate(first: int, last: int, rates: Timeline | None) -> list[tuple[int, int, float]]:
    """[first, last] split where the rate changes, with the rate of each part."""
    if rates is None:
        return [(first, last, UNEMPLOYMENT_RATE)]
    out = []
    a = first
    for change in rates.changes_between(first, last):
        out.append((a, change - 1, rates.at(a)))
        a = change
    out.append((a, last, rates.at(a)))
    return out

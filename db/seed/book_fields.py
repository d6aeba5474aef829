"""The columns a real book shows beyond the history the generators draw (migration 0010):
the cover's issuing office and date, arduous work, notes and the state's support on history
rows, the detail of benefit decisions, and the BHYT contribution history.

They are derived from each rendered line by a hash of its text, not drawn from the chunk's
random stream, so adding them changes none of the other generators' draws.
"""

import zlib
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from db.contribution_shares import base_salary, contribution_salary
from db.enums import BenefitRegime, ContributionNote, HealthInsurancePayer, Scheme
from db.seed import common
from db.seed.common import NULL

ARDUOUS_PER_MILLE: Final = 40
"""About 4 % of employed rows are on the arduous or hazardous job list (unv)."""
PAID_LATE_PER_MILLE: Final = 20
BACK_PAYMENT_PER_MILLE: Final = 10


def _draw(line: str, salt: str) -> int:
    """A number in [0, 1000) fixed by the line's text."""
    return zlib.crc32(f"{salt}\t{line}".encode()) % 1000


def period_line(line: str) -> str:
    """A contribution_period line with `arduous` and `notes` appended. Voluntary rows are the
    person's own: never arduous work, never an employer's late payment."""
    scheme = line.split("\t", 2)[1]
    employed = scheme != Scheme.VOLUNTARY_SOCIAL.value
    arduous = employed and _draw(line, "arduous") < ARDUOUS_PER_MILLE
    notes: list[str] = []
    if employed:
        late = _draw(line, "notes")
        if late < PAID_LATE_PER_MILLE:
            notes.append(ContributionNote.PAID_LATE.value)
        elif late < PAID_LATE_PER_MILLE + BACK_PAYMENT_PER_MILLE:
            notes.append(ContributionNote.BACK_PAYMENT.value)
    support = _state_support(line) if not employed else None
    support_text = f"{support[0]}\t{support[1]}" if support else f"{NULL}\t{NULL}"
    return f"{line}\t{'t' if arduous else 'f'}\t{{{','.join(notes)}}}\t{support_text}"


def period_lines(lines: list[str]) -> list[str]:
    return [period_line(line) for line in lines]


_SUPPORT_FROM: Final = date(2018, 1, 1)
_NEW_SUPPORT_FROM: Final = date(2025, 7, 1)
_SUPPORT_CAP_MONTHS: Final = 120


def _state_support(line: str) -> tuple[int, int] | None:
    """(percent, months) of a voluntary row that began once the state supported contributions
    (Decree 134/2015 art. 14 from 2018: 30 % poor, 25 % near-poor, 10 % others; Decree
    159/2025 from 7/2025: 50/40/20 %), by the category a draw gives: 8 % poor, 5 % near-poor."""
    fields = line.split("\t", 4)
    first = date.fromisoformat(fields[2])
    if first < _SUPPORT_FROM:
        return None
    last = common.AS_OF.replace(day=1) if fields[3] == NULL else date.fromisoformat(fields[3])
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    draw = _draw(line, "support")
    category = 0 if draw < 80 else 1 if draw < 130 else 2
    pct = (50, 40, 20) if first >= _NEW_SUPPORT_FROM else (30, 25, 10)
    return pct[category], min(months, _SUPPORT_CAP_MONTHS)


def benefit_line(line: str, office: str) -> str:
    """A benefit line with its detail appended (pension rate, average salary, incapacity,
    sickness days) and the paying office, the person's managing office. The rate and the
    average salary of a pension agree with its amount: amount = rate × average salary."""
    _, regime, _, _, start, end, amount = line.split("\t")
    rate = average = incapacity = days = NULL
    if regime == BenefitRegime.RETIREMENT.value and int(amount) > 0:
        pct = 45 + _draw(line, "rate") % 31
        rate = f"{pct}.00"
        average = str(max(1000, int(round(int(amount) * 100 / pct, -3))))
    elif regime == BenefitRegime.OCCUPATIONAL_ACCIDENT.value:
        incapacity = str(5 + _draw(line, "incapacity") % 76)
    elif regime == BenefitRegime.SICKNESS.value and end != NULL:
        span = (date.fromisoformat(end) - date.fromisoformat(start)).days + 1
        days = str(max(1, min(span, 180)))
    return f"{line}\t{rate}\t{average}\t{incapacity}\t{days}\t{office}"


def benefit_lines(lines: list[str], office: str) -> list[str]:
    return [benefit_line(line, office) for line in lines]


def cover(social: str, periods: list[str]) -> str:
    """A social_insurance line with the cover appended: issued by the managing office in the
    first weeks of the first contribution month (never after the seed's today); a record with
    no contribution rows has no book issued yet."""
    if not periods:
        return f"{social}\t{NULL}\t{NULL}"
    office = social.split("\t", 4)[3]
    first = min(date.fromisoformat(p.split("\t", 3)[2]) for p in periods)
    issued = min(first + timedelta(days=_draw(social, "issued") % 28), common.AS_OF)
    return f"{social}\t{office}\t{issued.isoformat()}"


# BHYT contributions (Law on Health Insurance art. 13 as amended by Law 46/2014; Decree
# 146/2018/NĐ-CP art. 4 for the state's shares): 4.5 % of a basis, by who pays.
BHYT_FROM: Final = date(2015, 1, 1)
"""The seed writes BHYT contribution rows from Law 46/2014's rules on (1/1/2015)."""
_RATE: Final = Decimal("4.5")
_P = HealthInsurancePayer
_STATE_PAID: Final = frozenset(
    {"TE", "HN", "DT", "CC", "CK", "CB", "KC", "BT", "TS", "XD", "DK", "QN", "CA", "CY"}
    | {"TQ", "TA", "TY", "TC"}
)
# Shares of 4.5 % × base salary, by category (the rest of the categories are paid through an
# employer, which the compulsory rows give, or from a benefit, below).
_BASE_SALARY_SHARES: Final[dict[str, tuple[tuple[HealthInsurancePayer, Decimal], ...]]] = {
    **{code: ((_P.STATE_BUDGET, Decimal(1)),) for code in _STATE_PAID},
    # near-poor: the state at least 70 % (Decree 146/2018 art. 4(2)(a))
    "CN": ((_P.STATE_BUDGET, Decimal("0.7")), (_P.SELF, Decimal("0.3"))),
    # pupils and students: the state at least 30 % (art. 4(3)(b))
    "HS": ((_P.STATE_BUDGET, Decimal("0.3")), (_P.SELF, Decimal("0.7"))),
    "SV": ((_P.STATE_BUDGET, Decimal("0.3")), (_P.SELF, Decimal("0.7"))),
    # households: the first member's 4.5 % (the seed does not order the members)
    "GD": ((_P.HOUSEHOLD, Decimal(1)),),
}
# Categories paid from a benefit: 4.5 % of the pension or allowance (Law art. 13(1)(b), (c)).
_FROM_PENSION: Final = frozenset({"HT", "NO", "TB"})


def _money(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _row(payer: HealthInsurancePayer, first: date, last: str, amount: Decimal) -> str:
    return f"{payer.value}\t{first.isoformat()}\t{last}\t{_money(amount)}"


def _employed_rows(periods: list[str]) -> list[str]:
    """An employee's 4.5 % of the salary: 3 % the employer's, 1.5 % the employee's."""
    rows = []
    for line in periods:
        f = line.split("\t")
        first = date.fromisoformat(f[2])
        if f[1] != Scheme.COMPULSORY_SOCIAL.value or first < BHYT_FROM:
            continue
        salary = contribution_salary(
            first,
            None if f[6] == NULL else int(f[6]),
            None if f[7] == NULL else Decimal(f[7]),
            None if f[8] == NULL else Decimal(f[8]),
            None if f[9] == NULL else Decimal(f[9]),
        )
        if salary is None:
            continue
        rows.append(_row(_P.EMPLOYER, first, f[3], salary * 3 / 100))
        rows.append(_row(_P.EMPLOYEE, first, f[3], salary * Decimal("1.5") / 100))
    return rows


def bhyt_lines(pid: int, periods: list[str], cards: list[str], benefits: list[str]) -> list[str]:
    """health_insurance_contribution lines (without id) for one person: employed months from
    the compulsory rows, other cover from each card's category and validity."""
    rows = _employed_rows(periods)
    pension = next((int(b.split("\t")[6]) for b in benefits if b.split("\t")[1] == "RETIREMENT"), 0)
    last_month = common.AS_OF.replace(day=1)
    for card in cards:
        f = card.split("\t")
        category, first = f[3], date.fromisoformat(f[8]).replace(day=1)
        last = min(date.fromisoformat(f[9]).replace(day=1), last_month)
        if first < BHYT_FROM or first > last_month:
            continue
        if category in _FROM_PENSION and pension:
            rows.append(
                _row(_P.SOCIAL_INSURANCE_FUND, first, last.isoformat(), pension * _RATE / 100)
            )
            continue
        base = base_salary(first)
        for payer, share in _BASE_SALARY_SHARES.get(category, ()):
            if base is not None:
                rows.append(_row(payer, first, last.isoformat(), base * _RATE / 100 * share))
    return [f"{pid}\t{row}" for row in rows]

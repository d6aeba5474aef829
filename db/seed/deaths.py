"""Deaths: who of the seeded persons has died and when, what that ends, and the survivor benefits
(trợ cấp tuất) their relatives receive.

A person's death ends their contribution window (careers.contribution_window), their benefits
(histories.Book.benefit), their cards and visits; survivor benefits are recorded in the book of
the relative who receives them, as the benefit table holds them (its rows have one person: the
recipient), and start after the death.
"""

import random
from dataclasses import replace
from datetime import date, timedelta

from db import rules
from db.enums import BenefitRegime
from db.seed import common
from db.seed.common import BASE_SALARY, add_years, month_index
from db.seed.health import Card
from db.seed.histories import NEVER, Book
from db.seed.people import Person

# Deaths are recorded from 1 January 2016, when the civil register went electronic (Law on Civil
# Status 60/2014, in force 2016): the national database's deaths reach back about that far (unv).
DEATHS_FROM = date(2016, 1, 1)
# Yearly chance of dying, per 1,000, by age (the band's first age, rate): an approximation by hand
# of the shape of GSO's life table from the 2019 Population and Housing Census (life expectancy
# at birth ≈ 73.6 years, infant mortality ≈ 14 ‰); not the table's own figures.
_MORTALITY = (
    (0, 14.0), (1, 0.7), (5, 0.3), (15, 0.8), (25, 1.1), (35, 1.8), (45, 3.8), (55, 8.5),
    (65, 19.0), (75, 50.0), (85, 140.0),
)  # fmt: skip
# A father may die before a child he fathered is born, not earlier than its conception.
_PREGNANCY = timedelta(days=280)


def _yearly(age: int) -> float:
    rate = 0.0
    for first, per_mille in _MORTALITY:
        if age >= first:
            rate = per_mille / 1000
    return rate


def draw(rng: random.Random, persons: list[Person]) -> None:
    """Sets `died` of the persons who died between DEATHS_FROM and the seed's today, year by year
    at the mortality of their age that year. Officers of the ministries are in service today
    (careers._armed), so alive. Nobody dies before their birth or before the birth of a child of
    theirs in the data set (a father: before its conception)."""
    today = common.AS_OF
    for p in persons:
        if p.restricted:
            continue
        earliest = max(p.birth, DEATHS_FROM)
        for c in p.children:
            born = persons[c].birth
            earliest = max(earliest, born if p.female else born - _PREGNANCY)
        for year in range(earliest.year, today.year + 1):
            first = max(date(year, 1, 1), earliest)
            last = min(date(year, 12, 31), today)
            if last < first:
                continue
            span = (last - first).days + 1
            if rng.random() < _yearly(year - p.birth.year) * span / 365:
                p.died = first + timedelta(days=rng.randrange(span))
                break


def until_death(cards: list[Card], died: date | None) -> list[Card]:
    """The cards of a person who died: none starting after the death, the rest ending by it (the
    API ends a card at death when read; the seed's cards agree, so no visit falls after it)."""
    if died is None:
        return cards
    return [
        replace(c, valid_to=min(c.valid_to, died)) if c.valid_to > died else c
        for c in cards
        if c.valid_from <= died
    ]


# Law 41/2024 art. 86(1): a monthly survivor allowance when the deceased had paid compulsory
# contributions for 15 years or drew a pension (the other grounds — an accident at work,
# voluntary years — are left to the lump sum here). At most four relatives receive it.
_MONTHLY_MONTHS = 15 * 12
_MONTHLY_RELATIVES = 4
_MONTHLY_SHARE = 0.5  # of the base salary, per relative (art. 87(1); article number unverified)


def survivor_benefits(rng: random.Random, persons: list[Person], books: list[Book]) -> None:
    """Survivor benefits of the relatives in the data set of each insured person who died,
    recorded in the relatives' books, starting after the death."""
    for p, book in zip(persons, books, strict=True):
        died = p.died
        if died is None or not (book.steps or book.voluntary):
            continue
        relatives = [
            i
            for i in (p.spouse, *p.children, p.father, p.mother)
            if i >= 0 and _outlives(persons[i], died)
        ]
        if not relatives:
            continue  # the family lives outside the data set
        death_month = month_index(died.year, died.month)
        compulsory = _unsettled([(s.start, s.end) for s in book.steps], book)
        monthly = compulsory >= _MONTHLY_MONTHS or book.pension_from <= death_month
        if monthly and _monthly(rng, p, died, [persons[i] for i in relatives], books, relatives):
            continue
        _lump_sum(rng, book, died, books[relatives[0]])


def _outlives(r: Person, died: date) -> bool:
    return r.died is None or r.died > died


def _unsettled(spans: list[tuple[int, int]], book: Book, last: int = NEVER) -> int:
    """Months of the spans up to month `last` that no lump-sum withdrawal settled (those no
    longer count, Law 41/2024 art. 70)."""
    first = max((m for m, _ in book.settlements), default=-1) + 1
    return sum(max(0, min(e, last) - max(s, first) + 1) for s, e in spans)


def _monthly(
    rng: random.Random,
    p: Person,
    died: date,
    relatives: list[Person],
    books: list[Book],
    indexes: list[int],
) -> bool:
    """Art. 86(2): from the month after the death, to children until 18, to a wife of 55 or a
    husband of 60, to a father of 60 or a mother of 55 (their income and disability, which the
    book does not hold, left aside). False when no relative qualifies."""
    start = rules.add_months(died.replace(day=1), 1)
    if start > common.AS_OF:
        return True  # due from next month: nothing decided yet
    paid = 0
    for r, i in zip(relatives, indexes, strict=True):
        age = r.age_at(month_index(died.year, died.month))
        adult = 55 if r.female else 60
        child = r.idx in p.children
        if paid == _MONTHLY_RELATIVES or (child and age >= 18) or (not child and age < adult):
            continue
        if r.died is not None and r.died < start:
            continue
        end = add_years(r.birth, 18) - timedelta(days=1) if child else None
        if end is not None and end < start:
            continue
        amount = _MONTHLY_SHARE * BASE_SALARY.at(month_index(start.year, start.month))
        decided = died + timedelta(days=rng.randint(15, 60))
        books[i].benefit(rng, BenefitRegime.SURVIVORSHIP, start, end, amount, decided)
        paid += 1
    return paid > 0


def _lump_sum(rng: random.Random, book: Book, died: date, heir: Book) -> None:
    """Art. 89 (trợ cấp tuất một lần; article number unverified): 1.5 months of the average salary per contribution year
    before 2014, 2 from 2014, at least 3 months; paid to one heir, decided after the death.
    Months a withdrawal settled count no more. A pensioner's is reckoned the same way here
    (art. 89 reckons it from the pension drawn, which the book does not keep)."""
    decided = died + timedelta(days=rng.randint(20, 90))
    spans = [(s.start, s.end) for s in book.steps] + [(s, e) for s, e, _ in book.voluntary]
    total = _unsettled(spans, book)
    if decided > common.AS_OF or not total:
        return
    before = _unsettled(spans, book, month_index(rules.LUMP_SUM_RATE_CHANGE.year, 1) - 1)
    years = before / 12 * 1.5 + (total - before) / 12 * 2
    last = month_index(died.year, died.month)
    average = book.average_pay(last, 60) or float(BASE_SALARY.at(last))
    amount = max(3.0, years) * average
    heir.benefit(rng, BenefitRegime.SURVIVORSHIP, decided, decided, amount, decided)

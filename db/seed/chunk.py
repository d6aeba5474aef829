"""One chunk of persons with everything they own, as COPY text.

A chunk is built from its own random stream (seed, chunk number), so chunks can be built in any
process and order. Rows of tables whose size is not known in advance (cards, visits…) are numbered
from 0 within the chunk; `render` adds the number of rows all earlier chunks produced, which makes
the ids dense and the same however many processes built the chunks.
"""

import random
from dataclasses import dataclass, field

from db.enums import ManagingAuthority, ParticipantCategory
from db.seed import book_fields, careers, deaths, health, medical, retirement
from db.seed.common import NULL, chunk_rng, scramble
from db.seed.employers import EmployerIndex
from db.seed.family import Household, form_households
from db.seed.histories import Book
from db.seed.identity import (
    IdAllocator,
    assign_identity,
    household_lines,
    person_line,
    relative_lines,
)
from db.seed.people import Person, draw_persons
from db.seed.places import LEGACY
from db.seed.reference import OFFICES_BY_PROVINCE

CHUNK_PERSONS = 1000
# Tables whose rows a chunk numbers itself, in the order of `ChunkRows.counts`.
NUMBERED = (
    "household",
    "relative",
    "contribution_period",
    "benefit",
    "unemployment_benefit",
    "health_insurance_card",
    "medical_visit",
)


@dataclass(slots=True)
class ChunkRows:
    persons: list[str] = field(default_factory=list)
    social: list[str] = field(default_factory=list)
    households: list[str] = field(default_factory=list)
    members: list[tuple[int, str]] = field(default_factory=list)  # (local household, tail)
    relatives: list[str] = field(default_factory=list)
    periods: list[tuple[int, str]] = field(default_factory=list)  # (settling benefit or -1, tail)
    benefits: list[str] = field(default_factory=list)
    claims: list[str] = field(default_factory=list)
    cards: list[str] = field(default_factory=list)
    visits: list[tuple[int, str]] = field(default_factory=list)  # (local card or -1, tail)
    bhyt_payments: list[str] = field(default_factory=list)  # ids from the table's identity

    def counts(self) -> tuple[int, ...]:
        return (
            len(self.households),
            len(self.relatives),
            len(self.periods),
            len(self.benefits),
            len(self.claims),
            len(self.cards),
            len(self.visits),
        )


def bhxh_code(p: Person) -> str:
    """Issuing province and eight digits that are a bijection of the person id: unique."""
    return f"{p.legacy}{scramble(p.pid, 10**8, 48_271_337, 12_345_678):08d}"


_OFFICER_RELATIVE = {
    ManagingAuthority.DEFENCE.value: "TQ",
    ManagingAuthority.PUBLIC_SECURITY.value: "TA",
}


def build_chunk(seed: int, chunk: int, count: int, employers: EmployerIndex) -> ChunkRows:
    rng = chunk_rng(seed, chunk)
    persons = draw_persons(rng, count, chunk * CHUNK_PERSONS + 1)
    households = form_households(rng, persons)
    ids = IdAllocator(chunk)
    assign_identity(rng, persons, households, ids)
    # From a stream of its own: drawing deaths leaves every other draw of the chunk as it was.
    deaths.draw(chunk_rng(seed, chunk, "deaths"), persons)
    out = ChunkRows()
    officer_family: dict[int, str] = {}
    for hh in households:
        hh.poverty, hh.buys_bhyt = health.household_means(
            rng, hh.legacy, persons[hh.head].ethnicity != "01"
        )
        for idx, _ in hh.members:
            officer = persons[idx]
            if officer.restricted:
                kind = "TY" if officer.cipher else _OFFICER_RELATIVE[officer.authority]
                officer_family.update({j: kind for j, _ in hh.members if j != idx})
    out.persons = [person_line(rng, p) for p in persons]
    out.relatives = relative_lines(rng, persons, households, ids)
    out.households, out.members = household_lines(households, persons)
    books = []
    for p in persons:
        births = [persons[c].birth for c in p.children] if p.female else []
        book = careers.live(rng, p, births, employers)
        retirement.later_life(rng, p, book)
        books.append(book)
    # Every working life first: a survivor benefit needs the deceased's book and the relative's.
    deaths.survivor_benefits(rng, persons, books)
    for p, book in zip(persons, books, strict=True):
        relative_of = officer_family.get(p.idx, "")
        _insurance(rng, p, book, households, relative_of, out)
    return out


def _insurance(
    rng: random.Random,
    p: Person,
    book: Book,
    households: list[Household],
    relative_of: str,
    out: ChunkRows,
) -> None:
    """Social insurance record, contribution history, benefits, claims, cards and visits of one
    person, given their book."""
    household = households[p.household] if p.household >= 0 else None
    prof = health.profile(rng, p, household, relative_of)
    issued = deaths.until_death(health.cards(rng, p, book, prof), p.died)
    active = bool(issued or book.steps or book.voluntary or book.benefits)
    if not active:
        out.visits.extend((-1, tail) for tail in medical.uninsured_lines(rng, p, set()))
        return
    code = bhxh_code(p)
    province = LEGACY[p.legacy].province_code
    office = book.office_code or rng.choice(OFFICES_BY_PROVINCE[province]).code
    category = book.category or ParticipantCategory.NOT_PARTICIPATING.value
    periods = book.period_lines()
    social = (
        f"{p.pid}\t{code}\t{book.unit_code}\t{office}\t{category}\t{book.payment}\t{book.tax_code}"
    )
    lines = [tail for _, tail, _ in periods]
    out.social.append(book_fields.cover(social, lines))
    first_benefit = len(out.benefits)
    out.periods.extend(
        (first_benefit + b if b >= 0 else -1, f"{book_fields.period_line(tail)}\t{row_category}")
        for b, tail, row_category in periods
    )
    out.benefits.extend(book_fields.benefit_lines(book.benefits, office))
    out.claims.extend(book.claims)
    if issued:
        prior = (
            health.five_year_start(rng, p, book, prof)
            if issued[0].year == health.CARD_FIRST_YEAR
            else 0
        )
        employed = category in (
            ParticipantCategory.EMPLOYEE.value,
            ParticipantCategory.MANAGER.value,
        )
        first_card = len(out.cards)
        out.cards.extend(health.card_lines(rng, p, prof, issued, code, prior, employed))
        out.bhyt_payments.extend(
            book_fields.bhyt_lines(p.pid, lines, out.cards[first_card:], book.benefits)
        )
        out.visits.extend(medical.visit_lines(rng, p, prof, issued, first_card))
    covered = {c.year for c in issued}
    out.visits.extend((-1, tail) for tail in medical.uninsured_lines(rng, p, covered))


def render(rows: ChunkRows, bases: dict[str, int]) -> list[tuple[str, bytes]]:
    """COPY payloads per table, in an order that satisfies foreign keys within the chunk.
    `bases` gives, per numbered table, the first id this chunk may use."""
    household = bases["household"]
    card = bases["health_insurance_card"]

    def numbered(table: str, tails: list[str]) -> bytes:
        base = bases[table]
        return "".join(f"{base + i}\t{tail}\n" for i, tail in enumerate(tails)).encode()

    period, benefit = bases["contribution_period"], bases["benefit"]
    periods = "".join(
        f"{period + i}\t{tail}\t{benefit + b if b >= 0 else NULL}\n"
        for i, (b, tail) in enumerate(rows.periods)
    )
    visit = bases["medical_visit"]
    visits = "".join(
        f"{visit + i}\t{card + c if c >= 0 else NULL}\t{tail}\n"
        for i, (c, tail) in enumerate(rows.visits)
    )
    return [
        ("person", "".join(f"{line}\n" for line in rows.persons).encode()),
        ("household", numbered("household", rows.households)),
        (
            "household_member",
            "".join(f"{household + h}\t{tail}\n" for h, tail in rows.members).encode(),
        ),
        ("relative", numbered("relative", rows.relatives)),
        ("social_insurance", "".join(f"{line}\n" for line in rows.social).encode()),
        ("contribution_period", periods.encode()),
        ("benefit", numbered("benefit", rows.benefits)),
        ("unemployment_benefit", numbered("unemployment_benefit", rows.claims)),
        ("health_insurance_card", numbered("health_insurance_card", rows.cards)),
        ("medical_visit", visits.encode()),
        (
            "health_insurance_contribution",
            "".join(f"{line}\n" for line in rows.bhyt_payments).encode(),
        ),
    ]

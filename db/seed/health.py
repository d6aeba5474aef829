"""Health insurance (BHYT): one card per covered year (1 January, or birth, to 31 December, or
the end of a child's or an allowance's cover), its category decided by the holder's situation
at the start of that year, its province that of the office that issues it.

When several categories apply, the one the law serves first wins: the armed forces, then people
of merit, then employment (the employer pays), then BHXH-paid cover (pensioners, unemployment
allowance), then state-paid groups (children under six, veterans, social assistance, poor
households, ethnic minorities in poor areas), then state-supported ones (near-poor, pupils,
students), and last of all the household scheme (GD), which some households do not buy.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from db import reference_data
from db.identifiers import make_bhyt_code_15
from db.seed import common
from db.seed.common import NULL, add_years
from db.seed.family import Household
from db.seed.histories import Book
from db.seed.people import EDU_UNIVERSITY, Person
from db.seed.places import LEGACY
from db.seed.reference import (
    FACILITIES_BY_LEGACY,
    TIER_AREA,
    TIER_CENTRAL,
    TIER_COMMUNE,
    TIER_PRIVATE,
    Facility,
)

# Cards are kept from 2018, when the BHXH code became the card number's last ten digits.
CARD_FIRST_YEAR = 2018
# Continuity for the five-year date is followed from the 2009 BHYT law on.
_COVER_FROM = 2009
_PRIORITY = (
    "QN", "CA", "CY", "CC", "DN", "HX", "HC", "CH", "HT", "TN", "TB", "TE", "CB", "BT", "HN", "DT",
    "CN", "HS", "SV", "TQ", "TA", "TY", "CT", "GD",
)  # fmt: skip
_RANK = {code: i for i, code in enumerate(_PRIORITY)}
_DAY = timedelta(days=1)
LEVEL = {c.code: c.benefit_level for c in reference_data.BHYT_CATEGORIES}
_TIER_WEIGHT = {TIER_AREA: 5.0, TIER_COMMUNE: 2.0, TIER_PRIVATE: 1.0}
_MINORITY_AREAS = ("84", "94", "91", "95", "89", "58")  # Khmer and Chăm communities


@dataclass(slots=True)
class Card:
    year: int
    category: str
    province: str  # legacy province of the issuing office
    valid_from: date
    valid_to: date
    facility: Facility
    revoked: bool


@dataclass(slots=True)
class Profile:
    """Per-person facts that decide BHYT categories besides work."""

    merit: bool
    veteran: bool
    disabled: bool
    minority_area: bool
    poverty: str
    buys: float  # chance per year that the household scheme covers the person
    relative_of: str  # "TQ", "TA", "TY" for relatives of officers, else ""
    area_code: str
    facilities: tuple[Facility, Facility]  # registered facility, and the one after a change
    switch_year: int
    frailty: float  # how much more (or less) than average this person sees a doctor


def profile(rng: random.Random, p: Person, hh: Household | None, relative_of: str) -> Profile:
    place = LEGACY[p.legacy]
    minority = p.ethnicity != "01"
    if hh is not None:
        poverty, buys = hh.poverty, hh.buys_bhyt
    else:
        poverty, buys = household_means(rng, p.legacy, minority)
    area = NULL
    if place.mountain and minority:
        r = rng.random()
        area = "K1" if r < 0.5 else "K2" if r < 0.8 else NULL
    elif p.legacy in ("22", "91", "56") and rng.random() < 0.03:
        area = "K3"  # islands
    local = FACILITIES_BY_LEGACY[p.legacy]
    weights = [_TIER_WEIGHT.get(f.tier, 2.0) if f.tier != TIER_CENTRAL else 0.0 for f in local]
    first, second = rng.choices(local, weights=weights, k=2)
    return Profile(
        merit=p.birth.year <= 1955 and rng.random() < 0.015,
        veteran=not p.female and p.birth.year <= 1960 and rng.random() < 0.12,
        disabled=rng.random() < 0.015,
        minority_area=minority
        and (place.mountain or p.legacy in _MINORITY_AREAS)
        and rng.random() < 0.75,
        poverty=poverty,
        buys=buys,
        relative_of=relative_of,
        area_code=area,
        facilities=(first, second),
        switch_year=rng.randint(2019, 2040),
        frailty=rng.gammavariate(0.6, 1 / 0.6),
    )


def household_means(rng: random.Random, legacy: str, minority: bool) -> tuple[str, float]:
    """(poverty class, chance per year of buying household BHYT)."""
    poor = 0.03 * (4 if LEGACY[legacy].mountain else 1) * (2 if minority else 1)
    r = rng.random()
    poverty = "HN" if r < poor else "CN" if r < poor * 1.9 else ""
    r = rng.random()
    buys = 1.0 if r < 0.75 else 0.55 if r < 0.9 else 0.0
    return poverty, buys


def _category(
    rng: random.Random, p: Person, book: Book, prof: Profile, year: int, m: int = -1
) -> tuple[str, str] | None:
    """(category, issuing legacy province) of a card issued for `year`, decided by the holder's
    situation in its first month (January, or the month of birth), or in month `m` when given.
    The province is the employer's when the employer buys the card, else the holder's own."""
    m = m if m >= 0 else max(year * 12, p.birth_month)
    if m < p.birth_month:
        return None
    age = max(0, p.age_at(m))  # a child born on the 20th is 0, not -1, in its month of birth
    best = len(_PRIORITY)
    issuer = ""
    for first, last, code, office in book.cover:
        if first <= m <= last and _RANK[code] < best:
            best, issuer = _RANK[code], office
    candidates: list[str] = []
    if prof.merit:
        candidates.append("CC")
    if age < 6:
        candidates.append("TE")
    if prof.veteran and age >= 60:
        candidates.append("CB")
    if prof.disabled or age >= 80 or (age >= 75 and year >= 2026):
        candidates.append("BT")
    if prof.poverty:
        candidates.append(prof.poverty)
    if prof.minority_area:
        candidates.append("DT")
    if 6 <= age <= 17 and rng.random() < 0.96:
        candidates.append("HS")
    if 18 <= age <= 22 and p.education == EDU_UNIVERSITY and rng.random() < 0.9:
        candidates.append("SV")
    if prof.relative_of:
        candidates.append(prof.relative_of)
    for code in candidates:
        if _RANK[code] < best:
            best, issuer = _RANK[code], ""
    if best < len(_PRIORITY):
        return _PRIORITY[best], issuer or p.legacy
    return ("GD", p.legacy) if rng.random() < prof.buys else None


def cards(rng: random.Random, p: Person, book: Book, prof: Profile) -> list[Card]:
    """The person's cards from CARD_FIRST_YEAR, oldest first: one per covered year, from
    1 January or from birth, except that a child's card ends with the 72nd month and an
    unemployment-allowance card with the allowance."""
    out: list[Card] = []
    for year in range(max(CARD_FIRST_YEAR, p.birth.year), common.AS_OF.year + 1):
        drawn = _category(rng, p, book, prof, year)
        if drawn is None:
            continue
        category, province = drawn
        start = max(date(year, 1, 1), p.birth)
        end = date(year, 12, 31)
        facility = prof.facilities[year >= prof.switch_year]
        if category == "TE" and (sixth := add_years(p.birth, 6)) <= end:
            # Law on Health Insurance art. 12(3)(c) (as amended by Law 46/2014): a child under
            # six is insured by the state; the card runs to the end of the 72nd month of age,
            # read as the day before the sixth birthday. The rest of the year: the category the
            # child has at six, if any.
            out.append(
                Card(year, category, province, start, sixth - _DAY, facility, rng.random() < 0.002)
            )
            if sixth > common.AS_OF:
                continue
            later = _category(rng, p, book, prof, year, sixth.year * 12 + sixth.month - 1)
            if later is not None and later[0] != "TE":
                out.append(Card(year, *later, sixth, end, facility, rng.random() < 0.002))
            continue
        if category == "TN":
            # Law on Employment 38/2013 art. 51: the fund buys BHYT for the months the
            # allowance is paid, so the card ends with the allowance's last month.
            end = min(end, _last_day(_cover_end(book, start, "TN")))
        out.append(Card(year, category, province, start, end, facility, rng.random() < 0.002))
    return out


def _last_day(m: int) -> date:
    """The last day of month index `m`."""
    return date((m + 1) // 12, (m + 1) % 12 + 1, 1) - _DAY


def _cover_end(book: Book, on: date, category: str) -> int:
    """The last month of the book's cover of `category` that holds the day `on`."""
    m = on.year * 12 + on.month - 1
    return max(
        (last for first, last, code, _ in book.cover if code == category and first <= m <= last),
        default=m,
    )


def five_year_start(rng: random.Random, p: Person, book: Book, prof: Profile) -> int:
    """The first year of the continuous cover that runs into CARD_FIRST_YEAR (0 if none)."""
    run = 0
    for year in range(max(_COVER_FROM, p.birth.year), CARD_FIRST_YEAR):
        if _category(rng, p, book, prof, year) is None:
            run = 0
        elif not run:
            run = year
    return run


def card_lines(
    rng: random.Random,
    p: Person,
    prof: Profile,
    issued: list[Card],
    bhxh_code: str,
    prior_run: int,
    employed: bool,
) -> list[str]:
    """Card tails (the columns after the id) of one person's cards.

    `prior_run` is the first year of the cover that was still continuous when the kept history
    starts (five_year_start): the register holds it as the first kept card's
    `continuous_cover_since`, the cover an officer recorded from paper records. The five-year
    date itself is derived when read, from the cards and that date."""
    out: list[str] = []
    codes: dict[tuple[str, str], str] = {}
    since = max(date(prior_run, 1, 1), p.birth) if prior_run else None
    for card in issued:
        valid_to = card.valid_to
        since_text = NULL
        if since is not None and card.year == CARD_FIRST_YEAR and not card.revoked:
            since_text, since = since.isoformat(), None
        code = codes.get((card.category, card.province))
        if code is None:
            level = LEVEL[card.category]
            code = codes[card.category, card.province] = make_bhyt_code_15(
                card.category, level, card.province, bhxh_code
            )
        if card.revoked:
            status, reason = "REVOKED", "Cấp trùng thẻ BHYT"
        elif valid_to < common.AS_OF:
            status, reason = "EXPIRED", NULL
        elif rng.random() < 0.006:
            status = "TEMPORARILY_LOCKED"
            reason = (
                "Đơn vị chưa đóng đủ tiền BHYT" if employed else "Chờ xác minh thông tin nhân thân"
            )
        else:
            status, reason = "ACTIVE", NULL
        out.append(
            f"{p.pid}\t{code}\t{bhxh_code}\t{card.category}\t{LEVEL[card.category]}\t{card.province}\t"
            f"{prof.area_code}\t{card.facility.code}\t{card.valid_from.isoformat()}\t{valid_to.isoformat()}\t"
            f"{since_text}\t{status}\t{reason}"
        )
    return out

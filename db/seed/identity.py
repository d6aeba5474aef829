"""Identity of the persons of one chunk — places, ethnicity, names, personal IDs, contact — and
the person, household, household-member and relative rows.

Personal IDs must be unique across chunks built in parallel without coordination. The six random
digits are therefore a bijection of (chunk, running number within the chunk of the same province,
sex and birth year): two IDs sharing province, sex and year differ in chunk or running number, so
in their serials. Relatives known only by name and ID draw from the same counters, so they never
collide with a seeded person either.
"""

import random

from db.enums import HouseholdRelation as Rel
from db.enums import RelativeKind, Sex
from db.identifiers import make_personal_id
from db.seed import names, places
from db.seed.common import NULL, scramble
from db.seed.family import Household
from db.seed.people import Person

# Running numbers per (province, sex, birth year) a chunk may use: ample, since a chunk of 1,000
# persons rarely holds more than three of one group; it bounds a data set at 25,000 chunks.
SERIALS_PER_CHUNK = 40
MAX_CHUNKS = 1_000_000 // SERIALS_PER_CHUNK
_EMAIL_DOMAINS = (
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "icloud.com",
)
_MOBILE_PREFIXES = ("09", "03", "08", "07", "05", "09", "03")


class IdAllocator:
    def __init__(self, chunk: int) -> None:
        self._base = chunk * SERIALS_PER_CHUNK
        self._next: dict[tuple[str, bool, int], int] = {}

    def allocate(self, legacy: str, female: bool, year: int) -> str | None:
        """A fresh personal ID, or None when this chunk has used up the group's serials."""
        key = (legacy, female, year)
        n = self._next.get(key, 0)
        if n >= SERIALS_PER_CHUNK:
            return None
        self._next[key] = n + 1
        spread = (int(legacy) * 7_919 + year * 104_729 + female * 15_485_863) % 1_000_000
        serial = scramble(self._base + n, 1_000_000, 387_413, spread)
        return make_personal_id(legacy, Sex.FEMALE if female else Sex.MALE, year, serial)


# Foreign workers (Law 41/2024 art. 2(2)): adults living alone, known by passport and BHXH code,
# with no personal ID. Nationalities of Vietnam's largest foreign workforces; passport numbers
# in each state's format (9 characters, ICAO Doc 9303), names as the passport prints them.
_FOREIGN_SHARE = 0.017  # of the adults 22–55 living alone: about 0.2 % of working adults
_FOREIGNERS = (
    ("CN", "E", 8, ("WANG", "LI", "ZHANG", "LIU", "CHEN"), ("WEI", "FANG", "JING", "QIANG", "NA")),
    (
        "KR",
        "M",
        8,
        ("KIM", "LEE", "PARK", "CHOI", "JUNG"),
        ("MINJUN", "SEOYEON", "JIHOO", "HAYOON"),
    ),
    ("JP", "TK", 7, ("SATO", "SUZUKI", "TAKAHASHI", "TANAKA"), ("HIROSHI", "YUKI", "KENJI", "AYA")),
    ("TW", "3", 8, ("CHEN", "LIN", "HUANG", "CHANG"), ("CHIH HAO", "YA TING", "CHUN CHIEH")),
    ("TH", "AA", 7, ("SRISUK", "WONGSAWAT", "SAETANG", "BOONMA"), ("SOMCHAI", "SUDA", "ANAN")),
)

_COUNTRY = {
    "CN": "Trung Quốc",
    "KR": "Hàn Quốc",
    "JP": "Nhật Bản",
    "TW": "Đài Loan (Trung Quốc)",
    "TH": "Thái Lan",
}


def _foreigner(rng: random.Random, p: Person) -> bool:
    alone = p.household < 0 and p.spouse < 0 and not p.children
    if p.restricted or not alone or not 22 <= p.age <= 55 or rng.random() >= _FOREIGN_SHARE:
        return False
    nationality, prefix, digits, families, given = rng.choice(_FOREIGNERS)
    p.nationality = nationality
    # Unique: the person id's digits, scrambled (the pair (nationality, passport) is a key).
    serial = scramble(p.pid, 10**digits, 2_654_435_761, 97_531)
    p.passport = f"{prefix}{serial:0{digits}d}"
    p.name = f"{rng.choice(families)} {rng.choice(given)}"
    p.family = p.name.split(" ", 1)[0]
    return True


def assign_identity(
    rng: random.Random, persons: list[Person], households: list[Household], ids: IdAllocator
) -> None:
    for hh in households:
        hh.legacy = places.pick_legacy(rng)
        place = places.LEGACY[hh.legacy]
        hh.address = places.residence(rng, place)
        ethnicity = places.pick_ethnicity(rng, hh.legacy)
        head = persons[hh.head]
        paternal = names.surname(rng, ethnicity, place.southern)
        for idx, relation in hh.members:
            p = persons[idx]
            p.legacy, p.residence = hh.legacy, hh.address
            p.ethnicity = (
                places.pick_ethnicity(rng, hh.legacy)
                if relation == Rel.SPOUSE.value and rng.random() < 0.1
                else ethnicity
            )
        father_family = (
            paternal if hh.father >= 0 else names.surname(rng, ethnicity, place.southern)
        )
        for idx, relation in hh.members:
            p = persons[idx]
            own = names.surname(rng, p.ethnicity, place.southern)
            if idx == hh.father or (relation == Rel.HEAD.value and not p.female):
                p.family = paternal
            elif relation == Rel.HEAD.value or relation == Rel.SPOUSE.value:
                p.family = own
            elif relation == Rel.CHILD.value:
                p.family = father_family if p.father >= 0 else head.family or own
            elif relation in (Rel.PARENT.value, Rel.SIBLING.value):
                p.family = (
                    own if relation == Rel.PARENT.value and p.female else head.family or paternal
                )
            else:
                p.family = head.family if rng.random() < 0.6 and head.family else own
    for p in persons:
        if p.household < 0:
            p.legacy = places.pick_legacy(rng)
            p.residence = places.residence(rng, places.LEGACY[p.legacy])
            p.ethnicity = places.pick_ethnicity(rng, p.legacy)
            p.family = names.surname(rng, p.ethnicity, places.LEGACY[p.legacy].southern)
        migrant = 0.05 if p.age < 18 else 0.35 if p.legacy in places.MIGRANT_DESTINATIONS else 0.08
        p.birth_legacy = places.pick_legacy(rng) if rng.random() < migrant else p.legacy
        p.name = names.full_name(rng, p.female, p.birth.year, p.ethnicity, p.family)
        if _foreigner(rng, p):
            p.number, p.birth_legacy = NULL, p.legacy
            continue
        number = ids.allocate(p.birth_legacy, p.female, p.birth.year)
        if number is None:  # pragma: no cover - needs dozens of one group in one chunk
            raise RuntimeError(
                "personal ID serials exhausted for one chunk; raise SERIALS_PER_CHUNK"
            )
        p.number = number
    # Home town (quê quán) is the father's; fathers are older, so they are settled first.
    for p in sorted(persons, key=lambda q: -q.age):
        if p.father >= 0 and persons[p.father].hometown:
            p.hometown = persons[p.father].hometown
        else:
            origin = p.birth_legacy if rng.random() < 0.75 else places.pick_legacy(rng)
            p.hometown = places.legacy_place(rng, places.LEGACY[origin])


def person_line(rng: random.Random, p: Person) -> str:
    phone = email = contact = passport = NULL
    if p.age >= 18:
        if rng.random() < 0.88:
            phone = f"{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(100_000_000):08d}"
        if rng.random() < (0.45 if p.age < 50 else 0.15):
            given = names.ascii_fold(p.name.rsplit(" ", 1)[-1]).lower()
            family = names.ascii_fold(p.family).lower().replace(" ", "")
            email = f"{given}.{family}{p.pid % 997}@{rng.choice(_EMAIL_DOMAINS)}"
        away = p.legacy in places.MIGRANT_DESTINATIONS and p.birth_legacy != p.legacy
        contact = (
            places.residence(rng, places.LEGACY[p.legacy])
            if away and rng.random() < 0.5
            else p.residence
        )
        if rng.random() < (0.09 if p.age < 50 else 0.04):
            passport = f"{'P' if rng.random() < 0.4 else 'C'}{rng.randrange(10_000_000):07d}"
    if p.foreign:
        passport = p.passport
        return (
            f"{p.pid}\t{NULL}\t{passport}\t{p.name}\t{p.birth.isoformat()}\t{p.precision}\t"
            f"{'FEMALE' if p.female else 'MALE'}\t{p.ethnicity}\t{p.nationality}\t"
            f"{_COUNTRY[p.nationality]}\t{p.birth_legacy}\t{_COUNTRY[p.nationality]}\t"
            f"{p.residence}\t{places.LEGACY[p.legacy].province_code}\t{p.authority}\t{phone}\t"
            f"{email}\t{contact}\t{p.died.isoformat() if p.died else NULL}"
        )
    return (
        f"{p.pid}\t{p.number}\t{passport}\t{p.name}\t{p.birth.isoformat()}\t{p.precision}\t"
        f"{'FEMALE' if p.female else 'MALE'}\t{p.ethnicity}\tVN\t"
        f"{places.legacy_place(rng, places.LEGACY[p.birth_legacy])}\t{p.birth_legacy}\t{p.hometown}\t"
        f"{p.residence}\t{places.LEGACY[p.legacy].province_code}\t{p.authority}\t{phone}\t{email}\t{contact}\t"
        f"{p.died.isoformat() if p.died else NULL}"
    )


def household_lines(
    households: list[Household], persons: list[Person]
) -> tuple[list[str], list[tuple[int, str]]]:
    """Household tails (after the id) and member tails keyed by local household index."""
    rows: list[str] = []
    members: list[tuple[int, str]] = []
    for h, hh in enumerate(households):
        head_pid = persons[hh.head].pid
        code = f"{hh.legacy}{scramble(head_pid, 10**10, 1_234_567_891, 271_828_182):010d}"
        rows.append(f"{code}\t{hh.address}\t{places.LEGACY[hh.legacy].province_code}")
        for idx, relation in hh.members:
            members.append((h, f"{persons[idx].pid}\t{relation}"))
    return rows, members


_GUARDIAN_ELSEWHERE = 0.1


def relative_lines(
    rng: random.Random, persons: list[Person], households: list[Household], ids: IdAllocator
) -> list[str]:
    """Father, mother, spouse and (for minors) legal representative of each person: linked to the
    relative's own record when that person is in the data set, else a name and often an ID."""
    out: list[str] = []

    def linked(p: Person, kind: RelativeKind, r: Person) -> None:
        out.append(f"{p.pid}\t{kind.value}\t{r.name}\t{r.number}\t{NULL}\t{r.pid}")

    def named(
        p: Person, kind: RelativeKind, female: bool, year: int, family: str, *, known: float = 0.65
    ) -> tuple[str, str]:
        name = names.full_name(rng, female, year, p.ethnicity, family)
        number = (
            ids.allocate(p.birth_legacy, female, year)
            if year >= 1930 and rng.random() < known
            else None
        ) or NULL
        out.append(f"{p.pid}\t{kind.value}\t{name}\t{number}\t{NULL}\t{NULL}")
        return name, number

    for p in persons:
        if p.foreign:  # their family lives abroad: no relatives on the Vietnamese record
            continue
        southern = places.LEGACY[p.legacy].southern
        guardian: tuple[str, str] | None = None
        if p.father >= 0:
            linked(p, RelativeKind.FATHER, persons[p.father])
        elif p.age < 75 and rng.random() < 0.75:
            guardian = named(
                p, RelativeKind.FATHER, False, p.birth.year - rng.randint(22, 40), p.family
            )
        if p.mother >= 0:
            linked(p, RelativeKind.MOTHER, persons[p.mother])
        elif p.age < 75 and rng.random() < 0.8:
            family = names.surname(rng, p.ethnicity, southern)
            guardian = named(
                p, RelativeKind.MOTHER, True, p.birth.year - rng.randint(19, 38), family
            )
        if p.spouse >= 0:
            linked(p, RelativeKind.SPOUSE, persons[p.spouse])
        elif (
            (p.household < 0 or len(households[p.household].members) == 1)
            and p.age >= 28
            and rng.random() < 0.25
        ):  # living apart from a spouse outside the data set (working away, say)
            year = p.birth.year + rng.randint(-6, 3)
            named(
                p,
                RelativeKind.SPOUSE,
                not p.female,
                year,
                names.surname(rng, p.ethnicity, southern),
            )
        if p.age >= 18:
            continue
        # A minor's legal representative: a parent, else the head of the household (grandparent).
        # Some are guardians outside the data set (a parent working abroad, a grandparent in
        # another province), recorded by name and personal ID only: the API shows a
        # representative whose record the caller may not see (a ministry's) the same way, so
        # such records must be ordinary, not rare.
        parents = [i for i in (p.mother, p.father) if i >= 0]
        head = households[p.household].head if p.household >= 0 else -1
        if rng.random() < _GUARDIAN_ELSEWHERE:
            named(
                p,
                RelativeKind.LEGAL_REPRESENTATIVE,
                rng.random() < 0.5,
                p.birth.year - rng.randint(20, 50),
                names.surname(rng, p.ethnicity, southern),
                known=1.0,
            )
        elif parents:
            linked(p, RelativeKind.LEGAL_REPRESENTATIVE, persons[rng.choice(parents)])
        elif head >= 0 and head != p.idx and persons[head].age >= 18:
            linked(p, RelativeKind.LEGAL_REPRESENTATIVE, persons[head])
        elif guardian is not None:
            out.append(
                f"{p.pid}\t{RelativeKind.LEGAL_REPRESENTATIVE.value}\t{guardian[0]}\t{guardian[1]}\t{NULL}\t{NULL}"
            )
        else:
            named(
                p,
                RelativeKind.LEGAL_REPRESENTATIVE,
                rng.random() < 0.5,
                p.birth.year - rng.randint(20, 50),
                names.surname(rng, p.ethnicity, southern),
            )
    return out

"""Persons of one chunk: age and sex from Vietnam's population pyramid, birth dates (some known
only to the year or month), education, and the few managed by the ministries of Defence or Public
Security. Households and names come later (family.py), because they depend on each other."""

import random
from dataclasses import dataclass, field
from datetime import date

from db.enums import DatePrecision, ManagingAuthority
from db.seed import common
from db.seed.common import add_years, cumulative, month_index, weighted

# Population by five-year age group, millions (GSO estimates for 2024, rounded): 0–4 … 95–99.
_PYRAMID = (
    7.0,
    8.0,
    8.1,
    7.0,
    6.7,
    7.3,
    8.2,
    8.0,
    7.4,
    6.9,
    6.1,
    5.4,
    4.7,
    3.7,
    2.5,
    1.5,
    1.0,
    0.6,
    0.3,
    0.1,
)
_PYRAMID_CUM = cumulative(_PYRAMID)
_GROUPS = tuple(range(len(_PYRAMID)))

_FINANCE = ManagingAuthority.FINANCE.value
EDU_BASIC = 0
EDU_VOCATIONAL = 1
EDU_UNIVERSITY = 2


@dataclass(slots=True)
class Person:
    """One person while the chunk is being built; `idx` is the position within the chunk."""

    idx: int
    pid: int
    female: bool
    birth: date
    precision: str
    education: int
    birth_month: int = 0  # month index of the birth date
    authority: str = ManagingAuthority.FINANCE.value
    cipher: bool = False  # Ban Cơ yếu staff (BHYT category CY), under the Ministry of Defence
    died: date | None = None  # drawn by deaths.py; nothing of the person's is dated after it
    # Family links, as chunk indexes (-1: none in the data set).
    household: int = -1
    relation: str = ""
    father: int = -1
    mother: int = -1
    spouse: int = -1
    children: list[int] = field(default_factory=list)
    # Places and identity, filled by family.py.
    legacy: str = ""  # legacy province of residence
    birth_legacy: str = ""
    ethnicity: str = "01"
    family: str = ""
    name: str = ""
    number: str = ""  # personal ID (số định danh cá nhân); none for a foreign worker
    nationality: str = "VN"
    passport: str = ""  # a foreign worker's passport number (identity.py)
    hometown: str = ""
    residence: str = ""

    @property
    def age(self) -> int:
        """Age in whole years on the seed's today."""
        b = self.birth
        return (
            common.AS_OF.year - b.year - ((common.AS_OF.month, common.AS_OF.day) < (b.month, b.day))
        )

    def age_at(self, m: int) -> int:
        """Age in whole years at the start of month index `m`."""
        months = m - self.birth_month - (1 if self.birth.day > 1 else 0)
        return months // 12

    @property
    def restricted(self) -> bool:
        return self.authority != _FINANCE

    @property
    def foreign(self) -> bool:
        return self.nationality != "VN"


def _female_share(age: int) -> float:
    # Women outlive men: the older groups are increasingly female.
    if age < 60:
        return 0.495
    if age < 70:
        return 0.53
    if age < 80:
        return 0.57
    return 0.65


def _birth(rng: random.Random, age: int) -> tuple[date, str]:
    latest = add_years(common.AS_OF, -age).toordinal()
    earliest = add_years(common.AS_OF, -age - 1).toordinal() + 1
    birth = date.fromordinal(rng.randint(earliest, latest))
    # Old records often hold only the year (recorded as 1 January) or the month.
    vague = 0.30 if age >= 60 else 0.09 if age >= 40 else 0.03 if age >= 18 else 0.01
    r = rng.random()
    if r < vague * 0.6:
        return date(birth.year, 1, 1), DatePrecision.YEAR.value
    if r < vague:
        return birth.replace(day=1), DatePrecision.MONTH.value
    return birth, DatePrecision.DAY.value


def _education(rng: random.Random, birth_year: int) -> int:
    university, vocational = (
        (0.28, 0.15) if birth_year >= 1990 else (0.18, 0.12) if birth_year >= 1975 else (0.08, 0.08)
    )
    r = rng.random()
    return (
        EDU_UNIVERSITY
        if r < university
        else EDU_VOCATIONAL
        if r < university + vocational
        else EDU_BASIC
    )


def draw_persons(rng: random.Random, count: int, first_pid: int) -> list[Person]:
    persons = []
    for i in range(count):
        group = weighted(rng, _GROUPS, _PYRAMID_CUM)
        age = group * 5 + rng.randrange(5)
        female = rng.random() < _female_share(age)
        birth, precision = _birth(rng, age)
        p = Person(i, first_pid + i, female, birth, precision, _education(rng, birth.year))
        p.birth_month = month_index(birth.year, birth.month)
        # About 1 % of people are officers of the armed forces or police (mostly men, 20–55).
        if 20 <= p.age <= 55 and rng.random() < (0.0057 if female else 0.032):
            if rng.random() < 0.6:
                p.authority = ManagingAuthority.DEFENCE.value
                p.cipher = rng.random() < 0.04
            else:
                p.authority = ManagingAuthority.PUBLIC_SECURITY.value
        persons.append(p)
    return persons

"""Households of one chunk, formed from persons whose ages and sexes are already drawn, so that
the population keeps the national pyramid while every relation is consistent with ages: couples of
similar age, children 18–45 years younger than their mother, parents of the head 18–45 years older.

A head nobody joins keeps a household of one (about one household in eight in Vietnam lives
alone, 2019 census, unverified); other persons no household takes (young workers living away
from a registered household…) stay without one. A household has 1–6 members and exactly one head.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from db.enums import HouseholdRelation as Rel
from db.seed.people import Person

MAX_SIZE = 6
_MAX_AGE = 110
_ALONE = (0.12, 0.4)  # chance that an adult no household took lives alone: under 60, 60 and over


@dataclass(slots=True)
class Household:
    head: int
    members: list[tuple[int, str]] = field(default_factory=list)  # (person idx, relation)
    mother: int = -1  # the female partner: children are matched to her age
    father: int = -1
    children: list[int] = field(default_factory=list)  # birth months of the CHILD members
    parents: int = 0
    # Filled by identity.py and health.py.
    legacy: str = ""
    address: str = ""
    poverty: str = ""  # "HN" poor, "CN" near-poor, "" neither
    buys_bhyt: float = 0.0  # chance per year that the household buys BHYT for uncovered members


def _married_share(age: int) -> float:
    if age < 20:
        return 0.0
    if age < 25:
        return 0.25
    if age < 30:
        return 0.6
    if age < 35:
        return 0.82
    if age < 60:
        return 0.9
    if age < 70:
        return 0.85
    if age < 80:
        return 0.7
    return 0.5


class _Pools:
    """Unassigned persons by sex and age, for matching partners, children and parents."""

    def __init__(self, persons: list[Person]) -> None:
        self.by: list[list[list[int]]] = [[[] for _ in range(_MAX_AGE)] for _ in range(2)]
        self.assigned = [False] * len(persons)
        for p in persons:
            self.by[p.female][p.age].append(p.idx)

    def take(self, female: bool, age: int) -> int:
        if not 0 <= age < _MAX_AGE:
            return -1
        bucket = self.by[female][age]
        while bucket:
            idx = bucket.pop()
            if not self.assigned[idx]:
                self.assigned[idx] = True
                return idx
        return -1


def form_households(rng: random.Random, persons: list[Person]) -> list[Household]:
    pools = _Pools(persons)
    households: list[Household] = []
    for bucket in (b for sex in pools.by for b in sex):
        rng.shuffle(bucket)

    def join(h: int, idx: int, relation: str) -> None:
        households[h].members.append((idx, relation))
        persons[idx].household = h
        persons[idx].relation = relation
        pools.assigned[idx] = True

    # Couples: each man who marries takes a woman of about his age (usually a little younger).
    men = [p.idx for p in persons if not p.female and p.age >= 20]
    rng.shuffle(men)
    for idx in men:
        man = persons[idx]
        if pools.assigned[idx] or rng.random() >= _married_share(man.age):
            continue
        target = man.age - round(rng.triangular(-2, 10, 3))
        woman = -1
        for delta in (0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5):
            if target + delta >= 18:
                woman = pools.take(True, target + delta)
                if woman >= 0:
                    break
        if woman < 0:
            continue
        pools.assigned[idx] = True
        head, partner = (woman, idx) if rng.random() < 0.15 else (idx, woman)
        households.append(Household(head=head, mother=woman, father=idx))
        join(len(households) - 1, head, Rel.HEAD.value)
        join(len(households) - 1, partner, Rel.SPOUSE.value)
        man.spouse, persons[woman].spouse = woman, idx

    # Some unmarried adults head a household of their own that children may join.
    for p in persons:
        if (
            not pools.assigned[p.idx]
            and 28 <= p.age <= 60
            and rng.random() < (0.15 if p.female else 0.05)
        ):
            households.append(
                Household(
                    head=p.idx, mother=p.idx if p.female else -1, father=-1 if p.female else p.idx
                )
            )
            join(len(households) - 1, p.idx, Rel.HEAD.value)

    by_parent_age: list[list[int]] = [[] for _ in range(_MAX_AGE)]
    by_head_age: list[list[int]] = [[] for _ in range(_MAX_AGE)]
    for h, hh in enumerate(households):
        parent = hh.mother if hh.mother >= 0 else hh.head
        by_parent_age[persons[parent].age].append(h)
        by_head_age[persons[hh.head].age].append(h)

    def find(index: list[list[int]], ages: range, ok: Callable[[Household], bool]) -> int:
        """A household with room among those whose indexed member has one of `ages`."""
        order = list(ages)
        rng.shuffle(order)
        for age in order:
            if not 0 <= age < _MAX_AGE:
                continue
            bucket = index[age]
            if not bucket:
                continue
            start = rng.randrange(len(bucket))
            for k in range(len(bucket)):
                h = bucket[(start + k) % len(bucket)]
                if len(households[h].members) < MAX_SIZE and ok(households[h]):
                    return h
        return -1

    # Children, youngest first: minors always live with family; adult children often do.
    young = sorted(
        (p for p in persons if not pools.assigned[p.idx] and p.age < 30), key=lambda p: p.age
    )
    for p in young:
        if p.age >= 18 and rng.random() >= (0.85 if p.age < 25 else 0.5):
            continue
        fits = _child_fits(p.birth_month)
        h = find(by_parent_age, range(p.age + 20, p.age + 36), fits)
        if h < 0:
            h = find(by_parent_age, range(p.age + 18, p.age + 46), fits)
        if h >= 0:
            hh = households[h]
            join(h, p.idx, Rel.CHILD.value)
            hh.children.append(p.birth_month)
            if hh.mother >= 0:
                p.mother = hh.mother
                persons[hh.mother].children.append(p.idx)
            if hh.father >= 0 and 18 <= persons[hh.father].age - p.age <= 60:
                p.father = hh.father
                persons[hh.father].children.append(p.idx)
        elif p.age < 18:
            h = find(by_head_age, range(p.age + 36, p.age + 80), _any)
            if h >= 0:
                join(h, p.idx, Rel.GRANDCHILD.value)

    # Widowed or single elderly often live with a grown child's household.
    for p in persons:
        if pools.assigned[p.idx] or p.age < 60 or rng.random() >= 0.65:
            continue
        h = find(by_head_age, range(p.age - 45, p.age - 17), _parent_fits(persons, p))
        if h >= 0:
            join(h, p.idx, Rel.PARENT.value)
            households[h].parents += 1
            grown = persons[households[h].head]
            if p.female:
                grown.mother = p.idx
            else:
                grown.father = p.idx
            p.children.append(grown.idx)

    # A few unattached adults live with a brother or sister.
    for p in persons:
        if not pools.assigned[p.idx] and 18 <= p.age <= 45 and rng.random() < 0.2:
            h = find(by_head_age, range(p.age - 12, p.age + 13), _any)
            if h >= 0:
                join(h, p.idx, Rel.SIBLING.value)

    # Some who are left live alone, a household of their own: the widowed old most often.
    for p in persons:
        if not pools.assigned[p.idx] and p.age >= 25 and rng.random() < _ALONE[p.age >= 60]:
            households.append(Household(head=p.idx))
            join(len(households) - 1, p.idx, Rel.HEAD.value)

    return _number(households, persons)


def _child_fits(born: int) -> Callable[[Household], bool]:
    """At most five children, born at least fifteen months apart (twins aside, which we skip)."""

    def fits(hh: Household) -> bool:
        return len(hh.children) < 5 and all(abs(born - b) >= 15 for b in hh.children)

    return fits


def _any(hh: Household) -> bool:
    return True


def _parent_fits(persons: list[Person], p: Person) -> Callable[[Household], bool]:
    def fits(hh: Household) -> bool:
        if hh.parents >= 2:
            return False
        head = persons[hh.head]
        return (head.mother if p.female else head.father) < 0

    return fits


def _number(households: list[Household], persons: list[Person]) -> list[Household]:
    """Households in order; a lone head is a household of one if an adult, else lives in none."""
    kept: list[Household] = []
    for hh in households:
        if len(hh.members) < 2 and persons[hh.head].age < 18:
            for idx, _ in hh.members:
                persons[idx].household = -1
                persons[idx].relation = ""
            continue
        for idx, _ in hh.members:
            persons[idx].household = len(kept)
        kept.append(hh)
    return kept

"""The per-request loader set: one DataLoader per relation, each batching into one statement.

Loaders are built per request (never module-global: they cache rows the caller was allowed to
fetch). Paged relations key on (parent id, page arguments); keys that share arguments, which is
every key of one field in one query, go to the database together. A relation whose statement
carries the rows it names (db.queries.compile.carry) primes their loader with them: reading a
relative's person or a period's employer next costs no statement.
"""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from aiodataloader import DataLoader

from db.identifiers import BHXH_CODE_LENGTH
from db.queries import (
    access_log,
    change_log,
    consent,
    employer,
    health_contributions,
    health_insurance,
    household,
    person,
    social_insurance,
)
from db.queries import unemployment_insurance as unemployment
from db.session import Reader, Row
from graph.authz.policy import ListScope

A = TypeVar("A", bound=Hashable)
T = TypeVar("T")
Loader = DataLoader[Any, Any]


@dataclass(frozen=True)
class PagedKey(Generic[A]):
    parent: int
    args: A


def _loader(db: Reader, fetch: Callable[[Reader, list[Any]], Awaitable[list[Any]]]) -> Loader:
    async def batch(keys: list[Any]) -> list[Any]:
        return await fetch(db, keys)

    return DataLoader(batch)


def _paged_loader(
    db: Reader, fetch: Callable[[Reader, list[int], Any], Awaitable[list[list[Row]]]]
) -> Loader:
    async def batch(keys: list[PagedKey[Any]]) -> list[list[Row]]:
        by_args: dict[Any, list[int]] = defaultdict(list)
        for key in keys:
            by_args[key.args].append(key.parent)
        results: dict[PagedKey[Any], list[Row]] = {}
        for args, parents in by_args.items():
            unique = list(dict.fromkeys(parents))
            for parent, rows in zip(unique, await fetch(db, unique, args), strict=True):
                results[PagedKey(parent, args)] = rows
        return [results[key] for key in keys]

    return DataLoader(batch)


async def _priming(target: Loader, fetched: Awaitable[tuple[T, list[Row]]]) -> T:
    """A relation whose statement carries the related rows (db.queries.compile.carried): they
    prime `target`, so loading them next costs no statement. Priming leaves a key `target`
    already holds as it is: within a request, the first row read of a record is the one used."""
    found, related = await fetched
    for row in related:
        target.prime(row["id"], row)
    return found


def prime_social_insurance(records: Loader, carried: Mapping[int, Row | None]) -> None:
    """The social insurance records (or their absence, None) that a statement of persons
    carried (db.queries.person.social_insurance_of), by person id: loading them next costs no
    statement (as `_priming`)."""
    for person_id, record in carried.items():
        records.prime(person_id, record)


async def _with_social_insurance(
    fetched: Awaitable[tuple[list[Row | None], dict[int, Row | None]]], records: Loader
) -> list[Row | None]:
    found, carried = await fetched
    prime_social_insurance(records, carried)
    return found


async def _memberships(
    fetched: Awaitable[household.Memberships],
    households: Loader,
    members: Loader,
    persons: Loader,
) -> list[Row | None]:
    """Memberships, priming what reading their households reads next (as `_priming`)."""
    found = await fetched
    for row in found.households:
        households.prime(row["id"], row)
    for household_id, rows in found.members.items():
        members.prime(household_id, rows)
    for row in found.persons:
        persons.prime(row["id"], row)
    return found.by_person


class Loaders:
    """The request's loaders, each built on first use: most requests read a few relations, and
    building a DataLoader costs more than most of them cost to use."""

    person_by_id: Loader
    person_by_key: Loader
    """By either key, as graph.validation.person_key checks a write's argument."""
    relatives: Loader
    household_membership: Loader
    household: Loader
    household_members: Loader
    employer_by_id: Loader
    employer_by_tax_code: Loader
    employees: Loader
    social_insurance: Loader
    contribution_periods: Loader
    contribution_totals: Loader
    benefits: Loader
    current_card: Loader
    card_by_code: Loader
    card_by_short_code: Loader
    cards: Loader
    health_contributions: Loader
    medical_visits: Loader
    unemployment_benefits: Loader
    consents: Loader
    access_log: Loader
    change_log: Loader

    def __init__(self, db: Reader, scope: ListScope) -> None:
        self._db = db
        self._scope = scope

    @property
    def db(self) -> Reader:
        return self._db

    @property
    def scope(self) -> ListScope:
        return self._scope

    def __getattr__(self, name: str) -> Loader:
        # Only called for a loader not built yet (a built one is an instance attribute).
        build = _BUILDERS.get(name)
        if build is None:
            raise AttributeError(name)
        loader = self.__dict__[name] = build(self)
        return loader

    async def citizen(self, subject: str) -> Row | None:
        """The record of the citizen a token's subject names: by personal ID, or, for a person
        without one, by BHXH code (graph.authz.policy.citizen_subject)."""
        row: Row | None = await self.person_by_key.load(subject)
        if row is not None and len(subject) == BHXH_CODE_LENGTH and row["identification_number"]:
            return None  # a person with a personal ID is never the subject of their BHXH code
        return row

    def clear(self) -> None:
        """Forget every cached row: a write of this request has made them stale."""
        for name in _BUILDERS:
            if (loader := self.__dict__.get(name)) is not None:
                loader.clear_all()

    def close(self) -> None:
        """At the request's end: drop the built loaders. A loader's batch function may name this
        set (a relation that primes another), a cycle that only the collector would free, with
        every row the request read; without it, freeing them is the reference count's work."""
        for name in _BUILDERS:
            self.__dict__.pop(name, None)

    @classmethod
    def build(cls, db: Reader, *, scope: ListScope) -> "Loaders":
        return cls(db, scope)


def _employees(ls: Loaders) -> Loader:
    scope = ls.scope
    listed = person.list_params(scope.authorities, scope.employed_authorities, scope.employer)
    return _paged_loader(ls.db, lambda d, keys, a: employer.employees_page(d, keys, a.page, listed))


def _memberships_loader(ls: Loaders) -> Loader:
    return _loader(
        ls.db,
        lambda d, keys: _memberships(
            household.memberships_by_person(d, keys),
            ls.household,
            ls.household_members,
            ls.person_by_id,
        ),
    )


_BUILDERS: dict[str, Callable[[Loaders], Loader]] = {
    "person_by_id": lambda ls: _loader(ls.db, person.persons_by_id),
    "person_by_key": lambda ls: _loader(
        ls.db,
        lambda d, keys: _with_social_insurance(person.persons_by_key(d, keys), ls.social_insurance),
    ),
    "relatives": lambda ls: _loader(
        ls.db, lambda d, keys: _priming(ls.person_by_id, person.relatives_by_person(d, keys))
    ),
    "household_membership": _memberships_loader,
    "household": lambda ls: _loader(ls.db, household.households_by_id),
    "household_members": lambda ls: _loader(
        ls.db, lambda d, keys: _priming(ls.person_by_id, household.members_by_household(d, keys))
    ),
    "employer_by_id": lambda ls: _loader(ls.db, employer.employers_by_id),
    "employer_by_tax_code": lambda ls: _loader(ls.db, employer.employers_by_tax_code),
    "employees": _employees,
    "social_insurance": lambda ls: _loader(ls.db, social_insurance.social_insurance_by_person),
    "contribution_periods": lambda ls: _paged_loader(
        ls.db,
        lambda d, keys, a: _priming(
            ls.employer_by_id,
            social_insurance.contribution_periods_page(
                d,
                keys,
                a.page,
                schemes=a.schemes,
                from_month=a.start,
                to_month=a.end,
                employer_id=a.employer_id,
            ),
        ),
    ),
    "contribution_totals": lambda ls: _loader(
        ls.db, social_insurance.contribution_totals_by_person
    ),
    "benefits": lambda ls: _paged_loader(
        ls.db,
        lambda d, keys, a: social_insurance.benefits_page(
            d, keys, a.page, from_month=a.start, to_month=a.end
        ),
    ),
    "current_card": lambda ls: _loader(ls.db, health_insurance.current_cards_by_person),
    "card_by_code": lambda ls: _loader(ls.db, health_insurance.cards_by_code),
    "card_by_short_code": lambda ls: _loader(ls.db, health_insurance.cards_by_short_code),
    "cards": lambda ls: _paged_loader(
        ls.db,
        lambda d, keys, a: health_insurance.cards_page(
            d, keys, a.page, from_date=a.start, to_date=a.end
        ),
    ),
    "health_contributions": lambda ls: _paged_loader(
        ls.db,
        lambda d, keys, a: health_contributions.contributions_page(
            d, keys, a.page, from_month=a.start, to_month=a.end
        ),
    ),
    "medical_visits": lambda ls: _paged_loader(
        ls.db,
        lambda d, keys, a: health_insurance.visits_page(
            d, keys, a.page, from_date=a.start, to_date=a.end, facility=a.facility_code
        ),
    ),
    "unemployment_benefits": lambda ls: _loader(
        ls.db, unemployment.unemployment_benefits_by_person
    ),
    "consents": lambda ls: _paged_loader(
        ls.db, lambda d, keys, a: consent.consents_page(d, keys, a.page)
    ),
    "access_log": lambda ls: _paged_loader(
        ls.db, lambda d, keys, a: access_log.access_log_page(d, keys, a.page)
    ),
    "change_log": lambda ls: _paged_loader(
        ls.db, lambda d, keys, a: change_log.change_log_page(d, keys, a.page)
    ),
}

"""Batch forms of the async resolvers a book calls per object: one `load_many` per level instead
of one coroutine per object. Each does what its resolver does, with the same functions (the
loader key and its errors, then the value built from the rows: graph.types), per object in
order; an error of one object is that object's value."""

from collections.abc import Callable, Sequence
from typing import Any, Final

from db.enums import Scheme
from db.session import Row
from graph.authz.permissions import require_whole_history
from graph.authz.policy import DataGroup
from graph.compiled.info import Batch, PlanInfo
from graph.loaders import Loaders
from graph.types.employer import Employer
from graph.types.health_contribution import contributions_key, contributions_page
from graph.types.health_insurance import (
    HealthInsuranceCard,
    cards_key,
    cards_page,
    medical_visits_key,
    visits_page,
)
from graph.types.person import Person, Relative
from graph.types.social_insurance import (
    SocialInsurance,
    benefits_key,
    benefits_page,
    contribution_page,
    contribution_periods_key,
    scheme_totals,
)
from graph.types.unemployment_insurance import UnemploymentBenefitDecision

_SKIP: Final = object()
"""A key function's answer for an object whose value is None without a look-up."""

Key = Callable[[Any, dict[str, Any]], Any]
Build = Callable[[Any, Any, dict[str, Any]], Any]
Arg = Callable[[dict[str, Any]], Any]


def loaded(loader: Callable[[Loaders], Any], key: Key, build: Build) -> Batch:
    """`key(source, kwargs)` for each object (an exception is its value), one `load_many` of
    the keys, then `build(source, loaded, kwargs)`."""

    async def batch(info: PlanInfo, sources: Sequence[Any], kwargs: dict[str, Any]) -> list[Any]:
        values: list[Any] = [None] * len(sources)
        wanted: list[tuple[int, Any]] = []
        for i, source in enumerate(sources):
            try:
                k = key(source, kwargs)
            except Exception as error:
                values[i] = error
                continue
            if k is not _SKIP:
                wanted.append((i, k))
        if not wanted:
            return values
        found = await loader(info.context.loaders).load_many([k for _, k in wanted])
        for (i, _), result in zip(wanted, found, strict=True):
            try:
                values[i] = build(sources[i], result, kwargs)
            except Exception as error:
                values[i] = error
        return values

    return batch


def _whole_history(group: DataGroup) -> Key:
    def key(source: Any, _kwargs: dict[str, Any]) -> int:
        require_whole_history(source.access, group)
        return int(source.person_id)

    return key


def paged_key(key: Callable[..., Any], start: str, end: str, *between: Arg) -> Key:
    """A paged field's loader key: `key(person_id, access, first, after, *between, start, end)`
    as its resolver builds it. `first` always arrives: the schema defaults it."""
    return lambda s, kw: key(
        s.person_id,
        s.access,
        kw["first"],
        kw.get("after"),
        *(b(kw) for b in between),
        kw.get(start),
        kw.get(end),
    )


def _paged(loader: Callable[[Loaders], Any], key: Key, page: Callable[[Any, int], Any]) -> Batch:
    """A paged field: its loader key, then `page(rows, first)`."""
    return loaded(loader, key, lambda _s, rows, kw: page(rows, kw["first"]))


async def _relative_persons(
    info: PlanInfo, sources: Sequence[Any], _kwargs: dict[str, Any]
) -> list[Any]:
    """Relative.person: the linked records, admitted as `Person.admit` admits them."""
    linked = [s.relative_person_id for s in sources if s.relative_person_id is not None]
    if not linked:
        return [None] * len(sources)
    rows: list[Row | None] = await info.context.loaders.person_by_id.load_many(linked)
    accesses = await info.context.require_facts().access_many(rows)
    people = iter(
        Person(row=row, access=access) if row is not None and access else None
        for row, access in zip(rows, accesses, strict=True)
    )
    return [None if s.relative_person_id is None else next(people) for s in sources]


def _unemployment_scheme(_kwargs: dict[str, Any]) -> Any:
    return [Scheme.UNEMPLOYMENT]


PAGED_KEYS: dict[tuple[str, str], Key] = {
    ("Person", "medicalVisits"): paged_key(medical_visits_key, "from_date", "to_date"),
    ("SocialInsurance", "benefits"): paged_key(benefits_key, "from_month", "to_month"),
    ("SocialInsurance", "contributionPeriods"): paged_key(
        contribution_periods_key, "from_month", "to_month", lambda kw: kw.get("schemes")
    ),
    ("UnemploymentInsurance", "contributionPeriods"): paged_key(
        contribution_periods_key, "from_month", "to_month", _unemployment_scheme
    ),
    ("HealthInsurance", "cards"): paged_key(cards_key, "from_date", "to_date"),
    ("HealthInsurance", "contributions"): paged_key(contributions_key, "from_month", "to_month"),
}
"""The loader key of each paged field (graph.compiled.json_pages keys its statements alike)."""


def _page(
    field: tuple[str, str], loader: Callable[[Loaders], Any], page: Callable[..., Any]
) -> Batch:
    return _paged(loader, PAGED_KEYS[field], page)


BATCHES: dict[tuple[str, str], Batch] = {
    ("Person", "socialInsurance"): loaded(
        lambda ls: ls.social_insurance,
        lambda s, _: s.person_id,
        lambda s, row, _: SocialInsurance.from_row(row, s.access, s.row) if row else None,
    ),
    ("Person", "relatives"): loaded(
        lambda ls: ls.relatives,
        lambda s, _: s.row["id"],
        lambda _s, rows, _: [Relative.from_row(r) for r in rows],
    ),
    ("Person", "medicalVisits"): _page(
        ("Person", "medicalVisits"), lambda ls: ls.medical_visits, visits_page
    ),
    ("Relative", "person"): _relative_persons,
    ("SocialInsurance", "totals"): loaded(
        lambda ls: ls.contribution_totals,
        _whole_history(DataGroup.SOCIAL_INSURANCE),
        lambda _s, rows, _: scheme_totals(rows),
    ),
    ("SocialInsurance", "pension"): loaded(
        lambda ls: ls.contribution_totals,
        _whole_history(DataGroup.SOCIAL_INSURANCE),
        lambda s, rows, _: s.pension_standing(rows),
    ),
    ("SocialInsurance", "benefits"): _page(
        ("SocialInsurance", "benefits"), lambda ls: ls.benefits, benefits_page
    ),
    ("SocialInsurance", "contributionPeriods"): _page(
        ("SocialInsurance", "contributionPeriods"),
        lambda ls: ls.contribution_periods,
        contribution_page,
    ),
    ("UnemploymentInsurance", "contributionPeriods"): _page(
        ("UnemploymentInsurance", "contributionPeriods"),
        lambda ls: ls.contribution_periods,
        contribution_page,
    ),
    ("UnemploymentInsurance", "decisions"): loaded(
        lambda ls: ls.unemployment_benefits,
        _whole_history(DataGroup.UNEMPLOYMENT_INSURANCE),
        lambda _s, rows, _: [UnemploymentBenefitDecision.from_row(r) for r in rows],
    ),
    ("HealthInsurance", "currentCard"): loaded(
        lambda ls: ls.current_card,
        lambda s, _: s.person_id,
        lambda _s, row, _: HealthInsuranceCard(row=row) if row else None,
    ),
    ("HealthInsurance", "cards"): _page(
        ("HealthInsurance", "cards"), lambda ls: ls.cards, cards_page
    ),
    ("HealthInsurance", "contributions"): _page(
        ("HealthInsurance", "contributions"), lambda ls: ls.health_contributions, contributions_page
    ),
    ("ContributionPeriod", "employer"): loaded(
        lambda ls: ls.employer_by_id,
        lambda s, _: _SKIP if s.row["employer_id"] is None else s.row["employer_id"],
        lambda _s, row, _: Employer.from_row(row) if row else None,
    ),
}

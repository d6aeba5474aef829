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


def _paged(
    loader: Callable[[Loaders], Any],
    key: Callable[..., Any],
    page: Callable[[Any, int], Any],
    start: str,
    end: str,
    *between: Callable[[dict[str, Any]], Any],
) -> Batch:
    """A paged field: `key(person_id, access, first, after, *between, start, end)` as its
    resolver builds it, then `page(rows, first)`. `first` always arrives: the schema defaults it."""
    return loaded(
        loader,
        lambda s, kw: key(
            s.person_id,
            s.access,
            kw["first"],
            kw.get("after"),
            *(b(kw) for b in between),
            kw.get(start),
            kw.get(end),
        ),
        lambda _s, rows, kw: page(rows, kw["first"]),
    )


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
    ("Person", "medicalVisits"): _paged(
        lambda ls: ls.medical_visits, medical_visits_key, visits_page, "from_date", "to_date"
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
    ("SocialInsurance", "benefits"): _paged(
        lambda ls: ls.benefits, benefits_key, benefits_page, "from_month", "to_month"
    ),
    ("SocialInsurance", "contributionPeriods"): _paged(
        lambda ls: ls.contribution_periods,
        contribution_periods_key,
        contribution_page,
        "from_month",
        "to_month",
        lambda kw: kw.get("schemes"),
    ),
    ("UnemploymentInsurance", "contributionPeriods"): _paged(
        lambda ls: ls.contribution_periods,
        contribution_periods_key,
        contribution_page,
        "from_month",
        "to_month",
        _unemployment_scheme,
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
    ("HealthInsurance", "cards"): _paged(
        lambda ls: ls.cards, cards_key, cards_page, "from_date", "to_date"
    ),
    ("HealthInsurance", "contributions"): _paged(
        lambda ls: ls.health_contributions,
        contributions_key,
        contributions_page,
        "from_month",
        "to_month",
    ),
    ("ContributionPeriod", "employer"): loaded(
        lambda ls: ls.employer_by_id,
        lambda s, _: _SKIP if s.row["employer_id"] is None else s.row["employer_id"],
        lambda _s, row, _: Employer.from_row(row) if row else None,
    ),
}

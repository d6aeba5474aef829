"""Paged fields whose whole selection PostgreSQL writes: the page statement returns, per parent,
the JSON text of the connection exactly as the plan selects it (keys, aliases, `__typename`,
order), and the response carries that text as it is (`orjson.Fragment`): no row, node object
or completed field passes through Python.

A field qualifies when its page is registered here (`PAGES`) and every field selected below it
has an SQL form (db.queries.json_forms) that writes what its resolver returns — no arguments,
no permission, no list of leaves, no null where the type says non-null. Otherwise the field
is resolved as before. Keys, arguments and access checks are the resolver's own (its loader
key function): the errors and the access log do not change; the statement does not grow in
number (one per page and set of arguments, as the loader's).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, Final, cast

import orjson
from graphql import (
    GraphQLBoolean,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLScalarType,
    GraphQLString,
)
from strawberry.schema.schema_converter import CustomGraphQLEnumType

from db.queries import json_pages as sql
from db.queries.health_contributions import CONTRIBUTIONS_PAGE
from db.queries.health_insurance import CARDS_PAGE, VISITS_PAGE
from db.queries.json_forms import (
    BENEFIT,
    CARD,
    CONTRIBUTION_PERIOD,
    HEALTH_CONTRIBUTION,
    PERIOD_EMPLOYER_JOIN,
    VISIT,
    Forms,
    Leaf,
    Leaves,
    Many,
    Obj,
)
from db.queries.social_insurance import BENEFITS_PAGE, CONTRIBUTION_PERIODS_PAGE
from db.session import Query
from graph.compiled.batches import PAGED_KEYS, Key
from graph.compiled.info import Batch, PlanInfo
from graph.loaders import PagedKey
from graph.pagination import PageArgs

if TYPE_CHECKING:
    from graph.compiled.plan import FieldPlan, ObjectPlan


class NotWritten(Exception):
    """Some field below has no SQL form."""


@dataclass(frozen=True)
class Page:
    query: Query
    sort: str
    sort_type: type[date]
    node: Forms
    params: Callable[[PageArgs], dict[str, Any]]
    """The statement's filter parameters, as the loader passes them (graph.loaders)."""
    joins: str = ""
    """Joined to each page row `e` (db.queries.json_pages.page_statement)."""


def _months(args: PageArgs) -> dict[str, Any]:
    return {"start": args.start, "end": args.end}


def _periods(args: PageArgs) -> dict[str, Any]:
    return {
        **_months(args),
        "schemes": list(args.schemes) if args.schemes else None,
        "employer": args.employer_id,
    }


_PERIODS: Final = Page(
    CONTRIBUTION_PERIODS_PAGE,
    "from_month",
    date,
    CONTRIBUTION_PERIOD,
    _periods,
    PERIOD_EMPLOYER_JOIN.format(row=sql.EDGE),
)

PAGES: Final[Mapping[tuple[str, str], Page]] = {
    ("SocialInsurance", "contributionPeriods"): _PERIODS,
    ("UnemploymentInsurance", "contributionPeriods"): _PERIODS,
    ("SocialInsurance", "benefits"): Page(BENEFITS_PAGE, "period_from", date, BENEFIT, _months),
    ("HealthInsurance", "cards"): Page(CARDS_PAGE, "valid_from", date, CARD, _months),
    ("HealthInsurance", "contributions"): Page(
        CONTRIBUTIONS_PAGE, "from_month", date, HEALTH_CONTRIBUTION, _months
    ),
    ("Person", "medicalVisits"): Page(
        VISITS_PAGE,
        "admitted_at",
        datetime,
        VISIT,
        lambda a: {**_months(a), "facility": a.facility_code},
    ),
}


def _leaf(type_: GraphQLLeafType, value: str) -> str:
    """`value` written as `type_` writes it (graph.compiled.leaves for the Python side)."""
    if type_ is GraphQLString or type_ is GraphQLInt or type_ is GraphQLBoolean:
        return value
    if type_ is GraphQLID:
        return sql.leaf_text(value)
    if type_ is GraphQLFloat:
        return sql.leaf_float(value)
    if isinstance(type_, CustomGraphQLEnumType):
        return sql.leaf_enum(value, _enum_names(type_))
    if isinstance(type_, GraphQLScalarType):
        written = _SCALARS.get(type_.name)
        if written is not None:
            return written(value)
    raise NotWritten(type_.name)


_SCALARS: Final[Mapping[str, Callable[[str], str]]] = {
    "Date": sql.leaf_date,
    "DateTime": sql.leaf_datetime,
    "YearMonth": sql.leaf_year_month,
    "Vnd": lambda value: value,
}


def _enum_names(type_: CustomGraphQLEnumType) -> list[tuple[str, str]]:
    """(stored value, GraphQL name) of each member: the resolvers build a member from the
    column's text (`Enum(row[...])`), and the enum type writes its name."""
    names = []
    for member in cast(type[Enum], type_.wrapped_cls):
        name = type_.serialize(member)
        if not isinstance(name, str) or not isinstance(member.value, str):
            raise NotWritten(type_.name)
        names.append((member.value, name))
    return names


class _Writer:
    """A selection's JSON expression, and the joins its leaves read."""

    def __init__(self) -> None:
        self.joins: dict[str, str] = {}

    def object(self, plan: "ObjectPlan", source: str, forms: Forms) -> str:
        by_key = {f.key: f for f in plan.fields}
        pairs = []
        for key, typename in plan.template.items():
            field = by_key.get(key)
            value = sql.literal(typename) if field is None else self.field(field, source, forms)
            pairs.append((key, value))
        return sql.json_object(pairs)

    def field(self, field: "FieldPlan", source: str, forms: Forms) -> str:
        form = forms.get(field.field_name)
        if form is None or field.index >= 0 or field.resolver.permissions:
            raise NotWritten(f"{field.parent_type}.{field.field_name}")
        value = form(source)
        if isinstance(value, Leaves):
            if field.leaf is None or not field.is_list or not field.item_nonnull:
                raise NotWritten(f"{field.parent_type}.{field.field_name}")
            return sql.leaves(value.sql, _leaf(field.leaf, "u.x"))
        if isinstance(value, Leaf):
            if field.leaf is None or field.is_list or (field.nonnull and value.nullable):
                raise NotWritten(f"{field.parent_type}.{field.field_name}")
            self.joins.update(value.joins)
            return _leaf(field.leaf, value.sql)
        if field.single is None:
            raise NotWritten(f"{field.parent_type}.{field.field_name}: a union")
        if isinstance(value, Many):
            if not field.is_list or not field.item_nonnull:
                raise NotWritten(f"{field.parent_type}.{field.field_name}")
            return value.aggregate(self.object(field.single, value.row, value.forms))
        if field.is_list or (field.nonnull and value.is_null is not None):
            raise NotWritten(f"{field.parent_type}.{field.field_name}")
        self.joins.update(value.joins)
        written = self.object(field.single, value.source, value.forms)
        return written if value.is_null is None else sql.nullable_object(value.is_null, written)


def _connection(page: Page) -> Forms:
    """graph.pagination.connection's fields: aggregates over the parent's page rows `e`."""
    sort = sql.leaf_datetime if page.sort_type is datetime else sql.leaf_date
    cursor = sql.cursor(sort(f"{sql.EDGE}.{page.sort}"))
    edge: Forms = {
        "cursor": lambda row: Leaf(cursor, False),
        "node": lambda row: Obj(row, page.node),
    }
    page_info: Forms = {
        "hasNextPage": lambda _: Leaf(sql.HAS_NEXT_PAGE, False),
        "endCursor": lambda _: Leaf(sql.end_cursor(cursor), True),
    }
    return {
        "totalCount": lambda _: Leaf(sql.TOTAL, False),
        "pageInfo": lambda row: Obj(row, page_info),
        "edges": lambda _: Many(sql.EDGE, edge, sql.edges),
    }


def written_page(field: "FieldPlan", statements: "Statements") -> Batch | None:
    """The batch that answers `field` with PostgreSQL's JSON, or None where it cannot (or
    `statements` are full)."""
    page = PAGES.get((field.parent_type, field.field_name))
    key = PAGED_KEYS.get((field.parent_type, field.field_name))
    if page is None or key is None or field.single is None or field.is_list:
        return None
    writer = _Writer()
    try:
        value = writer.object(field.single, sql.EDGE, _connection(page))
    except (NotWritten, sql.TooWide):
        return None
    joins = " ".join((page.joins, *writer.joins.values()))
    query = statements.get(
        sql.page_statement(page.query.name, page.query, "person_id", value, joins)
    )
    return None if query is None else _batch(page, query, key)


class Statements:
    """The written statements of a schema's plans, one Query per text, at most `limit` texts.

    Each text is a statement prepared on every pooled connection that runs it, for the life of
    the connection: texts come from documents, which callers choose, so their number is bounded
    here rather than by the plan cache (whose evicted plans' statements stay prepared). Beyond
    the bound a page is read as rows, as before."""

    def __init__(self, limit: int = 64) -> None:
        self.limit = limit
        self.known: dict[str, Query] = {}

    def get(self, query: Query) -> Query | None:
        known = self.known.get(query.sql)
        if known is None and len(self.known) < self.limit:
            known = self.known[query.sql] = query
        return known


def _batch(page: Page, query: Query, key: Key) -> Batch:
    async def batch(info: PlanInfo, sources: Any, kwargs: dict[str, Any]) -> list[Any]:
        values: list[Any] = [None] * len(sources)
        groups: dict[PageArgs, list[tuple[int, int]]] = {}
        for i, source in enumerate(sources):
            try:
                k: PagedKey[PageArgs] = key(source, kwargs)
            except Exception as error:
                values[i] = error
                continue
            groups.setdefault(k.args, []).append((i, k.parent))
        for args, members in groups.items():
            parents = list(dict.fromkeys(parent for _, parent in members))
            params = {
                "keys": parents,
                "limit": args.page.limit,
                "after_sort": args.page.after_sort,
                "after_id": args.page.after_id,
                **page.params(args),
            }
            try:
                rows = await info.context.reader.fetch(query, params)
            except Exception as error:
                for i, _ in members:
                    values[i] = error
                continue
            found = {row["parent"]: orjson.Fragment(row["value"]) for row in rows}
            for i, parent in members:
                values[i] = found[parent]
        return values

    return batch

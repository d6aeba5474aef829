"""Paged fields answered as their connection's JSON, written by code made for the selection: the
page statement returns each parent's page rows with exactly the columns the selection reads
(db.queries.json_pages), and a function generated once per plan builds the connection's
objects from them — keys, aliases, `__typename` and order as the plan has them, each leaf
completed as its scalar completes it (graph.compiled.leaves) — which the response carries as
they are (`orjson.Fragment`): no resolver, node object or completion machinery per field.

A field qualifies when its page is registered here (`PAGES`) and every field selected below it
has an SQL form (db.queries.json_forms) that reads what its resolver returns — no arguments,
no permission, no null where the type says non-null. Otherwise the field is resolved as
before. Keys, arguments and access checks are the resolver's own (its loader key function):
the errors and the access log do not change; the statement does not grow in number (one per
page and set of arguments, as the loader's). A value its scalar cannot send (a float that is
not finite, which no column here holds) fails the parent's whole page, where a resolver's
would fail the one leaf.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
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
)
from db.queries.social_insurance import BENEFITS_PAGE, CONTRIBUTION_PERIOD_ROWS
from db.session import Query
from graph.compiled.batches import PAGED_KEYS, Key
from graph.compiled.info import Batch, PlanInfo
from graph.compiled.leaves import Completer, completer
from graph.loaders import PagedKey
from graph.pagination import PageArgs, encode_cursor

if TYPE_CHECKING:
    from graph.compiled.plan import FieldPlan, ObjectPlan


class NotWritten(Exception):
    """Some field below has no SQL form."""


@dataclass(frozen=True)
class Page:
    query: Query
    sort: str
    node: Forms
    params: Callable[[PageArgs], dict[str, Any]]
    """The statement's filter parameters, as the loader passes them (graph.loaders)."""
    joins: str = ""
    """Joined to each page row `e` (db.queries.json_pages.page_rows)."""


def _months(args: PageArgs) -> dict[str, Any]:
    return {"start": args.start, "end": args.end}


def _periods(args: PageArgs) -> dict[str, Any]:
    return {
        **_months(args),
        "schemes": list(args.schemes) if args.schemes else None,
        "employer": args.employer_id,
    }


_PERIODS: Final = Page(
    CONTRIBUTION_PERIOD_ROWS,
    "from_month",
    CONTRIBUTION_PERIOD,
    _periods,
    PERIOD_EMPLOYER_JOIN.format(row=sql.EDGE),
)

PAGES: Final[Mapping[tuple[str, str], Page]] = {
    ("SocialInsurance", "contributionPeriods"): _PERIODS,
    ("UnemploymentInsurance", "contributionPeriods"): _PERIODS,
    ("SocialInsurance", "benefits"): Page(BENEFITS_PAGE, "period_from", BENEFIT, _months),
    ("HealthInsurance", "cards"): Page(CARDS_PAGE, "valid_from", CARD, _months),
    ("HealthInsurance", "contributions"): Page(
        CONTRIBUTIONS_PAGE, "from_month", HEALTH_CONTRIBUTION, _months
    ),
    ("Person", "medicalVisits"): Page(
        VISITS_PAGE,
        "admitted_at",
        VISIT,
        lambda a: {**_months(a), "facility": a.facility_code},
    ),
}


_SCALARS: Final = frozenset({"Date", "DateTime", "YearMonth", "Vnd"})
"""The book's scalars whose completion (graph.compiled.leaves) takes the value psycopg reads."""


def _leaf(type_: GraphQLLeafType, value: str) -> tuple[str, Completer | None]:
    """The column a leaf of `type_` reads (`value` in SQL), and the completion of the column's
    value (None: sent as it is read)."""
    if type_ is GraphQLID:
        return sql.leaf_text(value), None  # text: a str, as ID completes it
    if type_ is GraphQLFloat:
        return sql.leaf_float(value), completer(type_)
    if type_ is GraphQLString or type_ is GraphQLInt or type_ is GraphQLBoolean:
        return value, completer(type_)
    if isinstance(type_, CustomGraphQLEnumType):
        return value, dict(_enum_names(type_)).__getitem__
    if isinstance(type_, GraphQLScalarType) and type_.name in _SCALARS:
        return value, completer(type_)
    raise NotWritten(type_.name)


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


def _plain(field: "FieldPlan") -> None:
    """Only a field without arguments or permission checks is written here."""
    if field.index >= 0 or field.resolver.permissions:
        raise NotWritten(f"{field.parent_type}.{field.field_name}")


class _Builder:
    """A page's selection as the columns it reads and the Python that writes it: an expression
    over a page row `r` for a node and an edge, over `page`, `total` and `more` (`_BUILD`'s
    locals) for the connection."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.columns: list[str] = []
        self.joins: dict[str, str] = {}
        self.names: dict[str, Any] = {"cursor": _cursor}
        """The generated code's globals."""
        self.locals = 0

    def column(self, expression: str) -> str:
        if expression not in self.columns:
            self.columns.append(expression)
        return f"r[{sql.FIXED + self.columns.index(expression)}]"

    def name(self, value: Any) -> str:
        name = f"g{len(self.names)}"
        self.names[name] = value
        return name

    def connection(self, plan: "ObjectPlan") -> str:
        """graph.pagination.connection over `page` (its rows on the page), `total` and `more`."""
        return self._object(plan, self._connection_field)

    def _connection_field(self, field: "FieldPlan") -> str:
        _plain(field)
        if field.field_name == "totalCount":
            return "total"
        if field.field_name == "pageInfo" and field.single is not None:
            return self._object(field.single, self._page_info_field)
        if field.field_name == "edges" and field.single is not None:
            return f"[{self._object(field.single, self._edge_field)} for r in page]"
        raise NotWritten(f"{field.parent_type}.{field.field_name}")

    def _page_info_field(self, field: "FieldPlan") -> str:
        _plain(field)
        if field.field_name == "hasNextPage":
            return "more"
        if field.field_name == "endCursor":
            return "(cursor(page[-1]) if page else None)"
        raise NotWritten(f"{field.parent_type}.{field.field_name}")

    def _edge_field(self, field: "FieldPlan") -> str:
        _plain(field)
        if field.field_name == "cursor":
            return "cursor(r)"
        if field.field_name == "node" and field.single is not None:
            return self.node(field.single, sql.EDGE, self.page.node)
        raise NotWritten(f"{field.parent_type}.{field.field_name}")

    def node(self, plan: "ObjectPlan", source: str, forms: Forms) -> str:
        return self._object(plan, lambda field: self._form(field, source, forms))

    def _object(self, plan: "ObjectPlan", value: Callable[["FieldPlan"], str]) -> str:
        by_key = {f.key: f for f in plan.fields}
        items = []
        for key, typename in plan.template.items():
            field = by_key.get(key)
            items.append(f"{key!r}: {repr(typename) if field is None else value(field)}")
        return "{" + ", ".join(items) + "}"

    def _form(self, field: "FieldPlan", source: str, forms: Forms) -> str:
        _plain(field)
        form = forms.get(field.field_name)
        if form is None:
            raise NotWritten(f"{field.parent_type}.{field.field_name}")
        value = form(source)
        if isinstance(value, Leaves):
            if field.leaf is None or not field.is_list or not field.item_nonnull:
                raise NotWritten(f"{field.parent_type}.{field.field_name}")
            expression, complete = _leaf(field.leaf, "u.x")
            if expression != "u.x":
                raise NotWritten(f"{field.parent_type}.{field.field_name}: an element's SQL")
            column = self.column(value.sql)
            if complete is None:
                return column
            return f"[{self.name(complete)}(x) for x in {column}]"
        if isinstance(value, Leaf):
            if field.leaf is None or field.is_list or (field.nonnull and value.nullable):
                raise NotWritten(f"{field.parent_type}.{field.field_name}")
            self.joins.update(value.joins)
            expression, complete = _leaf(field.leaf, value.sql)
            column = self.column(expression)
            if complete is None:
                return column
            if not value.nullable:
                return f"{self.name(complete)}({column})"
            self.locals += 1
            v = f"v{self.locals}"
            return f"(None if ({v} := {column}) is None else {self.name(complete)}({v}))"
        if field.single is None or field.is_list:
            raise NotWritten(f"{field.parent_type}.{field.field_name}")
        if field.nonnull and value.is_null is not None:
            raise NotWritten(f"{field.parent_type}.{field.field_name}")
        self.joins.update(value.joins)
        built = self.node(field.single, value.source, value.forms)
        if value.is_null is None:
            return built
        return f"(None if {self.column(f'({value.is_null})')} else {built})"


def _cursor(row: tuple[Any, ...]) -> str:
    return encode_cursor(row[sql.SORT], row[sql.ID])


Build = Callable[[Sequence[tuple[Any, ...]], int], Any]
"""A parent's connection from its page rows (in order) and the page's size."""

_BUILD: Final = f"""
def build(rows, first):
    page = [r for r in rows if 0 < r[{sql.PLACE}] <= first]
    total = rows[0][{sql.TOTAL}] if rows else 0
    more = bool(rows) and rows[-1][{sql.PLACE}] > first
    return {{connection}}
"""


def written_page(field: "FieldPlan", statements: "Statements") -> Batch | None:
    """The batch that answers `field` with its connection's JSON, or None where it cannot (or
    `statements` are full)."""
    page = PAGES.get((field.parent_type, field.field_name))
    key = PAGED_KEYS.get((field.parent_type, field.field_name))
    if page is None or key is None or field.single is None or field.is_list:
        return None
    builder = _Builder(page)
    try:
        connection = builder.connection(field.single)
    except NotWritten:
        return None
    joins = " ".join((page.joins, *builder.joins.values()))
    query = statements.get(
        sql.page_rows(page.query, "person_id", page.sort, builder.columns, joins)
    )
    if query is None:
        return None
    # Generated code, not a tree of closures walked per value: a page is ~25 rows of ~25 values,
    # and a dict display costs a few tens of nanoseconds a key where a call per value costs ten
    # times that. Keys and typenames are written as Python literals (repr); the rest is ours.
    code = builder.names
    exec(compile(_BUILD.format(connection=connection), "<page>", "exec"), code)
    return _batch(page, query, key, cast(Build, code["build"]))


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


def _batch(page: Page, query: Query, key: Key, build: Build) -> Batch:
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
                rows = await info.context.reader.rows(query, params)
            except Exception as error:
                for i, _ in members:
                    values[i] = error
                continue
            found: dict[int, list[tuple[Any, ...]]] = {}
            for row in rows:
                found.setdefault(row[sql.PARENT], []).append(row)
            first = args.page.limit - 1
            for i, parent in members:
                try:
                    values[i] = orjson.Fragment(orjson.dumps(build(found.get(parent, []), first)))
                except Exception as error:  # a value its scalar cannot send: as a resolver's
                    values[i] = error
        return values

    return batch

"""A keyset page (db.queries.paging) answered by PostgreSQL as the JSON text of its GraphQL
connection, one value per parent: the client's response is written there, not in Python.

`page_statement` wraps a page statement: every parent among `keys` gets one row `(parent,
value)`, `value` being the text of the expression that `graph.compiled.json_pages` builds from
the pieces here (the connection's total, whether a next page exists, its end cursor, its edges
as a JSON array, a row's cursor), each the SQL form of what `graph.pagination.connection` does
with the same rows. The leaf forms (`leaf_date`, `leaf_datetime`…) write a value as the
GraphQL scalar writes it, so that the text is the one Strawberry's executor would send.
"""

from collections.abc import Sequence
from typing import Final

from db.session import Query

EDGE: Final = "e"
"""The alias of the page's rows, which the connection's value aggregates."""

MAX_KEYS: Final = 50
"""json_build_object takes at most 100 arguments (PostgreSQL's FUNC_MAX_ARGS)."""


class TooWide(ValueError):
    """An object with more keys than one json_build_object can take."""


def literal(text: str) -> str:
    """`text` as an SQL string literal (standard_conforming_strings is on since 9.1)."""
    return "'" + text.replace("'", "''") + "'"


def json_object(pairs: Sequence[tuple[str, str]]) -> str:
    """A JSON object of (key, SQL expression) pairs, in their order."""
    if len(pairs) > MAX_KEYS:
        raise TooWide(len(pairs))
    return "json_build_object(" + ", ".join(f"{literal(k)}, {v}" for k, v in pairs) + ")"


def nullable_object(is_null: str, value: str) -> str:
    return f"CASE WHEN {is_null} THEN NULL ELSE {value} END"


# -- leaves: the text each GraphQL scalar writes ---------------------------------------------------


def leaf_date(value: str) -> str:
    """Strawberry's Date: `date.isoformat()`, which is how PostgreSQL's JSON writes a date
    (whatever the session's DateStyle) for every date Python can hold."""
    return value


def leaf_year_month(value: str) -> str:
    """graph.types.scalars.year_month_text."""
    return f"to_char({value}, 'YYYY-MM')"


def leaf_datetime(value: str) -> str:
    """Strawberry's DateTime: `datetime.isoformat()` of the value psycopg reads (in the
    session's time zone): microseconds only when there are any, the offset as ±HH:MM."""
    return (
        f"(to_char({value}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN to_char({value}, 'US') = '000000' THEN ''"
        f" ELSE '.' || to_char({value}, 'US') END"
        f" || to_char({value}, 'TZH:TZM'))"
    )


def leaf_float(value: str) -> str:
    """Float: PostgreSQL writes a float8 as the shortest text that reads back the same, as
    Python does, except an integral value, which Python writes with `.0` (a reader would take
    8 for an integer, 8.0 for a float). From 1e15 both write an exponent: a float either way."""
    return (
        f"CASE WHEN ({value}) = trunc({value}) AND abs({value}) < 1e15"
        f" THEN to_json(trunc(({value})::numeric, 1)) ELSE to_json(({value})::float8) END"
    )


def leaf_text(value: str) -> str:
    """ID: an id is sent as text."""
    return f"({value})::text"


def leaf_enum(value: str, names: Sequence[tuple[str, str]]) -> str:
    """An enum column's stored value → the GraphQL name of its member (the text itself where
    every member is stored under its name)."""
    if all(stored == name for stored, name in names):
        return value
    cases = " ".join(f"WHEN {literal(stored)} THEN {literal(name)}" for stored, name in names)
    return f"CASE ({value})::text {cases} END"


# -- the connection ---------------------------------------------------------------------------------


def cursor(sort_text: str) -> str:
    """graph.pagination.encode_cursor of the row `e`: URL-safe base64 (padded, one line) of the
    compact JSON `[sort, id]`, `sort_text` being the sort value as its ISO text."""
    payload = f"'[' || to_json({sort_text})::text || ',' || {EDGE}.id::text || ']'"
    return f"translate(encode(convert_to({payload}, 'UTF8'), 'base64'), E'+/\\n', '-_')"


_FIRST: Final = "(%(limit)s - 1)"
"""The page statement asks for `first + 1` rows (`limit`)."""
_ON_PAGE: Final = f"{EDGE}._i BETWEEN 1 AND {_FIRST}"

TOTAL: Final = f"COALESCE(max({EDGE}._total), 0)"
HAS_NEXT_PAGE: Final = f"COALESCE(bool_or({EDGE}._i > {_FIRST}), false)"


def end_cursor(cursor_sql: str) -> str:
    return f"(array_agg({cursor_sql} ORDER BY {EDGE}._i DESC) FILTER (WHERE {_ON_PAGE}))[1]"


def edges(edge_sql: str) -> str:
    """The page's edges, `edge_sql` of each row `e`, as a JSON array (empty when none)."""
    return f"COALESCE(json_agg({edge_sql} ORDER BY {EDGE}._i) FILTER (WHERE {_ON_PAGE}), '[]')"


def leaves(array: str, leaf: str) -> str:
    """The elements `x` of `array` as a JSON array, each written by `leaf` (over `x`), in order;
    the array itself where they are written as they are."""
    if leaf == "u.x":
        return f"to_json({array})"
    return (
        f"(SELECT COALESCE(json_agg({leaf} ORDER BY u.o), '[]') FROM unnest({array})"
        f" WITH ORDINALITY AS u(x, o))"
    )


def page_statement(name: str, page: Query, parent: str, value: str, joins: str = "") -> Query:
    """`page`'s rows as one `(parent, value)` row per key of `%(keys)s`: `value` is the text of
    the JSON expression `value`, an aggregate over the parent's rows `e` (`_i` their place on
    the page; a carrier's is 0 or less). A parent without rows has one row of nulls: no edges,
    a total of 0. `joins` (over `e`) bring what the value reads besides the page's rows."""
    sql = (
        f"SELECT k.parent, ({value})::text AS value"
        f" FROM unnest(CAST(%(keys)s AS BIGINT[])) AS k(parent)"
        f" LEFT JOIN ({page.sql}) {EDGE} ON {EDGE}.{parent} = k.parent {joins}"
        f" GROUP BY k.parent"
    )
    return Query(name=f"{name}_json", sql=sql)

"""A keyset page (db.queries.paging) read as the rows of the GraphQL connection a document selects:
graph.compiled.json_pages writes the connection's JSON from them, with code made for the
selection.

Each parent's page rows come in order (`_i`: a row's place on the page; a carrier's is 0 or
less), with the connection's total, the row's id and sort value (its cursor), and one column
per leaf the selection reads, in the form the leaf's scalar completes at once (an
id as text, a float as float8, an enum as its stored text). PostgreSQL does not write the JSON
itself: PostgreSQL 15's `json_build_object` looks up the type and output function of every key
and value of every row (~0.5 µs each, two thirds of the contribution page's statement), where a
column costs its output function alone and the Python that builds the object a few tens of
nanoseconds a value.
"""

from collections.abc import Sequence
from typing import Final

from db.session import Query

EDGE: Final = "e"
"""The alias of the page's rows, over which the leaves' expressions are written."""


def leaf_text(value: str) -> str:
    """ID: an id is sent as text."""
    return f"({value})::text"


def leaf_float(value: str) -> str:
    """Float: read as float8, which psycopg reads as a float (a numeric would be a Decimal)."""
    return f"({value})::float8"


PARENT, PLACE, TOTAL, ID, SORT = range(5)
"""Where a row of `page_rows` holds its parent, place on the page, the parent's total, its id
and sort value; the selection's columns follow, from `FIXED`."""
FIXED: Final = 5


def page_rows(
    page: Query, parent: str, sort: str, columns: Sequence[str], joins: str = ""
) -> Query:
    """`page`'s rows as tuples, ordered by parent and place: `_parent`, `_i`, `_total`, `_id`,
    `_sort` (`PARENT`… `SORT`), then `columns` (SQL over `e` and `joins`) in order."""
    selected = "".join(f", {column} AS c{i}" for i, column in enumerate(columns))
    sql = (
        f"SELECT {EDGE}.{parent} AS _parent, {EDGE}._i, {EDGE}._total, {EDGE}.id AS _id,"
        f" {EDGE}.{sort} AS _sort{selected}"
        f" FROM ({page.sql}) {EDGE} {joins}"
        f" ORDER BY {EDGE}.{parent}, {EDGE}._i"
    )
    return Query(name=f"{page.name}_rows", sql=sql, tuples=True, keyed_by=(PARENT,))

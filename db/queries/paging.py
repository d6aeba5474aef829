"""Keyset pages of a child table for many parents in one statement.

For every parent in `keys`, the statement returns up to `limit` children after the cursor
`(after_sort, after_id)`, ordered by `(sort, id)`, each with `_total` (children matching the
filters, regardless of the cursor). Callers ask for `first + 1` to learn whether a next page exists.
When the cursor is past a parent's last child, that child comes back alone with `_carrier` set,
so the total is still known; callers drop carrier rows.

`page_columns` are computed on the returned rows only, not on every matching child: a reference
row brought in by a scalar subquery costs one look-up per row of the page, however long the history.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    FromClause,
    Select,
    and_,
    bindparam,
    cast,
    func,
    not_,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.sql.elements import FunctionFilter, Over
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeEngine

from db.queries.compile import align_many, int_keys
from db.session import Query, Reader, Row


@dataclass(frozen=True)
class PageParams:
    """One page request, shared by every parent in a batch (loader keys group by it)."""

    limit: int
    after_sort: Any = None
    after_id: Any = None
    """The cursor row's id: an int, or a UUID for tables keyed by one (consent)."""


def keyset_page(
    table: FromClause,
    columns: Sequence[ColumnElement[Any]],
    *,
    parent: str,
    sort: str,
    sort_type: TypeEngine[Any],
    filters: Sequence[ColumnElement[bool]] = (),
    newest_first: bool = False,
    id_type: TypeEngine[Any] | None = None,
    page_columns: Callable[[FromClause], Sequence[ColumnElement[Any]]] = lambda rows: (),
    page_join: Callable[[FromClause], tuple[FromClause, ColumnElement[bool]]] | None = None,
    first_of: str | None = None,
) -> Select[Any]:
    """`id_type` is the type of the table's `id` (default bigint). `page_columns` gets the ranked
    rows (a subquery with `columns`) and returns labelled columns to add to each returned row;
    `page_join` gets them too and returns a table to outer-join to the returned rows only, and
    the join's condition (its columns come through `page_columns`). With `first_of` (a column
    naming another row, such as an employer), the ranked rows have `_first`: true on a page's
    first row naming that value. Joining on it brings the named row once a page, not once a row
    (each value a client parses costs more than the join saves otherwise)."""
    parent_col = table.c[parent]
    matching = select(*columns).where(int_keys(parent_col), *filters).subquery("matching")
    after_sort = cast(bindparam("after_sort"), sort_type)
    after_id = cast(bindparam("after_id"), id_type if id_type is not None else BigInteger())
    key = tuple_(matching.c[sort], matching.c.id)
    cursor = tuple_(after_sort, after_id)
    is_after = or_(after_id.is_(None), key < cursor if newest_first else key > cursor)
    order: tuple[ColumnElement[Any], ...] = (matching.c[sort], matching.c.id)
    if newest_first:
        order = (matching.c[sort].desc(), matching.c.id.desc())
    first: list[ColumnElement[Any]] = []
    if first_of is not None:
        # The row before this one with the same value: when it lies after the cursor it is on
        # the page (or, past the page's end, so is this row). Before the cursor, or none: first.
        earlier = func.lag(is_after).over(
            partition_by=(matching.c[parent], matching.c[first_of]), order_by=order
        )
        first.append(earlier.is_not(true()).label("_first"))

    # One window for `_total`, `_rn` and `_skipped`: the parent's rows in page order, each count
    # over all of them (row_number ignores the frame). One WindowAgg, fed in order by the
    # (parent, sort, id) index, where three windows took three WindowAggs and a sort.
    def over_parent(function: FunctionElement[Any] | FunctionFilter[Any]) -> Over[Any]:
        return function.over(partition_by=matching.c[parent], order_by=order, rows=(None, None))

    ranked = select(
        matching,
        over_parent(func.count()).label("_total"),
        over_parent(func.row_number()).label("_rn"),
        # How many rows lie at or before the cursor: the page starts after them.
        over_parent(func.count().filter(not_(is_after))).label("_skipped"),
        *first,
    ).subquery("ranked")
    skipped, rn, total = ranked.c._skipped, ranked.c._rn, ranked.c._total
    rows: FromClause = ranked
    if page_join is not None:
        rows = ranked.outerjoin(*page_join(ranked))
    return (
        select(
            *(c for c in ranked.c if c.name not in ("_rn", "_skipped", "_first")),
            *page_columns(ranked),
            # A row's place on the page (1, 2…; a carrier's is not above 0), for a statement
            # that wraps this one (db.queries.json_pages).
            (rn - skipped).label("_i"),
            (rn <= skipped).label("_carrier"),
        )
        .select_from(rows)
        .where(
            or_(
                and_(rn > skipped, rn <= skipped + bindparam("limit")),
                # A cursor at the end still reports the total: its last row comes back flagged.
                and_(skipped >= total, rn == total),
            )
        )
        .order_by(ranked.c[parent], rn)
    )


async def fetch_rows(
    db: Reader, query: Query, keys: Sequence[int], page: PageParams, **filters: Any
) -> list[Row]:
    """Run a `keyset_page` statement; its rows, every parent's together."""
    params = {
        "keys": list(keys),
        "limit": page.limit,
        "after_sort": page.after_sort,
        "after_id": page.after_id,
        **filters,
    }
    return await db.fetch(query, params)


async def fetch_pages(
    db: Reader,
    query: Query,
    keys: Sequence[int],
    page: PageParams,
    *,
    parent: str = "person_id",
    **filters: Any,
) -> list[list[Row]]:
    """Run a `keyset_page` statement; each parent's rows, in key order."""
    return align_many(keys, await fetch_rows(db, query, keys, page, **filters), parent)


def overlapping(start: Any, end: Any) -> tuple[Any, ...]:
    """A page's filters: rows whose [start, end] (end NULL = ongoing) overlaps the requested
    `:start`–`:end` months, either bound NULL for none."""
    return (
        or_(
            cast(bindparam("start"), Date).is_(None),
            func.coalesce(end, start) >= bindparam("start"),
        ),
        or_(cast(bindparam("end"), Date).is_(None), start <= bindparam("end")),
    )

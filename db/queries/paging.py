"""Keyset pages of a child table for many parents in one statement.

For every parent in `keys`, the statement returns up to `limit` children after the cursor
`(after_sort, after_id)`, ordered by `(sort, id)`, each with `_total` (children matching the
filters, regardless of the cursor). Callers ask for `first + 1` to learn whether a next page exists.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Select,
    bindparam,
    cast,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.types import TypeEngine

from db.queries.compile import int_keys


@dataclass(frozen=True)
class PageParams:
    """One page request, shared by every parent in a batch (loader keys group by it)."""

    limit: int
    after_sort: Any = None
    after_id: int | None = None


def keyset_page(
    table: FromClause,
    columns: Sequence[ColumnElement[Any]],
    *,
    parent: str,
    sort: str,
    sort_type: TypeEngine[Any],
    filters: Sequence[ColumnElement[bool]] = (),
) -> Select[Any]:
    parent_col = table.c[parent]
    matching = (
        select(*columns, func.count().over(partition_by=parent_col).label("_total"))
        .where(int_keys(parent_col), *filters)
        .subquery("matching")
    )
    after_sort = cast(bindparam("after_sort"), sort_type)
    after_id = cast(bindparam("after_id"), BigInteger)
    ranked = (
        select(
            matching,
            func.row_number()
            .over(partition_by=matching.c[parent], order_by=(matching.c[sort], matching.c.id))
            .label("_rn"),
        )
        .where(
            or_(
                after_id.is_(None),
                tuple_(matching.c[sort], matching.c.id) > tuple_(after_sort, after_id),
            )
        )
        .subquery("ranked")
    )
    return (
        select(*(c for c in ranked.c if c.name != "_rn"))
        .where(ranked.c._rn <= bindparam("limit"))
        .order_by(ranked.c[parent], ranked.c._rn)
    )


def page_params(params: PageParams, keys: Sequence[int]) -> dict[str, Any]:
    return {
        "keys": list(keys),
        "limit": params.limit,
        "after_sort": params.after_sort,
        "after_id": params.after_id,
    }

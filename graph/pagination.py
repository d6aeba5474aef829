"""Relay cursor connections over keyset pages (db.queries.paging)."""

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import orjson
import strawberry

from db.queries.paging import PageParams
from db.session import Row
from graph.errors import BadUserInput

MAX_PAGE = 100
DEFAULT_PAGE = 20

T = TypeVar("T")


@strawberry.type(description="Relay page information (thông tin trang).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item of this page.")


@strawberry.type(description="An item of a connection with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque cursor; pass as `after` to continue.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a long history, as a Relay cursor connection.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page with cursors.")
    page_info: PageInfo = strawberry.field(description="Whether and where the list continues.")
    total_count: int = strawberry.field(
        description="Number of items matching the filters, across all pages."
    )


@dataclass(frozen=True)
class PageArgs:
    """A paged field's arguments, hashable so loader keys with equal arguments batch together."""

    page: PageParams
    schemes: tuple[str, ...] | None = None
    start: date | None = None
    end: date | None = None
    employer_id: int | None = None
    """Only rows with this employer (an employer's view of a book)."""
    facility_code: str | None = None
    """Only visits at this facility (a facility's view of medical records)."""


def encode_cursor(sort: Any, row_id: int | UUID) -> str:
    value = sort.isoformat() if isinstance(sort, date | datetime) else sort
    return base64.urlsafe_b64encode(orjson.dumps([value, row_id])).decode()


def page_params(
    first: int, after: str | None, sort_type: type[Any], id_type: type[Any] = int
) -> PageParams:
    """Validate `first`/`after`; ask for one extra row to learn whether a next page exists.
    `id_type` is `int`, or `UUID` for a list keyed by one (consents)."""
    if first < 0 or first > MAX_PAGE:
        raise BadUserInput("first", f"must be between 0 and {MAX_PAGE}")
    if after is None:
        return PageParams(limit=first + 1)
    try:
        sort_raw, row_id = orjson.loads(base64.urlsafe_b64decode(after.encode()))
        sort = (
            sort_type.fromisoformat(sort_raw)
            if sort_type in (date, datetime)
            else sort_type(sort_raw)
        )
        if id_type is UUID:
            row_id = UUID(row_id) if isinstance(row_id, str) else None
        if not isinstance(row_id, id_type) or isinstance(row_id, bool):
            raise TypeError
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise BadUserInput("after", "is not a cursor of this list") from None
    return PageParams(limit=first + 1, after_sort=sort, after_id=row_id)


def connection(
    rows: Sequence[Row], first: int, sort: str, node: Callable[[Row], T | None]
) -> Connection[T]:
    """Build a page from `first + 1` rows; rows whose node is None (not visible) are left out."""
    total = int(rows[0].get("_total", 0)) if rows else 0
    page = [row for row in rows if not row.get("_carrier")][:first]
    more = sum(1 for row in rows if not row.get("_carrier")) > first
    edges = [
        Edge(cursor=encode_cursor(row[sort], row["id"]), node=item)
        for row in page
        if (item := node(row)) is not None
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=more,
            end_cursor=encode_cursor(page[-1][sort], page[-1]["id"]) if page else None,
        ),
        total_count=total,
    )

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
from strawberry.types.nodes import SelectedField, Selection

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


def _edge_cursor(self: "Edge[Any]") -> str:
    # Written when asked for: most pages are read without their edges' cursors. (`self`, not
    # `root`: Strawberry passes the edge either way, and compiled plans call `self` resolvers.)
    return encode_cursor(self.sort, self.row_id)


@strawberry.type(description="An item of a connection with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        resolver=_edge_cursor, description="Opaque cursor; pass as `after` to continue."
    )
    node: T = strawberry.field(description="The item.")
    sort: strawberry.Private[Any]
    row_id: strawberry.Private[int | UUID]


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


# Row ids and integer sort keys are PostgreSQL bigints: anything outside is no cursor of ours.
_BIGINT = range(0, 2**63)
_MAX_CURSOR = 200


def _cursor_value(value: Any, sort_type: type[Any]) -> Any:
    """The cursor's value as `sort_type`, or ValueError: exactly the JSON type `encode_cursor`
    writes (bools are not ints, floats are not ints, dates and UUIDs are strings)."""
    if sort_type is int:
        if type(value) is not int or value not in _BIGINT:
            raise ValueError
        return value
    if sort_type in (date, datetime, UUID):
        if type(value) is not str:
            raise ValueError
        return UUID(value) if sort_type is UUID else sort_type.fromisoformat(value)
    raise ValueError


def page_params(
    first: int,
    after: str | None,
    sort_type: type[Any],
    id_type: type[Any] = int,
    argument: str = "after",
) -> PageParams:
    """Validate `first`/`after`; ask for one extra row to learn whether a next page exists.
    `id_type` is `int`, or `UUID` for a list keyed by one (consents).

    A cursor is checked as a whole before it reaches SQL: anything `encode_cursor` could not have
    written for this list is BAD_USER_INPUT naming `after`, never a database error."""
    if first < 0 or first > MAX_PAGE:
        raise BadUserInput("first", f"must be between 0 and {MAX_PAGE}")
    if after is None:
        return PageParams(limit=first + 1)
    try:
        if len(after) > _MAX_CURSOR or not after.isascii():
            raise ValueError
        payload = orjson.loads(base64.urlsafe_b64decode(after.encode()))
        if type(payload) is not list or len(payload) != 2:
            raise ValueError
        sort = _cursor_value(payload[0], sort_type)
        row_id = _cursor_value(payload[1], id_type)
    except (ValueError, TypeError, OverflowError, binascii.Error, orjson.JSONDecodeError):
        raise BadUserInput(argument, "is not a cursor of this list") from None
    return PageParams(limit=first + 1, after_sort=sort, after_id=row_id)


def _included(directives: dict[str, dict[str, Any]]) -> bool:
    """@skip/@include as the executor applies them; an argument we cannot read counts as
    included, so a total is computed rather than answered as 0."""
    if (skip := directives.get("skip")) is not None and skip.get("if") is True:
        return False
    include = directives.get("include")
    return not (include is not None and include.get("if") is False)


def _selects(selections: Sequence[Selection], name: str) -> bool:
    for selection in selections:
        if not _included(selection.directives):
            continue
        if isinstance(selection, SelectedField):
            if selection.name == name:
                return True
        elif _selects(selection.selections, name):  # a fragment spread or inline fragment
            return True
    return False


def selects(info: strawberry.Info[Any, Any], name: str) -> bool:
    """Whether the current field's selection asks for the sub-field `name`, however it is asked:
    directly, under an alias, in a fragment spread or an inline fragment, honouring
    @skip/@include. For fields whose value costs a statement of its own (a total count)."""
    return any(
        _included(f.directives) and _selects(f.selections, name) for f in info.selected_fields
    )


def connection(
    rows: Sequence[Row], first: int, sort: str, node: Callable[[Row], T | None]
) -> Connection[T]:
    """Build a page from `first + 1` rows; rows whose node is None (not visible) are left out."""
    total = int(rows[0].get("_total", 0)) if rows else 0
    page = [row for row in rows if not row.get("_carrier")][:first]
    more = sum(1 for row in rows if not row.get("_carrier")) > first
    edges = [
        Edge(node=item, sort=row[sort], row_id=row["id"])
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

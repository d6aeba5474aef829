"""The change log as the person sees it (written by triggers: migration 0006)."""

from collections.abc import Sequence

from sqlalchemy import DateTime

from db.models import ChangeLogEntry
from db.queries.compile import compile_query
from db.queries.paging import PageParams, fetch_pages, keyset_page
from db.session import Reader, Row

_log = ChangeLogEntry.__table__
CHANGE_LOG_PAGE = compile_query(
    "change_log_page",
    keyset_page(
        _log,
        list(_log.c),
        parent="person_id",
        sort="at",
        sort_type=DateTime(timezone=True),
        newest_first=True,
    ),
)


async def change_log_page(db: Reader, keys: Sequence[int], page: PageParams) -> list[list[Row]]:
    return await fetch_pages(db, CHANGE_LOG_PAGE, keys, page)

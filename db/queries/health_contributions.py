"""BHYT contribution history: one batched, paged statement for any number of persons."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Date

from db.models import HealthInsuranceContribution
from db.queries.compile import compile_query
from db.queries.paging import PageParams, fetch_pages, keyset_page, overlapping
from db.session import Reader, Row

_rows = HealthInsuranceContribution.__table__
CONTRIBUTIONS_PAGE = compile_query(
    "health_insurance_contributions_page",
    keyset_page(
        _rows,
        list(_rows.c),
        parent="person_id",
        sort="from_month",
        sort_type=Date(),
        filters=overlapping(_rows.c.from_month, _rows.c.to_month),
    ),
)


async def contributions_page(
    db: Reader,
    keys: Sequence[int],
    page: PageParams,
    *,
    from_month: date | None,
    to_month: date | None,
) -> list[list[Row]]:
    return await fetch_pages(db, CONTRIBUTIONS_PAGE, keys, page, start=from_month, end=to_month)

"""BHYT contribution history: one batched, paged statement for any number of persons."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Date, bindparam, cast, func, or_

from db.models import HealthInsuranceContribution
from db.queries.compile import compile_query
from db.queries.paging import PageParams, fetch_pages, keyset_page
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
        filters=(
            or_(
                cast(bindparam("start"), Date).is_(None),
                func.coalesce(_rows.c.to_month, _rows.c.from_month) >= bindparam("start"),
            ),
            or_(cast(bindparam("end"), Date).is_(None), _rows.c.from_month <= bindparam("end")),
        ),
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

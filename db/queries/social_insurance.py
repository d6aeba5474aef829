"""The BHXH participant record, contribution periods, totals and benefit decisions."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Date,
    Label,
    Text,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
    text,
)

from db.models import Benefit, ContributionPeriod, SocialInsurance, SocialInsuranceOffice
from db.queries.compile import align_many, align_one, compile_query, int_keys
from db.queries.paging import PageParams, fetch_pages, keyset_page
from db.session import Reader, Row

_issuing = SocialInsuranceOffice.__table__.alias("issuing_office")
SOCIAL_INSURANCE_BY_PERSON = compile_query(
    "social_insurance_by_person",
    select(
        SocialInsurance.__table__,
        SocialInsuranceOffice.name.label("office_name"),
        _issuing.c.name.label("issuing_office_name"),
    )
    .join(SocialInsuranceOffice, SocialInsuranceOffice.code == SocialInsurance.office_code)
    .outerjoin(_issuing, _issuing.c.code == SocialInsurance.issuing_office_code)
    .where(int_keys(SocialInsurance.person_id)),
)


def _overlaps(start: Any, end: Any) -> tuple[Any, ...]:
    """Rows whose [start, end] (end NULL = ongoing) overlaps the requested [from, to] months."""
    return (
        or_(
            cast(bindparam("start"), Date).is_(None),
            func.coalesce(end, start) >= bindparam("start"),
        ),
        or_(cast(bindparam("end"), Date).is_(None), start <= bindparam("end")),
    )


_periods = ContributionPeriod.__table__
CONTRIBUTION_PERIODS_PAGE = compile_query(
    "contribution_periods_page",
    keyset_page(
        _periods,
        list(_periods.c),
        parent="person_id",
        sort="from_month",
        sort_type=Date(),
        filters=(
            or_(
                cast(bindparam("schemes"), ARRAY(Text)).is_(None),
                _periods.c.scheme == any_(cast(bindparam("schemes"), ARRAY(Text))),
            ),
            *_overlaps(_periods.c.from_month, _periods.c.to_month),
            or_(
                cast(bindparam("employer"), BigInteger).is_(None),
                _periods.c.employer_id == cast(bindparam("employer"), BigInteger),
            ),
        ),
    ),
)

# Months are counted once even where periods overlap (duplicate books, two part-time employers).
# `months` are those that count: rows a lump-sum withdrawal settled are counted apart
# (`settled_months`). `since_last_claim` counts BHTN-relevant months after the person's latest
# unemployment claim.
_month: ColumnElement[date] = literal_column("m.month")
CONTRIBUTION_TOTALS_BY_PERSON = compile_query(
    "contribution_totals_by_person",
    select(
        _periods.c.person_id,
        _periods.c.scheme,
        func.count(_month.distinct()).filter(_periods.c.settled_by.is_(None)).label("months"),
        func.count(_month.distinct())
        .filter(_periods.c.settled_by.is_not(None))
        .label("settled_months"),
        func.count(_month.distinct())
        .filter(_month >= literal_column("claim.filed_on"))
        .label("months_since_last_claim"),
    )
    .select_from(_periods)
    .join(
        text(
            "LATERAL (SELECT generate_series(contribution_period.from_month,"
            " coalesce(contribution_period.to_month, date_trunc('month', current_date)::date),"
            " interval '1 month')::date AS month) AS m"
        ),
        literal_column("true"),
    )
    .outerjoin(
        text(
            "LATERAL (SELECT max(filed_on) AS filed_on FROM unemployment_benefit"
            " WHERE unemployment_benefit.person_id = contribution_period.person_id) AS claim"
        ),
        literal_column("true"),
    )
    .where(int_keys(_periods.c.person_id))
    .group_by(_periods.c.person_id, _periods.c.scheme)
    .order_by(_periods.c.person_id, _periods.c.scheme),
)

_benefits = Benefit.__table__


def _office_name(code: ColumnElement[str | None], label: str) -> Label[str | None]:
    """The named office's name, by its primary key (one index probe per row, no loader)."""
    office = SocialInsuranceOffice.__table__.alias("paying_office")
    return select(office.c.name).where(office.c.code == code).scalar_subquery().label(label)


BENEFITS_PAGE = compile_query(
    "benefits_page",
    keyset_page(
        _benefits,
        list(_benefits.c),
        parent="person_id",
        sort="period_from",
        sort_type=Date(),
        filters=_overlaps(_benefits.c.period_from, _benefits.c.period_to),
        page_columns=lambda rows: [_office_name(rows.c.paying_office_code, "paying_office_name")],
    ),
)

BENEFIT_BY_ID = compile_query(
    "benefit_by_id",
    select(_benefits, _office_name(_benefits.c.paying_office_code, "paying_office_name")).where(
        _benefits.c.id == bindparam("id")
    ),
)


async def social_insurance_by_person(db: Reader, keys: Sequence[int]) -> list[Row | None]:
    rows = await db.fetch(SOCIAL_INSURANCE_BY_PERSON, {"keys": list(keys)})
    return align_one(keys, rows, "person_id")


async def contribution_periods_page(
    db: Reader,
    keys: Sequence[int],
    page: PageParams,
    *,
    schemes: Sequence[str] | None,
    from_month: date | None,
    to_month: date | None,
    employer_id: int | None = None,
) -> list[list[Row]]:
    return await fetch_pages(
        db,
        CONTRIBUTION_PERIODS_PAGE,
        keys,
        page,
        schemes=list(schemes) if schemes else None,
        employer=employer_id,
        start=from_month,
        end=to_month,
    )


async def contribution_totals_by_person(db: Reader, keys: Sequence[int]) -> list[list[Row]]:
    rows = await db.fetch(CONTRIBUTION_TOTALS_BY_PERSON, {"keys": list(keys)})
    return align_many(keys, rows, "person_id")


async def benefits_page(
    db: Reader,
    keys: Sequence[int],
    page: PageParams,
    *,
    from_month: date | None,
    to_month: date | None,
) -> list[list[Row]]:
    return await fetch_pages(db, BENEFITS_PAGE, keys, page, start=from_month, end=to_month)


async def benefit_by_id(db: Reader, benefit_id: int) -> Row | None:
    rows = await db.fetch(BENEFIT_BY_ID, {"id": benefit_id})
    return rows[0] if rows else None

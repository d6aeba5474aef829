"""BHYT cards (by holder, by either code form), facilities and medical visits."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Date, DateTime, bindparam, cast, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import distinct_on

from db.models import HealthFacility, HealthInsuranceCard, MedicalVisit
from db.queries.compile import align_many, align_one, compile_query, int_keys, text_keys
from db.queries.paging import PageParams, keyset_page, page_params
from db.session import Reader, Row

_cards = HealthInsuranceCard.__table__

# The card in force is the latest issue; a renewal keeps the 10-digit code and may keep the 15.
CURRENT_CARDS_BY_PERSON = compile_query(
    "current_cards_by_person",
    select(_cards)
    .ext(distinct_on(_cards.c.person_id))
    .where(int_keys(_cards.c.person_id))
    .order_by(_cards.c.person_id, _cards.c.valid_from.desc(), _cards.c.id.desc()),
)
CARDS_BY_CODE = compile_query(
    "cards_by_code",
    select(_cards)
    .ext(distinct_on(_cards.c.code))
    .where(text_keys(_cards.c.code))
    .order_by(_cards.c.code, _cards.c.valid_from.desc(), _cards.c.id.desc()),
)
CARDS_BY_SHORT_CODE = compile_query(
    "cards_by_short_code",
    select(_cards)
    .ext(distinct_on(_cards.c.short_code))
    .where(text_keys(_cards.c.short_code))
    .order_by(_cards.c.short_code, _cards.c.valid_from.desc(), _cards.c.id.desc()),
)
CARDS_PAGE = compile_query(
    "cards_page",
    keyset_page(
        _cards,
        list(_cards.c),
        parent="person_id",
        sort="valid_from",
        sort_type=Date(),
        filters=(
            or_(cast(bindparam("from"), Date).is_(None), _cards.c.valid_to >= bindparam("from")),
            or_(cast(bindparam("to"), Date).is_(None), _cards.c.valid_from <= bindparam("to")),
        ),
    ),
)

FACILITIES_BY_CODE = compile_query(
    "facilities_by_code", select(HealthFacility.__table__).where(text_keys(HealthFacility.code))
)

_visits = MedicalVisit.__table__
VISITS_PAGE = compile_query(
    "medical_visits_page",
    keyset_page(
        _visits,
        list(_visits.c),
        parent="person_id",
        sort="admitted_at",
        sort_type=DateTime(timezone=True),
        filters=(
            or_(
                cast(bindparam("from"), Date).is_(None),
                func.coalesce(_visits.c.discharged_at, _visits.c.admitted_at) >= bindparam("from"),
            ),
            or_(
                cast(bindparam("to"), Date).is_(None),
                _visits.c.admitted_at < cast(bindparam("to"), Date) + literal_column("1"),
            ),
        ),
    ),
)


async def current_cards_by_person(db: Reader, keys: Sequence[int]) -> list[Row | None]:
    rows = await db.fetch(CURRENT_CARDS_BY_PERSON, {"keys": list(keys)})
    return align_one(keys, rows, "person_id")


async def cards_by_code(db: Reader, keys: Sequence[str]) -> list[Row | None]:
    return align_one(keys, await db.fetch(CARDS_BY_CODE, {"keys": list(keys)}), "code")


async def cards_by_short_code(db: Reader, keys: Sequence[str]) -> list[Row | None]:
    rows = await db.fetch(CARDS_BY_SHORT_CODE, {"keys": list(keys)})
    return align_one(keys, rows, "short_code")


async def cards_page(
    db: Reader,
    keys: Sequence[int],
    page: PageParams,
    *,
    from_date: date | None,
    to_date: date | None,
) -> list[list[Row]]:
    params = {**page_params(page, keys), "from": from_date, "to": to_date}
    return align_many(keys, await db.fetch(CARDS_PAGE, params), "person_id")


async def facilities_by_code(db: Reader, keys: Sequence[str]) -> list[Row | None]:
    return align_one(keys, await db.fetch(FACILITIES_BY_CODE, {"keys": list(keys)}), "code")


async def visits_page(
    db: Reader,
    keys: Sequence[int],
    page: PageParams,
    *,
    from_date: date | None,
    to_date: date | None,
) -> list[list[Row]]:
    params = {**page_params(page, keys), "from": from_date, "to": to_date}
    return align_many(keys, await db.fetch(VISITS_PAGE, params), "person_id")

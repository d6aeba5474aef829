"""BHYT cards (by holder, by either code form) and medical visits, each with its facility.

A facility is a small reference row owned by the card or visit that names it: it comes in the same
row, as a jsonb object (`initial_facility`, `facility`), not through a loader of its own, so no
request pays a statement for facilities however its cards and visits resolve.

A card's `status` is computed by every statement that reads one (`card_status`), from the
officer's action state the row keeps and the card's dates: nothing stored goes stale as days
pass. The card "in force" for a holder or a code is the one covering today (`_IN_FORCE_FIRST`).
Its five-year date is derived the same way, from the holder's card history (`five_year_date`)."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    FromClause,
    Label,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB, distinct_on
from sqlalchemy.sql.selectable import NamedFromClause

from db import bhyt_rules
from db.models import HealthFacility, HealthInsuranceCard, MedicalVisit, Person
from db.queries.compile import align_one, compile_query, int_keys, text_keys
from db.queries.paging import PageParams, fetch_pages, keyset_page
from db.session import Query, Reader, Row

_cards = HealthInsuranceCard.__table__
_visits = MedicalVisit.__table__
_persons = Person.__table__

_REVOKED: ColumnElement[str] = literal_column("'REVOKED'")
VIETNAM_TODAY: ColumnElement[date] = func.vietnam_today(type_=Date)
"""Today in Vietnam (db.bhyt_rules.today; the database's `vietnam_today()`, migration 0018)."""


def _card_ends(cards: FromClause) -> ColumnElement[date]:
    """The card's last day: valid_to, or the holder's death if earlier (a card ends at death;
    `least` ignores a NULL date of death). The holder's row is one primary-key probe."""
    died_on = select(_persons.c.died_on).where(_persons.c.id == cards.c.person_id).scalar_subquery()
    return func.least(cards.c.valid_to, died_on)


def card_status(cards: FromClause) -> Label[str]:
    """`status` as a card's reader sees it: REVOKED or TEMPORARILY_LOCKED while the officer's
    state says so, else EXPIRED once the card has ended (valid_to, or the holder's death, has
    passed), else ACTIVE. The stored EXPIRED of rows loaded before the write path is no officer
    state: the dates decide for those too."""
    state = cards.c.status
    return case(
        (state.in_([_REVOKED, literal_column("'TEMPORARILY_LOCKED'")]), state),
        (_card_ends(cards) < VIETNAM_TODAY, literal_column("'EXPIRED'")),
        else_=literal_column("'ACTIVE'"),
    ).label("status")


def five_year_sql(card: str) -> str:
    """The five-year date (thời điểm đủ 5 năm liên tục) of the card row named `card` (a table,
    alias or subquery with the card's id, person_id, valid_from and valid_to), as a scalar
    subquery: the one rule of db.bhyt_rules, for the card reads and the visit's split alike.

    Gaps and islands over the holder's cards that begin by this card's start and are not revoked
    (the card itself always counts): each card's cover starts at `continuous_cover_since`, the
    cover before it an officer recorded from paper records, else at valid_from; a new run starts
    where a card begins after the cover so far plus the allowed break. The date is the start of
    the run holding the card + 5 years (a break inside the run does not move it: the card keeps
    the date the cards before it showed), printed on the card when it falls on or before the
    card's validTo, else NULL, as on the card itself."""
    gap = f"{bhyt_rules.CONTINUITY_GAP_MONTHS} months"
    years = f"{bhyt_rules.FIVE_YEARS} years"
    gap_from = bhyt_rules.CONTINUITY_GAP_FROM.isoformat()
    return (
        f"(SELECT CASE WHEN run.since + interval '{years}' <= {card}.valid_to"
        f" THEN CAST(run.since + interval '{years}' AS date) END"
        " FROM (SELECT max(cover.since) AS since FROM (SELECT fy.since, max(fy.valid_to) OVER"
        " (ORDER BY fy.since, fy.valid_to ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
        " AS covered_to FROM (SELECT coalesce(fy_h.continuous_cover_since, fy_h.valid_from)"
        " AS since, fy_h.valid_to FROM health_insurance_card fy_h"
        f" WHERE fy_h.person_id = {card}.person_id AND fy_h.valid_from <= {card}.valid_from"
        f" AND (fy_h.status <> 'REVOKED' OR fy_h.id = {card}.id)) fy) cover"
        " WHERE cover.covered_to IS NULL OR (cover.since > cover.covered_to + 1"
        f" AND (cover.covered_to + 1 < DATE '{gap_from}'"
        f" OR cover.since > cover.covered_to + 1 + interval '{gap}'))) run)"
    )


def five_year_date(cards: FromClause) -> Label[date]:
    """`five_year_sql` of each row of `cards` (a table or a named subquery), as the column
    `five_year_date`."""
    assert isinstance(cards, NamedFromClause)
    return literal_column(five_year_sql(cards.name), type_=Date()).label("five_year_date")


def _card_columns(cards: FromClause) -> list[ColumnElement[Any]]:
    return [card_status(cards) if c.name == "status" else c for c in cards.c]


# In force today and not revoked, then begun (the latest first), then not yet begun.
_IN_FORCE_FIRST = (
    ~and_(
        _cards.c.valid_from <= VIETNAM_TODAY,
        _cards.c.valid_to >= VIETNAM_TODAY,
        _cards.c.status != _REVOKED,
    ),
    _cards.c.valid_from > VIETNAM_TODAY,
)


def _facility(code: ColumnElement[str], label: str) -> Label[Any]:
    """`(SELECT to_jsonb(f) FROM health_facility f WHERE f.code = <code>) AS <label>`: the row's
    facility as a dict (by its primary key, one index probe per row)."""
    f = HealthFacility.__table__.alias("f")
    return (
        select(func.to_jsonb(f.table_valued(), type_=JSONB))
        .where(f.c.code == code)
        .scalar_subquery()
        .label(label)
    )


def _latest_card_by(name: str, column: Any, keys: Any) -> Query:
    """The card in force per key: the one covering today, else the latest issue that has begun,
    else the next to begin (renewals keep the 10-digit code, often the 15). Its five-year date
    and facility are computed for the chosen card only."""
    latest = (
        select(*_card_columns(_cards))
        .ext(distinct_on(column))
        .where(keys)
        .order_by(column, *_IN_FORCE_FIRST, _cards.c.valid_from.desc(), _cards.c.id.desc())
        .subquery("latest")
    )
    return compile_query(
        name,
        select(
            latest,
            five_year_date(latest),
            _facility(latest.c.initial_facility_code, "initial_facility"),
        ),
        keyed_by=(column.name,),
    )


CURRENT_CARDS_BY_PERSON = _latest_card_by(
    "current_cards_by_person", _cards.c.person_id, int_keys(_cards.c.person_id)
)
CARDS_BY_CODE = _latest_card_by("cards_by_code", _cards.c.code, text_keys(_cards.c.code))
CARDS_BY_SHORT_CODE = _latest_card_by(
    "cards_by_short_code", _cards.c.short_code, text_keys(_cards.c.short_code)
)
CARDS_BY_ID = compile_query(
    "cards_by_id",
    select(
        *_card_columns(_cards),
        five_year_date(_cards),
        _facility(_cards.c.initial_facility_code, "initial_facility"),
    ).where(int_keys(_cards.c.id)),
)
CARDS_PAGE = compile_query(
    "cards_page",
    keyset_page(
        _cards,
        _card_columns(_cards),
        parent="person_id",
        sort="valid_from",
        sort_type=Date(),
        filters=(
            or_(cast(bindparam("start"), Date).is_(None), _cards.c.valid_to >= bindparam("start")),
            or_(cast(bindparam("end"), Date).is_(None), _cards.c.valid_from <= bindparam("end")),
        ),
        page_columns=lambda rows: [
            five_year_date(rows),
            _facility(rows.c.initial_facility_code, "initial_facility"),
        ],
    ),
)

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
                cast(bindparam("start"), Date).is_(None),
                func.coalesce(_visits.c.discharged_at, _visits.c.admitted_at) >= bindparam("start"),
            ),
            or_(
                cast(bindparam("end"), Date).is_(None),
                _visits.c.admitted_at < cast(bindparam("end"), Date) + literal_column("1"),
            ),
            or_(
                cast(bindparam("facility"), Text).is_(None),
                _visits.c.facility_code == cast(bindparam("facility"), Text),
            ),
        ),
        page_columns=lambda rows: [_facility(rows.c.facility_code, "facility")],
    ),
)

VISITS_BY_ID = compile_query(
    "medical_visits_by_id",
    select(*_visits.c, _facility(_visits.c.facility_code, "facility")).where(
        int_keys(_visits.c.id)
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


async def cards_by_id(db: Reader, keys: Sequence[int]) -> list[Row | None]:
    return align_one(keys, await db.fetch(CARDS_BY_ID, {"keys": list(keys)}), "id")


async def visits_by_id(db: Reader, keys: Sequence[int]) -> list[Row | None]:
    return align_one(keys, await db.fetch(VISITS_BY_ID, {"keys": list(keys)}), "id")


async def cards_page(
    db: Reader,
    keys: Sequence[int],
    page: PageParams,
    *,
    from_date: date | None,
    to_date: date | None,
) -> list[list[Row]]:
    return await fetch_pages(db, CARDS_PAGE, keys, page, start=from_date, end=to_date)


async def visits_page(
    db: Reader,
    keys: Sequence[int],
    page: PageParams,
    *,
    from_date: date | None,
    to_date: date | None,
    facility: str | None = None,
) -> list[list[Row]]:
    return await fetch_pages(
        db, VISITS_PAGE, keys, page, start=from_date, end=to_date, facility=facility
    )

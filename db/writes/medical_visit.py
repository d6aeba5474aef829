"""Medical visit writes (recordMedicalVisit, correctMedicalVisit), inside the mutation's unit of
work. The card a visit is paid under is locked while its split is computed, so a lock or a
revocation, and the holder's other visits on it, wait for the visit's transaction."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import text

from db.queries.compile import compile_query
from db.queries.health_insurance import five_year_sql
from db.session import Transaction

# The officer state a card had at a time: the state the first status event after that time
# ended, or (no event since) the state the card has now (migration 0008).
_STATE_THEN = (
    "coalesce((SELECT e.status_before FROM health_insurance_card_event e"
    " WHERE e.card_id = c.id AND e.at > CAST(:at AS timestamptz)"
    " AND e.kind IN ('LOCKED', 'UNLOCKED', 'REVOKED') ORDER BY e.at, e.id LIMIT 1), c.status)"
)
# The five-year date is the card reads' (one rule): derived from the holder's card history.
_CARD_COLUMNS = (
    "c.id, c.person_id, c.code, c.benefit_level, c.valid_from, c.valid_to,"
    f" {five_year_sql('c')} AS five_year_date, {_STATE_THEN} AS state_then"
)


def _cards_covering(name: str, column: str) -> Any:
    return compile_query(
        name,
        text(
            f"SELECT {_CARD_COLUMNS} FROM health_insurance_card c WHERE c.{column} = :code"
            " AND c.valid_from <= :day AND c.valid_to >= :day ORDER BY c.id DESC"
            " FOR NO KEY UPDATE OF c"
        ),
    )


CARDS_BY_CODE_COVERING = _cards_covering("cards_by_code_covering", "code")
CARDS_BY_SHORT_CODE_COVERING = _cards_covering("cards_by_short_code_covering", "short_code")
CARD_AT = compile_query(
    "card_at",
    text(
        f"SELECT {_CARD_COLUMNS} FROM health_insurance_card c WHERE c.id = :id FOR NO KEY UPDATE OF c"
    ),
)
# What the holder co-paid for the calendar year's visits admitted before this one.
COPAID = compile_query(
    "copaid_this_year",
    text(
        "SELECT coalesce(sum(patient_paid_vnd), 0) AS copaid FROM medical_visit"
        " WHERE person_id = :person_id AND admitted_at >= CAST(:year_start AS timestamptz)"
        " AND admitted_at < CAST(:before AS timestamptz)"
        " AND id <> coalesce(CAST(:visit_id AS bigint), 0)"
    ),
)
LOCK_VISIT = compile_query(
    "lock_visit",
    text(
        "SELECT id, person_id, card_id, facility_code, version FROM medical_visit"
        " WHERE id = :id FOR NO KEY UPDATE"
    ),
)
INSERT_VISIT = compile_query(
    "insert_visit",
    text(
        "INSERT INTO medical_visit (person_id, card_id, facility_code, admitted_at,"
        " discharged_at, visit_type, icd10_code, diagnosis, total_cost_vnd, fund_paid_vnd,"
        " patient_paid_vnd) VALUES (:person_id, :card_id, :facility_code, :admitted_at,"
        " :discharged_at, :visit_type, :icd10_code, :diagnosis, :total_cost_vnd, :fund_paid_vnd,"
        " :patient_paid_vnd) RETURNING id"
    ),
)
UPDATE_VISIT = compile_query(
    "correct_visit",
    text(
        "UPDATE medical_visit SET admitted_at = :admitted_at, discharged_at = :discharged_at,"
        " visit_type = :visit_type, icd10_code = :icd10_code, diagnosis = :diagnosis,"
        " total_cost_vnd = :total_cost_vnd, fund_paid_vnd = :fund_paid_vnd,"
        " patient_paid_vnd = :patient_paid_vnd WHERE id = :id"
    ),
)


@dataclass(frozen=True)
class CardThen:
    """A card issue as a visit at a given time sees it (`state_then`: the officer state then)."""

    id: int
    person_id: int
    code: str
    benefit_level: int
    valid_from: date
    valid_to: date
    five_year_date: date | None
    state_then: str


@dataclass(frozen=True)
class VisitFacts:
    """What a visit records; the split is the register's (db.bhyt_rules.cost_split)."""

    admitted_at: datetime
    discharged_at: datetime | None
    visit_type: str
    icd10_code: str
    diagnosis: str
    total_cost_vnd: int
    fund_paid_vnd: int
    patient_paid_vnd: int


@dataclass(frozen=True)
class LockedVisit:
    id: int
    person_id: int
    card_id: int | None
    facility_code: str
    version: int


async def cards_covering(tx: Transaction, code: str, day: date, at: datetime) -> list[CardThen]:
    """The issues of a card code (either form) valid on `day`, newest first, locked."""
    query = CARDS_BY_SHORT_CODE_COVERING if len(code) == 10 else CARDS_BY_CODE_COVERING
    rows = await tx.fetch(query, {"code": code, "day": day, "at": at})
    return [CardThen(**r) for r in rows]


async def card_at(tx: Transaction, card_id: int, at: datetime) -> CardThen:
    (row,) = await tx.fetch(CARD_AT, {"id": card_id, "at": at})
    return CardThen(**row)


async def copaid(
    tx: Transaction, person_id: int, year_start: datetime, before: datetime, visit_id: int | None
) -> int:
    (row,) = await tx.fetch(
        COPAID,
        {"person_id": person_id, "year_start": year_start, "before": before, "visit_id": visit_id},
    )
    return int(row["copaid"])


async def lock_visit(tx: Transaction, visit_id: int) -> LockedVisit | None:
    rows = await tx.fetch(LOCK_VISIT, {"id": visit_id})
    return LockedVisit(**rows[0]) if rows else None


async def insert(
    tx: Transaction, *, person_id: int, card_id: int, facility_code: str, visit: VisitFacts
) -> int:
    params = {"person_id": person_id, "card_id": card_id, "facility_code": facility_code}
    (row,) = await tx.fetch(INSERT_VISIT, {**params, **vars(visit)})
    return int(row["id"])


async def correct(tx: Transaction, visit_id: int, visit: VisitFacts) -> None:
    await tx.execute(UPDATE_VISIT, {"id": visit_id, **vars(visit)})

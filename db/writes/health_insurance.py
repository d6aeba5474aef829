"""BHYT card writes (issue, renew, change the initial facility, lock, unlock, revoke), inside
the mutation's unit of work. Every change of a card appends its event in the same statement
(migration 0008); a card that an officer changes is first locked (`lock_card`), so the checks
the mutation makes on it hold until it commits."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from psycopg.errors import ExclusionViolation
from sqlalchemy import Text, bindparam, exists, select, text

from db.enums import CardEventKind
from db.models import HealthFacility
from db.queries.compile import compile_query
from db.queries.organisation import active
from db.session import Transaction

FACILITY_ACTIVE = compile_query(
    "facility_active",
    select(
        exists()
        .where(
            HealthFacility.code == bindparam("code", type_=Text),
            active(HealthFacility.deregistered_on),
        )
        .label("active")
    ),
)
BHXH_CODE = compile_query(
    "bhxh_code_of_person",
    text("SELECT bhxh_code FROM social_insurance WHERE person_id = :person_id"),
)
# The person's cover: the cards that are not revoked (no two may overlap).
COVER = compile_query(
    "card_cover_of_person",
    text(
        "SELECT id, code, valid_from, valid_to FROM health_insurance_card"
        " WHERE person_id = :person_id AND status <> 'REVOKED' ORDER BY valid_from, id"
    ),
)
LOCK_CARD = compile_query(
    "lock_card",
    text(
        "SELECT id, person_id, code, short_code, category_code, benefit_level, province_code,"
        " area_code, initial_facility_code, valid_from, valid_to, status, version"
        " FROM health_insurance_card WHERE id = :id FOR NO KEY UPDATE"
    ),
)
# A new issue and its event (ISSUED, or RENEWED naming the card it continues).
INSERT_CARD = compile_query(
    "insert_card",
    text(
        "WITH card AS (INSERT INTO health_insurance_card (person_id, code, short_code,"
        " category_code, benefit_level, province_code, area_code, initial_facility_code,"
        " valid_from, valid_to, continuous_cover_since, status) VALUES (:person_id, :code,"
        " :short_code, :category_code, :benefit_level, :province_code, :area_code,"
        " :initial_facility_code, :valid_from, :valid_to, :continuous_cover_since, 'ACTIVE')"
        " RETURNING id, person_id),"
        " event AS (INSERT INTO health_insurance_card_event (person_id, card_id, kind,"
        " continues_card_id) SELECT person_id, id, CAST(:kind AS text),"
        " CAST(:continues_card_id AS bigint) FROM card)"
        " SELECT id FROM card"
    ),
)
SET_STATUS = compile_query(
    "set_card_status",
    text(
        "WITH card AS (UPDATE health_insurance_card SET status = :status,"
        " status_reason = :status_reason WHERE id = :id RETURNING id, person_id),"
        " event AS (INSERT INTO health_insurance_card_event (person_id, card_id, kind, reason,"
        " status_before) SELECT person_id, id, CAST(:kind AS text), CAST(:reason AS text),"
        " CAST(:status_before AS text) FROM card)"
        " SELECT id FROM card"
    ),
)
SET_FACILITY = compile_query(
    "set_card_facility",
    text(
        "WITH card AS (UPDATE health_insurance_card SET initial_facility_code = :facility"
        " WHERE id = :id RETURNING id, person_id),"
        " event AS (INSERT INTO health_insurance_card_event (person_id, card_id, kind)"
        " SELECT person_id, id, 'FACILITY_CHANGED' FROM card)"
        " SELECT id FROM card"
    ),
)


@dataclass(frozen=True)
class Card:
    """A card issue as its writer sees it: `status` is the officer state the row keeps."""

    id: int
    person_id: int
    code: str
    short_code: str
    category_code: str
    benefit_level: int
    province_code: str
    area_code: str | None
    initial_facility_code: str
    valid_from: date
    valid_to: date
    status: str
    version: int

    @classmethod
    def of(cls, row: dict[str, Any]) -> "Card":
        return cls(**row)


@dataclass(frozen=True)
class CoverRow:
    id: int
    code: str
    valid_from: date
    valid_to: date


@dataclass(frozen=True)
class NewCard:
    person_id: int
    code: str
    short_code: str
    category_code: str
    benefit_level: int
    province_code: str
    area_code: str | None
    initial_facility_code: str
    valid_from: date
    valid_to: date
    continuous_cover_since: date | None = None
    """Cover before this card an officer recorded from paper records (five-year rule)."""


async def facility_active(tx: Transaction, code: str) -> bool:
    (row,) = await tx.fetch(FACILITY_ACTIVE, {"code": code})
    return bool(row["active"])


async def bhxh_code(tx: Transaction, person_id: int) -> str | None:
    rows = await tx.fetch(BHXH_CODE, {"person_id": person_id})
    return str(rows[0]["bhxh_code"]) if rows else None


async def cover(tx: Transaction, person_id: int) -> list[CoverRow]:
    return [CoverRow(**r) for r in await tx.fetch(COVER, {"person_id": person_id})]


async def lock_card(tx: Transaction, card_id: int) -> Card | None:
    """The card, locked against other writers until the transaction ends."""
    rows = await tx.fetch(LOCK_CARD, {"id": card_id})
    return Card.of(rows[0]) if rows else None


async def insert_card(
    tx: Transaction, card: NewCard, *, continues: int | None = None
) -> int | None:
    """The new issue's id; None when another card of the person that is not revoked covers one
    of its days (the exclusion constraint: a concurrent issue got there first)."""
    kind = CardEventKind.RENEWED if continues is not None else CardEventKind.ISSUED
    params = {**vars(card), "kind": kind.value, "continues_card_id": continues}
    try:
        (row,) = await tx.fetch(INSERT_CARD, params)
    except ExclusionViolation:
        return None
    return int(row["id"])


async def set_status(
    tx: Transaction, card: Card, kind: CardEventKind, status: str, reason: str
) -> None:
    """Lock (TEMPORARILY_LOCKED), unlock (ACTIVE) or revoke (REVOKED) a card locked first."""
    await tx.fetch(
        SET_STATUS,
        {
            "id": card.id,
            "status": status,
            # The row keeps the reason of a blocked state only (its CHECK); the event keeps all.
            "status_reason": None if status == "ACTIVE" else reason,
            "kind": kind.value,
            "reason": reason,
            "status_before": card.status,
        },
    )


async def set_facility(tx: Transaction, card: Card, facility: str) -> None:
    await tx.fetch(SET_FACILITY, {"id": card.id, "facility": facility})

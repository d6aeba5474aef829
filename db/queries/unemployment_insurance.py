"""BHTN benefit decisions (few per person: a plain list, not a connection)."""

from collections.abc import Sequence

from sqlalchemy import bindparam, select

from db.models import UnemploymentBenefit
from db.queries.compile import align_many, compile_query, int_keys
from db.session import Reader, Row

_decisions = UnemploymentBenefit.__table__
UNEMPLOYMENT_BENEFITS_BY_PERSON = compile_query(
    "unemployment_benefits_by_person",
    select(_decisions)
    .where(int_keys(_decisions.c.person_id))
    .order_by(_decisions.c.person_id, _decisions.c.decided_on, _decisions.c.id),
    keyed_by=("person_id",),
)

UNEMPLOYMENT_BENEFIT_BY_ID = compile_query(
    "unemployment_benefit_by_id", select(_decisions).where(_decisions.c.id == bindparam("id"))
)


async def unemployment_benefits_by_person(db: Reader, keys: Sequence[int]) -> list[list[Row]]:
    rows = await db.fetch(UNEMPLOYMENT_BENEFITS_BY_PERSON, {"keys": list(keys)})
    return align_many(keys, rows, "person_id")


async def unemployment_benefit_by_id(db: Reader, decision_id: int) -> Row | None:
    rows = await db.fetch(UNEMPLOYMENT_BENEFIT_BY_ID, {"id": decision_id})
    return rows[0] if rows else None

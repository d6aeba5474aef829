"""Households and their members."""

from collections.abc import Sequence

from sqlalchemy import literal_column, select

from db.models import Household, HouseholdMember
from db.queries.compile import align_many, align_one, compile_query, int_keys
from db.session import Reader, Row

HOUSEHOLDS_BY_ID = compile_query(
    "households_by_id", select(Household.__table__).where(int_keys(Household.id))
)
MEMBERSHIPS_BY_PERSON = compile_query(
    "household_memberships_by_person",
    select(HouseholdMember.__table__).where(int_keys(HouseholdMember.person_id)),
)
MEMBERS_BY_HOUSEHOLD = compile_query(
    "household_members_by_household",
    select(HouseholdMember.__table__)
    .where(int_keys(HouseholdMember.household_id))
    # The head first, then members in record order.
    .order_by(
        HouseholdMember.household_id,
        HouseholdMember.relation_to_head != literal_column("'HEAD'"),
        HouseholdMember.person_id,
    ),
)


async def households_by_id(db: Reader, keys: Sequence[int]) -> list[Row | None]:
    return align_one(keys, await db.fetch(HOUSEHOLDS_BY_ID, {"keys": list(keys)}), "id")


async def memberships_by_person(db: Reader, keys: Sequence[int]) -> list[Row | None]:
    rows = await db.fetch(MEMBERSHIPS_BY_PERSON, {"keys": list(keys)})
    return align_one(keys, rows, "person_id")


async def members_by_household(db: Reader, keys: Sequence[int]) -> list[list[Row]]:
    rows = await db.fetch(MEMBERS_BY_HOUSEHOLD, {"keys": list(keys)})
    return align_many(keys, rows, "household_id")

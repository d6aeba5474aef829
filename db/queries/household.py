"""Households and their members."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import literal_column, select

from db.models import Household, HouseholdMember
from db.queries.compile import align_many, align_one, carried, carry, compile_query, int_keys
from db.queries.person import LINKED, linked_person
from db.session import Reader, Row

HOUSEHOLD = "household__"
"""The prefix of the household a membership's statement carries (compile.carried)."""

_household = Household.__table__
_member = HouseholdMember.__table__

HOUSEHOLDS_BY_ID = compile_query(
    "households_by_id", select(_household).where(int_keys(Household.id))
)
_person, _person_columns = linked_person()
MEMBERS_BY_HOUSEHOLD = compile_query(
    "household_members_by_household",
    select(_member, *_person_columns)
    .outerjoin(_person, _person.c.id == _member.c.person_id)
    .where(int_keys(HouseholdMember.household_id))
    # The head first, then members in record order.
    .order_by(
        HouseholdMember.household_id,
        HouseholdMember.relation_to_head != literal_column("'HEAD'"),
        HouseholdMember.person_id,
    ),
)

MEMBER = "member__"
"""The prefix of a household member's columns that a membership's statement carries."""

_fellow = _member.alias("fellow")
_fellow_person, _fellow_person_columns = linked_person()
MEMBERSHIPS_BY_PERSON = compile_query(
    "household_memberships_by_person",
    select(
        _member,
        *carry(HOUSEHOLD, list(_household.c)),
        *carry(MEMBER, list(_fellow.c)),
        *_fellow_person_columns,
    )
    .outerjoin(_household, _household.c.id == _member.c.household_id)
    .outerjoin(_fellow, _fellow.c.household_id == _member.c.household_id)
    .outerjoin(_fellow_person, _fellow_person.c.id == _fellow.c.person_id)
    .where(int_keys(HouseholdMember.person_id))
    # Each person's household members as MEMBERS_BY_HOUSEHOLD orders them.
    .order_by(
        _member.c.person_id,
        _fellow.c.relation_to_head != literal_column("'HEAD'"),
        _fellow.c.person_id,
    ),
    keyed_by=("person_id",),
)
"""A person's membership brings what reading their household reads next: the household, its
members and their persons, as `households_by_id`, `members_by_household` (less the persons'
columns, which come apart) and `persons_by_id` return them; one row per member."""


@dataclass(frozen=True)
class Memberships:
    by_person: list[Row | None]
    """Each key's membership, in key order."""
    households: list[Row]
    members: dict[int, list[Row]]
    """Each household's members, by household id."""
    persons: list[Row]


async def households_by_id(db: Reader, keys: Sequence[int]) -> list[Row | None]:
    return align_one(keys, await db.fetch(HOUSEHOLDS_BY_ID, {"keys": list(keys)}), "id")


async def memberships_by_person(db: Reader, keys: Sequence[int]) -> Memberships:
    rows = await db.fetch(MEMBERSHIPS_BY_PERSON, {"keys": list(keys)})
    members: dict[int, list[Row]] = {}
    # Two keys of one household list its members twice: the first key's rows are kept.
    listed_by: dict[int, int] = {}
    names = [(MEMBER + str(c.name), str(c.name)) for c in _fellow.c]
    for row in rows:
        household_id, person_id = row["household_id"], row["person_id"]
        if listed_by.setdefault(household_id, person_id) == person_id:
            members.setdefault(household_id, []).append({n: row[m] for m, n in names})
    return Memberships(
        by_person=align_one(keys, rows, "person_id"),
        households=carried(rows, HOUSEHOLD),
        members=members,
        persons=carried(rows, LINKED),
    )


async def members_by_household(
    db: Reader, keys: Sequence[int]
) -> tuple[list[list[Row]], list[Row]]:
    """Each household's members, and their persons (`persons_by_id`'s rows)."""
    rows = await db.fetch(MEMBERS_BY_HOUSEHOLD, {"keys": list(keys)})
    return align_many(keys, rows, "household_id"), carried(rows, LINKED)

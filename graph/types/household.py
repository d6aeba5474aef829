"""Household (hộ gia đình): address and members with their relationship to the head."""

import strawberry

from db import enums as db_enums
from db.enums import HouseholdRelation
from db.session import Row
from graph.authz.permissions import note_read
from graph.authz.policy import DataGroup
from graph.context import Info
from graph.types.person import Person
from graph.types.reference import Province
from graph.validation import household_key

_HOUSEHOLD = DataGroup.HOUSEHOLD


@strawberry.type(description="Thành viên hộ — a member of a household.")
class HouseholdMember:
    relation_to_head: HouseholdRelation = strawberry.field(
        description="Quan hệ với chủ hộ — relationship to the head of household."
    )
    person: Person | None = strawberry.field(
        description=(
            "The member. Never null today: members the caller may not see are left out of the "
            "list rather than listed without a person."
        )
    )


async def _members(info: Info, household_id: int) -> list[HouseholdMember] | None:
    """The members the caller may list: those whose HOUSEHOLD group it may read, head first.

    None when the household does not exist for the caller: a member is hidden from it only
    because a ministry keeps their book. Showing the rest would leave a gap (a missing head, a
    child without parents, one member where households have two) that only such a person
    explains; every gap that remains is one the caller also has with ordinary persons.
    """
    loaders = info.context.loaders
    facts = info.context.require_facts()
    members: list[Row] = await loaders.household_members.load(household_id)
    rows: list[Row | None] = await loaders.person_by_id.load_many([m["person_id"] for m in members])
    people = await Person.admit_many(info, rows)
    hidden = await facts.hidden_many(rows, _HOUSEHOLD)
    if any(hidden):
        return None
    return [
        HouseholdMember(
            relation_to_head=db_enums.HouseholdRelation(m["relation_to_head"]), person=person
        )
        for m, person in zip(members, people, strict=True)
        if person is not None and _HOUSEHOLD in person.access.groups
    ]


def _note(info: Info, members: list[HouseholdMember]) -> None:
    """Each listed member's household data (the address they share, their relation) leaves."""
    for member in members:
        if member.person is not None:
            note_read(info, member.person.person_id, _HOUSEHOLD, member.person.access)


@strawberry.federation.type(
    keys=["id"],
    description=(
        "Hộ gia đình — a household. Its members are the persons whose HOUSEHOLD group the "
        "caller may read; the others are left out, head included (the list then starts with "
        "whoever the caller may see). A household that holds a person the caller would see "
        "but for a ministry's secrecy (Defence, Public Security) does not exist for that "
        "caller: not found by id, null from a member's `household`, as for a person without "
        "one. So no gap tells that such a person is there; the gaps that remain are those the "
        "caller has with ordinary persons (a member who has not consented, someone else's "
        "record). Reading a household is a read of its listed members' HOUSEHOLD group."
    ),
)
class Household:
    row: strawberry.Private[Row]
    relation_of_person: strawberry.Private[str | None] = None
    listed: strawberry.Private[list[HouseholdMember] | None] = None
    """The members `_members` gave when this household was found: asked once a request."""

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> "Household | None":
        return await cls.find(info, id)

    @classmethod
    async def find(cls, info: Info, id: str) -> "Household | None":
        """A household by id, when it exists for the caller and lists at least one member."""
        if (key := household_key(str(id))) is None:
            return None
        household = await info.context.loaders.household.load(key)
        if household is None:
            return None
        members = await _members(info, key)
        if not members:
            return None
        _note(info, members)  # its address and code are theirs: the caller holds them now
        return cls(row=household, listed=members)

    @classmethod
    async def of_person(cls, info: Info, person_id: int) -> "Household | None":
        """The household of a person whose HOUSEHOLD group the caller reads (noted by the
        field's guard), unless it does not exist for the caller."""
        membership = await info.context.loaders.household_membership.load(person_id)
        if membership is None:
            return None
        members = await _members(info, membership["household_id"])
        if members is None:
            return None
        household = await info.context.loaders.household.load(membership["household_id"])
        return cls(row=household, relation_of_person=membership["relation_to_head"], listed=members)

    @strawberry.field(description="Mã hộ — household ID.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row["id"]))

    @strawberry.field(description="Số hộ khẩu / mã hộ gia đình — the household's code.")
    def household_code(self) -> str:
        return self.row["household_code"]  # type: ignore[no-any-return]

    @strawberry.field(description="Địa chỉ — the household's address.")
    def address(self) -> str:
        return self.row["address"]  # type: ignore[no-any-return]

    @strawberry.field(description="Tỉnh — the household's province.")
    def province(self) -> Province:
        return Province.current(self.row["province_code"])

    @strawberry.field(
        description="Quan hệ với chủ hộ — how the person this household was reached from relates to its head."
    )
    def relation_to_head(self) -> HouseholdRelation | None:
        rel = self.relation_of_person
        return db_enums.HouseholdRelation(rel) if rel else None

    @strawberry.field(
        description=(
            "Thành viên — the members whose HOUSEHOLD group the caller may read, head first; "
            "the others are left out (see Household)."
        )
    )
    async def members(self, info: Info) -> list[HouseholdMember]:
        members = self.listed
        if members is None:
            members = await _members(info, self.row["id"]) or []
        _note(info, members)
        return members

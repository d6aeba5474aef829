"""Household (hộ gia đình): address and members with their relationship to the head."""

import strawberry

from db import enums as db_enums
from db.enums import HouseholdRelation
from db.session import Row
from graph.authz.policy import DataGroup
from graph.context import Info
from graph.types.person import Person
from graph.types.reference import Province


@strawberry.type(description="Thành viên hộ — a member of a household.")
class HouseholdMember:
    relation_to_head: HouseholdRelation = strawberry.field(
        description="Quan hệ với chủ hộ — relationship to the head of household."
    )
    person: Person | None = strawberry.field(
        description="The member, when the caller may see them (null otherwise)."
    )


@strawberry.federation.type(keys=["id"], description="Hộ gia đình — a household.")
class Household:
    row: strawberry.Private[Row]
    relation_of_person: strawberry.Private[str | None] = None

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> "Household | None":
        return await cls.find(info, id)

    @classmethod
    async def find(cls, info: Info, id: str) -> "Household | None":
        """A household is visible when the caller may read the HOUSEHOLD group of a member."""
        if not id.isdigit():
            return None
        loaders = info.context.loaders
        household = await loaders.household.load(int(id))
        if household is None:
            return None
        members: list[Row] = await loaders.household_members.load(household["id"])
        rows = await loaders.person_by_id.load_many([m["person_id"] for m in members])
        people = await Person.admit_many(info, rows)
        if any(p is not None and DataGroup.HOUSEHOLD in p.access.groups for p in people):
            return cls(row=household)
        return None

    @classmethod
    async def of_person(cls, info: Info, person_id: int) -> "Household | None":
        membership = await info.context.loaders.household_membership.load(person_id)
        if membership is None:
            return None
        household = await info.context.loaders.household.load(membership["household_id"])
        return cls(row=household, relation_of_person=membership["relation_to_head"])

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
        description="Thành viên — members; those the caller may not see are left out."
    )
    async def members(self, info: Info) -> list[HouseholdMember]:
        loaders = info.context.loaders
        members: list[Row] = await loaders.household_members.load(self.row["id"])
        rows = await loaders.person_by_id.load_many([m["person_id"] for m in members])
        people = await Person.admit_many(info, rows)
        return [
            HouseholdMember(
                relation_to_head=db_enums.HouseholdRelation(m["relation_to_head"]), person=person
            )
            for m, person in zip(members, people, strict=True)
            if person is not None
        ]

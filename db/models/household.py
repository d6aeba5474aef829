"""Household (hộ gia đình): address and members with their relationship to the head."""

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.enums import HouseholdRelation
from db.models.base import Base, enum_check


class Household(Base):
    __tablename__ = "household"
    __table_args__ = (
        CheckConstraint("household_code ~ '^[0-9]{12}$'", name="household_code_format"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    household_code: Mapped[str] = mapped_column(Text, unique=True)
    address: Mapped[str] = mapped_column(Text)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))


class HouseholdMember(Base):
    """Membership is person-owned (keyed by the person) so it shards with the person's book."""

    __tablename__ = "household_member"
    __table_args__ = (
        CheckConstraint(enum_check("relation_to_head", HouseholdRelation), name="relation_to_head"),
        # At most one head per household.
        Index(
            "uq_household_member_head",
            "household_id",
            unique=True,
            postgresql_where="relation_to_head = 'HEAD'",
        ),
    )

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    relation_to_head: Mapped[str] = mapped_column(Text)

"""Identity, relatives and contact: DOMAIN.md §1 and the decree's personal data groups."""

from datetime import date

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.enums import DatePrecision, ManagingAuthority, RelativeKind, Sex
from db.models.base import Base, enum_check


class Person(Base):
    """A person of the national database. `id` is the distribution key every person-owned table carries."""

    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint(
            "identification_number ~ '^[0-9]{12}$'", name="identification_number_format"
        ),
        # db.identifiers.validate_personal_id: province and century digits (migration 0011; a
        # trigger there refuses a birth year in the future, which a CHECK cannot know).
        CheckConstraint(
            "is_valid_personal_id(identification_number)", name="identification_number_valid"
        ),
        # db.identifiers.validate_passport, by nationality (migration 0015).
        CheckConstraint(
            "is_valid_passport(passport_number, nationality)", name="passport_number_valid"
        ),
        CheckConstraint("nationality ~ '^[A-Z]{2}$'", name="nationality_format"),
        # Foreign workers (Law 41/2024 art. 2(2)) may hold no personal ID: their passport and
        # nationality identify them, with the BHXH code (migration 0015).
        CheckConstraint(
            "identification_number IS NOT NULL"
            " OR (passport_number IS NOT NULL AND nationality <> 'VN')",
            name="identified",
        ),
        Index(
            "uq_person_nationality_passport_number",
            "nationality",
            "passport_number",
            unique=True,
            postgresql_where=text("identification_number IS NULL"),
        ),
        CheckConstraint(enum_check("sex", Sex), name="sex"),
        CheckConstraint(
            enum_check("birth_date_precision", DatePrecision), name="birth_date_precision"
        ),
        CheckConstraint(
            enum_check("managing_authority", ManagingAuthority), name="managing_authority"
        ),
        # Personal ID digits 4–6 carry century/sex and the birth year's last two digits (DOMAIN.md §1).
        CheckConstraint(
            "mod(substr(identification_number, 4, 1)::int, 2) = CASE sex WHEN 'MALE' THEN 0 ELSE 1 END"
            " AND 1900 + (substr(identification_number, 4, 1)::int / 2) * 100"
            " + substr(identification_number, 5, 2)::int = extract(year FROM birth_date)::int",
            name="identification_number_matches_sex_and_birth_year",
        ),
        CheckConstraint("phone ~ '^0[0-9]{9}$'", name="phone_format"),
        CheckConstraint("email ~ '^[^@ ]+@[^@ ]+$'", name="email_format"),
        # The contact fields the person edits (graph.types.mutations.contact checks the same).
        CheckConstraint("char_length(email) <= 254", name="email_length"),
        CheckConstraint(
            "char_length(contact_address) BETWEEN 1 AND 300", name="contact_address_length"
        ),
        CheckConstraint("died_on >= birth_date", name="died_after_birth"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # None for a foreign worker known by passport only (migration 0015).
    identification_number: Mapped[str | None] = mapped_column(Text, unique=True)
    passport_number: Mapped[str | None] = mapped_column(Text)
    full_name: Mapped[str] = mapped_column(Text)
    birth_date: Mapped[date] = mapped_column(Date)
    birth_date_precision: Mapped[str] = mapped_column(Text)
    sex: Mapped[str] = mapped_column(Text)
    ethnicity_code: Mapped[str] = mapped_column(ForeignKey("ethnicity.code"))
    nationality: Mapped[str] = mapped_column(Text, server_default="VN")
    birth_registration_place: Mapped[str] = mapped_column(Text)
    birth_registration_province_code: Mapped[str] = mapped_column(
        ForeignKey("legacy_province.code")
    )
    hometown: Mapped[str] = mapped_column(Text)
    permanent_residence: Mapped[str] = mapped_column(Text)
    residence_province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    managing_authority: Mapped[str] = mapped_column(Text, server_default=ManagingAuthority.FINANCE)
    phone: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    contact_address: Mapped[str | None] = mapped_column(Text)
    # Ngày chết: the date of death, when the civil register has one (migration 0010).
    died_on: Mapped[date | None] = mapped_column(Date)
    # Raised by a trigger on every update; writers name the version they read (migration 0006).
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))


class Relative(Base):
    """Father, mother, spouse or legal representative, linked to their own record when it exists."""

    __tablename__ = "relative"
    __table_args__ = (
        CheckConstraint(enum_check("kind", RelativeKind), name="kind"),
        CheckConstraint(
            "identification_number ~ '^[0-9]{12}$'", name="identification_number_format"
        ),
        # db.identifiers.validate_personal_id: province and century digits (migration 0011; a
        # trigger there refuses a birth year in the future, which a CHECK cannot know).
        CheckConstraint(
            "is_valid_personal_id(identification_number)", name="identification_number_valid"
        ),
        # A relative may be foreign: the passport is checked by nationality, as a person's is
        # (migration 0017).
        CheckConstraint(
            "is_valid_passport(passport_number, nationality)", name="passport_number_valid"
        ),
        CheckConstraint("nationality ~ '^[A-Z]{2}$'", name="nationality_format"),
        CheckConstraint("relative_person_id <> person_id", name="not_self"),
        Index("ix_relative_person_id_kind", "person_id", "kind", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(Text)
    full_name: Mapped[str] = mapped_column(Text)
    # Indexed: a legal representative's token names them by this number.
    identification_number: Mapped[str | None] = mapped_column(Text, index=True)
    passport_number: Mapped[str | None] = mapped_column(Text)
    nationality: Mapped[str] = mapped_column(Text, server_default="VN")
    # Indexed: "whom does this person represent?" is asked of every legal-representative caller.
    relative_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)

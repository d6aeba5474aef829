"""Persons identified by passport only: foreign workers without a Vietnamese personal ID

Foreign workers with a labour contract of 12 months or more are compulsory participants (Law
41/2024 art. 2(2)); they hold a passport, a nationality other than Vietnam's and a BHXH code, but
no 12-digit personal ID (số định danh cá nhân is issued to Vietnamese citizens).

- person.identification_number becomes nullable; a CHECK requires a person without it to have a
  passport number and a nationality other than VN.
- `is_valid_passport(number, nationality)` decides what db.identifiers.validate_passport decides:
  a Vietnamese passport is 1 capital letter and 7 digits, a foreign one 6–20 capital letters or
  digits; it replaces the Vietnamese-only format CHECK on person.passport_number. Nationality is
  2 capital letters (ISO 3166 alpha-2).
- A passport-only person is unique by (nationality, passport_number): that pair is what
  identifies them besides the BHXH code. Persons with a personal ID are keyed by it; their
  passports were never unique here (the seed draws them at random), so a unique over them could
  fail to upgrade a populated database without being the key of anyone.
- consent.granted_by: the token subject of the citizen who granted it, which for a passport-only
  person is their BHXH code (README, Access): a personal ID or 10 digits.

Every stored row already satisfies the new rules (every person has a personal ID and VN passports
in the old format), so the upgrade rewrites nothing. The downgrade fails, naming the constraint,
while a passport-only person exists, rather than deleting personal data.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FUNCTIONS = """
-- db.identifiers.validate_passport: VN passports 1 capital letter + 7 digits, foreign ones 6-20
-- capital letters or digits (ICAO Doc 9303 document numbers).
CREATE FUNCTION is_valid_passport(number text, nationality text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN nationality = 'VN' THEN number ~ '^[A-Z][0-9]{7}$'
    ELSE nationality ~ '^[A-Z]{2}$' AND number ~ '^[A-Z0-9]{6,20}$' END;
"""

_IDENTIFIED = (
    "identification_number IS NOT NULL OR (passport_number IS NOT NULL AND nationality <> 'VN')"
)
# (constraint suffix, before, after): a personal ID, or a BHXH code (10 digits).
_GRANTED_BY = (
    ("granted_by_format", "granted_by ~ '^[0-9]{12}$'", "granted_by ~ '^[0-9]{10}([0-9]{2})?$'"),
    (
        "granted_by_valid",
        "is_valid_personal_id(granted_by)",
        "length(granted_by) = 10 OR is_valid_personal_id(granted_by)",
    ),
)
_PASSPORT_INDEX = "uq_person_nationality_passport_number"


def upgrade() -> None:
    op.execute(_FUNCTIONS)
    op.alter_column("person", "identification_number", existing_type=sa.Text(), nullable=True)
    op.create_check_constraint(
        op.f("ck_person_nationality_format"), "person", "nationality ~ '^[A-Z]{2}$'"
    )
    op.drop_constraint(op.f("ck_person_passport_number_format"), "person", type_="check")
    op.create_check_constraint(
        op.f("ck_person_passport_number_valid"),
        "person",
        "is_valid_passport(passport_number, nationality)",
    )
    op.create_check_constraint(op.f("ck_person_identified"), "person", _IDENTIFIED)
    op.create_index(
        _PASSPORT_INDEX,
        "person",
        ["nationality", "passport_number"],
        unique=True,
        postgresql_where=sa.text("identification_number IS NULL"),
    )
    for name, _, new in _GRANTED_BY:
        op.drop_constraint(op.f(f"ck_consent_{name}"), "consent", type_="check")
        op.create_check_constraint(op.f(f"ck_consent_{name}"), "consent", new)


# Rows revision 0014 cannot hold; the error names the first one's id, not its personal data.
_REFUSE_DOWNGRADE = """
DO $$
DECLARE
    offending bigint;
    consent_id uuid;
BEGIN
    SELECT min(id) INTO offending FROM person
    WHERE identification_number IS NULL OR passport_number !~ '^[A-Z][0-9]{7}$';
    IF offending IS NOT NULL THEN
        RAISE EXCEPTION 'person % is known by a foreign passport, which the revision before cannot hold',
            offending USING ERRCODE = 'check_violation';
    END IF;
    SELECT id INTO consent_id FROM consent WHERE length(granted_by) = 10 LIMIT 1;
    IF consent_id IS NOT NULL THEN
        RAISE EXCEPTION 'consent % was granted by a BHXH code, which the revision before cannot hold',
            consent_id USING ERRCODE = 'check_violation';
    END IF;
END
$$
"""


def downgrade() -> None:
    op.execute(_REFUSE_DOWNGRADE)
    for name, old, _ in _GRANTED_BY:
        op.drop_constraint(op.f(f"ck_consent_{name}"), "consent", type_="check")
        op.create_check_constraint(op.f(f"ck_consent_{name}"), "consent", old)
    op.drop_index(_PASSPORT_INDEX, table_name="person")
    op.drop_constraint(op.f("ck_person_identified"), "person", type_="check")
    op.drop_constraint(op.f("ck_person_passport_number_valid"), "person", type_="check")
    op.create_check_constraint(
        op.f("ck_person_passport_number_format"), "person", "passport_number ~ '^[A-Z][0-9]{7}$'"
    )
    op.drop_constraint(op.f("ck_person_nationality_format"), "person", type_="check")
    op.alter_column("person", "identification_number", existing_type=sa.Text(), nullable=False)
    op.execute("DROP FUNCTION is_valid_passport(text, text)")

"""A relative's nationality, so a foreign relative's passport can be recorded

A relative (a foreign worker's child's mother, say) may hold a foreign passport. Like the person
table since revision 0015, relative.passport_number is checked by nationality with
`is_valid_passport(number, nationality)` (db.identifiers.validate_passport); the new column
relative.nationality (ISO 3166 alpha-2) defaults to VN, which every stored row is, so the old
Vietnamese-only format CHECK holds of every row and the upgrade rewrites nothing.

The downgrade fails, naming the first relative's id, while a foreign relative is recorded,
rather than deleting personal data.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "relative", sa.Column("nationality", sa.Text(), server_default="VN", nullable=False)
    )
    op.create_check_constraint(
        op.f("ck_relative_nationality_format"), "relative", "nationality ~ '^[A-Z]{2}$'"
    )
    op.drop_constraint(op.f("ck_relative_passport_number_format"), "relative", type_="check")
    op.create_check_constraint(
        op.f("ck_relative_passport_number_valid"),
        "relative",
        "is_valid_passport(passport_number, nationality)",
    )


_REFUSE_DOWNGRADE = """
DO $$
DECLARE
    offending bigint;
BEGIN
    SELECT min(id) INTO offending FROM relative
    WHERE nationality <> 'VN' OR passport_number !~ '^[A-Z][0-9]{7}$';
    IF offending IS NOT NULL THEN
        RAISE EXCEPTION 'relative % is of a foreign nationality, which the revision before cannot hold',
            offending USING ERRCODE = 'check_violation';
    END IF;
END
$$
"""


def downgrade() -> None:
    op.execute(_REFUSE_DOWNGRADE)
    op.drop_constraint(op.f("ck_relative_passport_number_valid"), "relative", type_="check")
    op.create_check_constraint(
        op.f("ck_relative_passport_number_format"),
        "relative",
        "passport_number ~ '^[A-Z][0-9]{7}$'",
    )
    op.drop_constraint(op.f("ck_relative_nationality_format"), "relative", type_="check")
    op.drop_column("relative", "nationality")

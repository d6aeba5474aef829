"""What a real e-book shows: per-row conditions and notes

- `contribution_period.arduous` (nặng nhọc, độc hại) and `notes` (ghi chú: back payment,
  maternity months, paid late), an array of db.enums.ContributionNote values.
- `social_insurance.issuing_office_code` and `issued_on`: the book's cover (cơ quan cấp sổ,
  ngày cấp). NULL on books recorded before.
- `person.died_on` (ngày chết): vital status; a card's derived status ends at it.

Revision ID: 0012
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Equal to db.enums at this revision.
_NOTES = ("BACK_PAYMENT", "MATERNITY", "PAID_LATE")


def _array(values: Sequence[str]) -> str:
    return f"ARRAY[{', '.join(repr(v) for v in values)}]::text[]"


def upgrade() -> None:
    op.add_column("person", sa.Column("died_on", sa.Date(), nullable=True))
    op.create_check_constraint(
        op.f("ck_person_died_after_birth"), "person", "died_on >= birth_date"
    )
    op.add_column("social_insurance", sa.Column("issuing_office_code", sa.Text(), nullable=True))
    op.add_column("social_insurance", sa.Column("issued_on", sa.Date(), nullable=True))
    op.create_foreign_key(
        op.f("fk_social_insurance_issuing_office_code_social_insurance_office"),
        "social_insurance",
        "social_insurance_office",
        ["issuing_office_code"],
        ["code"],
    )
    op.add_column(
        "contribution_period",
        sa.Column("arduous", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column(
        "contribution_period",
        sa.Column(
            "notes", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False
        ),
    )
    op.create_check_constraint(
        op.f("ck_contribution_period_notes"), "contribution_period", f"notes <@ {_array(_NOTES)}"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_contribution_period_notes"), "contribution_period", type_="check")
    op.drop_column("contribution_period", "notes")
    op.drop_column("contribution_period", "arduous")
    op.drop_constraint(
        op.f("fk_social_insurance_issuing_office_code_social_insurance_office"),
        "social_insurance",
        type_="foreignkey",
    )
    op.drop_column("social_insurance", "issued_on")
    op.drop_column("social_insurance", "issuing_office_code")
    op.drop_constraint(op.f("ck_person_died_after_birth"), "person", type_="check")
    op.drop_column("person", "died_on")

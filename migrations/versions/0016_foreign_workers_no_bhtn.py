"""A row contributed as a foreign worker is compulsory BHXH or the accident fund, never BHTN

BHTN insures Vietnamese citizens (Law on Employment 38/2013 art. 43(1)); foreign workers on a
labour contract of 12 months or more join compulsory BHXH (Law 41/2024 art. 2(2), Decree
143/2018/NĐ-CP) and the accident fund. The API refuses such a declaration line
(db.contribution_rules.citizens_only_problem); the database refuses the row, as it does the
armed forces' BHTN rows (revision 0014).

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "contribution_period"
_NAME = "foreign_worker_schemes"


def upgrade() -> None:
    op.create_check_constraint(
        op.f(f"ck_{_TABLE}_{_NAME}"),
        _TABLE,
        "participant_category IS DISTINCT FROM 'FOREIGN_WORKER'"
        " OR scheme IN ('COMPULSORY_SOCIAL', 'OCCUPATIONAL_ACCIDENT')",
    )


def downgrade() -> None:
    op.drop_constraint(op.f(f"ck_{_TABLE}_{_NAME}"), _TABLE, type_="check")

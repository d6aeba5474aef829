"""Each contribution row knows the participant category it was contributed under

- `contribution_period.participant_category` (đối tượng): the category whose rates the row's
  amounts follow (db.contribution_shares.category_shares): the armed forces' own (Law 41/2024
  art. 2(1)(đ)–(e), art. 33–34) or, NULL, an ordinary compulsory member's or the voluntary
  contributor's, as every row was read before this revision.
- CHECKs: the category is one of db.enums.ParticipantCategory; an armed-forces row is
  compulsory BHXH or the accident fund only (no BHTN: Law on Employment 38/2013 art. 43; no
  voluntary BHXH: they are compulsory members).
- Backfill: the compulsory BHXH and accident-fund rows of a person whose record's category is an
  armed-forces one take that category (a conscript's only from 1/2016, when conscripts joined:
  Law 58/2014 art. 2(1)(e)); the book held no per-row category before, so those are the rows
  its armed-forces members contributed in that capacity. Every other row stays NULL.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Equal to db.enums at this revision.
_CATEGORIES = (
    "EMPLOYEE",
    "CIVIL_SERVANT",
    "MANAGER",
    "FOREIGN_WORKER",
    "VOLUNTARY",
    "PENSIONER",
    "NOT_PARTICIPATING",
)
_ARMED_FORCES = (
    "ARMED_FORCES_OFFICER",
    "PROFESSIONAL_SOLDIER",
    "POLICE_OFFICER",
    "CIPHER_STAFF",
    "CONSCRIPT",
)
_TABLE = "contribution_period"


def _values(values: Sequence[str]) -> str:
    return ", ".join(repr(v) for v in values)


_CHECKS = {
    "category": f"participant_category IN ({_values((*_CATEGORIES, *_ARMED_FORCES))})",
    "armed_forces_schemes": f"participant_category NOT IN ({_values(_ARMED_FORCES)})"
    " OR scheme IN ('COMPULSORY_SOCIAL', 'OCCUPATIONAL_ACCIDENT')",
}

_BACKFILL = f"""
UPDATE {_TABLE} AS p SET participant_category = s.participant_category
FROM social_insurance AS s
WHERE s.person_id = p.person_id
  AND s.participant_category IN ({_values(_ARMED_FORCES)})
  AND p.scheme IN ('COMPULSORY_SOCIAL', 'OCCUPATIONAL_ACCIDENT')
  AND (s.participant_category <> 'CONSCRIPT' OR p.from_month >= DATE '2016-01-01')
"""


def upgrade() -> None:
    op.add_column(_TABLE, sa.Column("participant_category", sa.Text(), nullable=True))
    op.execute(_BACKFILL)
    for name, check in _CHECKS.items():
        op.create_check_constraint(op.f(f"ck_{_TABLE}_{name}"), _TABLE, check)


def downgrade() -> None:
    for name in _CHECKS:
        op.drop_constraint(op.f(f"ck_{_TABLE}_{name}"), _TABLE, type_="check")
    op.drop_column(_TABLE, "participant_category")

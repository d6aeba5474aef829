"""Reference lists: the 34 provinces and 63 legacy provinces, 54 ethnic groups, BHYT categories

They are data the schema's foreign keys need, so they ship with the schema. Rows come from
db.reference_data; a later change to a list is a new revision inserting or updating that delta.
Inserts skip rows already present, and the downgrade leaves the rows in place: once persons refer
to a province or category it cannot be deleted, and the tables themselves go with 0001.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from db import reference_data

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_province = sa.table("province", sa.column("code"), sa.column("name"), sa.column("is_city"))
_legacy = sa.table(
    "legacy_province", sa.column("code"), sa.column("name"), sa.column("province_code")
)
_ethnicity = sa.table("ethnicity", sa.column("code"), sa.column("name"))
_category = sa.table(
    "bhyt_category",
    sa.column("code"),
    sa.column("benefit_level"),
    sa.column("name_vi"),
    sa.column("name_en"),
)


def _insert(table: sa.TableClause, rows: list[dict[str, object]]) -> None:
    op.execute(postgresql.insert(table).values(rows).on_conflict_do_nothing())


def upgrade() -> None:
    provinces = reference_data.PROVINCES
    _insert(_province, [{"code": p.code, "name": p.name, "is_city": p.is_city} for p in provinces])
    _insert(
        _legacy,
        [
            {"code": code, "name": name, "province_code": p.code}
            for p in provinces
            for code, name in zip(p.legacy_codes, p.legacy_names, strict=True)
        ],
    )
    _insert(_ethnicity, [{"code": e.code, "name": e.name} for e in reference_data.ETHNICITIES])
    _insert(
        _category,
        [
            {
                "code": c.code,
                "benefit_level": c.benefit_level,
                "name_vi": c.name_vi,
                "name_en": c.name_en,
            }
            for c in reference_data.BHYT_CATEGORIES
        ],
    )


def downgrade() -> None:
    """Nothing to undo that can be undone safely: see the module docstring."""

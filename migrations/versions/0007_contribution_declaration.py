"""The employer's monthly contribution declaration and its lines

- `contribution_declaration`: one per employer and month in force (a partial unique index); a
  resubmission marks the earlier one replaced (`replaced_at`) and names it (`replaces_id`).
- `contribution_declaration_line`: one per employee of a declaration, keyed by the person first
  (shard-ready), with what the line did to the person's contribution periods (opened, closed,
  removed rows) so that a replacing declaration undoes it exactly.
- Both are audited like the book's tables (migration 0006's `record_change`): the lines under the
  employee, the header with no person (it has no person column: the log's person is NULL).

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table → (key column, person column) for the change log; as in 0006, not imported from it.
AUDITED = {
    "contribution_declaration": ("id", "person_id"),  # no such column: no person
    "contribution_declaration_line": ("declaration_id", "person_id"),
}


def _audit_triggers(table: str, key: str, person: str) -> list[str]:
    """Three statement triggers: a transition table may serve one event only."""
    return [
        f"CREATE TRIGGER {table}_change_insert AFTER INSERT ON {table}"
        " REFERENCING NEW TABLE AS new_rows"
        f" FOR EACH STATEMENT EXECUTE FUNCTION record_change('{key}', '{person}')",
        f"CREATE TRIGGER {table}_change_update AFTER UPDATE ON {table}"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        f" FOR EACH STATEMENT EXECUTE FUNCTION record_change('{key}', '{person}')",
        f"CREATE TRIGGER {table}_change_delete AFTER DELETE ON {table}"
        " REFERENCING OLD TABLE AS old_rows"
        f" FOR EACH STATEMENT EXECUTE FUNCTION record_change('{key}', '{person}')",
    ]


def upgrade() -> None:
    op.create_table(
        "contribution_declaration",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("employer_id", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("wage_region", sa.Text(), nullable=False),
        sa.Column(
            "submitted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("submitted_by", sa.Text(), nullable=False),
        sa.Column("replaces_id", sa.BigInteger(), nullable=True),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "extract(day FROM month) = 1", name=op.f("ck_contribution_declaration_month_first_day")
        ),
        sa.CheckConstraint(
            "wage_region IN ('REGION_I', 'REGION_II', 'REGION_III', 'REGION_IV')",
            name=op.f("ck_contribution_declaration_wage_region"),
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
            name=op.f("fk_contribution_declaration_employer_id_employer"),
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"],
            ["contribution_declaration.id"],
            name=op.f("fk_contribution_declaration_replaces_id_contribution_declaration"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contribution_declaration")),
        sa.UniqueConstraint("replaces_id", name=op.f("uq_contribution_declaration_replaces_id")),
    )
    op.create_index(
        "uq_contribution_declaration_employer_id_month",
        "contribution_declaration",
        ["employer_id", "month"],
        unique=True,
        postgresql_where=sa.text("replaced_at IS NULL"),
    )
    op.create_table(
        "contribution_declaration_line",
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("declaration_id", sa.BigInteger(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("salary_vnd", sa.BigInteger(), nullable=True),
        sa.Column("job_title", sa.Text(), nullable=True),
        sa.Column("schemes", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column(
            "opened_period_ids",
            postgresql.ARRAY(sa.BigInteger()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "closed_period_ids",
            postgresql.ARRAY(sa.BigInteger()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "removed_periods",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('START', 'SALARY_CHANGE', 'END', 'UNPAID_LEAVE', 'MATERNITY_LEAVE', 'RETURN')",
            name=op.f("ck_contribution_declaration_line_kind"),
        ),
        sa.CheckConstraint(
            "outcome IN ('OPENED', 'CHANGED', 'CLOSED')",
            name=op.f("ck_contribution_declaration_line_outcome"),
        ),
        sa.CheckConstraint(
            "line_number >= 0", name=op.f("ck_contribution_declaration_line_line_number")
        ),
        sa.CheckConstraint(
            "(kind IN ('RETURN', 'SALARY_CHANGE', 'START')) = (salary_vnd IS NOT NULL"
            " AND job_title IS NOT NULL AND schemes IS NOT NULL)",
            name=op.f("ck_contribution_declaration_line_opening_terms"),
        ),
        sa.CheckConstraint(
            "salary_vnd IS NULL OR salary_vnd > 0",
            name=op.f("ck_contribution_declaration_line_salary_positive"),
        ),
        sa.CheckConstraint(
            "schemes IS NULL OR (cardinality(schemes) > 0 AND schemes <@"
            " ARRAY['COMPULSORY_SOCIAL', 'OCCUPATIONAL_ACCIDENT', 'UNEMPLOYMENT'])",
            name=op.f("ck_contribution_declaration_line_schemes"),
        ),
        sa.CheckConstraint(
            "jsonb_typeof(removed_periods) = 'array'",
            name=op.f("ck_contribution_declaration_line_removed_periods"),
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["contribution_declaration.id"],
            name=op.f("fk_contribution_declaration_line_declaration_id_contribution_declaration"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_contribution_declaration_line_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "person_id", "declaration_id", name=op.f("pk_contribution_declaration_line")
        ),
    )
    op.create_index(
        "ix_contribution_declaration_line_declaration_id",
        "contribution_declaration_line",
        ["declaration_id", "line_number"],
        unique=False,
    )
    for table, (key, person) in AUDITED.items():
        for statement in _audit_triggers(table, key, person):
            op.execute(statement)


def downgrade() -> None:
    for table in AUDITED:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER {table}_change_{event} ON {table}")
    op.drop_index(
        "ix_contribution_declaration_line_declaration_id",
        table_name="contribution_declaration_line",
    )
    op.drop_table("contribution_declaration_line")
    op.drop_index(
        "uq_contribution_declaration_employer_id_month", table_name="contribution_declaration"
    )
    op.drop_table("contribution_declaration")

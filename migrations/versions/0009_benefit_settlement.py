"""Benefit decisions and lump-sum settlement; contact limits

- `contribution_period.settled_by`: the lump-sum withdrawal (BHXH một lần, a `benefit` row)
  that settled the row. Settled months stay in the book but no longer count toward a pension.
  The foreign key goes through the person key (DESIGN.md, "Growing past one machine"), so
  `benefit` gets a unique (person_id, id). Rows that ended before an existing lump-sum
  withdrawal are settled by it here (the earliest one after them), so books recorded before
  this revision read the same as those the API settles.
- `benefit.lump_sum_reason`: why a lump sum was paid (Law 41/2024 art. 70(1)); only on
  LUMP_SUM_WITHDRAWAL rows, NULL on those recorded before.
- `unemployment_benefit`: the contract end date and wage region a decision was computed from
  (NULL on decisions recorded before), and a `version` (officers correct months used).
- `person`: length limits on the contact fields the person edits, equal to the API's checks.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Equal to db.enums at this revision.
_REASONS = (
    "REACHED_RETIREMENT_AGE",
    "EMIGRATION",
    "SERIOUS_ILLNESS",
    "ARMED_FORCES_DISCHARGE",
    "TWELVE_MONTHS_OUT",
)
_REGIONS = ("REGION_I", "REGION_II", "REGION_III", "REGION_IV")


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


_SETTLE_EARLIER_ROWS = """
UPDATE contribution_period AS p SET settled_by = s.benefit_id
FROM (
    SELECT c.id, (
        SELECT b.id FROM benefit AS b
        WHERE b.person_id = c.person_id AND b.regime = 'LUMP_SUM_WITHDRAWAL'
          AND date_trunc('month', b.decided_on) >= c.to_month
        ORDER BY b.decided_on, b.id LIMIT 1
    ) AS benefit_id
    FROM contribution_period AS c
    WHERE c.scheme IN ('COMPULSORY_SOCIAL', 'VOLUNTARY_SOCIAL') AND c.to_month IS NOT NULL
) AS s
WHERE p.id = s.id AND s.benefit_id IS NOT NULL
"""


def upgrade() -> None:
    op.create_check_constraint(
        op.f("ck_person_email_length"), "person", "char_length(email) <= 254"
    )
    op.create_check_constraint(
        op.f("ck_person_contact_address_length"),
        "person",
        "char_length(contact_address) BETWEEN 1 AND 300",
    )

    op.add_column("benefit", sa.Column("lump_sum_reason", sa.Text(), nullable=True))
    op.create_check_constraint(
        op.f("ck_benefit_lump_sum_reason"),
        "benefit",
        _one_of("lump_sum_reason", _REASONS),
    )
    op.create_check_constraint(
        op.f("ck_benefit_lump_sum_reason_regime"),
        "benefit",
        "lump_sum_reason IS NULL OR regime = 'LUMP_SUM_WITHDRAWAL'",
    )
    op.create_unique_constraint(op.f("uq_benefit_person_id_id"), "benefit", ["person_id", "id"])

    op.add_column("contribution_period", sa.Column("settled_by", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_contribution_period_person_id_benefit"),
        "contribution_period",
        "benefit",
        ["person_id", "settled_by"],
        ["person_id", "id"],
    )
    op.execute(_SETTLE_EARLIER_ROWS)

    op.add_column("unemployment_benefit", sa.Column("contract_ended_on", sa.Date(), nullable=True))
    op.add_column("unemployment_benefit", sa.Column("wage_region", sa.Text(), nullable=True))
    op.add_column(
        "unemployment_benefit",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_unemployment_benefit_wage_region"),
        "unemployment_benefit",
        _one_of("wage_region", _REGIONS),
    )
    op.create_check_constraint(
        op.f("ck_unemployment_benefit_contract_ended_before_filing"),
        "unemployment_benefit",
        "contract_ended_on <= filed_on",
    )
    # bump_version() is migration 0006's.
    op.execute(
        "CREATE TRIGGER unemployment_benefit_version BEFORE UPDATE ON unemployment_benefit"
        " FOR EACH ROW EXECUTE FUNCTION bump_version()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER unemployment_benefit_version ON unemployment_benefit")
    op.drop_constraint(
        op.f("ck_unemployment_benefit_contract_ended_before_filing"),
        "unemployment_benefit",
        type_="check",
    )
    op.drop_constraint(
        op.f("ck_unemployment_benefit_wage_region"), "unemployment_benefit", type_="check"
    )
    op.drop_column("unemployment_benefit", "version")
    op.drop_column("unemployment_benefit", "wage_region")
    op.drop_column("unemployment_benefit", "contract_ended_on")

    op.drop_constraint(
        op.f("fk_contribution_period_person_id_benefit"),
        "contribution_period",
        type_="foreignkey",
    )
    op.drop_column("contribution_period", "settled_by")

    op.drop_constraint(op.f("uq_benefit_person_id_id"), "benefit", type_="unique")
    op.drop_constraint(op.f("ck_benefit_lump_sum_reason_regime"), "benefit", type_="check")
    op.drop_constraint(op.f("ck_benefit_lump_sum_reason"), "benefit", type_="check")
    op.drop_column("benefit", "lump_sum_reason")

    op.drop_constraint(op.f("ck_person_contact_address_length"), "person", type_="check")
    op.drop_constraint(op.f("ck_person_email_length"), "person", type_="check")

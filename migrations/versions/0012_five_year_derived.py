"""BHYT five consecutive years derived from the card history when read (issue 9)

- `health_insurance_card.five_year_date` is dropped: the date (thời điểm đủ 5 năm liên tục) is
  derived by every statement that reads a card, from the holder's cards that are not revoked
  (db.queries.health_insurance.five_year_sql), so no stored copy can disagree with the history.
- `health_insurance_card.continuous_cover_since` (nullable): the start of continuous cover before
  the card that an officer recorded from paper records when issuing it, the one explicit input
  of the rule besides the cards. CHECK: not after the card's start.

Back-fill: none. A stored five-year date says nothing about which cover it came from (the seed
and the old write path computed it), so the column starts empty and nothing before a person's
first card in the register is assumed.

Downgrade puts the stored column back, filled with the derived value (the recorded cover
included), then drops the input.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The derivation as of this revision (db.queries.health_insurance.five_year_sql), for the
# downgrade's fill: a migration does not import code that later revisions may change.
_DERIVED = """
UPDATE health_insurance_card AS c SET five_year_date = (
  SELECT CASE WHEN run.since + interval '5 years' <= c.valid_to
              THEN CAST(run.since + interval '5 years' AS date) END
  FROM (SELECT max(cover.since) AS since FROM (
          SELECT fy.since, max(fy.valid_to) OVER (ORDER BY fy.since, fy.valid_to
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS covered_to
          FROM (SELECT coalesce(h.continuous_cover_since, h.valid_from) AS since, h.valid_to
                FROM health_insurance_card h
                WHERE h.person_id = c.person_id AND h.valid_from <= c.valid_from
                  AND (h.status <> 'REVOKED' OR h.id = c.id)) fy) cover
        WHERE cover.covered_to IS NULL OR (cover.since > cover.covered_to + 1
          AND (cover.covered_to + 1 < DATE '2015-01-01'
               OR cover.since > cover.covered_to + 1 + interval '3 months'))) run)
"""


def upgrade() -> None:
    op.drop_column("health_insurance_card", "five_year_date")
    op.add_column(
        "health_insurance_card", sa.Column("continuous_cover_since", sa.Date(), nullable=True)
    )
    op.create_check_constraint(
        op.f("ck_health_insurance_card_cover_since_before_start"),
        "health_insurance_card",
        "continuous_cover_since <= valid_from",
    )


def downgrade() -> None:
    op.add_column("health_insurance_card", sa.Column("five_year_date", sa.Date(), nullable=True))
    op.execute(_DERIVED)
    op.drop_constraint(
        op.f("ck_health_insurance_card_cover_since_before_start"), "health_insurance_card"
    )
    op.drop_column("health_insurance_card", "continuous_cover_since")

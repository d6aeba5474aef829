"""Card events: the history of a BHYT card's officer state, and one card in force per day

- `health_insurance_card_event`: issued, renewed, initial facility changed, locked, unlocked,
  revoked, with the reason and the time; append-only (the runtime role may only INSERT) and in
  the change log like every table of person data (the three triggers of migration 0006). Keyed
  by the person (DESIGN.md: shard-ready), its foreign keys reach the card through the person.
- `health_insurance_card.status` becomes the officer's action state only; a card's status is
  derived at read time from it and the card's dates (db.queries.health_insurance.card_status).
- No two cards of a person that are not revoked cover the same day: an exclusion constraint,
  the last line behind issueHealthInsuranceCard's and renewHealthInsuranceCard's own check
  (the seeded history, one card per calendar year, holds it).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EVENT = "health_insurance_card_event"
_STATUS_EVENTS = "'LOCKED', 'UNLOCKED', 'REVOKED'"


def upgrade() -> None:
    op.create_unique_constraint(
        op.f("uq_health_insurance_card_person_id_id"), "health_insurance_card", ["person_id", "id"]
    )
    # btree_gist gives gist the equality on person_id; trusted since PostgreSQL 13, so a
    # database owner without superuser may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute(
        "ALTER TABLE health_insurance_card ADD CONSTRAINT ex_health_insurance_card_no_overlap"
        " EXCLUDE USING gist (person_id WITH =, daterange(valid_from, valid_to, '[]') WITH &&)"
        " WHERE (status <> 'REVOKED')"
    )
    op.create_table(
        _EVENT,
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("card_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("status_before", sa.Text(), nullable=True),
        sa.Column("continues_card_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint(
            "kind IN ('ISSUED', 'RENEWED', 'FACILITY_CHANGED', 'LOCKED', 'UNLOCKED', 'REVOKED')",
            name=op.f("ck_health_insurance_card_event_kind"),
        ),
        sa.CheckConstraint(
            f"(kind IN ({_STATUS_EVENTS})) = (reason IS NOT NULL)",
            name=op.f("ck_health_insurance_card_event_reason_when_status"),
        ),
        sa.CheckConstraint(
            f"(kind IN ({_STATUS_EVENTS})) = (status_before IS NOT NULL)",
            name=op.f("ck_health_insurance_card_event_status_before_when_status"),
        ),
        sa.CheckConstraint(
            "length(reason) BETWEEN 1 AND 500",
            name=op.f("ck_health_insurance_card_event_reason_length"),
        ),
        sa.CheckConstraint(
            "(kind = 'RENEWED') = (continues_card_id IS NOT NULL)",
            name=op.f("ck_health_insurance_card_event_continues_when_renewed"),
        ),
        sa.ForeignKeyConstraint(
            ["card_id", "person_id"],
            ["health_insurance_card.id", "health_insurance_card.person_id"],
            name=op.f("fk_health_insurance_card_event_card_id_health_insurance_card"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["continues_card_id", "person_id"],
            ["health_insurance_card.id", "health_insurance_card.person_id"],
            name=op.f("fk_health_insurance_card_event_continues_card_id_health_insurance_card"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "id", name=op.f("pk_health_insurance_card_event")),
    )
    op.create_index(
        "ix_health_insurance_card_event_card_id_at", _EVENT, ["card_id", "at", "id"], unique=False
    )
    op.create_index(
        "ix_health_insurance_card_event_continues_card_id",
        _EVENT,
        ["continues_card_id"],
        unique=False,
    )
    # The change log's three statement triggers, as migration 0006 makes them for its tables.
    op.execute(
        f"CREATE TRIGGER {_EVENT}_change_insert AFTER INSERT ON {_EVENT}"
        " REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION record_change('id', 'person_id')"
    )
    op.execute(
        f"CREATE TRIGGER {_EVENT}_change_update AFTER UPDATE ON {_EVENT}"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION record_change('id', 'person_id')"
    )
    op.execute(
        f"CREATE TRIGGER {_EVENT}_change_delete AFTER DELETE ON {_EVENT}"
        " REFERENCING OLD TABLE AS old_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION record_change('id', 'person_id')"
    )


def downgrade() -> None:
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER {_EVENT}_change_{event} ON {_EVENT}")
    op.drop_index("ix_health_insurance_card_event_continues_card_id", table_name=_EVENT)
    op.drop_index("ix_health_insurance_card_event_card_id_at", table_name=_EVENT)
    op.drop_table(_EVENT)
    op.execute(
        "ALTER TABLE health_insurance_card DROP CONSTRAINT ex_health_insurance_card_no_overlap"
    )
    # btree_gist stays: an extension is the database's, and something else may use it by now.
    op.drop_constraint(
        op.f("uq_health_insurance_card_person_id_id"), "health_insurance_card", type_="unique"
    )

"""The write path: idempotency records, the change log, record versions

- `idempotency_record`: one row per (caller, key) while the key lives; the mutation's
  fingerprint and a reference to its result, written in the mutation's own transaction.
- `change_log`: every change the API makes to a person's records — who, on what ground, which
  record, the changed fields before and after. Written by statement-level triggers (transition
  tables: one insert per statement, however many rows it changed) from the actor that the unit of
  work sets for its transaction (`bhxh.actor`), so no write of the API escapes it: without an
  actor, a write by anyone but the tables' owner is refused. The owner's own loads (migrations,
  `bhxh seed`) are not API writes and are not logged. Append-only like the access log; the
  trigger function runs as the owner, so the runtime role needs no privilege on the log at all.
- `version` on the records people edit (a person's contact, a card, a visit), raised by a trigger
  on every update: an update names the version it read (graph.writes).

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table → (key column, person column) for the change log's record id and person.
AUDITED = {
    "person": ("id", "id"),
    "consent": ("id", "person_id"),
    "social_insurance": ("person_id", "person_id"),
    "contribution_period": ("id", "person_id"),
    "benefit": ("id", "person_id"),
    "unemployment_benefit": ("id", "person_id"),
    "health_insurance_card": ("id", "person_id"),
    "medical_visit": ("id", "person_id"),
}
VERSIONED = ("person", "health_insurance_card", "medical_visit")

RECORD_CHANGE = """
CREATE FUNCTION record_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public SET enable_nestloop = off SET jit = off AS $$
DECLARE
    actor jsonb := nullif(current_setting('bhxh.actor', true), '')::jsonb;
    key_column text := TG_ARGV[0];
    person_column text := TG_ARGV[1];
BEGIN
    IF actor IS NULL THEN
        IF pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
            RETURN NULL;  -- the owner's migrations and seeds: not the API's writes
        END IF;
        RAISE EXCEPTION '% on % without an actor: the API writes through its unit of work',
            TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO change_log (request_id, idempotency_key, operation, actor_role, actor_subject,
                                actor_org, grounds, person_id, record_table, record_id, action,
                                before, after)
        SELECT actor->>'request_id', actor->>'idempotency_key', actor->>'operation',
               actor->>'role', actor->>'subject', actor->>'org',
               ARRAY(SELECT jsonb_array_elements_text(actor->'grounds')),
               (r->>person_column)::bigint, TG_TABLE_NAME, r->>key_column, 'INSERT', NULL, r
        FROM (SELECT to_jsonb(n) AS r FROM new_rows AS n) AS t;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO change_log (request_id, idempotency_key, operation, actor_role, actor_subject,
                                actor_org, grounds, person_id, record_table, record_id, action,
                                before, after)
        SELECT actor->>'request_id', actor->>'idempotency_key', actor->>'operation',
               actor->>'role', actor->>'subject', actor->>'org',
               ARRAY(SELECT jsonb_array_elements_text(actor->'grounds')),
               (r->>person_column)::bigint, TG_TABLE_NAME, r->>key_column, 'DELETE', r, NULL
        FROM (SELECT to_jsonb(o) AS r FROM old_rows AS o) AS t;
    ELSE
        -- Only the fields that changed; a row whose only change is its version is no change.
        -- Each side becomes JSON once and the two join on the key by hash or merge: the
        -- function turns nested loops off, as the planner guesses one row per transition table
        -- and a nested loop over a 600-row update took seconds (and JIT off, which the nested
        -- loops' penalty in the plan's cost would otherwise call for).
        WITH o AS MATERIALIZED (SELECT to_jsonb(x) AS r FROM old_rows AS x),
             n AS MATERIALIZED (SELECT to_jsonb(y) AS r FROM new_rows AS y)
        INSERT INTO change_log (request_id, idempotency_key, operation, actor_role, actor_subject,
                                actor_org, grounds, person_id, record_table, record_id, action,
                                before, after)
        SELECT actor->>'request_id', actor->>'idempotency_key', actor->>'operation',
               actor->>'role', actor->>'subject', actor->>'org',
               ARRAY(SELECT jsonb_array_elements_text(actor->'grounds')),
               (n.r->>person_column)::bigint, TG_TABLE_NAME, n.r->>key_column, 'UPDATE',
               d.before, d.after
        FROM o JOIN n ON o.r->>key_column = n.r->>key_column
        CROSS JOIN LATERAL (
            SELECT jsonb_object_agg(k, o.r->k) AS before, jsonb_object_agg(k, n.r->k) AS after
            FROM jsonb_object_keys(n.r) AS k WHERE o.r->k IS DISTINCT FROM n.r->k
        ) AS d
        WHERE d.after IS NOT NULL AND d.after - 'version' <> '{}'::jsonb;
    END IF;
    RETURN NULL;
END
$$
"""


def audit_triggers(table: str, key: str, person: str) -> list[str]:
    """Three statement triggers: a transition table may serve one event only."""
    return [
        f"CREATE TRIGGER {table}_change_{event.lower()} AFTER {event} ON {table}"
        f" REFERENCING {'NEW' if event == 'INSERT' else 'OLD'} TABLE AS"
        f" {'new_rows' if event == 'INSERT' else 'old_rows'}"
        + (" NEW TABLE AS new_rows" if event == "UPDATE" else "")
        + f" FOR EACH STATEMENT EXECUTE FUNCTION record_change('{key}', '{person}')"
        for event in ("INSERT", "UPDATE", "DELETE")
    ]


def upgrade() -> None:
    op.create_table(
        "idempotency_record",
        sa.Column("actor_role", sa.Text(), nullable=False),
        sa.Column("actor_subject", sa.Text(), nullable=False),
        sa.Column("actor_org", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("operation", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(key) BETWEEN 1 AND 200", name=op.f("ck_idempotency_record_key_length")
        ),
        sa.PrimaryKeyConstraint(
            "actor_role", "actor_subject", "actor_org", "key", name=op.f("pk_idempotency_record")
        ),
    )
    op.create_index(
        "ix_idempotency_record_expires_at", "idempotency_record", ["expires_at"], unique=False
    )
    op.create_table(
        "change_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("operation", sa.Text(), nullable=False),
        sa.Column("actor_role", sa.Text(), nullable=False),
        sa.Column("actor_subject", sa.Text(), nullable=False),
        sa.Column("actor_org", sa.Text(), nullable=True),
        sa.Column("grounds", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("record_table", sa.Text(), nullable=False),
        sa.Column("record_id", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint(
            "action IN ('INSERT', 'UPDATE', 'DELETE')", name=op.f("ck_change_log_action")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_log")),
    )
    op.create_index(
        "ix_change_log_person_id_at", "change_log", ["person_id", "at", "id"], unique=False
    )
    # The access log's refusals (0003, 0005), naming this table.
    op.execute(
        "CREATE FUNCTION change_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN RAISE EXCEPTION 'change_log is append-only: % refused', TG_OP"
        " USING ERRCODE = 'insufficient_privilege'; END $$"
    )
    op.execute(
        "CREATE TRIGGER change_log_append_only BEFORE UPDATE OR DELETE ON change_log"
        " FOR EACH ROW EXECUTE FUNCTION change_log_append_only()"
    )
    op.execute(
        "CREATE TRIGGER change_log_no_truncate BEFORE TRUNCATE ON change_log"
        " FOR EACH STATEMENT EXECUTE FUNCTION change_log_append_only()"
    )
    op.execute(RECORD_CHANGE)
    for table, (key, person) in AUDITED.items():
        for statement in audit_triggers(table, key, person):
            op.execute(statement)
    op.execute(
        "CREATE FUNCTION bump_version() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN NEW.version := OLD.version + 1; RETURN NEW; END $$"
    )
    for table in VERSIONED:
        op.add_column(
            table, sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
        op.execute(
            f"CREATE TRIGGER {table}_version BEFORE UPDATE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION bump_version()"
        )


def downgrade() -> None:
    for table in VERSIONED:
        op.execute(f"DROP TRIGGER {table}_version ON {table}")
        op.drop_column(table, "version")
    op.execute("DROP FUNCTION bump_version()")
    for table in AUDITED:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER {table}_change_{event} ON {table}")
    op.execute("DROP FUNCTION record_change()")
    op.drop_index("ix_change_log_person_id_at", table_name="change_log")
    op.drop_table("change_log")
    op.execute("DROP FUNCTION change_log_append_only()")
    op.drop_index("ix_idempotency_record_expires_at", table_name="idempotency_record")
    op.drop_table("idempotency_record")

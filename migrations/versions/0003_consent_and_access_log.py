"""Consent, partner agencies and the append-only access log

The access log refuses UPDATE and DELETE through a trigger, so not even a bug in this service
(or someone holding its credentials) can rewrite who read a person's data. TRUNCATE needs the
table's owner, which the service's role should not be in production.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partner_agency",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "code ~ '^[A-Z0-9-]{2,20}$'", name=op.f("ck_partner_agency_code_format")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_partner_agency")),
    )
    op.create_table(
        "access_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column("operation_name", sa.Text(), nullable=True),
        sa.Column("actor_role", sa.Text(), nullable=False),
        sa.Column("actor_subject", sa.Text(), nullable=False),
        sa.Column("actor_org", sa.Text(), nullable=True),
        sa.Column("data_groups", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("grounds", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.CheckConstraint("cardinality(data_groups) > 0", name=op.f("ck_access_log_data_groups")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_access_log_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
    )
    op.create_index(
        "ix_access_log_person_id_at", "access_log", ["person_id", "at", "id"], unique=False
    )
    op.create_table(
        "consent",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("grantee_code", sa.Text(), nullable=False),
        sa.Column("data_groups", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column(
            "granted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by", sa.Text(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "cardinality(data_groups) > 0 AND data_groups <@ ARRAY['IDENTITY', 'RELATIVES', 'CONTACT', 'HOUSEHOLD', 'SOCIAL_INSURANCE', 'HEALTH_INSURANCE', 'MEDICAL', 'UNEMPLOYMENT_INSURANCE']::text[]",
            name=op.f("ck_consent_data_groups"),
        ),
        sa.CheckConstraint("granted_by ~ '^[0-9]{12}$'", name=op.f("ck_consent_granted_by_format")),
        sa.CheckConstraint(
            "length(btrim(purpose)) BETWEEN 1 AND 500", name=op.f("ck_consent_purpose_length")
        ),
        sa.CheckConstraint(
            "revoked_at IS NULL OR revoked_at >= granted_at",
            name=op.f("ck_consent_revocation_order"),
        ),
        sa.CheckConstraint("valid_until > granted_at", name=op.f("ck_consent_validity_order")),
        sa.ForeignKeyConstraint(
            ["grantee_code"],
            ["partner_agency.code"],
            name=op.f("fk_consent_grantee_code_partner_agency"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_consent_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
    )
    op.create_index(
        "ix_consent_person_id_grantee_code", "consent", ["person_id", "grantee_code"], unique=False
    )
    op.create_index(
        op.f("ix_relative_identification_number"),
        "relative",
        ["identification_number"],
        unique=False,
    )
    op.execute(
        """
        CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'access_log is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log"
        " FOR EACH ROW EXECUTE FUNCTION access_log_append_only()"
    )
    op.bulk_insert(
        sa.table("partner_agency", sa.column("code"), sa.column("name")),
        [
            {"code": "BNV", "name": "Bộ Nội vụ"},
            {"code": "BYT", "name": "Bộ Y tế"},
            {"code": "NHCSXH", "name": "Ngân hàng Chính sách xã hội"},
            {"code": "TCT", "name": "Cục Thuế"},
        ],
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER access_log_append_only ON access_log")
    op.execute("DROP FUNCTION access_log_append_only()")
    op.drop_index(op.f("ix_relative_identification_number"), table_name="relative")
    op.drop_index("ix_consent_person_id_grantee_code", table_name="consent")
    op.drop_table("consent")
    op.drop_index("ix_access_log_person_id_at", table_name="access_log")
    op.drop_table("access_log")
    op.drop_table("partner_agency")

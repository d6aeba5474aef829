"""Organisations that can stop being registered; at most a few active consents per agency

`deregistered_on` on employers (tax code closed), health facilities (licence withdrawn) and
partner agencies (agreement ended): from that date the organisation is no longer active, and a
token naming it is refused (graph.authz.organisations). NULL is active.

The consent trigger is the last line behind the API's own check (graph.types.mutations.consent): a person
holds at most `MAX_ACTIVE_CONSENTS` unrevoked, unexpired consents to one agency. It takes an
advisory lock per (person, agency) so that two grants racing each other cannot both pass.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ORGANISATIONS = ("employer", "health_facility", "partner_agency")
MAX_ACTIVE_CONSENTS = 5  # equal to db.models.consent.MAX_ACTIVE_CONSENTS at this revision


def upgrade() -> None:
    for table in _ORGANISATIONS:
        op.add_column(table, sa.Column("deregistered_on", sa.Date(), nullable=True))
    # The consent history's keyset pages (newest first per person).
    op.create_index(
        "ix_consent_person_id_granted_at_id", "consent", ["person_id", "granted_at", "id"]
    )
    op.execute(
        f"""
        CREATE FUNCTION consent_active_bound() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.revoked_at IS NOT NULL OR NEW.valid_until <= now() THEN
                RETURN NEW;
            END IF;
            PERFORM pg_advisory_xact_lock(
                hashtextextended(format('consent:%s:%s', NEW.person_id, NEW.grantee_code), 0)
            );
            IF (SELECT count(*) FROM consent
                WHERE person_id = NEW.person_id AND grantee_code = NEW.grantee_code
                  AND id <> NEW.id AND revoked_at IS NULL AND valid_until > now())
               >= {MAX_ACTIVE_CONSENTS} THEN
                RAISE EXCEPTION 'at most {MAX_ACTIVE_CONSENTS} active consents per person and agency'
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'consent_active_bound';
            END IF;
            RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER consent_active_bound BEFORE INSERT OR UPDATE OF person_id, grantee_code,"
        " revoked_at, valid_until ON consent FOR EACH ROW EXECUTE FUNCTION consent_active_bound()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER consent_active_bound ON consent")
    op.execute("DROP FUNCTION consent_active_bound()")
    op.drop_index("ix_consent_person_id_granted_at_id", table_name="consent")
    for table in reversed(_ORGANISATIONS):
        op.drop_column(table, "deregistered_on")

"""Consent writes (grantConsent, revokeConsent), inside the mutation's unit of work."""

import uuid
from datetime import datetime

from psycopg.errors import CheckViolation
from sqlalchemy import text

from db.models.consent import MAX_ACTIVE_CONSENTS
from db.queries.compile import compile_query
from db.session import Transaction

# Inserts only while the person holds fewer than :max_active active consents to the agency
# (no row back: the bound is reached); the trigger of migration 0004 holds the line under races.
GRANT = compile_query(
    "grant_consent",
    text(
        "INSERT INTO consent (person_id, grantee_code, data_groups, purpose, valid_until,"
        " granted_by) SELECT :person_id, :grantee_code, CAST(:data_groups AS text[]), :purpose,"
        " :valid_until, :granted_by"
        " WHERE (SELECT count(*) FROM consent WHERE person_id = :person_id"
        " AND grantee_code = :grantee_code AND revoked_at IS NULL AND valid_until > now())"
        " < :max_active RETURNING id"
    ),
)
# Revoked once: a second revocation changes nothing and says when access really ended.
REVOKE = compile_query(
    "revoke_consent",
    text(
        "WITH revoked AS (UPDATE consent SET revoked_at = now()"
        " WHERE id = :id AND revoked_at IS NULL RETURNING revoked_at)"
        " SELECT (SELECT revoked_at FROM revoked) AS revoked_now,"
        " (SELECT revoked_at FROM consent WHERE id = :id) AS revoked_before"
    ),
)


async def grant(
    tx: Transaction,
    *,
    person_id: int,
    grantee_code: str,
    data_groups: list[str],
    purpose: str,
    valid_until: datetime,
    granted_by: str,
) -> uuid.UUID | None:
    """The new consent's id, or None when the person already holds `MAX_ACTIVE_CONSENTS`
    active consents to the agency."""
    try:
        rows = await tx.fetch(
            GRANT,
            {
                "person_id": person_id,
                "grantee_code": grantee_code,
                "data_groups": data_groups,
                "purpose": purpose,
                "valid_until": valid_until,
                "granted_by": granted_by,
                "max_active": MAX_ACTIVE_CONSENTS,
            },
        )
    except CheckViolation as exc:
        if exc.diag.constraint_name != "consent_active_bound":
            raise
        return None  # a concurrent grant took the last place first
    return rows[0]["id"] if rows else None


async def revoke(tx: Transaction, consent_id: uuid.UUID) -> datetime | None:
    """None when it is revoked now; otherwise when it had been revoked before."""
    (row,) = await tx.fetch(REVOKE, {"id": consent_id})
    return None if row["revoked_now"] is not None else row["revoked_before"]

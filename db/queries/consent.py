"""Consents: the person's list, granting and revoking (each write one statement)."""

import uuid
from collections.abc import Sequence
from typing import Any

from psycopg.errors import CheckViolation
from sqlalchemy import DateTime, Text, bindparam, select, text
from sqlalchemy.dialects.postgresql import UUID

from db.models import Consent, PartnerAgency
from db.models.consent import MAX_ACTIVE_CONSENTS
from db.queries.compile import compile_query
from db.queries.organisation import active
from db.queries.paging import PageParams, fetch_pages, keyset_page
from db.session import Reader, Row

_consents = Consent.__table__
_with_agency = (
    select(_consents, PartnerAgency.name.label("grantee_name"))
    .join(PartnerAgency, PartnerAgency.code == Consent.grantee_code)
    .subquery("consent_with_agency")
)
# Newest first, like the access log: a person's consents pile up (each grant is a new row).
CONSENTS_PAGE = compile_query(
    "consents_page",
    keyset_page(
        _with_agency,
        list(_with_agency.c),
        parent="person_id",
        sort="granted_at",
        sort_type=DateTime(timezone=True),
        newest_first=True,
        id_type=UUID(as_uuid=True),
    ),
)
# Only an active agency may be granted consent (graph.authz.organisations refuses the others' tokens).
AGENCY_BY_CODE = compile_query(
    "agency_by_code",
    select(PartnerAgency.__table__).where(
        PartnerAgency.code == bindparam("code", type_=Text),
        active(PartnerAgency.deregistered_on),
    ),
)
CONSENT_BY_ID = compile_query(
    "consent_by_id",
    select(_consents, PartnerAgency.name.label("grantee_name"))
    .join(PartnerAgency, PartnerAgency.code == Consent.grantee_code)
    .where(Consent.id == bindparam("id")),
)
# Inserts only while the person holds fewer than :max_active active consents to the agency
# (no row back: the bound is reached); the trigger of migration 0004 holds the line under races.
GRANT = compile_query(
    "grant_consent",
    text(
        "WITH granted AS (INSERT INTO consent (person_id, grantee_code, data_groups, purpose,"
        " valid_until, granted_by) SELECT :person_id, :grantee_code,"
        " CAST(:data_groups AS text[]), :purpose, :valid_until, :granted_by"
        " WHERE (SELECT count(*) FROM consent WHERE person_id = :person_id"
        " AND grantee_code = :grantee_code AND revoked_at IS NULL AND valid_until > now())"
        " < :max_active RETURNING *)"
        " SELECT granted.*, partner_agency.name AS grantee_name FROM granted"
        " JOIN partner_agency ON partner_agency.code = granted.grantee_code"
    ),
)
# Revoking twice keeps the first revocation time: the record says when access really ended.
REVOKE = compile_query(
    "revoke_consent",
    text(
        "WITH revoked AS (UPDATE consent SET revoked_at = coalesce(revoked_at, now())"
        " WHERE id = :id RETURNING *)"
        " SELECT revoked.*, partner_agency.name AS grantee_name FROM revoked"
        " JOIN partner_agency ON partner_agency.code = revoked.grantee_code"
    ),
)


async def consents_page(db: Reader, keys: Sequence[int], page: PageParams) -> list[list[Row]]:
    return await fetch_pages(db, CONSENTS_PAGE, keys, page)


async def agency_by_code(db: Reader, code: str) -> Row | None:
    rows = await db.fetch(AGENCY_BY_CODE, {"code": code})
    return rows[0] if rows else None


async def consent_by_id(db: Reader, consent_id: uuid.UUID) -> Row | None:
    rows = await db.fetch(CONSENT_BY_ID, {"id": consent_id})
    return rows[0] if rows else None


async def grant(db: Reader, **values: Any) -> Row | None:
    """The new consent, or None when the person already holds `MAX_ACTIVE_CONSENTS` active
    consents to the agency."""
    try:
        rows = await db.fetch(GRANT, {**values, "max_active": MAX_ACTIVE_CONSENTS})
    except CheckViolation as exc:
        if exc.diag.constraint_name != "consent_active_bound":
            raise
        return None  # a concurrent grant took the last place first
    return rows[0] if rows else None


async def revoke(db: Reader, consent_id: uuid.UUID) -> Row:
    (row,) = await db.fetch(REVOKE, {"id": consent_id})
    return row

"""Consents: the person's list, granting and revoking (each write one statement)."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Date, Text, bindparam, func, or_, select, text

from db.models import Consent, PartnerAgency
from db.queries.compile import align_many, compile_query, int_keys
from db.session import Reader, Row

_consents = Consent.__table__
CONSENTS_BY_PERSON = compile_query(
    "consents_by_person",
    select(_consents, PartnerAgency.name.label("grantee_name"))
    .join(PartnerAgency, PartnerAgency.code == Consent.grantee_code)
    .where(int_keys(Consent.person_id))
    .order_by(Consent.person_id, Consent.granted_at.desc(), Consent.id),
)
# Only an active agency may be granted consent (graph.authz.organisations refuses the others' tokens).
AGENCY_BY_CODE = compile_query(
    "agency_by_code",
    select(PartnerAgency.__table__).where(
        PartnerAgency.code == bindparam("code", type_=Text),
        or_(
            PartnerAgency.deregistered_on.is_(None),
            PartnerAgency.deregistered_on > func.current_date(type_=Date),
        ),
    ),
)
CONSENT_BY_ID = compile_query(
    "consent_by_id",
    select(_consents, PartnerAgency.name.label("grantee_name"))
    .join(PartnerAgency, PartnerAgency.code == Consent.grantee_code)
    .where(Consent.id == bindparam("id")),
)
GRANT = compile_query(
    "grant_consent",
    text(
        "WITH granted AS (INSERT INTO consent (person_id, grantee_code, data_groups, purpose,"
        " valid_until, granted_by) VALUES (:person_id, :grantee_code, CAST(:data_groups AS text[]),"
        " :purpose, :valid_until, :granted_by) RETURNING *)"
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


async def consents_by_person(db: Reader, keys: Sequence[int]) -> list[list[Row]]:
    return align_many(keys, await db.fetch(CONSENTS_BY_PERSON, {"keys": list(keys)}), "person_id")


async def agency_by_code(db: Reader, code: str) -> Row | None:
    rows = await db.fetch(AGENCY_BY_CODE, {"code": code})
    return rows[0] if rows else None


async def consent_by_id(db: Reader, consent_id: UUID) -> Row | None:
    rows = await db.fetch(CONSENT_BY_ID, {"id": consent_id})
    return rows[0] if rows else None


async def grant(db: Reader, **values: Any) -> Row:
    (row,) = await db.fetch(GRANT, values)
    return row


async def revoke(db: Reader, consent_id: UUID) -> Row:
    (row,) = await db.fetch(REVOKE, {"id": consent_id})
    return row

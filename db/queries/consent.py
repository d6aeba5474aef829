"""Consents: the person's list and look-ups (the writes are in db.writes.consent)."""

import uuid
from collections.abc import Sequence

from sqlalchemy import DateTime, Text, bindparam, select
from sqlalchemy.dialects.postgresql import UUID

from db.models import Consent, PartnerAgency
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


async def consents_page(db: Reader, keys: Sequence[int], page: PageParams) -> list[list[Row]]:
    return await fetch_pages(db, CONSENTS_PAGE, keys, page)


async def agency_by_code(db: Reader, code: str) -> Row | None:
    rows = await db.fetch(AGENCY_BY_CODE, {"code": code})
    return rows[0] if rows else None


async def consent_by_id(db: Reader, consent_id: uuid.UUID) -> Row | None:
    rows = await db.fetch(CONSENT_BY_ID, {"id": consent_id})
    return rows[0] if rows else None

"""Whether an organisation a token names is registered and active (one statement per look-up).

Active: registered, and not deregistered on or before today (`deregistered_on`, migration 0004).
"""

from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, Text, bindparam, exists, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from db.models import Employer, HealthFacility, PartnerAgency
from db.queries.compile import compile_query
from db.session import Query, Reader


class OrganisationKind(StrEnum):
    EMPLOYER = "employer"
    HEALTH_FACILITY = "health facility"
    PARTNER_AGENCY = "partner agency"


def active(deregistered_on: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
    """Registered and not deregistered on or before today: the one definition of "active"."""
    return or_(deregistered_on.is_(None), deregistered_on > func.vietnam_today(type_=Date))


def _exists(*where: ColumnElement[bool]) -> Select[Any]:
    return select(exists().where(*where).label("active"))


_CODE = bindparam("code", type_=Text)
_STATEMENTS: dict[OrganisationKind, Query] = {
    OrganisationKind.EMPLOYER: compile_query(
        "active_employer",
        _exists(Employer.tax_code == _CODE, active(Employer.deregistered_on)),
    ),
    OrganisationKind.HEALTH_FACILITY: compile_query(
        "active_health_facility",
        _exists(HealthFacility.code == _CODE, active(HealthFacility.deregistered_on)),
    ),
    OrganisationKind.PARTNER_AGENCY: compile_query(
        "active_partner_agency",
        _exists(PartnerAgency.code == _CODE, active(PartnerAgency.deregistered_on)),
    ),
}


async def is_active(db: Reader, kind: OrganisationKind, code: str) -> bool:
    (row,) = await db.fetch(_STATEMENTS[kind], {"code": code})
    return bool(row["active"])

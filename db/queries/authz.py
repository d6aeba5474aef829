"""Facts the access policy decides from, batched over the persons of one request."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Text, bindparam, func, literal_column, or_, select

from db.models import Consent, ContributionPeriod, Employer, Relative
from db.queries.compile import align_many, compile_query, int_keys
from db.session import Reader, Row

REPRESENTED_AMONG = compile_query(
    "represented_among",
    select(Relative.person_id)
    .where(
        int_keys(Relative.person_id),
        Relative.kind == literal_column("'LEGAL_REPRESENTATIVE'"),
        Relative.identification_number == bindparam("subject", type_=Text),
    )
    .distinct(),
)

# Current employment only: a former employer no longer reads the person's book.
EMPLOYED_AMONG = compile_query(
    "employed_among",
    select(ContributionPeriod.person_id, Employer.id.label("employer_id"))
    .join(Employer, Employer.id == ContributionPeriod.employer_id)
    .where(
        int_keys(ContributionPeriod.person_id),
        Employer.tax_code == bindparam("org", type_=Text),
        or_(
            ContributionPeriod.to_month.is_(None),
            ContributionPeriod.to_month >= literal_column("date_trunc('month', current_date)"),
        ),
    )
    .distinct(),
)

ACTIVE_CONSENTS_AMONG = compile_query(
    "active_consents_among",
    select(Consent.person_id, Consent.id, Consent.data_groups)
    .where(
        int_keys(Consent.person_id),
        Consent.grantee_code == bindparam("org", type_=Text),
        Consent.revoked_at.is_(None),
        Consent.granted_at <= func.now(),
        Consent.valid_until > func.now(),
    )
    .order_by(Consent.person_id, Consent.granted_at),
)


async def represented_among(db: Reader, keys: Sequence[int], subject: str) -> list[bool]:
    rows = await db.fetch(REPRESENTED_AMONG, {"keys": list(keys), "subject": subject})
    found = {r["person_id"] for r in rows}
    return [k in found for k in keys]


async def employed_among(db: Reader, keys: Sequence[int], org: str) -> list[int | None]:
    rows = await db.fetch(EMPLOYED_AMONG, {"keys": list(keys), "org": org})
    found: dict[int, Any] = {r["person_id"]: r["employer_id"] for r in rows}
    return [found.get(k) for k in keys]


async def active_consents_among(db: Reader, keys: Sequence[int], org: str) -> list[list[Row]]:
    rows = await db.fetch(ACTIVE_CONSENTS_AMONG, {"keys": list(keys), "org": org})
    return align_many(keys, rows, "person_id")

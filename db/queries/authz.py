"""Facts the access policy decides from, batched over the persons of one request."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Exists,
    FromClause,
    Label,
    Select,
    Text,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import array

from db.models import Consent, ContributionPeriod, Employer, Person, Relative, SocialInsurance
from db.queries.compile import align_many, compile_query, int_keys
from db.session import Reader, Row

_person = Person.__table__
_social = SocialInsurance.__table__


def legal_representative(person: FromClause, name: str) -> Label[Any]:
    """The token subjects that name the person's legal representative, as a column of the
    person's row (NULL: none; a person has at most one relative of each kind), so that a
    citizen's `represented` fact costs no statement: the personal ID the relative row records,
    and the BHXH code of the record it links to when that record has no personal ID, as
    `policy.citizen_subject` names a person known by passport only (a foreign parent)."""
    representative = Relative.__table__.alias("representative")
    linked = _person.alias("representative_person")
    code_only = (
        select(_social.c.bhxh_code)
        .join(linked, linked.c.id == _social.c.person_id)
        .where(
            _social.c.person_id == representative.c.relative_person_id,
            linked.c.identification_number.is_(None),
        )
        .scalar_subquery()
    )
    subjects = func.array_remove(array([representative.c.identification_number, code_only]), None)
    return (
        select(subjects)
        .where(
            representative.c.person_id == person.c.id,
            representative.c.kind == literal_column("'LEGAL_REPRESENTATIVE'"),
        )
        .scalar_subquery()
        .label(name)
    )


def is_current(period: FromClause) -> ColumnElement[bool]:
    """A contribution period running this month (or open-ended): current employment. A former
    employer no longer reads the person's book."""
    return or_(
        period.c.to_month.is_(None),
        period.c.to_month >= literal_column("date_trunc('month', vietnam_today())"),
    )


def employed_by(person_id: ColumnElement[int], org: ColumnElement[str]) -> Exists:
    """The person is currently employed by the employer with tax code `org`: the fact
    `employed_among` looks up, as a condition a list can apply in SQL. An EXISTS, not
    `IN (employees_of(org))`: with IN, the employees page's generic plan reads person whole
    (tests/db/test_generic_plans.py)."""
    period = ContributionPeriod.__table__.alias("current_period")
    employer = Employer.__table__.alias("current_employer")
    return exists().where(
        period.c.person_id == person_id,
        period.c.employer_id == employer.c.id,
        employer.c.tax_code == org,
        is_current(period),
    )


def employees_of(org: ColumnElement[str]) -> Select[tuple[int]]:
    """The persons the employer with tax code `org` currently employs (`employed_by`'s fact,
    as a set a list can start from)."""
    period = ContributionPeriod.__table__.alias("current_period")
    employer = Employer.__table__.alias("current_employer")
    return (
        select(period.c.person_id)
        .join(employer, employer.c.id == period.c.employer_id)
        .where(employer.c.tax_code == org, is_current(period))
    )


_period = ContributionPeriod.__table__
EMPLOYED_AMONG = compile_query(
    "employed_among",
    select(ContributionPeriod.person_id, Employer.id.label("employer_id"))
    .join(Employer, Employer.id == ContributionPeriod.employer_id)
    .where(
        int_keys(ContributionPeriod.person_id),
        Employer.tax_code == bindparam("org", type_=Text),
        is_current(_period),
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


async def employed_among(db: Reader, keys: Sequence[int], org: str) -> list[int | None]:
    rows = await db.fetch(EMPLOYED_AMONG, {"keys": list(keys), "org": org})
    found: dict[int, Any] = {r["person_id"]: r["employer_id"] for r in rows}
    return [found.get(k) for k in keys]


async def active_consents_among(db: Reader, keys: Sequence[int], org: str) -> list[list[Row]]:
    rows = await db.fetch(ACTIVE_CONSENTS_AMONG, {"keys": list(keys), "org": org})
    return align_many(keys, rows, "person_id")

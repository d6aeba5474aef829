"""Employers and their employees."""

from collections.abc import Sequence

from sqlalchemy import (
    ARRAY,
    Boolean,
    Text,
    any_,
    bindparam,
    cast,
    literal_column,
    not_,
    or_,
    select,
)

from db.models import ContributionPeriod, Employer, Person
from db.queries.compile import align_one, compile_query, int_keys, text_keys
from db.queries.paging import PageParams, fetch_pages, keyset_page
from db.session import Reader, Row

EMPLOYERS_BY_ID = compile_query(
    "employers_by_id", select(Employer.__table__).where(int_keys(Employer.id))
)
EMPLOYERS_BY_TAX_CODE = compile_query(
    "employers_by_tax_code", select(Employer.__table__).where(text_keys(Employer.tax_code))
)

# An employee is a person with any contribution period at the employer; one row per pair,
# with the person's columns so the page needs no second statement.
_employment = (
    select(
        ContributionPeriod.employer_id,
        Person.__table__,
    )
    .join(Person, Person.id == ContributionPeriod.person_id)
    .where(
        Person.managing_authority == any_(cast(bindparam("authorities"), ARRAY(Text))),
        # An employer's own roster lists current employees only, as the policy lets it see them.
        or_(
            not_(cast(bindparam("current_only"), Boolean)),
            ContributionPeriod.to_month.is_(None),
            ContributionPeriod.to_month >= literal_column("date_trunc('month', current_date)"),
        ),
    )
    .group_by(ContributionPeriod.employer_id, Person.id)
    .subquery("employment")
)
EMPLOYEES_PAGE = compile_query(
    "employees_page",
    keyset_page(
        _employment,
        list(_employment.c),
        parent="employer_id",
        sort="id",
        sort_type=_employment.c.id.type,
        filters=(),
    ),
)


async def employers_by_id(db: Reader, keys: Sequence[int]) -> list[Row | None]:
    return align_one(keys, await db.fetch(EMPLOYERS_BY_ID, {"keys": list(keys)}), "id")


async def employers_by_tax_code(db: Reader, keys: Sequence[str]) -> list[Row | None]:
    rows = await db.fetch(EMPLOYERS_BY_TAX_CODE, {"keys": list(keys)})
    return align_one(keys, rows, "tax_code")


async def employees_page(
    db: Reader,
    keys: Sequence[int],
    page: PageParams,
    authorities: Sequence[str],
    *,
    current_only: bool = False,
) -> list[list[Row]]:
    return await fetch_pages(
        db,
        EMPLOYEES_PAGE,
        keys,
        page,
        parent="employer_id",
        authorities=list(authorities),
        current_only=current_only,
    )

"""Employers and their employees."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from db.models import ContributionPeriod, Employer, Person
from db.queries.compile import align_one, compile_query, int_keys, text_keys
from db.queries.paging import PageParams, fetch_pages, keyset_page
from db.queries.person import listable, person_row
from db.session import Reader, Row

EMPLOYERS_BY_ID = compile_query(
    "employers_by_id", select(Employer.__table__).where(int_keys(Employer.id))
)
EMPLOYERS_BY_TAX_CODE = compile_query(
    "employers_by_tax_code", select(Employer.__table__).where(text_keys(Employer.tax_code))
)

# An employee is a person with any contribution period at the employer; one row per pair,
# with the person's columns so the page needs no second statement. Only persons the caller may
# list (an employer sees its current employees, as the policy lets it), so the total counts them.
_employment = (
    select(
        ContributionPeriod.employer_id,
        *person_row(Person.__table__),
    )
    .join(Person, Person.id == ContributionPeriod.person_id)
    .where(listable(Person.__table__))
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
    db: Reader, keys: Sequence[int], page: PageParams, scope: dict[str, Any]
) -> list[list[Row]]:
    """`scope` from `person.list_params`: the persons the caller may list."""
    return await fetch_pages(db, EMPLOYEES_PAGE, keys, page, parent="employer_id", **scope)

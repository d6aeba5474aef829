"""Persons, their relatives and the persons connection for officers."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Date,
    FromClause,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql import Subquery

from db.identifiers import BHXH_CODE_LENGTH
from db.models import Person, Relative, SocialInsurance
from db.queries.authz import employed_by, employees_of, legal_representative
from db.queries.compile import (
    align_many,
    align_one,
    carried,
    carry,
    compile_query,
    int_keys,
    text_keys,
)
from db.queries.social_insurance import SOCIAL, carried_social_insurance
from db.session import Reader, Row

_PERSON = Person.__table__
_SOCIAL = SocialInsurance.__table__


def bhxh_code(person: FromClause, name: str = "bhxh_code") -> ColumnElement[str]:
    """The person's BHXH code (mã số BHXH), their second key, as a column of the person's row:
    a primary-key probe in the same statement, so reading it costs no statement of its own."""
    code = select(_SOCIAL.c.bhxh_code).where(_SOCIAL.c.person_id == person.c.id)
    return code.scalar_subquery().label(name)


def person_row(person: FromClause, prefix: str = "") -> list[Any]:
    """A person's row as every person statement returns it, each column named `prefix` + its
    name: the person's columns, bhxh_code and legal_representative (db.queries.authz)."""
    return [
        *carry(prefix, list(person.c)),
        bhxh_code(person, prefix + "bhxh_code"),
        legal_representative(person, prefix + "legal_representative"),
    ]


_ROW = person_row(_PERSON)

LINKED = "person__"
"""The prefix of a carried person's columns (compile.carried): relative and household-member
statements bring the person they name, as `persons_by_id` returns them, so that reading the
person costs no statement of its own. No filter applies to either: whether the caller may see
the person is decided on the row (graph.authz), the same row whichever statement fetched it."""


def linked_person() -> tuple[FromClause, list[Any]]:
    """A person table to outer-join on the linking column, and the columns that carry its row."""
    linked = _PERSON.alias("linked_person")
    return linked, person_row(linked, LINKED)


PERSONS_BY_ID = compile_query(
    "persons_by_id", select(*_ROW).where(int_keys(Person.id)), keyed_by=("id",)
)
_BOOKS, _CARRIED_SOCIAL = carried_social_insurance(_PERSON)
PERSONS_BY_KEY = compile_query(
    "persons_by_key",
    select(*_ROW, *_CARRIED_SOCIAL)
    .select_from(_BOOKS)
    .where(
        Person.id.in_(
            union_all(
                select(_PERSON.c.id).where(text_keys(_PERSON.c.identification_number)),
                select(_SOCIAL.c.person_id).where(text_keys(_SOCIAL.c.bhxh_code)),
            )
        )
    ),
    keyed_by=("identification_number", "bhxh_code"),
)
"""Persons named by either key in one statement (a request may mix them: `person`, `_entities`,
a write's input, the citizen's token): a 12-digit personal ID and a 10-digit BHXH code never
collide, so one array holds both kinds. Each carries its social insurance record: a book read
from a person so named then needs no statement (and no round trip) before its contribution
pages."""
_relative, _relative_person = linked_person()
RELATIVES_BY_PERSON = compile_query(
    "relatives_by_person",
    select(Relative.__table__, *_relative_person)
    .outerjoin(_relative, _relative.c.id == Relative.relative_person_id)
    .where(int_keys(Relative.person_id))
    .order_by(Relative.id),
    keyed_by=("person_id",),
)


def _optional(param: str, type_: Any) -> Any:
    return cast(bindparam(param), type_)


def listable(person: FromClause) -> ColumnElement[bool]:
    """The persons a list may hold for the caller (graph.authz.policy.ListScope, derived from the
    access policy): any person of `:authorities`, or one of `:employed_authorities` whom the
    employer with tax code `:employer` currently employs. Parameters from `list_params`."""
    authority = person.c.managing_authority
    return or_(
        authority == any_(cast(bindparam("authorities"), ARRAY(Text))),
        and_(
            authority == any_(cast(bindparam("employed_authorities"), ARRAY(Text))),
            employed_by(person.c.id, bindparam("employer", type_=Text)),
        ),
    )


def list_params(
    authorities: Sequence[str], employed_authorities: Sequence[str], employer: str | None
) -> dict[str, Any]:
    return {
        "authorities": list(authorities),
        "employed_authorities": list(employed_authorities),
        "employer": employer,
    }


_filters = (
    listable(_PERSON),
    or_(
        _optional("province", Text).is_(None),
        Person.residence_province_code == bindparam("province"),
    ),
    or_(_optional("sex", Text).is_(None), Person.sex == bindparam("sex")),
    or_(_optional("born_from", Date).is_(None), Person.birth_date >= bindparam("born_from")),
    or_(_optional("born_to", Date).is_(None), Person.birth_date <= bindparam("born_to")),
)
_narrowing = _filters[1:]
_after = or_(
    _optional("after_id", BigInteger).is_(None),
    Person.id > cast(bindparam("after_id"), BigInteger),
)


def _first(*conditions: ColumnElement[bool]) -> Subquery:
    return (
        select(_PERSON)
        .where(*conditions, *_narrowing, _after)
        .order_by(Person.id)
        .limit(bindparam("limit"))
        .subquery()
    )


# `listable`'s two cases apart, each on its own index: the statement runs on a generic plan
# (db.session), planned once without knowing which case the caller's parameters take, and with
# them ORed it walked person's primary key filtering every row, the whole table for an employer
# with fewer employees than a page (~45 ms at 20 k persons). An officer's part is skipped at
# once when the caller has no authority to list whole (a one-time filter); an employer's is
# driven from its own contribution rows, and leaves out whom the first part lists.
_officer = _first(
    func.cardinality(_optional("authorities", ARRAY(Text))) > literal_column("0"),
    Person.managing_authority == any_(_optional("authorities", ARRAY(Text))),
)
_employees = _first(
    Person.id.in_(employees_of(bindparam("employer", type_=Text))),
    Person.managing_authority == any_(_optional("employed_authorities", ARRAY(Text))),
    ~(Person.managing_authority == any_(_optional("authorities", ARRAY(Text)))),
)
_listed = union_all(select(_officer), select(_employees)).subquery("listed")
_LISTED_BOOKS, _LISTED_SOCIAL = carried_social_insurance(_listed)
PERSONS_PAGE = compile_query(
    "persons_page",
    select(*person_row(_listed), *_LISTED_SOCIAL)
    .select_from(_LISTED_BOOKS)
    .order_by(_listed.c.id)
    .limit(bindparam("limit")),
)
"""A page of persons, each carrying its social insurance record, as `PERSONS_BY_KEY`."""
PERSONS_COUNT = compile_query(
    "persons_count", select(func.count().label("n")).select_from(_PERSON).where(*_filters)
)


async def persons_by_id(db: Reader, keys: Sequence[int]) -> list[Row | None]:
    return align_one(keys, await db.fetch(PERSONS_BY_ID, {"keys": list(keys)}), "id")


async def persons_by_key(
    db: Reader, keys: Sequence[str]
) -> tuple[list[Row | None], dict[int, Row | None]]:
    """Keys as graph.validation.person_key returns them: a BHXH code has 10 digits. Also each
    person's social insurance record (`social_insurance_by_person`'s row, or None), by id."""
    rows = await db.fetch(PERSONS_BY_KEY, {"keys": list(keys)})
    by_id = {r["identification_number"]: r for r in rows if r["identification_number"]}
    by_code = {r["bhxh_code"]: r for r in rows if r["bhxh_code"]}
    found = [(by_code if len(k) == BHXH_CODE_LENGTH else by_id).get(k) for k in keys]
    return found, social_insurance_of(rows)


def social_insurance_of(rows: list[Row]) -> dict[int, Row | None]:
    """The social insurance record each person's row carries (or None), by person id."""
    records = {r["person_id"]: r for r in carried(rows, SOCIAL, key="person_id")}
    return {r["id"]: records.get(r["id"]) for r in rows}


async def relatives_by_person(db: Reader, keys: Sequence[int]) -> tuple[list[list[Row]], list[Row]]:
    """Each person's relatives, and the persons they link to (`persons_by_id`'s rows)."""
    rows = await db.fetch(RELATIVES_BY_PERSON, {"keys": list(keys)})
    return align_many(keys, rows, "person_id"), carried(rows, LINKED)


def person_filter_params(
    scope: dict[str, Any],
    *,
    province: str | None = None,
    sex: str | None = None,
    born_from: date | None = None,
    born_to: date | None = None,
) -> dict[str, Any]:
    """`scope` from `list_params`: the persons the caller may list; the filters narrow them."""
    return {
        **scope,
        "province": province,
        "sex": sex,
        "born_from": born_from,
        "born_to": born_to,
    }


async def persons_page(
    db: Reader, filters: dict[str, Any], *, limit: int, after_id: int | None
) -> tuple[list[Row], dict[int, Row | None]]:
    """The page's persons, and each one's social insurance record (`social_insurance_of`)."""
    rows = await db.fetch(PERSONS_PAGE, {**filters, "limit": limit, "after_id": after_id})
    return rows, social_insurance_of(rows)


async def persons_count(db: Reader, filters: dict[str, Any]) -> int:
    rows = await db.fetch(PERSONS_COUNT, filters)
    return int(rows[0]["n"]) if rows else 0

"""Every statement that reads a person returns the same row for them (`person_row`): the access
policy decides on that row whichever statement brought it (graph.authz), so a column one of them
left out would decide differently for the persons it brought, or fail."""

from typing import Any

import psycopg
from psycopg.rows import dict_row

from db.enums import ManagingAuthority, RelativeKind
from db.queries.compile import carried
from db.queries.employer import EMPLOYEES_PAGE
from db.queries.household import MEMBERS_BY_HOUSEHOLD, MEMBERSHIPS_BY_PERSON
from db.queries.person import (
    LINKED,
    PERSONS_BY_ID,
    PERSONS_BY_KEY,
    PERSONS_PAGE,
    RELATIVES_BY_PERSON,
    list_params,
    person_filter_params,
)
from db.session import Query
from tests.factories import person as persons
from tests.factories.book import book

Row = dict[str, Any]


def _rows(conn: psycopg.Connection, query: Query, params: dict[str, Any]) -> list[Row]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query.sql, params)
        return cur.fetchall()


def _by_id(conn: psycopg.Connection, ids: list[int]) -> dict[int, Row]:
    return {r["id"]: r for r in _rows(conn, PERSONS_BY_ID, {"keys": ids})}


def test_a_persons_row_names_their_legal_representative(conn: psycopg.Connection) -> None:
    """By the personal ID the relative row records, and by the BHXH code of the record it links
    to when that record has none (a passport-only mother): the subjects of their tokens."""
    mother = book(conn, identification_number=None, passport_number="E1234567", nationality="CN")
    child = persons.person(conn, full_name="Nguyễn Minh An")
    persons.relative(conn, child, RelativeKind.LEGAL_REPRESENTATIVE, linked=mother.person)
    guardian = persons.person(conn, full_name="Nguyễn Văn Đại")
    ward = persons.person(conn)
    persons.relative(conn, ward, RelativeKind.LEGAL_REPRESENTATIVE, linked=guardian)
    unrecorded = persons.unrecorded_id(guardian["sex"], 1970)
    named = persons.person(conn)
    persons.relative(
        conn, named, RelativeKind.LEGAL_REPRESENTATIVE, identification_number=unrecorded
    )
    fathered = persons.person(conn)
    persons.relative(conn, fathered, RelativeKind.FATHER, linked=guardian)  # not a representative

    rows = _by_id(conn, [child["id"], ward["id"], named["id"], fathered["id"], guardian["id"]])
    assert rows[child["id"]]["legal_representative"] == [mother.bhxh_code]
    assert rows[ward["id"]]["legal_representative"] == [guardian["identification_number"]]
    assert rows[named["id"]]["legal_representative"] == [unrecorded]
    assert rows[fathered["id"]]["legal_representative"] is None
    assert rows[guardian["id"]]["legal_representative"] is None


def test_every_person_statement_reads_the_same_row(conn: psycopg.Connection) -> None:
    mother = book(conn, identification_number=None, passport_number="E1234567", nationality="CN")
    child = book(conn, full_name="Nguyễn Minh An")
    persons.relative(conn, child.person, RelativeKind.MOTHER, linked=mother.person)
    persons.relative(conn, child.person, RelativeKind.LEGAL_REPRESENTATIVE, linked=mother.person)
    conn.execute(  # she lives in his household
        "UPDATE household_member SET household_id = %s, relation_to_head = 'OTHER'"
        " WHERE person_id = %s",
        (child.household_id, mother.person["id"]),
    )
    scope = list_params([ManagingAuthority.FINANCE.value], [], None)
    page = {"limit": 100, "after_sort": None, "after_id": None}
    read = {
        "by key": _rows(
            conn,
            PERSONS_BY_KEY,
            {"keys": [child.person["identification_number"], mother.bhxh_code]},
        ),
        "relatives": carried(
            _rows(conn, RELATIVES_BY_PERSON, {"keys": [child.person["id"]]}), LINKED
        ),
        "household members": carried(
            _rows(conn, MEMBERS_BY_HOUSEHOLD, {"keys": [child.household_id]}), LINKED
        ),
        "memberships": carried(
            _rows(conn, MEMBERSHIPS_BY_PERSON, {"keys": [child.person["id"]]}), LINKED
        ),
        "persons page": _rows(
            conn, PERSONS_PAGE, {**person_filter_params(scope), "limit": 100, "after_id": None}
        ),
        "employees page": _rows(
            conn, EMPLOYEES_PAGE, {"keys": [e["id"] for e in child.employers], **page, **scope}
        ),
    }
    ids = sorted({r["id"] for rows in read.values() for r in rows})
    by_id = _by_id(conn, ids)
    assert {child.person["id"], mother.person["id"]} <= set(by_id)
    assert by_id[child.person["id"]]["legal_representative"] == [mother.bhxh_code]
    columns = set(by_id[child.person["id"]])
    for statement, rows in read.items():
        assert rows, statement
        for row in rows:
            assert columns <= set(row), statement
            assert {c: row[c] for c in columns} == by_id[row["id"]], statement

"""A person's row carries its social insurance record exactly as the record's own statement
reads it, or its absence: the loader primed with it answers as the statement would."""

from datetime import date
from typing import Any

import psycopg
from psycopg.rows import dict_row

from db.queries.person import PERSONS_BY_KEY, social_insurance_of
from db.queries.social_insurance import SOCIAL_INSURANCE_BY_PERSON
from db.session import Query
from tests.factories import person as persons
from tests.factories.book import book


def _rows(conn: psycopg.Connection, query: Query, keys: list[Any]) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query.sql, {"keys": keys})
        return cur.fetchall()


def test_a_carried_record_is_the_records_own_row(conn: psycopg.Connection) -> None:
    holder = book(conn).person
    # Every column read, the issuing office's name too.
    conn.execute(
        "UPDATE social_insurance SET issuing_office_code = office_code, issued_on = %s"
        " WHERE person_id = %s",
        (date(2020, 3, 1), holder["id"]),
    )
    without = persons.person(conn)
    keys = [holder["identification_number"], without["identification_number"]]
    carried = social_insurance_of(_rows(conn, PERSONS_BY_KEY, keys))
    (record,) = _rows(conn, SOCIAL_INSURANCE_BY_PERSON, [holder["id"], without["id"]])
    assert record["issuing_office_name"] is not None
    assert carried == {holder["id"]: record, without["id"]: None}

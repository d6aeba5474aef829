"""A relation's statement brings the rows it names (db.queries.compile.carry): reading a
relative's or a household member's person, or a membership's household, then costs no
statement of its own."""

from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from joserfc.jwk import ECKey

from tests.factories.book import book
from tests.graph.conftest import Api, serving
from tests.graph.test_ebook import EVERY_SCOPE


@pytest.fixture(params=[True, False], ids=["compiled", "strawberry"])
async def api(
    request: pytest.FixtureRequest, runtime_url: str, dev_key: ECKey, conn: Any
) -> AsyncIterator[Api]:
    async with serving(runtime_url, dev_key, compiled=request.param) as api:
        yield api


async def test_linked_persons_and_the_household_come_with_their_links(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn)
    query = """query($id: String!) { person(identificationNumber: $id) {
      relatives { kind person { fullName } }
      household { householdCode members { relationToHead person { fullName } } } } }"""
    body = await api.query(
        query, api.officer(EVERY_SCOPE), {"id": b.person["identification_number"]}
    )
    assert "errors" not in body, body
    person = body["data"]["person"]
    assert {r["kind"]: r["person"] for r in person["relatives"]} == {
        "SPOUSE": {"fullName": "Trần Văn Hùng"},
        "FATHER": None,  # recorded by name only
    }
    assert person["household"]["householdCode"] == f"{b.person['id']:012d}"
    assert len(person["household"]["members"]) == 2
    # The person; relatives, membership. Then the access-log insert.
    assert api.last_statements == 3 + 1


async def test_a_household_read_from_two_members_lists_it_once(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn)
    spouse = conn.execute(
        "SELECT p.identification_number FROM person p JOIN household_member m"
        " ON m.person_id = p.id WHERE m.household_id = %s AND p.id <> %s",
        (b.household_id, b.person["id"]),
    ).fetchone()
    assert spouse is not None
    reps = [
        {"__typename": "Person", "identificationNumber": n}
        for n in (b.person["identification_number"], spouse[0])
    ]
    query = """query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Person {
      household { id members { relationToHead person { identificationNumber } } } } } }"""
    body = await api.query(query, api.officer(EVERY_SCOPE), {"reps": reps})
    assert "errors" not in body, body
    first, second = (e["household"] for e in body["data"]["_entities"])
    assert first == second
    assert first["members"][0]["relationToHead"] == "HEAD"
    assert {m["person"]["identificationNumber"] for m in first["members"]} == {
        b.person["identification_number"],
        spouse[0],
    }
    assert api.last_statements == 2 + 1  # the persons, their memberships; the insert

"""A relation's statement brings the rows it names (db.queries.compile.carry): reading a
period's employer, a relative's or a household member's person, or a membership's household
then costs no statement of its own, on every page of a connection."""

from typing import Any

import psycopg
import pytest

from tests.factories.book import book
from tests.graph.conftest import Api
from tests.graph.test_ebook import EVERY_SCOPE


@pytest.fixture
def api(api_both: Api) -> Api:
    return api_both


def _periods(node: str) -> str:
    return f"""query($id: String!, $after: String) {{
      person(identificationNumber: $id) {{ socialInsurance {{
        contributionPeriods(first: 3, after: $after) {{
          pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {node} }} }}
        }} }} }} }}"""


async def _walk(api: Api, query: str, person_id: str) -> tuple[list[Any], set[int]]:
    """Every page's nodes, and what each page cost in statements."""
    token, after, nodes, costs = api.officer(EVERY_SCOPE), None, [], set()
    while True:
        body = await api.query(query, token, {"id": person_id, "after": after})
        assert "errors" not in body, body
        page = body["data"]["person"]["socialInsurance"]["contributionPeriods"]
        nodes += [e["node"] for e in page["edges"]]
        costs.add(api.last_statements)
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, costs
        after = page["pageInfo"]["endCursor"]


async def test_every_page_brings_the_employers_it_names(api: Api, conn: psycopg.Connection) -> None:
    # Periods alternate between two employers: a page of three names one of them twice, and a
    # page after the cursor names employers the page before already named.
    b = book(conn, periods=8)
    person_id = b.person["identification_number"]
    months, plain = await _walk(api, _periods("fromMonth"), person_id)
    nodes, with_employer = await _walk(
        api, _periods("fromMonth employer { taxCode name }"), person_id
    )
    assert with_employer == plain  # no page looks its employers up apart
    work = [{"taxCode": e["tax_code"], "name": e["name"]} for e in b.employers]
    assert [n["employer"] for n in nodes] == [work[i % 2] for i in range(8)]
    assert [n["fromMonth"] for n in nodes] == [m["fromMonth"] for m in months]


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

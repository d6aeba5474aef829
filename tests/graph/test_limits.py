"""Abuse limits: each refused with a coded error before any SQL; the whole e-book stays allowed."""

import time
from typing import Any

import httpx
import psycopg

from graph.limits import MAX_ALIASES, MAX_BATCH, MAX_COST, MAX_DEPTH, MAX_TOKENS
from tests.factories.book import book
from tests.graph.conftest import Api, serving
from tests.graph.operations import ENTITIES, ME, PERSONS

LIMIT_CODES = {"QUERY_TOO_LARGE", "QUERY_TOO_DEEP", "TOO_MANY_ALIASES", "QUERY_TOO_COMPLEX"}

# Pages nested in pages: a million employees rows at most.
NESTED_PAGES = """query($n: Int!) { persons(first: $n) { edges { node { socialInsurance {
  contributionPeriods(first: $n) { edges { node { employer {
    employees(first: $n) { edges { node { fullName } } }
} } } } } } } } }"""


def _codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


async def _post(api: Api, payload: Any, token: str) -> httpx.Response:
    """POST any JSON body (a batch is a list); `api.last_statements` counts as `api.query` does."""
    before = len(api.database.readers)
    response = await api.client.post(
        "/graphql", json=payload, headers={"Authorization": f"Bearer {token}"}
    )
    api.last_statements = sum(r.statements for r in api.database.readers[before:])
    return response


async def test_whole_ebook_of_a_citizen_is_allowed(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn)
    body = await api.query(ME, api.citizen(b.person))
    assert "errors" not in body, body
    assert body["data"]["me"]["fullName"]


async def test_whole_ebook_for_a_page_of_fifty_persons_is_allowed(
    api: Api, conn: psycopg.Connection
) -> None:
    book(conn)
    body = await api.query(PERSONS, api.officer(), {"first": 50})
    assert not LIMIT_CODES & set(_codes(body)), body["errors"]
    assert body["data"]["persons"]["edges"]
    assert api.last_statements > 0


async def test_whole_ebook_for_a_hundred_representations_is_allowed(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn)
    rep = {"__typename": "Person", "identificationNumber": b.person["identification_number"]}
    body = await api.query(ENTITIES, api.citizen(b.person), {"reps": [rep] * 100})
    assert "errors" not in body, body
    assert len(body["data"]["_entities"]) == 100


async def test_pages_nested_in_pages_are_too_complex(api: Api, conn: psycopg.Connection) -> None:
    body = await api.query(NESTED_PAGES, api.officer(), {"n": 100})
    (error,) = body["errors"]
    # persons: 1 + 100 × (edge, node, socialInsurance: 3 + contributionPeriods:
    #   1 + 100 × (edge, node, employer: 3 + employees: 1 + 100 × (edge, node: 2)))
    cost = 1 + 100 * (3 + 1 + 100 * (3 + 1 + 100 * 2))
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "cost": cost, "limit": MAX_COST}
    assert str(MAX_COST) in error["message"]
    assert body["data"] is None
    assert api.last_statements == 0


async def test_cost_follows_the_variables(api: Api, conn: psycopg.Connection) -> None:
    body = await api.query(NESTED_PAGES, api.officer(), {"n": 3})
    assert "QUERY_TOO_COMPLEX" not in _codes(body)
    assert api.last_statements > 0


async def test_omitted_first_counts_as_the_default_page(api: Api, conn: psycopg.Connection) -> None:
    query = NESTED_PAGES.replace("contributionPeriods(first: $n)", "contributionPeriods")
    body = await api.query(query, api.officer(), {"n": 100})
    assert _codes(body) == ["QUERY_TOO_COMPLEX"]
    assert body["errors"][0]["extensions"]["cost"] == 1 + 100 * (3 + 1 + 20 * (3 + 1 + 100 * 2))
    assert api.last_statements == 0


async def test_too_many_representations_are_refused(api: Api, conn: psycopg.Connection) -> None:
    reps = [{"__typename": "Person", "identificationNumber": "001088012345"}] * 1000
    body = await api.query(ENTITIES, api.officer(), {"reps": reps})
    assert _codes(body) == ["TOO_MANY_REPRESENTATIONS", "QUERY_TOO_COMPLEX"]
    assert api.last_statements == 0


async def test_deep_query_is_refused(api: Api, conn: psycopg.Connection) -> None:
    def hop(inner: str) -> str:
        return f"socialInsurance {{ contributionPeriods(first: 1) {{ edges {{ node {{ employer {{ {inner} }} }} }} }} }}"

    employees = f"employees(first: 1) {{ edges {{ node {{ {hop('name')} }} }} }}"
    query = f'{{ person(identificationNumber: "001088012345") {{ {hop(employees)} }} }}'
    body = await api.query(query, api.officer())
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_DEEP", "depth": 14, "limit": MAX_DEPTH}
    assert f"the limit is {MAX_DEPTH}" in error["message"]
    assert api.last_statements == 0


async def test_aliases_up_to_the_limit(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn)

    def query(n: int) -> str:
        return "{ " + " ".join(f"a{i}: me {{ fullName }}" for i in range(n)) + " }"

    body = await api.query(query(MAX_ALIASES), api.citizen(b.person))
    assert "errors" not in body, body
    body = await api.query(query(MAX_ALIASES + 1), api.citizen(b.person))
    (error,) = body["errors"]
    assert error["extensions"] == {
        "code": "TOO_MANY_ALIASES",
        "aliases": MAX_ALIASES + 1,
        "limit": MAX_ALIASES,
    }
    assert api.last_statements == 0


async def test_large_document_is_refused(api: Api, conn: psycopg.Connection) -> None:
    query = "{ me { " + " fullName" * MAX_TOKENS + " } }"
    body = await api.query(query, api.officer())
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_LARGE", "limit": MAX_TOKENS}
    assert f"more than {MAX_TOKENS} tokens" in error["message"]
    assert api.last_statements == 0


async def test_fragment_fan_out_is_refused_quickly(api: Api, conn: psycopg.Connection) -> None:
    """Fragments each spreading the next twice describe 2^60 fields in a few hundred tokens."""
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(60))
    query = "{ ...F0 } " + fragments + " fragment F60 on Query { a: me { fullName } }"
    started = time.monotonic()
    body = await api.query(query, api.officer())
    assert time.monotonic() - started < 5
    assert set(_codes(body)) == {"TOO_MANY_ALIASES", "QUERY_TOO_COMPLEX"}
    assert api.last_statements == 0


async def test_batches_are_capped(api: Api, conn: psycopg.Connection) -> None:
    operation = {"query": "{ persons(first: 1) { totalCount } }"}
    response = await _post(api, [operation] * 2, api.officer())
    assert response.status_code == 200
    assert [r["data"]["persons"]["totalCount"] for r in response.json()] == [0, 0]

    response = await _post(api, [operation] * (MAX_BATCH + 1), api.officer())
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert f"1 to {MAX_BATCH} operations" in error["message"]
    assert api.last_statements == 0


async def test_misspelled_field_gets_no_suggestion(api: Api, conn: psycopg.Connection) -> None:
    body = await api.query("{ me { fulName } }", api.officer())
    (error,) = body["errors"]
    assert error["message"] == "Cannot query field 'fulName' on type 'Person'."
    assert api.last_statements == 0


async def test_introspection_is_refused_in_prod_only(
    api: Api, conn: psycopg.Connection, runtime_url: str, dev_key: Any
) -> None:
    introspection = "{ __schema { queryType { name } } }"
    body = await api.query(introspection, api.officer())
    assert body["data"] is None
    assert "introspection has been disabled" in body["errors"][0]["message"]
    assert api.last_statements == 0
    # __typename still answers (the SDL is for the gateway's account: test_federation_surface).
    body = await api.query("{ __typename }", api.officer())
    assert body["data"]["__typename"] == "Query"

    async with serving(runtime_url, dev_key, dev=True) as dev_api:
        response = await dev_api.client.post("/graphql", json={"query": introspection})
    assert response.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}

"""The federation surface in prod: `_service { sdl }` only for the gateway's account, and a
bounded number of `_entities` representations, counted in the cost however they are sent."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import psycopg
import pytest
from graphql import OperationDefinitionNode, TypeInfo, ValidationContext, parse
from joserfc.jwk import ECKey

from graph.authz import tokens
from graph.authz.principal import Role
from graph.config import Settings
from graph.limits import MAX_REPRESENTATIONS, measure_operation
from graph.schema import schema
from tests.graph.conftest import Api, serving

SDL = "{ _service { sdl } }"
GATEWAY = "svc-gateway"


@pytest.fixture
async def gateway_app(
    database_url: str, dev_key: ECKey, conn: psycopg.Connection
) -> AsyncIterator[httpx.AsyncClient]:
    """A prod app whose configuration names the gateway's service account."""
    settings = Settings.from_env({"BHXH_ENV": "prod", "BHXH_FEDERATION_SUBJECTS": f" {GATEWAY} ,x"})
    async with serving(
        database_url, dev_key, federation_subjects=settings.federation_subjects
    ) as api:
        yield api.client


async def _sdl(client: httpx.AsyncClient, token: str, query: str = SDL) -> Any:
    response = await client.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )
    return response.json()


@pytest.mark.parametrize(
    "query",
    [
        SDL,
        "{ s: _service { sdl } }",
        "{ ...F } fragment F on Query { _service { sdl } }",
        "{ ... on Query { _service { sdl } } }",
        "query A { __typename } query B { _service { sdl } }",
    ],
)
async def test_sdl_is_for_the_gateway_account_only_in_prod(
    gateway_app: httpx.AsyncClient, dev_key: ECKey, query: str
) -> None:
    for role, subject in [
        (Role.OFFICER, "officer-1"),
        (Role.AUDITOR, "audit-1"),
        (Role.CITIZEN, "001088012345"),
    ]:
        token = tokens.mint(dev_key, role=role, subject=subject)
        body = await gateway_app.post(
            "/graphql",
            json={"query": query, "operationName": "B" if "query B" in query else None},
            headers={"Authorization": f"Bearer {token}"},
        )
        answer = body.json()
        assert answer["data"] is None, answer
        assert [e["extensions"]["code"] for e in answer["errors"]] == ["FORBIDDEN"]
        assert "BHXH_FEDERATION_SUBJECTS" in answer["errors"][0]["message"]
    gateway = tokens.mint(dev_key, role=Role.OFFICER, subject=GATEWAY, scopes=[])
    allowed = await gateway_app.post(
        "/graphql",
        json={"query": query, "operationName": "B" if "query B" in query else None},
        headers={"Authorization": f"Bearer {gateway}"},
    )
    sdl = next(iter(allowed.json()["data"].values()))["sdl"]
    assert "type Person" in sdl


async def test_no_subject_configured_means_nobody_in_prod(
    api: Api, conn: psycopg.Connection
) -> None:
    body = await api.query(SDL, api.officer())
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert api.last_statements == 0


async def test_dev_stays_open(database_url: str, dev_key: ECKey, conn: psycopg.Connection) -> None:
    async with serving(database_url, dev_key, dev=True) as api:
        token = tokens.mint(dev_key, role=Role.CITIZEN, subject="001088012345")
        body = await _sdl(api.client, token)
    assert "type Person" in body["data"]["_service"]["sdl"]


ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"
REP = {"__typename": "Person", "identificationNumber": "001088012345"}


def _literal(n: int) -> str:
    reps = ", ".join(['{__typename: "Person", identificationNumber: "001088012345"}'] * n)
    return f"{{ _entities(representations: [{reps}]) {{ __typename }} }}"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (ENTITIES, {"r": [REP] * (MAX_REPRESENTATIONS + 1)}),
        # 100,000 would pass the body limit (413 first, tests/graph/test_edge.py): 10,000 fit.
        (ENTITIES, {"r": [REP] * 10_000}),
        (_literal(MAX_REPRESENTATIONS + 1), {}),
        # Several fields together: 2 × 60 > 100, aliased or through a fragment spread twice.
        (
            "query($r: [_Any!]!) { a: _entities(representations: $r) { __typename }"
            " b: _entities(representations: $r) { __typename } }",
            {"r": [REP] * 60},
        ),
        (
            "query($r: [_Any!]!) { ...E c: __typename ...E }"
            " fragment E on Query { _entities(representations: $r) { __typename } }",
            {"r": [REP] * 60},
        ),
        (
            "query($a: _Any!) { _entities(representations: ["
            + "$a, " * 101
            + "]) { __typename } }",
            {"a": REP},
        ),
    ],
    ids=["variable", "ten thousand", "literal", "aliases", "fragments", "list of variables"],
)
async def test_representations_are_bounded_before_any_sql(
    api: Api, conn: psycopg.Connection, query: str, variables: dict[str, Any]
) -> None:
    body = await api.query(query, api.officer(), variables)
    assert body["data"] is None
    codes = [e["extensions"]["code"] for e in body["errors"]]
    assert codes[0] == "TOO_MANY_REPRESENTATIONS", body["errors"]
    assert body["errors"][0]["extensions"]["limit"] == MAX_REPRESENTATIONS
    assert api.last_statements == 0


async def test_a_hundred_representations_pass(api: Api, conn: psycopg.Connection) -> None:
    body = await api.query(ENTITIES, api.officer(), {"r": [REP] * MAX_REPRESENTATIONS})
    assert "errors" not in body, body["errors"][:1]
    assert body["data"]["_entities"] == [None] * MAX_REPRESENTATIONS


def _cost(query: str, variables: dict[str, Any]) -> int:
    document = parse(query)
    context = ValidationContext(schema._schema, document, TypeInfo(schema._schema), print)
    (operation,) = document.definitions
    assert isinstance(operation, OperationDefinitionNode)
    return measure_operation(context, operation, variables).cost


SELECTION = "... on Person { socialInsurance { contributionPeriods(first: 100) { edges { node { employer { name } } } } } }"


@pytest.mark.parametrize("n", [1, 7, 50])
def test_representations_count_in_the_cost_literal_or_variable(n: int) -> None:
    """Each representation costs its selection, whichever way the list arrives."""
    by_variable = ENTITIES.replace("{ __typename }", "{ " + SELECTION + " }")
    literal = _literal(n).replace("{ __typename }", "{ " + SELECTION + " }")
    one = _cost(by_variable, {"r": [REP]})
    assert one > 300  # 1 + (socialInsurance + contributionPeriods + 100 × (edge, node, employer))
    assert _cost(by_variable, {"r": [REP] * n}) == n * one
    assert _cost(literal, {}) == n * one


async def test_the_gate_is_per_request_when_the_document_is_cached(
    gateway_app: httpx.AsyncClient, dev_key: ECKey
) -> None:
    """The gateway's request leaves the document cached as valid; the next caller is still refused."""
    gateway = tokens.mint(dev_key, role=Role.OFFICER, subject=GATEWAY, scopes=[])
    officer = tokens.mint(dev_key, role=Role.OFFICER, subject="officer-1")
    for token, allowed in [(gateway, True), (officer, False), (gateway, True), (officer, False)]:
        answer = await _sdl(gateway_app, token)
        if allowed:
            assert "type Person" in answer["data"]["_service"]["sdl"], answer
        else:
            assert answer["data"] is None, answer
            assert [e["extensions"]["code"] for e in answer["errors"]] == ["FORBIDDEN"]

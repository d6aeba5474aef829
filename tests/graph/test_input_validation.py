"""Every argument and representation is checked at the edge: bad input is BAD_USER_INPUT naming
where it is, never a database or internal error, and nothing runs."""

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLScalarType,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc.jwk import ECKey

from db.urls import libpq_conninfo
from graph.authz import tokens
from graph.authz.principal import Role
from graph.representations import ENTITY_KEYS
from graph.schema import schema
from tests.factories.book import book
from tests.graph.conftest import Api, CountingDatabase, serving

POISON = ["a\x00b", "\x07", "x\x1by", "\x7f", "\x85"]
TEXT_TYPES = ("String", "ID")


def _poisoned(type_: GraphQLInputType, path: str, bad: str) -> Iterator[tuple[Any, str]]:
    """(value, path of the bad string) for every string position of an input type."""
    nullable = get_nullable_type(type_)
    if is_list_type(nullable):
        for value, where in _poisoned(nullable.of_type, f"{path}[0]", bad):
            yield [value], where
        return
    named = get_named_type(type_)
    if isinstance(named, GraphQLScalarType) and named.name in TEXT_TYPES:
        yield bad, path
    elif isinstance(named, GraphQLInputObjectType):
        for name, field in named.fields.items():
            for value, where in _poisoned(field.type, f"{path}.{name}", bad):
                yield {name: value}, where


def _cases() -> Iterator[tuple[str, str, str, Any, str]]:
    """(operation kind, root field, argument, poisoned value, expected argument path)."""
    gql = schema._schema
    for kind, root in (("query", gql.query_type), ("mutation", gql.mutation_type)):
        assert root is not None
        for field_name, field in root.fields.items():
            for arg_name, arg in field.args.items():
                if arg_name == "idempotencyKey":
                    continue  # no mutation runs without its other arguments: tests/graph/test_writes.py
                for value, where in _poisoned(arg.type, arg_name, "a\x00b"):
                    yield kind, field_name, arg_name, value, where


CASES = list(_cases())


def test_the_walk_finds_the_string_arguments() -> None:
    paths = {(c[1], c[4]) for c in CASES}
    assert {
        ("person", "identificationNumber"),
        ("employer", "taxCode"),
        ("household", "id"),
        ("healthInsuranceCard", "code"),
        ("persons", "after"),
        ("persons", "filter.residenceProvinceCode"),
        ("grantConsent", "input.grantee"),
        ("grantConsent", "input.purpose"),
        ("grantConsent", "input.person"),
        ("revokeConsent", "id"),
    } <= paths


def _document(kind: str, field: str, arg: str, type_: str, literal: str | None) -> str:
    value = literal if literal is not None else "$v"
    head = f"{kind}($v: {type_})" if literal is None else kind
    # Every mutation's other required argument: the poisoned one is what the test is about.
    key = ', idempotencyKey: "k"' if kind == "mutation" and arg != "idempotencyKey" else ""
    return f"{head} {{ x: {field}({arg}: {value}{key}) {{ __typename }} }}"


def _literal(value: Any) -> str:
    """A GraphQL literal of a JSON value (strings JSON-escaped: \\u0000 is valid GraphQL)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return json.dumps(value)


@pytest.mark.parametrize("form", ["variable", "literal"])
@pytest.mark.parametrize("case", CASES, ids=[f"{c[1]}:{c[4]}" for c in CASES])
async def test_control_characters_in_any_string_argument_are_bad_input(
    api: Api, conn: psycopg.Connection, case: tuple[str, str, str, Any, str], form: str
) -> None:
    kind, field, arg, value, where = case
    root = schema._schema.query_type if kind == "query" else schema._schema.mutation_type
    assert root is not None
    arg_type = str(root.fields[field].args[arg].type)
    literal = _literal(value) if form == "literal" else None
    query = _document(kind, field, arg, arg_type, literal)
    body = await api.query(query, api.token(Role.CITIZEN, "001088012345"), {"v": value})
    assert body["data"] is None, body
    # A literal input object missing its other required fields also fails graphql-core's rules.
    ours = [e for e in body["errors"] if e.get("extensions", {}).get("code") == "BAD_USER_INPUT"]
    assert [e["extensions"] for e in ours] == [{"code": "BAD_USER_INPUT", "argument": where}]
    assert "U+0000" in ours[0]["message"]
    if form == "variable":
        assert len(body["errors"]) == 1
    assert api.last_statements == 0


@pytest.mark.parametrize("bad", POISON)
async def test_every_refused_character_and_nesting_depth(
    api: Api, conn: psycopg.Connection, bad: str
) -> None:
    query = "mutation($i: GrantConsentInput!, $idempotencyKey: String!) { grantConsent(input: $i, idempotencyKey: $idempotencyKey) { id } }"
    body = await api.query(query, api.officer(), {"i": {"purpose": f"Xét {bad} hưởng"}})
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "argument": "input.purpose",
    }
    # A purpose may run over lines; tabs and line breaks are text.
    fine = await api.query(query, api.officer(), {"i": {"purpose": "a\tb\r\nc"}})
    # (The input lacks its other required fields: that error, but none about the purpose.)
    assert all(e["extensions"].get("argument") != "input.purpose" for e in fine["errors"])


@pytest.mark.parametrize(
    ("query", "variables", "argument"),
    [
        ('{ household(id: "١٢٣") { id } }', {}, "id"),
        ('{ household(id: "123456789012345678901234567890") { id } }', {}, "id"),
        ('{ household(id: "²") { id } }', {}, "id"),
        ('{ employer(taxCode: "01000000") { name } }', {}, "taxCode"),
        (
            "mutation($i: GrantConsentInput!, $idempotencyKey: String!) { grantConsent(input: $i, idempotencyKey: $idempotencyKey) { id } }",
            {
                "i": {
                    "grantee": "byt; drop",
                    "dataGroups": ["IDENTITY"],
                    "purpose": "x",
                    "validUntil": (datetime.now(UTC) + timedelta(days=9)).isoformat(),
                }
            },
            "input.grantee",
        ),
    ],
)
async def test_formats_are_checked_where_they_exist(
    api: Api, conn: psycopg.Connection, query: str, variables: dict[str, Any], argument: str
) -> None:
    b = book(conn)
    body = await api.query(query, api.citizen(b.person), variables)
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}


ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
  __typename ... on Person { fullName } ... on Employer { name } } }"""


@pytest.mark.parametrize(
    ("representation", "argument"),
    [
        ({"__typename": "Person"}, "representations[1]"),
        ({"__typename": "Person", "bhxhCode": "012345678"}, "representations[1].bhxhCode"),
        (
            {"__typename": "Person", "identificationNumber": "001088012345", "bhxhCode": "0123"},
            "representations[1].bhxhCode",
        ),
        (
            {"__typename": "Person", "identificationNumber": {"a": 1}},
            "representations[1].identificationNumber",
        ),
        (
            {"__typename": "Person", "identificationNumber": ["001088012345"]},
            "representations[1].identificationNumber",
        ),
        (
            {"__typename": "Person", "identificationNumber": 1088012345},
            "representations[1].identificationNumber",
        ),
        (
            {"__typename": "Person", "identificationNumber": "12"},
            "representations[1].identificationNumber",
        ),
        (
            {"__typename": "Person", "identificationNumber": "001088012345", "x": 1},
            "representations[1].x",
        ),
        ({"__typename": "Consent", "id": "1"}, "representations[1].__typename"),
        ({"identificationNumber": "001088012345"}, "representations[1].__typename"),
        ({"__typename": ["Person"]}, "representations[1].__typename"),
        ("Person", "representations[1]"),
        (None, "representations[1]"),
        ({"__typename": "Household", "id": "9" * 30}, "representations[1].id"),
        ({"__typename": "HealthInsuranceCard", "code": {"$ne": ""}}, "representations[1].code"),
        ({"__typename": "Employer", "taxCode": 3.5}, "representations[1].taxCode"),
    ],
)
async def test_a_faulty_representation_is_bad_input_at_its_position(
    api: Api, conn: psycopg.Connection, representation: Any, argument: str
) -> None:
    b = book(conn)
    good = {"__typename": "Person", "identificationNumber": b.person["identification_number"]}
    body = await api.query(ENTITIES, api.officer(), {"r": [good, representation, good]})
    if representation is None:  # [_Any!]: coercion refuses a null item
        assert body["data"] is None
        return
    assert body["data"]["_entities"][0] == {"__typename": "Person", "fullName": "Nguyễn Thị Lan"}
    assert body["data"]["_entities"][1] is None
    assert body["data"]["_entities"][2] == body["data"]["_entities"][0]
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}
    assert error["path"] == ["_entities", 1]


async def test_a_control_character_in_a_representation_refuses_the_operation(
    api: Api, conn: psycopg.Connection
) -> None:
    reps = [{"__typename": "Person", "identificationNumber": "00108801234\x00"}]
    body = await api.query(ENTITIES, api.officer(), {"r": reps})
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "argument": "representations[0].identificationNumber",
    }
    assert api.last_statements == 0


def test_every_entity_of_the_schema_has_its_key_checked() -> None:
    sdl = schema.as_str()
    entities = {
        line.split()[1]: [key.split('"')[0] for key in line.split('@key(fields: "')[1:]]
        for line in sdl.splitlines()
        if line.startswith("type ") and "@key(" in line
    }
    assert {t: list(keys) for t, keys in ENTITY_KEYS.items()} == entities
    assert entities["Person"] == ["identificationNumber", "bhxhCode"]


# Random representations: anything a caller can send gives data, null (NOT_FOUND for the
# caller) or BAD_USER_INPUT — never a database error or an internal one.
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["001088012345", "0100109106", "1", "DN4010100000001", "0100000001"]),
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_keys = st.sampled_from(
    ["__typename", "identificationNumber", "bhxhCode", "taxCode", "id", "code", "x"]
)
_representation = st.one_of(
    _json,
    st.dictionaries(
        _keys,
        st.one_of(st.sampled_from([*ENTITY_KEYS, "Consent", "Query"]), _json),
        max_size=3,
    ),
)


@pytest.fixture
def post(database_url: str, dev_key: ECKey, conn: psycopg.Connection) -> Any:
    book(conn)

    def run(variables: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        async def go() -> tuple[int, dict[str, Any]]:
            database = CountingDatabase(libpq_conninfo(database_url), max_size=2)
            async with serving(database, dev_key) as api:
                token = tokens.mint(dev_key, role=Role.OFFICER, subject="o", scopes=["identity"])
                response = await api.client.post(
                    "/graphql",
                    json={"query": ENTITIES, "variables": variables},
                    headers={"Authorization": f"Bearer {token}"},
                )
                return response.status_code, response.json()

        return asyncio.run(go())

    return run


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(representations=st.lists(_representation, max_size=4))
def test_random_representations_are_data_null_or_bad_input(
    post: Any, representations: list[Any]
) -> None:
    status, body = post({"r": representations})
    assert status == 200, body
    codes = {e.get("extensions", {}).get("code") for e in body.get("errors", [])}
    # GRAPHQL_VALIDATION_FAILED-less coercion errors (a null item) carry no code: graphql-core's own.
    assert codes <= {"BAD_USER_INPUT", "NOT_FOUND", None}, body
    if None in codes:
        assert any(r is None for r in representations), body

"""A cursor is checked whole before it reaches SQL: on every connection, whatever `after` holds
gives data or BAD_USER_INPUT naming `after`, never a database error."""

import asyncio
import base64
from typing import Any

import orjson
import psycopg
import pytest
from graphql import GraphQLObjectType, get_named_type
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc.jwk import ECKey

from db.urls import libpq_conninfo
from graph.authz import tokens
from graph.authz.policy import BOOK
from graph.authz.principal import Role
from graph.schema import schema
from tests.factories.book import Book, book
from tests.graph.conftest import CountingDatabase, serving

PAGE = "totalCount edges { cursor }"
# Every connection of the schema, reached from a root field (field name → document).
CONNECTIONS = {
    "Query.persons": f"query($a: String) {{ c: persons(first: 2, after: $a) {{ {PAGE} }} }}",
    "Employer.employees": f"""query($a: String, $t: String!) {{ employer(taxCode: $t) {{
        c: employees(first: 2, after: $a) {{ {PAGE} }} }} }}""",
    "SocialInsurance.contributionPeriods": f"""query($a: String, $p: String!) {{
        person(identificationNumber: $p) {{ socialInsurance {{
        c: contributionPeriods(first: 2, after: $a) {{ {PAGE} }} }} }} }}""",
    "SocialInsurance.benefits": f"""query($a: String, $p: String!) {{
        person(identificationNumber: $p) {{ socialInsurance {{
        c: benefits(first: 2, after: $a) {{ {PAGE} }} }} }} }}""",
    "HealthInsurance.cards": f"""query($a: String, $p: String!) {{
        person(identificationNumber: $p) {{ healthInsurance {{
        c: cards(first: 2, after: $a) {{ {PAGE} }} }} }} }}""",
    "HealthInsurance.contributions": f"""query($a: String, $p: String!) {{
        person(identificationNumber: $p) {{ healthInsurance {{
        c: contributions(first: 2, after: $a) {{ {PAGE} }} }} }} }}""",
    "Person.medicalVisits": f"""query($a: String, $p: String!) {{
        person(identificationNumber: $p) {{ c: medicalVisits(first: 2, after: $a) {{ {PAGE} }} }} }}""",
    "UnemploymentInsurance.contributionPeriods": f"""query($a: String, $p: String!) {{
        person(identificationNumber: $p) {{ unemploymentInsurance {{
        c: contributionPeriods(first: 2, after: $a) {{ {PAGE} }} }} }} }}""",
    "Person.accessLog": f"""query($a: String, $p: String!) {{
        person(identificationNumber: $p) {{ c: accessLog(first: 2, after: $a) {{ {PAGE} }} }} }}""",
    "Person.consentHistory": f"""query($a: String, $p: String!) {{
        person(identificationNumber: $p) {{ c: consentHistory(first: 2, after: $a) {{ {PAGE} }} }} }}""",
    "Person.changeLog": f"""query($a: String, $p: String!) {{
        person(identificationNumber: $p) {{ c: changeLog(first: 2, after: $a) {{ {PAGE} }} }} }}""",
}


def test_every_paged_field_is_covered() -> None:
    """A connection added to the schema must join the table above (and so the tests below)."""
    paged = {
        f"{name}.{field_name}"
        for name, t in schema._schema.type_map.items()
        if isinstance(t, GraphQLObjectType) and not name.startswith("__")
        for field_name, field in t.fields.items()
        if "after" in field.args
    }
    assert paged == set(CONNECTIONS)
    for key in CONNECTIONS:
        type_name, field_name = key.split(".")
        field = schema._schema.get_type(type_name).fields[field_name]  # type: ignore[union-attr]
        assert get_named_type(field.type).name.endswith("Connection")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


BAD = {
    "float sort": _b64(b"[1.5, 1]"),
    "bool sort": _b64(b"[true, 1]"),
    "bool id": _b64(b'["2020-01-01", true]'),
    "float id": _b64(b'["2020-01-01", 2.0]'),
    "huge id": _b64(b'["2020-01-01", 99999999999999999999999999999]'),
    "id past bigint": _b64(b'["2020-01-01", 9223372036854775808]'),
    "negative id": _b64(b'["2020-01-01", -1]'),
    "huge sort": _b64(b"[9223372036854775808, 1]"),
    "nested lists": _b64(b"[[1], [2]]"),
    "object": _b64(b'{"a": 1, "b": 2}'),
    "three items": _b64(b"[1, 2, 3]"),
    "string": _b64(b'"ab"'),
    "null sort": _b64(b"[null, 1]"),
    "not base64": "%%%",
    "not json": _b64(b"\xff\xfe"),
    "non-ascii": "WzEsMV0=٣",
    "long": "A" * 5000,
}


# Lists ordered by record id take an integer where the others take an ISO date or time.
BY_ID = {"Query.persons", "Employer.employees"}
BAD_FOR_ID = {"text sort": _b64(b'["2020-01-01", 1]')}
BAD_FOR_DATE = {
    "date as number": _b64(b"[20200101, 1]"),
    "not a date": _b64(b'["2020-13-45", 1]'),
}


def _variables(key: str, b: Book) -> dict[str, Any]:
    return (
        {"t": b.employers[0]["tax_code"]}
        if "employees" in key
        else ({} if key == "Query.persons" else {"p": b.person["identification_number"]})
    )


def _token(api_key: ECKey, key: str, b: Book) -> str:
    if key in ("Person.accessLog", "Person.consentHistory", "Person.changeLog"):  # their own
        return tokens.mint(api_key, role=Role.CITIZEN, subject=b.person["identification_number"])
    scopes = sorted(g.value.lower() for g in BOOK)
    return tokens.mint(api_key, role=Role.OFFICER, subject="officer-1", scopes=scopes)


@pytest.fixture
def the_book(conn: psycopg.Connection) -> Book:
    return book(conn, periods=6, visits=3, cards=3, benefits=3, claims=1)


async def _post(
    app_database_url: str, key: ECKey, requests: list[dict[str, Any]], token: str
) -> list[dict[str, Any]]:
    database = CountingDatabase(libpq_conninfo(app_database_url), max_size=2)
    async with serving(database, key) as api:
        bodies = []
        for request in requests:
            response = await api.client.post(
                "/graphql", json=request, headers={"Authorization": f"Bearer {token}"}
            )
            bodies.append(response.json())
        return bodies


def _assert_data_or_bad_after(body: dict[str, Any]) -> None:
    for error in body.get("errors", []):
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "after"}, body


@pytest.mark.parametrize("key", sorted(CONNECTIONS))
def test_malformed_cursors_are_bad_input(
    database_url: str, dev_key: ECKey, the_book: Book, key: str
) -> None:
    bad = {**BAD, **(BAD_FOR_ID if key in BY_ID else BAD_FOR_DATE)}
    requests = [
        {"query": CONNECTIONS[key], "variables": {**_variables(key, the_book), "a": cursor}}
        for cursor in bad.values()
    ]
    bodies = asyncio.run(_post(database_url, dev_key, requests, _token(dev_key, key, the_book)))
    for name, body in zip(bad, bodies, strict=True):
        assert [e["extensions"] for e in body.get("errors", [])] == [
            {"code": "BAD_USER_INPUT", "argument": "after"}
        ], (name, body)


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.dates().map(lambda d: d.isoformat())
    | st.datetimes().map(lambda d: d.isoformat()),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=6,
)


# Around the bigint bounds, where a database error would hide.
_edge_ints = st.sampled_from([0, -1, 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**30]) | st.integers(
    -(2**66), 2**66
)


def _json_cursor(value: Any) -> str:
    try:
        return _b64(orjson.dumps(value))
    except orjson.JSONEncodeError:  # integers past 64 bits: write the text ourselves
        return _b64(repr(value).encode())


_cursors = st.one_of(
    st.binary(max_size=40).map(_b64),
    st.text(max_size=40),
    _json.map(_json_cursor),
    st.tuples(_edge_ints, _edge_ints).map(lambda t: _b64(f"[{t[0]}, {t[1]}]".encode())),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cursors=st.lists(_cursors, min_size=len(CONNECTIONS), max_size=len(CONNECTIONS)))
def test_any_cursor_gives_data_or_bad_input(
    database_url: str, dev_key: ECKey, the_book: Book, cursors: list[str]
) -> None:
    for key, cursor in zip(sorted(CONNECTIONS), cursors, strict=True):
        (body,) = asyncio.run(
            _post(
                database_url,
                dev_key,
                [
                    {
                        "query": CONNECTIONS[key],
                        "variables": {**_variables(key, the_book), "a": cursor},
                    }
                ],
                _token(dev_key, key, the_book),
            )
        )
        _assert_data_or_bad_after(body)

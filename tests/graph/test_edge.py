"""The edge of /graphql: a malformed request is a 4xx JSON error with a code and the request id,
never a plain-text 500 or a dropped connection; bodies are bounded before they are read."""

import asyncio
import json
from typing import Any

import httpx
import orjson
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc.jwk import ECKey
from starlette.types import Message

from db.session import Database, DatabaseUnavailable
from graph.app import create_app
from graph.authz import tokens
from graph.authz.principal import Role
from graph.http.edge import Edge, EdgeLimits
from graph.limits import MAX_BATCH
from tests.graph.conftest import Api

MALFORMED: dict[str, bytes] = {
    "variables nested 10,000 deep": b'{"query": "{ __typename }", "variables": {"v": '
    + b"[" * 10_000
    + b"]" * 10_000
    + b"}}",
    "invalid UTF-8": b'{"query": "{ __typename \xff\xfe }"}',
    "a number": b"42",
    "null": b"null",
    "a string": b'"{ __typename }"',
    "true": b"true",
    "not JSON": b"{query: 1",
    "empty": b"",
    "a nested batch": b'[[{"query": "{ __typename }"}]]',
    "a batch of numbers": b"[1, 2]",
    "a batch with null": b'[{"query": "{ __typename }"}, null]',
    "an empty batch": b"[]",
    "a batch too long": orjson.dumps([{"query": "{ __typename }"}] * (MAX_BATCH + 1)),
    "query a number": b'{"query": 42}',
    "query an object": b'{"query": {"text": "{ __typename }"}}',
    "variables an array": b'{"query": "{ __typename }", "variables": [1]}',
    "variables a string": b'{"query": "{ __typename }", "variables": "{}"}',
    "operationName a number": b'{"query": "{ __typename }", "operationName": 7}',
    "operationName a list": b'{"query": "{ __typename }", "operationName": ["A"]}',
    "extensions a list": b'{"query": "{ __typename }", "extensions": []}',
    "batch item with bad variables": b'[{"query": "{ __typename }", "variables": 1}]',
    "no query": b'{"variables": {}}',
    "unknown operation name": b'{"query": "query A { __typename }", "operationName": "B"}',
}


def _assert_json_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    request_id = response.headers["x-request-id"]
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": code, "requestId": request_id}
    assert error["message"]
    return error  # type: ignore[no-any-return]


@pytest.mark.parametrize("case", sorted(MALFORMED))
async def test_malformed_bodies_are_400_json_with_the_request_id(
    api: Api, conn: psycopg.Connection, case: str
) -> None:
    response = await api.client.post(
        "/graphql",
        content=MALFORMED[case],
        headers={"Authorization": f"Bearer {api.officer()}", "Content-Type": "application/json"},
    )
    _assert_json_error(response, 400, "BAD_REQUEST")
    assert api.last_statements == 0


async def test_the_message_names_the_problem(api: Api, conn: psycopg.Connection) -> None:
    headers = {"Authorization": f"Bearer {api.officer()}", "X-Request-ID": "req-7"}
    cases = {
        b"42": "not a number",
        b'[[{"query": "{ __typename }"}]]': "batch item 0 must be an object",
        b'{"query": "{ __typename }", "variables": [1]}': "`variables` must be an object",
        b'{"query": "{ __typename }", "operationName": 7}': "`operationName` must be a string",
        MALFORMED["variables nested 10,000 deep"]: "not valid JSON",
        MALFORMED["invalid UTF-8"]: "UTF-8",
    }
    for body, words in cases.items():
        response = await api.client.post(
            "/graphql", content=body, headers={**headers, "Content-Type": "application/json"}
        )
        error = _assert_json_error(response, 400, "BAD_REQUEST")
        assert words in error["message"]
        assert response.headers["x-request-id"] == "req-7"


@pytest.mark.parametrize(
    "params",
    [
        {"query": "{ __typename }", "variables": "[1"},
        {"query": "{ __typename }", "variables": "[1]"},
        {"query": "{ __typename }", "variables": "[" * 5000 + "]" * 5000},
        {"query": "{ __typename }", "extensions": "42"},
    ],
)
async def test_malformed_get_parameters_are_400_json(
    api: Api, conn: psycopg.Connection, params: dict[str, str]
) -> None:
    response = await api.client.get(
        "/graphql", params=params, headers={"Authorization": f"Bearer {api.officer()}"}
    )
    _assert_json_error(response, 400, "BAD_REQUEST")


async def test_an_unsupported_content_type_is_400_json(api: Api, conn: psycopg.Connection) -> None:
    response = await api.client.post(
        "/graphql",
        content=b"query=%7B__typename%7D",
        headers={
            "Authorization": f"Bearer {api.officer()}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    _assert_json_error(response, 400, "BAD_REQUEST")


@pytest.mark.parametrize(
    "claims",
    [
        {"role": ["OFFICER"]},
        {"role": {"OFFICER": True}},
        {"role": "OFFICER", "org": ["BYT"]},
        {"role": "OFFICER", "org": 42},
        {"role": "OFFICER", "scope": ["identity"]},
        {"role": "OFFICER", "scope": "identity,consent:1"},
        {"role": "EMPLOYER", "org": "0101234567,consent:1"},
        {"role": "EMPLOYER", "org": "0101\n234567"},
        {"role": "CITIZEN", "sub": "001088012345,x"},
        {"role": "CITIZEN", "sub": "001088012345\u0000"},
        {"role": "CITIZEN", "sub": 1088012345},
    ],
)
async def test_tokens_with_misshapen_claims_are_401(
    api: Api, conn: psycopg.Connection, claims: dict[str, object]
) -> None:
    from tests.graph.test_tokens import signed

    token = signed(api.key, claims)
    response = await api.client.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-401"},
    )
    error = _assert_json_error(response, 401, "UNAUTHENTICATED")
    assert "rejected" in error["message"]
    assert response.headers["www-authenticate"].startswith("Bearer")


# --- any body at all --------------------------------------------------------------------------


def _dumps(value: object) -> bytes:
    return json.dumps(value).encode()  # not orjson: integers past 64 bits are JSON too


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_REQUEST_KEYS = st.sampled_from(["query", "variables", "operationName", "extensions"])
_REQUESTISH = st.dictionaries(_REQUEST_KEYS, _JSON, max_size=4)
_BODIES = (
    st.binary(max_size=64)
    | _JSON.map(_dumps)
    | _REQUESTISH.map(_dumps)
    | st.lists(_REQUESTISH | _JSON, max_size=3).map(_dumps)
)


def _app_without_a_database(dev_key: ECKey, **app_options: Any) -> Any:
    """The app over a database nothing listens on, its pool never opened: what the edge answers
    must not need one."""
    database = Database("host=127.0.0.1 port=9 connect_timeout=2", max_size=1)
    return create_app(
        database=database,
        verifier=tokens.dev_verifier(dev_key),
        dev=False,
        graphiql=False,
        **app_options,
    )


@pytest.fixture(scope="module")
def unreachable_app(dev_key: ECKey) -> Any:
    """Bad input must be answered without a database."""
    return _app_without_a_database(dev_key)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=_BODIES)
def test_no_body_gets_a_5xx_or_an_answer_without_a_code(
    unreachable_app: Any, dev_key: ECKey, body: bytes
) -> None:
    token = tokens.mint(dev_key, role=Role.OFFICER, subject="o", scopes=["identity"])

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=unreachable_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post(
                "/graphql",
                content=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )

    response = asyncio.run(post())
    assert response.status_code in (200, 400), response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"]
    answer = response.json()
    for item in answer if isinstance(answer, list) else [answer]:
        for error in item.get("errors", []):
            assert error["extensions"]["code"] in ("BAD_REQUEST", "GRAPHQL_VALIDATION_FAILED")


# --- the body limit ---------------------------------------------------------------------------


class _Upload:
    """An ASGI `receive` that hands out a body in chunks and counts what was taken."""

    def __init__(self, chunks: int, size: int) -> None:
        self.chunks, self.size, self.taken = chunks, size, 0

    async def __call__(self) -> Message:
        if self.taken == self.chunks:
            await asyncio.sleep(3600)  # nothing more: the client waits for the response
        self.taken += 1
        more = self.taken < self.chunks
        return {"type": "http.request", "body": b" " * self.size, "more_body": more}


async def _call(
    app: Any, headers: list[tuple[bytes, bytes]], upload: _Upload
) -> tuple[int, dict[str, Any], dict[str, str]]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }
    await asyncio.wait_for(app(scope, upload, send), 10)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    response_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], orjson.loads(body), response_headers


async def test_a_declared_length_over_the_limit_is_413_before_reading(
    database_url: str, dev_key: ECKey
) -> None:
    app = _app_without_a_database(dev_key, limits=EdgeLimits(max_body_bytes=1000))
    upload = _Upload(chunks=100, size=1000)
    status, body, headers = await _call(app, [(b"content-length", b"100000")], upload)
    assert status == 413
    assert body["errors"][0]["extensions"] == {
        "code": "BODY_TOO_LARGE",
        "requestId": headers["x-request-id"],
    }
    assert upload.taken == 0


async def test_a_chunked_body_is_counted_as_it_arrives(dev_key: ECKey) -> None:
    app = _app_without_a_database(dev_key, limits=EdgeLimits(max_body_bytes=1000))
    upload = _Upload(chunks=100, size=400)  # 40 kB with no Content-Length
    status, body, _ = await _call(app, [(b"transfer-encoding", b"chunked")], upload)
    assert status == 413
    assert body["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE"
    assert upload.taken == 3  # 1,200 bytes: refused at the first chunk past the limit


async def test_the_default_limit_refuses_ten_megabytes_over_http(
    api: Api, conn: psycopg.Connection
) -> None:
    big = b'{"query": "{ __typename }", "variables": {"x": "' + b"a" * 10_000_000 + b'"}}'
    response = await api.client.post(
        "/graphql",
        content=big,
        headers={"Authorization": f"Bearer {api.officer()}", "Content-Type": "application/json"},
    )
    _assert_json_error(response, 413, "BODY_TOO_LARGE")


async def test_a_body_under_the_limit_is_served(api: Api, conn: psycopg.Connection) -> None:
    body = await api.query("{ __typename }", api.officer())
    assert body == {"data": {"__typename": "Query"}}


# --- whatever escapes below the edge ----------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "status", "code"),
    [
        (RuntimeError("secret detail: 001088012345"), 500, "INTERNAL_SERVER_ERROR"),
        (DatabaseUnavailable("person_by_id: OperationalError"), 503, "SERVICE_UNAVAILABLE"),
    ],
)
async def test_an_exception_that_escapes_is_a_json_error_with_the_request_id(
    failure: Exception, status: int, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        raise failure

    transport = httpx.ASGITransport(app=Edge(broken))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": "req-boom"}
        )
    _assert_json_error(response, status, code)
    assert response.headers["x-request-id"] == "req-boom"
    assert "secret" not in response.text
    assert "req-boom" in caplog.text
    assert ("Retry-After" in response.headers) == (status == 503)

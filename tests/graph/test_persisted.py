"""Persisted queries (APQ), trusted documents per client, the stores, and the document cache."""

import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import graphql
import psycopg
import pytest
from graphql import DocumentNode
from joserfc.jwk import ECKey

from graph import limits
from graph import schema as schema_module
from graph.config import ConfigError, Settings
from graph.persisted import (
    DocumentCache,
    DocumentStore,
    MemoryStore,
    PersistedQueries,
    RedisStore,
    document_hash,
    examples_manifest,
    load_manifest,
)
from tests.factories.book import book
from tests.graph.conftest import Api, serving
from tests.graph.operations import ME, PERSON, PERSONS
from tests.graph.test_ebook import EVERY_SCOPE

REDIS_URL = "redis://127.0.0.1:6379/0"
NAMES = "query Names($id: String!) { person(identificationNumber: $id) { fullName } }"

MakeApi = Callable[[PersistedQueries], AbstractAsyncContextManager[Api]]


@pytest.fixture
def make_api(runtime_url: str, dev_key: ECKey) -> MakeApi:
    @asynccontextmanager
    async def make(persisted: PersistedQueries) -> AsyncIterator[Api]:
        try:
            async with serving(runtime_url, dev_key, persisted=persisted) as api:
                yield api
        finally:
            await persisted.store.close()

    return make


async def _store(kind: str, redis_url: str | None) -> DocumentStore:
    if kind == "memory":
        return MemoryStore()
    assert redis_url is not None
    return RedisStore(redis_url, prefix=f"bhxh-test:{uuid.uuid4().hex}:", ttl=60)


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[DocumentStore]:
    url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    store = await _store(request.param, url)
    yield store
    await store.close()


def _apq(text: str | None = None, digest: str | None = None) -> dict[str, Any]:
    digest = digest or document_hash(text or "")
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def _post(
    api: Api, body: Any, token: str, client: str | None = None, header: str = "graphql-client-name"
) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if client is not None:
        headers[header] = client
    before = len(api.database.readers)
    response = await api.client.post("/graphql", json=body, headers=headers)
    api.last_statements = sum(r.statements for r in api.database.readers[before:])
    assert response.status_code == 200, response.text
    return response.json()


def _codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


# --- automatic persisted queries ----------------------------------------------------------------


async def test_registered_query_replays_by_hash_alone(
    make_api: MakeApi, store: DocumentStore, conn: psycopg.Connection
) -> None:
    person = book(conn).person
    variables = {"id": person["identification_number"]}
    async with make_api(PersistedQueries(store=store)) as api:
        token = api.officer()
        unknown = await _post(api, {"extensions": _apq(PERSON), "variables": variables}, token)
        assert unknown["errors"] == [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
        assert api.last_statements == 0

        body = {"query": PERSON, "extensions": _apq(PERSON), "variables": variables}
        registered = await _post(api, body, token)
        assert registered["data"]["person"]["fullName"], registered
        statements = api.last_statements
        assert await store.get(document_hash(PERSON)) == PERSON

        replayed = await _post(api, {"extensions": _apq(PERSON), "variables": variables}, token)
        assert replayed == registered
        assert api.last_statements == statements


async def test_hash_alone_over_get(make_api: MakeApi, conn: psycopg.Connection) -> None:
    person = book(conn).person
    variables = json.dumps({"id": person["identification_number"]})
    async with make_api(PersistedQueries()) as api:
        token = api.officer()
        body = {"query": NAMES, "extensions": _apq(NAMES), "variables": json.loads(variables)}
        await _post(api, body, token)
        params = {"extensions": json.dumps(_apq(NAMES)), "variables": variables}
        headers = {"Accept": "application/json"}
        response = await api.client.get(
            "/graphql", params=params, headers={**headers, "Authorization": f"Bearer {token}"}
        )
        assert response.json() == {"data": {"person": {"fullName": person["full_name"]}}}
        # Outside dev, a hash alone is an operation like any other: anonymous callers get a 401.
        anonymous = await api.client.get("/graphql", params=params, headers=headers)
        assert anonymous.status_code == 401


async def test_hash_that_is_not_the_texts_is_refused(
    make_api: MakeApi, conn: psycopg.Connection
) -> None:
    store = MemoryStore()
    async with make_api(PersistedQueries(store=store)) as api:
        wrong = document_hash("{ __typename }")
        body = await _post(
            api,
            {"query": NAMES, "extensions": _apq(digest=wrong), "variables": {"id": "1"}},
            api.officer(),
        )
        assert _codes(body) == ["PERSISTED_QUERY_HASH_MISMATCH"]
        assert body["data"] is None
        assert api.last_statements == 0
        assert len(store) == 0


async def test_malformed_persisted_query_is_refused(
    make_api: MakeApi, conn: psycopg.Connection
) -> None:
    async with make_api(PersistedQueries()) as api:
        for persisted in (
            {"version": 2, "sha256Hash": document_hash(NAMES)},
            {"version": 1, "sha256Hash": "not-a-hash"},
            "abc",
        ):
            body = await _post(api, {"extensions": {"persistedQuery": persisted}}, api.officer())
            assert _codes(body) == ["PERSISTED_QUERY_INVALID"], persisted


async def test_invalid_documents_are_not_registered(
    make_api: MakeApi, conn: psycopg.Connection
) -> None:
    store = MemoryStore()
    async with make_api(PersistedQueries(store=store)) as api:
        invalid = "{ person(identificationNumber: 1) { nope } }"
        body = await _post(api, {"query": invalid, "extensions": _apq(invalid)}, api.officer())
        assert body["errors"]
        assert len(store) == 0


async def test_batch_items_are_resolved_one_by_one(
    make_api: MakeApi, conn: psycopg.Connection
) -> None:
    person = book(conn).person
    variables = {"id": person["identification_number"]}
    async with make_api(PersistedQueries()) as api:
        token = api.officer()
        await _post(api, {"query": NAMES, "extensions": _apq(NAMES), "variables": variables}, token)
        batch = [
            {"extensions": _apq(NAMES), "variables": variables},
            {"extensions": _apq(PERSON), "variables": variables},
        ]
        known, unknown = await _post(api, batch, token)
        assert known == {"data": {"person": {"fullName": person["full_name"]}}}
        assert _codes(unknown) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_example_operations_need_no_registration(
    make_api: MakeApi, conn: psycopg.Connection
) -> None:
    """The manifest's documents run by hash for every client; the examples are sent as the tests
    send them: the operation file followed by the fragment file."""
    b = book(conn)
    assert examples_manifest()[document_hash(ME)] == ME
    async with make_api(PersistedQueries()) as api:
        body = await _post(api, {"extensions": _apq(ME)}, api.citizen(b.person))
        assert body["data"]["me"]["fullName"] == b.person["full_name"]


# --- trusted documents --------------------------------------------------------------------------


async def test_trusted_client_runs_manifest_documents(
    make_api: MakeApi, conn: psycopg.Connection
) -> None:
    b = book(conn)
    async with make_api(PersistedQueries(trusted_clients=frozenset({"web"}))) as api:
        token = api.citizen(b.person)
        by_hash = await _post(api, {"extensions": _apq(ME)}, token, client="web")
        assert by_hash["data"]["me"]["fullName"] == b.person["full_name"]
        by_text = await _post(api, {"query": ME}, token, client="Web")
        assert by_text == by_hash


async def test_trusted_client_cannot_run_other_documents(
    make_api: MakeApi, conn: psycopg.Connection
) -> None:
    person = book(conn).person
    variables = {"id": person["identification_number"]}
    store = MemoryStore()
    async with make_api(PersistedQueries(store=store, trusted_clients=frozenset({"web"}))) as api:
        token = api.officer()
        attempts: list[tuple[dict[str, Any], str]] = [
            ({"query": PERSON, "variables": variables}, "graphql-client-name"),
            ({"query": PERSON, "variables": variables}, "apollographql-client-name"),
            (
                {"query": PERSON, "extensions": _apq(PERSON), "variables": variables},
                "graphql-client-name",
            ),
            ({"extensions": _apq(PERSON), "variables": variables}, "graphql-client-name"),
        ]
        for payload, header in attempts:
            body = await _post(api, payload, token, client="web", header=header)
            assert _codes(body) == ["PERSISTED_QUERY_NOT_ALLOWED"], payload
            assert "'web' runs trusted documents only" in body["errors"][0]["message"]
            assert body["data"] is None
            assert api.last_statements == 0
        assert len(store) == 0  # no registration for a trusted client

        # Documents other clients registered are not the manifest either.
        await _post(
            api, {"query": PERSON, "extensions": _apq(PERSON), "variables": variables}, token
        )
        body = await _post(api, {"extensions": _apq(PERSON), "variables": variables}, token, "web")
        assert _codes(body) == ["PERSISTED_QUERY_NOT_ALLOWED"]
        assert api.last_statements == 0


async def test_other_clients_are_unaffected(make_api: MakeApi, conn: psycopg.Connection) -> None:
    person = book(conn).person
    variables = {"id": person["identification_number"]}
    async with make_api(PersistedQueries(trusted_clients=frozenset({"web"}))) as api:
        expected = {"data": {"person": {"fullName": person["full_name"]}}}
        for client in (None, "partner-explorer", "webx"):
            body = await _post(api, {"query": NAMES, "variables": variables}, api.officer(), client)
            assert body == expected, client
            assert api.last_statements > 0


async def test_trusted_documents_from_the_settings(
    make_api: MakeApi, tmp_path: Path, conn: psycopg.Connection
) -> None:
    person = book(conn).person
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({document_hash(NAMES): NAMES}))
    settings = Settings.from_env(
        {"BHXH_TRUSTED_DOCUMENTS": str(manifest), "BHXH_TRUSTED_CLIENTS": "web, VssID-Mobile"}
    )
    persisted = PersistedQueries.from_settings(settings)
    assert persisted.trusted_clients == {"web", "vssid-mobile"}
    assert document_hash(ME) in persisted.manifest
    async with make_api(persisted) as api:
        variables = {"id": person["identification_number"]}
        body = await _post(
            api, {"extensions": _apq(NAMES), "variables": variables}, api.officer(), "vssid-mobile"
        )
        assert body == {"data": {"person": {"fullName": person["full_name"]}}}


def test_manifest_formats_and_their_checks(tmp_path: Path) -> None:
    apollo = tmp_path / "apollo.json"
    apollo.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [
                    {"id": document_hash(NAMES), "name": "Names", "type": "query", "body": NAMES}
                ],
            }
        )
    )
    assert load_manifest(apollo) == {document_hash(NAMES): NAMES}
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({document_hash(ME): NAMES}))
    with pytest.raises(ConfigError, match="not the SHA-256 of its document"):
        load_manifest(wrong)
    with pytest.raises(ConfigError, match="cannot read"):
        load_manifest(tmp_path / "missing.json")
    listing = tmp_path / "list.json"
    listing.write_text("[]")
    with pytest.raises(ConfigError, match="not a JSON object"):
        load_manifest(listing)


# --- stores -----------------------------------------------------------------------------------


async def test_store_keeps_documents_by_hash(store: DocumentStore) -> None:
    digest = document_hash(NAMES)
    assert await store.get(digest) is None
    await store.put(digest, NAMES)
    assert await store.get(digest) == NAMES


async def test_memory_store_forgets_the_least_recently_used() -> None:
    store = MemoryStore(maxsize=2)
    for text in ("a", "b"):
        await store.put(document_hash(text), text)
    assert await store.get(document_hash("a")) == "a"  # now "b" is the oldest
    await store.put(document_hash("c"), "c")
    assert await store.get(document_hash("b")) is None
    assert await store.get(document_hash("a")) == "a"
    assert len(store) == 2


async def test_redis_store_down_is_a_miss_not_a_failure() -> None:
    store = RedisStore("redis://127.0.0.1:1/0")
    try:
        await store.put(document_hash(NAMES), NAMES)
        assert await store.get(document_hash(NAMES)) is None
    finally:
        await store.close()


def test_redis_url_selects_the_redis_store() -> None:
    persisted = PersistedQueries.from_settings(Settings.from_env({"REDIS_URL": REDIS_URL}))
    assert isinstance(persisted.store, RedisStore)
    assert isinstance(PersistedQueries.from_settings(Settings.from_env({})).store, MemoryStore)


# --- the document cache -------------------------------------------------------------------------


async def test_documents_are_parsed_and_validated_once_but_limits_follow_the_variables(
    make_api: MakeApi, monkeypatch: pytest.MonkeyPatch, conn: psycopg.Connection
) -> None:
    caches: list[DocumentCache] = []

    class Recorded(DocumentCache):
        def __init__(self) -> None:
            super().__init__()
            caches.append(self)

    monkeypatch.setattr(schema_module, "DocumentCache", Recorded)
    nested = """query($n: Int!) { persons(first: $n) { edges { node { socialInsurance {
      contributionPeriods(first: $n) { edges { node { employer {
        employees(first: $n) { edges { node { fullName } } }
    } } } } } } } } }"""
    async with make_api(PersistedQueries()) as api:
        (cache,) = caches
        small = await _post(api, {"query": nested, "variables": {"n": 3}}, api.officer())
        assert "errors" not in small, small
        assert (cache.misses, cache.hits) == (1, 0)
        large = await _post(api, {"query": nested, "variables": {"n": 100}}, api.officer())
        assert _codes(large) == ["QUERY_TOO_COMPLEX"]
        assert api.last_statements == 0
        assert (cache.misses, cache.hits) == (1, 1)

        invalid = "{ persons { nope } }"
        for _ in range(2):  # an invalid document is not remembered as valid
            body = await _post(api, {"query": invalid}, api.officer())
            assert _codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
        broken = "{ persons { "
        for _ in range(2):  # a syntax error keeps Strawberry's own report
            body = await _post(api, {"query": broken}, api.officer())
            assert "Syntax Error" in body["errors"][0]["message"]
        assert len(cache) == 2


def test_document_cache_is_bounded() -> None:
    cache = DocumentCache(maxsize=2)
    for text in ("{ a }", "{ b }", "{ c }"):
        assert cache.lookup(text, None) is not None
    assert len(cache) == 2
    assert cache.lookup("{ a }", None) is not None
    assert cache.misses == 4


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[DocumentNode]:
    """The documents graphql-core's validation walked, whoever started the walk (the cache or
    Strawberry): the real function, counted."""
    walked: list[DocumentNode] = []
    real = graphql.validate

    def counted(schema: Any, document: DocumentNode, *args: Any, **kwargs: Any) -> Any:
        walked.append(document)
        return real(schema, document, *args, **kwargs)

    monkeypatch.setattr("graph.persisted.validate", counted)
    monkeypatch.setattr("strawberry.schema.schema.validate", counted)
    return walked


async def test_a_repeated_document_is_validated_once(
    api: Api, conn: psycopg.Connection, validations: list[DocumentNode]
) -> None:
    b = book(conn)
    other = book(conn, full_name="Lê Văn Nam")
    token = api.officer(EVERY_SCOPE)
    for person in (b.person, other.person, b.person, other.person, b.person):
        body = await api.query(PERSON, token, {"id": person["identification_number"]})
        assert "errors" not in body, body
        assert body["data"]["person"]["fullName"] == person["full_name"]
    assert len(validations) == 1
    body = await api.query(ME, api.citizen(b.person))  # another document: validated, once
    assert "errors" not in body, body
    await api.query(ME, api.citizen(b.person))
    assert len(validations) == 2
    assert validations[0] is not validations[1]


async def test_limits_are_measured_once_per_shape_of_the_variables(
    api: Api, conn: psycopg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    measured: list[dict[str, Any]] = []
    real = limits.measure_operation

    def counted(context: Any, operation: Any, variables: Any) -> limits.Measure:
        measured.append(dict(variables))
        return real(context, operation, variables)

    monkeypatch.setattr(limits, "measure_operation", counted)
    token = api.officer(EVERY_SCOPE)
    for first in (1, 2, 1, 2, 1, 1000, 100):  # 1000 and 100: one shape (pages are clamped)
        body = await api.query(PERSONS, token, {"first": min(first, 100)})
        assert "errors" not in body, body
    assert measured == [{"first": 1}, {"first": 2}, {"first": 100}]


async def test_refusals_bound_to_the_request_are_the_same_every_time(
    api: Api, conn: psycopg.Connection, validations: list[DocumentNode]
) -> None:
    """A cached valid document, then variables that the limits or the text check refuse: the
    refusal comes back in full each time, and the next clean request runs again."""
    nested = """query($n: Int!, $id: String!) { persons(first: $n) { edges { node {
      socialInsurance { contributionPeriods(first: $n) { edges { node { employer {
        employees(first: $n) { edges { node { fullName } } } } } } } }
      } } } person(identificationNumber: $id) { fullName } }"""
    token, known = api.officer(EVERY_SCOPE), book(conn).person["identification_number"]
    assert "errors" not in await api.query(nested, token, {"n": 2, "id": known})
    assert len(validations) == 1
    refusals = [
        ({"n": 100, "id": known}, ["QUERY_TOO_COMPLEX"]),
        ({"n": 2, "id": "0010\x0088012345"}, ["BAD_USER_INPUT"]),
        ({"n": 100, "id": "\x07"}, ["QUERY_TOO_COMPLEX", "BAD_USER_INPUT"]),
    ]
    for variables, codes in refusals:
        first = await api.query(nested, token, variables)
        assert _codes(first) == codes and first["data"] is None
        assert await api.query(nested, token, variables) == first
        assert api.last_statements == 0
    assert len(validations) == 1 + 2 * len(refusals)  # only the refused ones walked the document
    assert "errors" not in await api.query(nested, token, {"n": 3, "id": known})
    assert len(validations) == 1 + 2 * len(refusals)


async def test_invalid_documents_get_the_same_errors_every_time(
    api: Api, conn: psycopg.Connection, validations: list[DocumentNode]
) -> None:
    """Errors of the fixed rules (introspection is refused outside dev) are not cached: each
    request validates the document in full, and they come back the same, with those of the
    rules bound to the request in their usual order."""
    token = api.officer(EVERY_SCOPE)
    introspection = "query($id: String!) { __schema { queryType { name } } person(identificationNumber: $id) { fullName } }"
    for variables in ({"id": "001088012345"}, {"id": "\x01"}):
        bodies = [await api.query(introspection, token, variables) for _ in range(3)]
        assert bodies[0] == bodies[1] == bodies[2]
        assert "introspection" in bodies[0]["errors"][0]["message"]
    assert _codes(bodies[0]) == ["GRAPHQL_VALIDATION_FAILED"] * 2 + ["BAD_USER_INPUT"]
    # first sight: the fixed rules alone, then everything; afterwards one walk a request
    assert len(validations) == 2 + 5

"""GET /metrics: operations by name and outcome, latency, statements per request, error codes."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st
from joserfc.jwk import ECKey
from prometheus_client.parser import text_string_to_metric_families

from graph.metrics import OTHER, Metrics, MultiprocessModeMissing
from graph.persisted import PersistedQueries
from tests.factories.book import book
from tests.graph.conftest import Api, serving
from tests.graph.operations import ME

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def _metrics(api: Api) -> Samples:
    response = await api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def test_two_queries_show_in_the_counters_and_the_statements_histogram(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn)
    token = api.citizen(b.person)
    await api.query(ME, token)
    first = api.last_statements
    await api.query(ME, token)
    assert first > 0 and api.last_statements == first

    samples = await _metrics(api)
    assert (
        _value(samples, "bhxh_graphql_requests_total", operation="MyBook", outcome="success") == 2
    )
    assert _value(samples, "bhxh_graphql_sql_statements_count", operation="MyBook") == 2
    assert _value(samples, "bhxh_graphql_sql_statements_sum", operation="MyBook") == 2 * first
    bucket = _value(samples, "bhxh_graphql_sql_statements_bucket", operation="MyBook", le="+Inf")
    assert bucket == 2
    assert _value(samples, "bhxh_graphql_request_duration_seconds_count", operation="MyBook") == 2
    duration = _value(samples, "bhxh_graphql_request_duration_seconds_sum", operation="MyBook")
    assert duration is not None and duration > 0


async def test_errors_are_counted_by_code_and_outcome(api: Api, conn: psycopg.Connection) -> None:
    officer = api.officer()
    await api.query(
        'query Missing { person(identificationNumber: "001088099999") { fullName } }', officer
    )
    await api.query("query Typo { persons { nope } }", officer)
    await api.query("{ __typename }", "not-a-token")
    await api.client.post(
        "/graphql",
        json=[{"query": "{ __typename }"}] * 2,
        headers={"Authorization": f"Bearer {officer}"},
    )

    samples = await _metrics(api)
    requests = "bhxh_graphql_requests_total"
    # null where the person would be, with an error: data and errors (names not in the trusted
    # documents are all "(other)")
    assert _value(samples, requests, operation="(other)", outcome="partial") == 1
    assert _value(samples, requests, operation="(other)", outcome="error") == 1
    assert _value(samples, requests, operation="(unknown)", outcome="rejected") == 1
    assert _value(samples, requests, operation="(anonymous)", outcome="success") == 2
    errors = "bhxh_graphql_errors_total"
    assert _value(samples, errors, code="NOT_FOUND") == 1
    assert _value(samples, errors, code="GRAPHQL_VALIDATION_FAILED") == 1
    assert _value(samples, errors, code="UNAUTHENTICATED") == 1
    assert _value(samples, "bhxh_graphql_sql_statements_count", operation="(batch)") == 1
    assert _value(samples, "bhxh_graphql_sql_statements_count", operation="(unknown)") is None


async def test_persisted_query_refusals_are_counted(api: Api, conn: psycopg.Connection) -> None:
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    await api.client.post(
        "/graphql",
        json={"extensions": extensions, "operationName": "Gone"},
        headers={"Authorization": f"Bearer {api.officer()}"},
    )
    samples = await _metrics(api)
    assert _value(samples, "bhxh_graphql_errors_total", code="PERSISTED_QUERY_NOT_FOUND") == 1
    assert _value(samples, "bhxh_graphql_requests_total", operation=OTHER, outcome="error") == 1


@asynccontextmanager
async def _app(runtime_url: str, dev_key: ECKey) -> AsyncIterator[Api]:
    """The app as `bhxh serve` builds it, its persisted queries in process whatever the
    environment says."""
    async with serving(runtime_url, dev_key, persisted=PersistedQueries()) as api:
        yield api


@pytest.fixture
async def api(runtime_url: str, dev_key: ECKey) -> AsyncIterator[Api]:
    async with _app(runtime_url, dev_key) as app:
        yield app


@pytest.fixture
async def second_app(runtime_url: str, dev_key: ECKey) -> AsyncIterator[Api]:
    async with _app(runtime_url, dev_key) as app:
        yield app


async def test_each_app_has_its_own_registry(
    api: Api, second_app: Api, conn: psycopg.Connection
) -> None:
    await api.query("query CardCheckIn { __typename }", api.officer())
    assert "CardCheckIn" in (await api.client.get("/metrics")).text
    assert "CardCheckIn" not in (await second_app.client.get("/metrics")).text


async def test_only_trusted_operation_names_become_labels(
    api: Api, conn: psycopg.Connection
) -> None:
    """A client-chosen name never reaches the unauthenticated /metrics: not a personal ID, not a
    new label per request."""
    officer = api.officer()
    for name in ("Q077087706286", "Op1", "Op2", "ConsentedRead"):
        await api.query(f"query {name} {{ __typename }}", officer)
    samples = await _metrics(api)
    labels = {dict(labels).get("operation") for _, labels in samples}
    assert labels - {None} == {"ConsentedRead", OTHER}
    requests = "bhxh_graphql_requests_total"
    assert _value(samples, requests, operation=OTHER, outcome="success") == 3
    assert "077087706286" not in (await api.client.get("/metrics")).text


@given(st.text(max_size=40))
def test_a_label_is_a_known_name_or_a_fixed_one(name: str) -> None:
    known = PersistedQueries().operation_names()
    assert {"MyBook", "EmployerRoster", "GrantConsent"} <= known
    label = Metrics(known_operations=known).label(name)
    assert label in known | {OTHER, "(anonymous)", "(batch)", "(unknown)"}
    assert label == name or name not in known


def test_multiprocess_mode_refuses_a_client_imported_before_the_directory_was_set(
    tmp_path: Path,
) -> None:
    # This process imported prometheus-client without PROMETHEUS_MULTIPROC_DIR: its series
    # would stay in memory, and /metrics would show every worker's but this one's.
    with pytest.raises(MultiprocessModeMissing, match="PROMETHEUS_MULTIPROC_DIR"):
        Metrics(multiprocess_dir=str(tmp_path))


async def test_the_lanes_count_the_statements_asked_for_and_sent(
    api: Api, conn: psycopg.Connection
) -> None:
    books = [book(conn) for _ in range(3)]
    before = len(api.database.readers)
    await asyncio.gather(*(api.query(ME, api.citizen(b.person)) for b in books))
    asked = sum(r.statements for r in api.database.readers[before:])
    samples = await _metrics(api)
    assert _value(samples, "bhxh_db_lane_statements_total", lane="reads", kind="asked") == asked
    sent = _value(samples, "bhxh_db_lane_statements_total", lane="reads", kind="sent")
    assert sent == api.database.lane.sent and sent < asked  # the three books' reads merged

"""Prometheus metrics, served at `GET /metrics` from a registry of the app's own.

- `bhxh_graphql_requests_total{operation, outcome}`: operations (each item of a batch counts);
  outcome `success` (no errors), `partial` (data and errors, e.g. a FORBIDDEN field), `error`
  (errors and no data: validation, limits, persisted-query refusals…), `rejected` (an HTTP 4xx
  before any GraphQL: a bad token, a body that is not GraphQL), `failed` (an HTTP 5xx).
- `bhxh_graphql_request_duration_seconds{operation}`: from the request's arrival to its
  response, the access-log write included.
- `bhxh_graphql_sql_statements{operation}`: the statements the request's database reader ran —
  its batched reads and the access-log insert. This is the statement budget, measured live.
- `bhxh_db_lane_statements_total{lane, kind}`: on each lane of shared statements (db.lane:
  `reads`, `appends`), the statements requests `asked` for and those `sent` to the server; their
  ratio is how many requests a statement served.
- `bhxh_graphql_errors_total{code}`: errors by the code the caller sees (`graph.errors.code_of`:
  `GRAPHQL_VALIDATION_FAILED`, `BAD_USER_INPUT`, `SERVICE_UNAVAILABLE`, `INTERNAL_SERVER_ERROR`…).
- the process's CPU, memory and file descriptors (`process_*`).

With several workers (`bhxh serve --workers N`, `graph.workers`) every worker writes its series to
files in one directory (prometheus-client's multiprocess mode) and whichever worker a scrape
reaches answers for all: counters and histograms summed over the workers, the dead ones included
(a restart does not reset a counter), and `process_*` as gauges per live worker, with a `pid`
label, sampled every few seconds by each worker.

`operation` is the GraphQL operation name when it is one of the trusted documents' operations
(`graph.persisted`: the examples and the front ends' manifests), `(other)` for any other name,
`(anonymous)` for an unnamed operation, `(batch)` for the duration and statements of a batch, and
`(unknown)` when the request was refused before its operation was known. Names come from clients:
a name of their choosing on an unauthenticated endpoint could carry a personal ID, and would
grow the label set without bound.

An ASGI wrapper around `/graphql` times the request and reads its status; a schema extension,
last in the list so that it sees errors before `MaskErrors` replaces them, records each
operation's name, outcome and error codes.
"""

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from time import perf_counter
from typing import Final, Protocol

import orjson
from graphql import GraphQLError
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector
from prometheus_client import values as metric_values
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from graph.errors import code_of

ANONYMOUS: Final = "(anonymous)"
BATCH: Final = "(batch)"
UNKNOWN: Final = "(unknown)"
OTHER: Final = "(other)"
DURATION_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STATEMENT_BUCKETS: Final = (0, 1, 2, 4, 8, 12, 16, 20, 24, 32, 48, 64, 128)
PROCESS_SAMPLE_SECONDS: Final = 5.0
"""How often each worker copies its `process_*` figures to the shared files."""

_CODE: Final = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")


class _Statements(Protocol):
    statements: int


@dataclass
class _Operation:
    name: str
    outcome: str
    codes: list[str]


@dataclass
class _Request:
    operations: list[_Operation] = field(default_factory=list)
    reader: _Statements | None = None


_current: ContextVar[_Request | None] = ContextVar("bhxh_metrics_request", default=None)


class MultiprocessModeMissing(RuntimeError):
    pass


class Metrics:
    """One app's metrics (a private registry: nothing shared between apps or tests).

    `multiprocess_dir`: the workers' shared directory (`graph.serving.METRICS_DIR_VARIABLE`,
    which must be in the environment before prometheus-client is imported); `/metrics` then
    reads every worker's files, and this process's own series are written there."""

    def __init__(
        self, known_operations: Iterable[str] = (), multiprocess_dir: str | None = None
    ) -> None:
        self.known_operations = frozenset(known_operations)
        self.registry = CollectorRegistry()
        self.multiprocess_dir = multiprocess_dir
        self._process: _ProcessGauges | None = None
        owner: CollectorRegistry | None = self.registry
        if multiprocess_dir is None:
            ProcessCollector(registry=self.registry)
        else:
            if not getattr(metric_values.ValueClass, "_multiprocess", False):
                raise MultiprocessModeMissing(
                    "prometheus-client was imported before PROMETHEUS_MULTIPROC_DIR was set:"
                    " its series would not reach the shared files"
                )
            MultiProcessCollector(self.registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]
            # The series go to the files (through their mmap-backed values), not to the registry
            # that answers: registered there too, this process's would be counted twice.
            owner = None
            self._process = _ProcessGauges()
        self.requests = Counter(
            "bhxh_graphql_requests",
            "GraphQL operations by operation name and outcome"
            " (success, partial, error, rejected, failed)",
            ["operation", "outcome"],
            registry=owner,
        )
        self.duration = Histogram(
            "bhxh_graphql_request_duration_seconds",
            "Time from a GraphQL request's arrival to its response, access-log write included",
            ["operation"],
            buckets=DURATION_BUCKETS,
            registry=owner,
        )
        self.statements = Histogram(
            "bhxh_graphql_sql_statements",
            "SQL statements one GraphQL request ran (batched reads and the access-log insert)",
            ["operation"],
            buckets=STATEMENT_BUCKETS,
            registry=owner,
        )
        self.lane_statements = Counter(
            "bhxh_db_lane_statements",
            "Statements requests asked for (kind=asked) and those sent (kind=sent), per lane",
            ["lane", "kind"],
            registry=owner,
        )
        self.errors = Counter(
            "bhxh_graphql_errors",
            "GraphQL errors in responses by extensions.code",
            ["code"],
            registry=owner,
        )

    @asynccontextmanager
    async def sampling(self) -> AsyncIterator[None]:
        """While the app runs: in multiprocess mode, copy this process's `process_*` figures to
        its files every few seconds (a scrape reaches one worker, which cannot read the others'
        /proc entries). Nothing to do in a single process: its collector reads them on scrape."""
        process = self._process
        if process is None:
            yield
            return

        async def sample() -> None:
            while True:
                process.sample()
                await asyncio.sleep(PROCESS_SAMPLE_SECONDS)

        task = asyncio.create_task(sample())
        try:
            yield
        finally:
            task.cancel()

    def lane(self, name: str) -> Callable[[int, int], None]:
        """A lane's observer (db.lane.Lane.observe)."""
        asked = self.lane_statements.labels(name, "asked")
        sent = self.lane_statements.labels(name, "sent")

        def observe(statements: int, statements_sent: int) -> None:
            asked.inc(statements)
            sent.inc(statements_sent)

        return observe

    def extension(self) -> SchemaExtension:
        """The schema extension factory (goes last in the schema's extensions)."""
        return _MetricsExtension()

    def instrument(self, app: ASGIApp) -> ASGIApp:
        """Wraps the `/graphql` endpoint."""
        return _Instrumented(self, app)

    async def endpoint(self, request: Request) -> Response:
        """`GET /metrics`: the Prometheus text format (OpenMetrics if the scraper asks)."""
        encoder, content_type = choose_encoder(request.headers.get("accept", ""))
        return Response(encoder(self.registry), headers={"Content-Type": content_type})

    def label(self, name: str) -> str:
        if name in (ANONYMOUS, BATCH, UNKNOWN) or name in self.known_operations:
            return name
        return OTHER

    def record(self, request: _Request, status: int, body: bytes, seconds: float) -> None:
        operations = request.operations
        if status >= 400 or status == 0:
            name = operations[0].name if len(operations) == 1 else UNKNOWN
            outcome = "rejected" if 400 <= status < 500 else "failed"
            codes = _codes_of_body(body) or [f"HTTP_{status or 500}"]
            operations = [_Operation(name=name, outcome=outcome, codes=codes)]
        if not operations:
            return  # no operation: the GraphiQL page
        for operation in operations:
            self.requests.labels(self.label(operation.name), operation.outcome).inc()
            for code in operation.codes:
                self.errors.labels(code).inc()
        label = self.label(operations[0].name) if len(operations) == 1 else BATCH
        self.duration.labels(label).observe(seconds)
        if request.reader is not None:
            self.statements.labels(label).observe(request.reader.statements)


class _ProcessGauges:
    """`ProcessCollector`'s figures as gauges of this worker, one series per live worker."""

    def __init__(self) -> None:
        self._collector = ProcessCollector(registry=None)
        self._gauges: dict[str, Gauge] = {}

    def sample(self) -> None:
        for family in self._collector.collect():
            for sample in family.samples:
                gauge = self._gauges.get(sample.name)
                if gauge is None:
                    gauge = self._gauges[sample.name] = Gauge(
                        sample.name,
                        f"{family.documentation} (per worker)",
                        registry=None,
                        multiprocess_mode="liveall",
                    )
                gauge.set(sample.value)


class _Instrumented:
    def __init__(self, metrics: Metrics, app: ASGIApp) -> None:
        self.metrics = metrics
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = _Request()
        token = _current.set(request)
        status = 0
        error_body: list[bytes] = []
        started = perf_counter()

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and status >= 400:
                error_body.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            _current.reset(token)
            self.metrics.record(request, status, b"".join(error_body), perf_counter() - started)


class _MetricsExtension(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        try:
            yield
        finally:
            request = _current.get()
            if request is not None:
                context = self.execution_context
                request.operations.append(_operation(context))
                reader = getattr(context.context, "reader", None)
                if isinstance(getattr(reader, "statements", None), int):
                    request.reader = reader


def _operation(context: ExecutionContext) -> _Operation:
    name = context.operation_name or ANONYMOUS
    result = context.result
    if result is None:
        return _Operation(name=name, outcome="error", codes=[])
    errors: list[GraphQLError] = list(getattr(result, "errors", None) or ())
    data = getattr(result, "data", None)
    outcome = "success" if not errors else ("partial" if data is not None else "error")
    return _Operation(name=name, outcome=outcome, codes=[_code(e) for e in errors])


def _code(error: GraphQLError) -> str:
    code = code_of(error)
    return code if _CODE.match(code) else "UNSPECIFIED"


def _codes_of_body(body: bytes) -> list[str]:
    """The codes of an error response the endpoint made itself (401, 500), if it is JSON."""
    try:
        parsed = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return []
    errors = parsed.get("errors") if isinstance(parsed, dict) else None
    codes = []
    for error in errors if isinstance(errors, list) else ():
        extensions = error.get("extensions") if isinstance(error, dict) else None
        code = extensions.get("code") if isinstance(extensions, dict) else None
        if isinstance(code, str) and _CODE.match(code):
            codes.append(code)
    return codes

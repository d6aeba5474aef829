"""The ASGI app: POST/GET /graphql, /healthz, /readyz, /metrics."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from db.session import Database, DatabaseUnavailable
from graph.authz.facts import FactLoaders
from graph.authz.organisations import OrganisationCheck
from graph.authz.policy import ListScope, list_scope
from graph.authz.recorder import AccessRecorder
from graph.authz.tokens import InvalidToken, TokenVerifier
from graph.context import Context
from graph.errors import INTERNAL, RETRY_MESSAGES, SERVICE_UNAVAILABLE
from graph.graphiql import GraphiQLPage
from graph.graphiql import routes as graphiql_routes
from graph.http.edge import DEFAULT_LIMITS, RETRY_AFTER_SECONDS, Edge, EdgeLimits
from graph.http.responses import error_response, request_id_of
from graph.http.view import GraphQLView
from graph.loaders import Loaders
from graph.metrics import Metrics
from graph.persisted import ClientScope, PersistedQueries
from graph.schema import build_schema

log = logging.getLogger("bhxh.app")


def _unauthenticated(reason: str, request_id: str) -> Response:
    return error_response(
        401,
        "UNAUTHENTICATED",
        reason,
        request_id,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


class GraphQLEndpoint:
    """Authenticates, scopes the request's database access, and hands over to Strawberry.

    An ASGI wrapper rather than a Starlette endpoint so that Strawberry keeps answering with its
    own responses, and the request's connection goes back to the pool once the response is sent.
    """

    def __init__(
        self, view: GraphQLView, database: Database, verifier: TokenVerifier, *, dev: bool
    ) -> None:
        self.view = view
        self.database = database
        self.verifier = verifier
        self.organisations = OrganisationCheck(database)
        # Outside dev, anonymous callers get nothing but the GraphiQL page (when it is on).
        self.anonymous_operations = dev

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        request_id = request_id_of(scope)
        principal = None
        if authorization := request.headers.get("authorization"):
            scheme, _, token = authorization.partition(" ")
            try:
                if scheme.lower() != "bearer" or not token.strip():
                    raise InvalidToken("Authorization must be `Bearer <JWT>`")
                principal = self.verifier.verify(token.strip())
            except InvalidToken as exc:
                await _unauthenticated(str(exc), request_id)(scope, receive, send)
                return
            if refusal := await self.organisations.refusal(principal):
                # 403, not 401: the token is authentic, but the organisation it names cannot act
                # here (a new token for the same organisation would not help).
                forbidden = error_response(
                    403, "FORBIDDEN", refusal.message, request_id, extensions={"claim": "org"}
                )
                await forbidden(scope, receive, send)
                return
        params = request.query_params
        # A GET naming a persisted query by hash alone is an operation too.
        is_operation = request.method == "POST" or "query" in params or "extensions" in params
        if principal is None and is_operation and not self.anonymous_operations:
            reason = "a bearer token is required (Authorization: Bearer <JWT>)"
            await _unauthenticated(reason, request_id)(scope, receive, send)
            return

        # The response is held until the access log has the request's reads: no log, no data.
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)  # (graph.http.edge adds the X-Request-ID header)

        recorder = AccessRecorder(principal=principal, request_id=request_id)
        async with self.database.reader() as reader:
            loaders = Loaders.build(
                reader, scope=list_scope(principal) if principal else ListScope()
            )
            request.state.context = Context(
                request_id=request_id,
                principal=principal,
                reader=reader,
                loaders=loaders,
                recorder=recorder,
                facts=FactLoaders.build(reader, principal) if principal else None,
            )
            try:
                await self.view(scope, receive, hold)
            finally:
                loaders.close()
            try:
                await recorder.flush(reader)
            except DatabaseUnavailable as exc:
                log.warning(
                    "access log not written (request %s): %s; response withheld", request_id, exc
                )
                held = []
                await error_response(
                    503,
                    SERVICE_UNAVAILABLE,
                    RETRY_MESSAGES[SERVICE_UNAVAILABLE],
                    request_id,
                    retry_after=RETRY_AFTER_SECONDS,
                )(scope, receive, send)
            except Exception:
                log.exception("access log write failed (request %s); response withheld", request_id)
                held = []
                await error_response(500, INTERNAL, "Internal server error", request_id)(
                    scope, receive, send
                )
        for message in held:
            await send(message)


def create_app(
    *,
    database: Database,
    verifier: TokenVerifier,
    dev: bool,
    graphiql: bool,
    persisted: PersistedQueries | None = None,
    federation_subjects: frozenset[str] = frozenset(),
    limits: EdgeLimits = DEFAULT_LIMITS,
    metrics_dir: str | None = None,
    compiled: bool = True,
) -> Starlette:
    """`persisted` defaults to an in-process store with no trusted clients (the CLI passes the
    configured one); `federation_subjects` may read `_service` in prod (graph.federation);
    `limits` are the edge's (deadline, shedding, body size); `metrics_dir` is the workers'
    shared metrics directory when this is one of several (graph.workers); `compiled`: queries
    run through compiled plans where they cover them (graph.compiled)."""
    persisted = persisted or PersistedQueries()
    metrics = Metrics(known_operations=persisted.operation_names(), multiprocess_dir=metrics_dir)
    database.lane.observe = metrics.lane("reads")
    database.appends.observe = metrics.lane("appends")
    schema = build_schema(
        dev=dev,
        extra=[persisted.extension, metrics.extension],
        federation_subjects=federation_subjects,
        compiled=compiled,
    )
    graphiql_page = GraphiQLPage(schema._schema) if graphiql else None
    view = GraphQLView(schema, graphiql=graphiql_page)

    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_: Request) -> Response:
        """Whether this replica can serve now: the database answers (on a connection of its own,
        so a busy pool is not "not ready")."""
        if await database.ping():
            return PlainTextResponse("ready")
        return PlainTextResponse("database unreachable", status_code=503)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Serve at once: the pool connects in the background, and /readyz says when it can.
        await database.open(wait=False)
        try:
            async with metrics.sampling():
                yield
        finally:
            await database.close()
            await persisted.store.close()

    app = Starlette(
        routes=[
            Route(
                "/graphql",
                metrics.instrument(
                    Edge(ClientScope(GraphQLEndpoint(view, database, verifier, dev=dev)), limits)
                ),
                methods=["GET", "POST"],
            ),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics.endpoint, methods=["GET"]),
            *graphiql_routes(graphiql_page),
        ],
        lifespan=lifespan,
    )
    app.state.schema = schema  # its executor's plan cache says which operations it compiled
    return app

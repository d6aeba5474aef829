"""The ASGI app: POST/GET /graphql, /healthz, /readyz, /metrics."""

import logging
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.schema import BaseSchema

from db.session import Database
from graph.authz.facts import FactLoaders
from graph.authz.organisations import OrganisationCheck
from graph.authz.policy import ListScope, list_scope
from graph.authz.recorder import AccessRecorder
from graph.authz.tokens import InvalidToken, TokenVerifier
from graph.context import Context
from graph.graphiql import GraphiQLPage, graphiql_off
from graph.graphiql import routes as graphiql_routes
from graph.loaders import Loaders
from graph.metrics import Metrics
from graph.persisted import ClientScope, PersistedQueries
from graph.schema import build_schema

log = logging.getLogger("bhxh.app")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class GraphQLView(GraphQL[Context, None]):
    def __init__(self, schema: BaseSchema, *, graphiql: GraphiQLPage | None, **kwargs: Any) -> None:
        # Strawberry hands every GET without a query that accepts HTML to render_graphql_ide:
        # the self-hosted page, or a clear 404 when GraphiQL is off.
        super().__init__(schema, graphql_ide="graphiql", **kwargs)
        self.graphiql = graphiql

    async def render_graphql_ide(self, request: Request) -> Response:
        if self.graphiql is None:
            return graphiql_off()
        return self.graphiql.response(request.scope.get("root_path", ""))

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def get_context(self, request: Any, response: Any) -> Context:
        context: Context = request.state.context
        return context


def _unauthenticated(reason: str, request_id: str) -> Response:
    body = {"errors": [{"message": reason, "extensions": {"code": "UNAUTHENTICATED"}}]}
    return JSONResponse(
        body,
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"', "X-Request-ID": request_id},
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
        supplied = request.headers.get("x-request-id", "")
        request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
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
                await refusal.response(request_id)(scope, receive, send)
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
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            held.append(message)

        recorder = AccessRecorder(principal=principal, request_id=request_id)
        async with self.database.reader() as reader:
            request.state.context = Context(
                request_id=request_id,
                principal=principal,
                reader=reader,
                loaders=Loaders.build(
                    reader, scope=list_scope(principal) if principal else ListScope()
                ),
                recorder=recorder,
                facts=FactLoaders.build(reader, principal) if principal else None,
            )
            await self.view(scope, receive, hold)
            try:
                await recorder.flush(reader)
            except Exception:
                log.exception("access log write failed (request %s); response withheld", request_id)
                held = []
                await JSONResponse(
                    {
                        "errors": [
                            {
                                "message": "Internal server error",
                                "extensions": {
                                    "code": "INTERNAL_SERVER_ERROR",
                                    "requestId": request_id,
                                },
                            }
                        ]
                    },
                    status_code=500,
                    headers={"X-Request-ID": request_id},
                )(scope, receive, send)
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
) -> Starlette:
    """`persisted` defaults to an in-process store with no trusted clients (the CLI passes the
    configured one); `federation_subjects` may read `_service` in prod (graph.federation)."""
    persisted = persisted or PersistedQueries()
    metrics = Metrics()
    schema = build_schema(
        dev=dev,
        extra=[persisted.extension, metrics.extension],
        federation_subjects=federation_subjects,
    )
    graphiql_page = GraphiQLPage(schema._schema) if graphiql else None
    view = GraphQLView(schema, graphiql=graphiql_page)

    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_: Request) -> Response:
        if await database.ping():
            return PlainTextResponse("ready")
        return PlainTextResponse("database unreachable", status_code=503)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await database.open()
        try:
            yield
        finally:
            await database.close()
            await persisted.store.close()

    return Starlette(
        routes=[
            Route(
                "/graphql",
                metrics.instrument(ClientScope(GraphQLEndpoint(view, database, verifier, dev=dev))),
                methods=["GET", "POST"],
            ),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics.endpoint, methods=["GET"]),
            *graphiql_routes(graphiql_page),
        ],
        lifespan=lifespan,
    )

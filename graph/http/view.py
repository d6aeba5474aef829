"""Strawberry's view of `/graphql`, answering as the rest of the edge does: JSON errors with the
request id for its own refusals, HTTP 503 with Retry-After when a retryable failure left nothing
answered, orjson both ways, the self-hosted GraphiQL page."""

from collections.abc import Mapping
from typing import Any

import orjson
from cross_web import HTTPException  # what Strawberry's views raise for a refused request
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema import BaseSchema

from graph.context import Context
from graph.errors import RETRYABLE_CODES
from graph.graphiql import GraphiQLPage, graphiql_off
from graph.http.body import BAD_REQUEST
from graph.http.edge import RETRY_AFTER_SECONDS
from graph.http.responses import error_response, request_id_of


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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry answers its own refusals (an unknown operation name, a batch too long, a
        content type it does not read…) in plain text; here they are JSON errors like the rest."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:
            code = BAD_REQUEST if exc.status_code == 400 else f"HTTP_{exc.status_code}"
            response = error_response(exc.status_code, code, exc.reason, request_id_of(scope))
        await response(scope, receive, send)

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        """HTTP 503 with Retry-After when nothing was answered because of a retryable failure
        (the database): a gateway or client can retry elsewhere without reading the body."""
        response = super().create_response(response_data, sub_response)
        answers = response_data if isinstance(response_data, list) else [response_data]
        if not any(map(_answered, answers)) and any(map(_retryable, answers)):
            response.status_code = 503
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    async def get_context(self, request: Any, response: Any) -> Context:
        context: Context = request.state.context
        return context


def _answered(answer: Mapping[str, Any]) -> bool:
    data = answer.get("data")
    return isinstance(data, Mapping) and any(value is not None for value in data.values())


def _retryable(answer: Mapping[str, Any]) -> bool:
    return any(
        isinstance(error, Mapping)
        and (error.get("extensions") or {}).get("code") in RETRYABLE_CODES
        for error in answer.get("errors") or ()
    )

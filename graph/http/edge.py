"""The edge of `/graphql`: what holds for every request before and around GraphQL.

In order: the request gets its id (`X-Request-ID` on every response); beyond `max_in_flight`
requests in progress the process answers 503 `OVERLOADED` at once (`/healthz`, `/readyz` and
`/metrics` are outside, never shed); the body is read up to `max_body_bytes` (413) and must have
the shape of a GraphQL request (400, `graph.http.body`); then the request runs under a deadline
of `request_timeout` seconds from its arrival. When the deadline passes or the client
disconnects, the request's task is cancelled, which cancels its running statement in the server
(psycopg sends a cancel request) and returns its connection to the pool; the caller gets 503
`DEADLINE_EXCEEDED` (nobody, if it left). An exception that escapes everything below is a JSON
500 (503 for a database failure) with the request id, logged with it.
"""

import asyncio
import logging
from dataclasses import dataclass
from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from db.session import DatabaseUnavailable, StatementTimeout
from graph.errors import (
    DEADLINE_EXCEEDED,
    INTERNAL,
    OVERLOADED,
    RETRY_MESSAGES,
    SERVICE_UNAVAILABLE,
)
from graph.http.body import (
    ClientGone,
    Refused,
    check_length,
    check_request,
    parse_json,
    read_body,
)
from graph.http.responses import error_response, request_id_of
from graph.limits import MAX_BATCH

log = logging.getLogger("bhxh.edge")

RETRY_AFTER_SECONDS: Final = 1


@dataclass(frozen=True)
class EdgeLimits:
    request_timeout: float = 10.0
    """Seconds from arrival to the end of the response, body upload included."""
    max_in_flight: int = 64
    """GraphQL requests in progress in this process; more are refused (503), never queued."""
    max_body_bytes: int = 1 << 20


DEFAULT_LIMITS: Final = EdgeLimits()


class Edge:
    def __init__(self, app: ASGIApp, limits: EdgeLimits = DEFAULT_LIMITS) -> None:
        self.app = app
        self.limits = limits
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + self.limits.request_timeout
        exchange = _Exchange(scope, send, request_id_of(scope))
        if self.in_flight >= self.limits.max_in_flight:
            await _refuse(exchange, 503, OVERLOADED, RETRY_MESSAGES[OVERLOADED], retry=True)
            return
        self.in_flight += 1
        try:
            await self._serve(scope, receive, exchange, deadline)
        finally:
            self.in_flight -= 1

    async def _serve(
        self, scope: Scope, receive: Receive, out: "_Exchange", deadline: float
    ) -> None:
        try:
            async with asyncio.timeout_at(deadline):
                body = await self._admit(scope, receive)
        except Refused as refused:
            await _refuse(out, refused.status, refused.code, str(refused))
            return
        except ClientGone:
            return
        except TimeoutError:
            await _refuse(out, 408, DEADLINE_EXCEEDED, "the request body did not arrive in time")
            return

        gone = asyncio.Event()
        work = asyncio.ensure_future(self.app(scope, _Replay(body, gone), out.send))
        watch = asyncio.ensure_future(_wait_for_disconnect(receive))
        finished = client_left = False
        try:
            await asyncio.wait(
                {work, watch},
                timeout=max(0.0, deadline - asyncio.get_running_loop().time()),
                return_when=asyncio.FIRST_COMPLETED,
            )
            finished, client_left = work.done(), watch.done()
        finally:
            # The deadline, the client's departure, or our own cancellation (a forced shutdown):
            # cancelling the work cancels its statement in the server and returns its connection.
            if client_left:
                gone.set()
            for task in (work, watch):
                task.cancel()
            await asyncio.wait({work, watch})
        if not watch.cancelled():
            watch.exception()  # retrieved: a failed receive is a departure too
        if finished and not work.cancelled() and (exc := work.exception()) is not None:
            await _failed(out, exc)
        elif client_left and not finished:
            log.info("client disconnected; request %s cancelled", out.request_id)
        elif not finished:
            log.warning("request %s passed its deadline; cancelled", out.request_id)
            message = "the request ran past its deadline; retry, or ask for less"
            await _refuse(out, 503, DEADLINE_EXCEEDED, message, retry=True)

    async def _admit(self, scope: Scope, receive: Receive) -> bytes:
        limit = self.limits.max_body_bytes
        check_length(scope, limit)
        body = await read_body(receive, limit)
        if scope["method"] == "GET":
            check_request(_get_parameters(scope), max_batch=MAX_BATCH)
        elif scope["method"] == "POST" and _is_json(scope):
            check_request(parse_json(body, "the body"), max_batch=MAX_BATCH)
        return body


class _Exchange:
    """The response side: adds the request id, and knows whether the response has started."""

    def __init__(self, scope: Scope, send: Send, request_id: str) -> None:
        self.scope = scope
        self._send = send
        self.request_id = request_id
        self.started = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            headers = MutableHeaders(scope=message)
            if "x-request-id" not in headers:
                headers.append("X-Request-ID", self.request_id)
        await self._send(message)


class _Replay:
    """`receive` for the app below: the body read already, then the client's departure."""

    def __init__(self, body: bytes, gone: asyncio.Event) -> None:
        self._body: bytes | None = body
        self._gone = gone

    async def __call__(self) -> Message:
        if self._body is not None:
            body, self._body = self._body, None
            return {"type": "http.request", "body": body, "more_body": False}
        await self._gone.wait()
        return {"type": "http.disconnect"}


async def _wait_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _refuse(
    out: _Exchange, status: int, code: str, message: str, retry: bool = False
) -> None:
    if out.started:
        return  # too late for another response: the connection is closed mid-way instead
    retry_after = RETRY_AFTER_SECONDS if retry else None
    response = error_response(status, code, message, out.request_id, retry_after=retry_after)
    await response(out.scope, _no_receive, out.send)


async def _failed(out: _Exchange, exc: BaseException) -> None:
    if isinstance(exc, DatabaseUnavailable):
        code = DEADLINE_EXCEEDED if isinstance(exc, StatementTimeout) else SERVICE_UNAVAILABLE
        log.warning("%s (request %s): %s", code, out.request_id, exc)
        await _refuse(out, 503, code, RETRY_MESSAGES[code], retry=True)
        return
    log.error("unexpected error (request %s)", out.request_id, exc_info=exc)
    message = "Internal server error; quote the request id to support"
    await _refuse(out, 500, INTERNAL, message)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def _is_json(scope: Scope) -> bool:
    for key, value in scope.get("headers", ()):
        if key == b"content-type":
            return b"json" in value.lower()
    return False


def _get_parameters(scope: Scope) -> dict[str, object]:
    from starlette.datastructures import QueryParams

    params: dict[str, object] = dict(QueryParams(scope.get("query_string", b"")))
    for name in ("variables", "extensions"):
        if value := params.get(name):
            params[name] = parse_json(str(value), f"`{name}`")
    return params

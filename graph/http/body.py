"""What a GraphQL request must look like before anything parses it further.

A request is a JSON object `{"query", "variables", "operationName", "extensions"}` or a
non-empty array of such objects (a batch); `query` and `operationName` are strings, `variables`
and `extensions` objects, each may be absent or null. The body is read at most `limit` bytes
far: a larger `Content-Length` is refused before reading, and a body without one (chunked) is
counted as it arrives. Everything else is a 4xx with a message naming the problem.
"""

from collections.abc import Mapping
from typing import Final

import orjson
from starlette.types import Receive, Scope

BAD_REQUEST: Final = "BAD_REQUEST"
BODY_TOO_LARGE: Final = "BODY_TOO_LARGE"

_FIELDS: Final = (
    ("query", str, "a string"),
    ("operationName", str, "a string"),
    ("variables", dict, "an object"),
    ("extensions", dict, "an object"),
)


class Refused(Exception):
    """The request is refused before GraphQL sees it; `str()` is safe to show the caller."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class ClientGone(Exception):
    """The client disconnected before its body arrived."""


def too_large(limit: int) -> Refused:
    return Refused(413, BODY_TOO_LARGE, f"the request body is larger than {limit} bytes")


def check_length(scope: Scope, limit: int) -> None:
    """Refuses a declared `Content-Length` over `limit`, or one that is not a number."""
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            if not value.isdigit():
                raise Refused(400, BAD_REQUEST, "Content-Length must be a number of bytes")
            if int(value) > limit:
                raise too_large(limit)


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole body, or `Refused` (413) as soon as more than `limit` bytes have arrived."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def parse_json(text: bytes | str, what: str) -> object:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        # orjson also refuses invalid UTF-8 and nesting deeper than 1,024 (Python's json would
        # overflow the stack); its message says which, without echoing the input.
        raise Refused(400, BAD_REQUEST, f"{what} is not valid JSON: {exc.msg}") from None


def check_request(data: object, *, max_batch: int) -> None:
    """`data` (a parsed body, or a GET's parameters) has the shape of a GraphQL request."""
    if isinstance(data, list):
        if not 1 <= len(data) <= max_batch:
            raise Refused(
                400, BAD_REQUEST, f"a batch must hold 1 to {max_batch} operations, not {len(data)}"
            )
        for index, item in enumerate(data):
            if not isinstance(item, dict):
                raise Refused(
                    400,
                    BAD_REQUEST,
                    f"batch item {index} must be an object {{query, variables, operationName}},"
                    f" not {_kind(item)}",
                )
            _check_operation(item, f"batch item {index}: ")
        return
    if not isinstance(data, dict):
        raise Refused(
            400,
            BAD_REQUEST,
            "the body must be a JSON object {query, variables, operationName} or an array of"
            f" them, not {_kind(data)}",
        )
    _check_operation(data, "")


def _check_operation(operation: Mapping[str, object], where: str) -> None:
    for name, kind, described in _FIELDS:
        value = operation.get(name)
        if value is not None and not isinstance(value, kind):
            raise Refused(
                400, BAD_REQUEST, f"{where}`{name}` must be {described}, not {_kind(value)}"
            )


def _kind(value: object) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case str():
            return "a string"
        case list():
            return "an array"
        case dict():
            return "an object"
    return type(value).__name__

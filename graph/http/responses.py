"""The request id every `/graphql` response carries, and the JSON error responses of the edge."""

import re
import uuid
from typing import Final

from starlette.responses import JSONResponse
from starlette.types import Scope

_REQUEST_ID: Final = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_STATE_KEY: Final = "request_id"


def request_id_of(scope: Scope) -> str:
    """The request's id: the caller's `X-Request-ID` when it is sane, else a new one; assigned
    once per request (kept in the scope's state) so that every layer answers with the same."""
    state = scope.setdefault("state", {})
    request_id = state.get(_STATE_KEY)
    if not isinstance(request_id, str):
        supplied = ""
        for key, value in scope.get("headers", ()):
            if key == b"x-request-id":
                supplied = value.decode("latin-1")
                break
        request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        state[_STATE_KEY] = request_id
    return request_id


def error_response(
    status: int,
    code: str,
    message: str,
    request_id: str,
    *,
    retry_after: int | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, str] | None = None,
) -> JSONResponse:
    """`{"errors": [{"message", "extensions": {"code", "requestId"}}]}`, the GraphQL shape, so
    that clients read every refusal the same way."""
    all_headers = {"X-Request-ID": request_id, **(headers or {})}
    if retry_after is not None:
        all_headers["Retry-After"] = str(retry_after)
    details = {"code": code, **(extensions or {}), "requestId": request_id}
    body = {"errors": [{"message": message, "extensions": details}]}
    return JSONResponse(body, status_code=status, headers=all_headers)

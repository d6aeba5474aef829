"""Expected failures, each with the `extensions.code` clients branch on; everything else is masked.

`code_of` is the one classification of an error (the response, the logs and the metrics use it):

- a domain error, a limit or a persisted-query refusal carries its own code;
- the database being unreachable, slow to hand out a connection, or a lock wait past
  `lock_timeout` is `SERVICE_UNAVAILABLE`; a statement past `statement_timeout` is
  `DEADLINE_EXCEEDED` (both retryable: `RETRYABLE_CODES`);
- a variable the operation declares but the request's `variables` do not satisfy (missing,
  misspelled, of the wrong type, an unknown enum value) is `BAD_USER_INPUT`;
- any other error about the document (parse, validation) is `GRAPHQL_VALIDATION_FAILED`;
- anything else is `INTERNAL_SERVER_ERROR`: a bug, masked outside dev.
"""

import re
from typing import Any, Final

from graphql import GraphQLError, VariableDefinitionNode

from db.session import DatabaseUnavailable, StatementTimeout


class DomainError(GraphQLError):
    code: str = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": self.code, **extensions})


class BadUserInput(DomainError):
    code = "BAD_USER_INPUT"

    def __init__(self, argument: str, reason: str) -> None:
        super().__init__(f"{argument}: {reason}", argument=argument)


class NotFound(DomainError):
    code = "NOT_FOUND"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class Conflict(DomainError):
    """A write found the record not in the state it needs (changed since the caller read it,
    already revoked…): read it again, then decide."""

    code = "CONFLICT"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


INTERNAL: Final = "INTERNAL_SERVER_ERROR"
SERVICE_UNAVAILABLE: Final = "SERVICE_UNAVAILABLE"
DEADLINE_EXCEEDED: Final = "DEADLINE_EXCEEDED"
OVERLOADED: Final = "OVERLOADED"
BAD_USER_INPUT: Final = "BAD_USER_INPUT"
VALIDATION_FAILED: Final = "GRAPHQL_VALIDATION_FAILED"

RETRYABLE_CODES: Final = frozenset({SERVICE_UNAVAILABLE, DEADLINE_EXCEEDED, OVERLOADED})
"""Codes that say "not now": the same request may succeed later or on another replica (HTTP 503
with Retry-After when nothing was answered)."""

RETRY_MESSAGES: Final = {
    SERVICE_UNAVAILABLE: "the database is unavailable; retry shortly",
    DEADLINE_EXCEEDED: "the request ran out of time; retry, or ask for less",
    OVERLOADED: "too many requests in progress; retry shortly",
}

_SUGGESTION: Final = re.compile(r"\s*Did you mean [^?]*\?")


def code_of(error: GraphQLError) -> str:
    cause = _cause(error)
    if isinstance(cause, StatementTimeout):
        return DEADLINE_EXCEEDED
    if isinstance(cause, DatabaseUnavailable):
        return SERVICE_UNAVAILABLE
    code = (error.extensions or {}).get("code")
    if isinstance(code, str) and code:
        return code
    if error.path is None:
        if any(isinstance(node, VariableDefinitionNode) for node in error.nodes or ()):
            return BAD_USER_INPUT  # graphql-core's coercion of the request's variables
        if error.original_error is None or error.nodes:
            return VALIDATION_FAILED  # parse and validation errors point into the document
    return INTERNAL


def without_suggestions(message: str) -> str:
    """graphql-core's "Did you mean …?" hints name fields, arguments, enum values and input
    fields a caller did not ask for: outside dev the schema is not for browsing."""
    return _SUGGESTION.sub("", message)


def _cause(error: GraphQLError) -> BaseException | None:
    cause: BaseException | None = error.original_error
    while isinstance(cause, GraphQLError) and cause.original_error is not None:
        cause = cause.original_error
    return cause

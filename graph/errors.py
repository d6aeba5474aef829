"""Expected failures, each with the `extensions.code` clients branch on; everything else is masked."""

from typing import Any

from graphql import GraphQLError


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


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


EXPECTED_CODES = frozenset(
    {"BAD_USER_INPUT", "NOT_FOUND", "FORBIDDEN", "UNAUTHENTICATED", "GRAPHQL_VALIDATION_FAILED"}
)


def is_expected(error: GraphQLError) -> bool:
    """Domain errors and GraphQL's own validation and coercion errors are the caller's to see."""
    original = error.original_error
    if original is None:
        return True  # raised by graphql-core itself: parse, validation, variable coercion
    if isinstance(original, DomainError):
        return True
    code = (error.extensions or {}).get("code")
    return code in EXPECTED_CODES

"""How errors leave the service: every error with a code, bugs masked, no schema hints.

Replaces Strawberry's `MaskErrors`, which drops the extensions (so the code and the request id
README promises) of the errors it masks, and knows nothing of retryable failures.
"""

from collections.abc import Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from graph.errors import INTERNAL, RETRY_MESSAGES, code_of, without_suggestions

MASKED_MESSAGE = "Internal server error; quote the request id to support"


class ErrorCodes(SchemaExtension):
    """`mask` (outside dev): a bug's message is replaced, and "did you mean" hints are cut."""

    def __init__(self, *, mask: bool) -> None:
        self.mask = mask

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if isinstance(result, ExecutionResult | GraphQLExecutionResult) and result.errors:
            request_id = getattr(self.execution_context.context, "request_id", None)
            result.errors = [self.present(error, request_id) for error in result.errors]

    def present(self, error: GraphQLError, request_id: str | None) -> GraphQLError:
        code = code_of(error)
        extensions = dict(error.extensions or {})
        message = error.message
        if code in RETRY_MESSAGES:
            message, extensions = RETRY_MESSAGES[code], {}
        elif code == INTERNAL and self.mask:
            message, extensions = MASKED_MESSAGE, {}
        elif self.mask:
            message = without_suggestions(message)
        if code == INTERNAL or code in RETRY_MESSAGES:
            extensions["requestId"] = request_id
        extensions = {"code": code, **extensions}
        if extensions == error.extensions and message == error.message:
            return error
        return GraphQLError(
            message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None if self.mask else error.original_error,
            extensions=extensions,
        )

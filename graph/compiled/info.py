"""What a plan passes to resolvers instead of `strawberry.Info`, and the form of a batch."""

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from graphql import OperationDefinitionNode

from graph.context import Context


@dataclass(slots=True)
class PlanInfo:
    """What resolvers read of `strawberry.Info`: the request's context and the operation (for
    the access log's operation name). Passed where Strawberry passes its Info."""

    context: Context
    operation: OperationDefinitionNode


class Batch(Protocol):
    """All objects of one level at once: a value (or an exception) per source, in order."""

    def __call__(
        self, info: PlanInfo, sources: Sequence[Any], kwargs: dict[str, Any], /
    ) -> Awaitable[list[Any]]: ...

"""What a plan passes to resolvers instead of `strawberry.Info`, and the form of a batch."""

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from graphql import FieldNode, FragmentDefinitionNode, OperationDefinitionNode
from graphql.pyutils import Path
from strawberry.types.nodes import Selection, convert_selections

from graph.context import Context


@dataclass(slots=True)
class PlanInfo:
    """What resolvers read of `strawberry.Info`: the request's context and the operation (for
    the access log's operation name); for the fields that ask which sub-fields were selected
    (graph.pagination.selects), the field's nodes with the document's fragments and variables.
    Passed where Strawberry passes its Info."""

    context: Context
    operation: OperationDefinitionNode
    field_nodes: Sequence[FieldNode] = ()
    fragments: dict[str, FragmentDefinitionNode] = field(default_factory=dict)
    variable_values: dict[str, Any] = field(default_factory=dict)
    at: Any = None
    """The object (graph.compiled.run.Position) whose field `key` is being resolved, for
    `path`; None inside a batch, which resolves many objects at once."""
    key: str = ""

    def at_field(self, at: Any, key: str) -> "PlanInfo":
        """This info for the field `key` of the object `at`: its own, as a resolver may note a
        read after the level has moved on (an awaitable it returns runs later)."""
        return PlanInfo(
            self.context,
            self.operation,
            self.field_nodes,
            self.fragments,
            self.variable_values,
            at,
            key,
        )

    @property
    def path(self) -> Path | None:
        """As `strawberry.Info.path`: where the field being resolved sits in the response (the
        access log keeps a read only if its data leaves: graph.authz.recorder)."""
        if self.at is None:
            return None
        return Path(self.at.path, self.key, None)

    @property
    def selected_fields(self) -> list[Selection]:
        """As `strawberry.Info.selected_fields`, from the same function."""
        return convert_selections(self, self.field_nodes)  # type: ignore[arg-type]


class Batch(Protocol):
    """All objects of one level at once: a value (or an exception) per source, in order."""

    def __call__(
        self, info: PlanInfo, sources: Sequence[Any], kwargs: dict[str, Any], /
    ) -> Awaitable[list[Any]]: ...

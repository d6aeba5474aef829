"""Which field errors a response keeps, and in which order: the same rule for both executors.

graphql-core keeps errors in completion order and drops an error only when its position is
already nulled at the time it is raised, so both depend on scheduling. The compiled plan
completes level by level, Strawberry's executor depth-first: to answer identically they share
one deterministic rule, applied once the data is complete:

- an error whose position (the nullable field or list item it nulled) lies under another
  error's position is dropped: that part of the response is gone;
- of several errors nulling the same position, the first in response order is kept;
- errors are ordered by where they point in the response: response keys in document order,
  list items by index.
"""

from collections.abc import Sequence
from typing import Any

from graphql import GraphQLError
from graphql.execution.executor import CollectedErrors
from graphql.pyutils import Path

Position = tuple[str | int, ...] | None
"""The keys of a nulled position; None is the whole `data`."""


class RecordedErrors(CollectedErrors):
    """graphql-core's collection, also keeping every error with the position it nulled."""

    __slots__ = ("recorded",)

    def __init__(self) -> None:
        super().__init__()
        self.recorded: list[tuple[GraphQLError, Position]] = []

    def add(self, error: GraphQLError, path: Path | None) -> None:
        self.recorded.append((error, tuple(path.as_list()) if path is not None else None))
        super().add(error, path)


def _part(part: str | int) -> tuple[int, int, str]:
    return (0, part, "") if isinstance(part, int) else (1, 0, part)


def response_order(path: Sequence[str | int] | None, data: Any) -> tuple[Any, ...]:
    """A sort key placing `path` where it points in `data`; paths into nulled parts fall back
    on their own keys, so the order is total and depends on the data alone."""
    if path is None:
        return ((), ())
    where: list[int] = []
    node = data
    for part in path:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            where.append(list(node).index(part))
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            where.append(part)
            node = node[part]
        else:
            where.append(-1)
            node = None
    return (tuple(where), tuple(_part(p) for p in path))


def _ancestors(position: tuple[str | int, ...]) -> list[Position]:
    return [None, *(position[:n] for n in range(1, len(position)))]


def kept_errors(
    recorded: Sequence[tuple[GraphQLError, Position]], data: dict[str, Any] | None
) -> list[GraphQLError]:
    """The errors of a response under the rule of this module."""
    positions = {position for _, position in recorded}
    alive = [
        (error, position)
        for error, position in recorded
        if position is None or not any(a in positions for a in _ancestors(position))
    ]
    alive.sort(key=lambda item: response_order(item[0].path, data))
    seen: set[Position] = set()
    kept = []
    for error, position in alive:
        if position in seen:
            continue
        seen.add(position)
        kept.append(error)
    return kept

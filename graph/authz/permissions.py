"""Field guards: every personal field names its data group; the decision was made once per
object (`readable_groups` on the parent), so a guard is a set lookup, not a policy evaluation."""

from functools import cache
from typing import Any, ClassVar, Protocol

import strawberry
from strawberry.permission import BasePermission

from graph.authz.policy import DataGroup


class Guarded(Protocol):
    readable_groups: frozenset[DataGroup]


class _GroupPermission(BasePermission):
    group: ClassVar[DataGroup]

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return self.group in source.readable_groups


@cache
def reads(group: DataGroup) -> type[BasePermission]:
    """The permission class guarding fields of `group`, with a FORBIDDEN error naming the group."""
    return type(
        f"Reads{group.value.title().replace('_', '')}",
        (_GroupPermission,),
        {
            "group": group,
            "message": f"not allowed to read the {group.value} data group of this person",
            "error_extensions": {"code": "FORBIDDEN", "dataGroup": group.value},
        },
    )

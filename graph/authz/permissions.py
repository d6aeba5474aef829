"""Field guards: every personal field names its data group; the decision was made once per
person (`Access` on the object), so a guard is a set lookup plus a note for the access log."""

from functools import cache
from typing import Any, ClassVar

import strawberry
from strawberry.permission import BasePermission

from graph.authz.policy import PERSON_FIELDS, Access, DataGroup
from graph.authz.recorder import OperationReads
from graph.errors import Forbidden


class _GroupPermission(BasePermission):
    group: ClassVar[DataGroup]

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        access: Access = source.access
        if self.group not in access.groups:
            return False
        note_read(info, source.person_id, self.group, access)
        return True


def note_read(info: strawberry.Info, person_id: int, group: DataGroup, access: Access) -> None:
    """`group` of the person leaves in this response: the access log will say so (reads of
    one's own data excepted), on the grounds `access` was decided on."""
    operation = info.operation.name.value if info.operation.name else None
    reads = info.context.recorder
    # An operation the schema's executors did not run would leave this read unlogged: refuse.
    assert isinstance(reads, OperationReads), "a read outside an operation's OperationReads"
    reads.note(person_id, group, access, operation, info.path)


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


def guard(field: str) -> list[type[BasePermission]]:
    """The guard of Person's field `field` (its GraphQL name): the group `PERSON_FIELDS` names;
    a field missing from the table fails the import."""
    return [reads(PERSON_FIELDS[field])]


def require_whole_history(access: Access, group: DataGroup) -> None:
    """Totals, benefits and card history span every employer: an employer reads none of them."""
    if access.employer_id is not None:
        raise Forbidden(
            f"an employer reads only its own rows of the {group.value} data group",
            dataGroup=group.value,
        )

"""The change log as the person (and an auditor) sees it: who changed which record, and how."""

from datetime import datetime

import strawberry

from db.session import Row
from graph.authz.principal import Role
from graph.types.scalars import FieldValues

# Keys that only link rows inside the database: the record and the person are already named.
_INTERNAL = frozenset({"person_id"})


def _fields(values: dict[str, object] | None) -> FieldValues | None:
    if values is None:
        return None
    return FieldValues({k: v for k, v in values.items() if k not in _INTERNAL})


@strawberry.type(description="Nhật ký thay đổi — one record changed through the API, and by whom.")
class ChangeLogEntry:
    row: strawberry.Private[Row]

    @strawberry.field(description="Thời điểm — when (the writing transaction's time).")
    def at(self) -> datetime:
        return self.row["at"]  # type: ignore[no-any-return]

    @strawberry.field(description="Vai trò — the writer's role.")
    def actor_role(self) -> Role:
        return Role(self.row["actor_role"])

    @strawberry.field(description="Người thay đổi — the writer's subject (account or personal ID).")
    def actor_subject(self) -> str:
        return str(self.row["actor_subject"])

    @strawberry.field(description="Tổ chức — the writer's organisation, when any.")
    def actor_organisation(self) -> str | None:
        return self.row["actor_org"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Căn cứ — the grounds the write was allowed on (self, scope:<group>, employment:<tax code>…)."
    )
    def grounds(self) -> list[str]:
        return list(self.row["grounds"])

    @strawberry.field(description="Thao tác — the mutation (e.g. updateContact).")
    def operation(self) -> str:
        return str(self.row["operation"])

    @strawberry.field(description="Bản ghi — the kind of record (its table).")
    def record(self) -> str:
        return str(self.row["record_table"])

    @strawberry.field(description="Mã bản ghi — the record's id.")
    def record_id(self) -> str:
        return str(self.row["record_id"])

    @strawberry.field(description="Hành động — INSERT, UPDATE or DELETE.")
    def action(self) -> str:
        return str(self.row["action"])

    @strawberry.field(
        description="Trước — the changed fields' values before (null for a new record)."
    )
    def before(self) -> FieldValues | None:
        return _fields(self.row["before"])

    @strawberry.field(description="Sau — the changed fields' values after (null when deleted).")
    def after(self) -> FieldValues | None:
        return _fields(self.row["after"])

    @strawberry.field(description="Mã yêu cầu — the request id, for support and audits.")
    def request_id(self) -> str:
        return str(self.row["request_id"])

"""The access log as the person sees it: who read which of their data, when and why."""

from datetime import datetime

import strawberry

from db.session import Row
from graph.authz.policy import DataGroup
from graph.authz.principal import Role


@strawberry.type(
    description="Nhật ký truy cập — one request's read of the person's data by someone else."
)
class AccessLogEntry:
    row: strawberry.Private[Row]

    @strawberry.field(description="Thời điểm — when.")
    def at(self) -> datetime:
        return self.row["at"]  # type: ignore[no-any-return]

    @strawberry.field(description="Vai trò — the reader's role.")
    def actor_role(self) -> Role:
        return Role(self.row["actor_role"])

    @strawberry.field(description="Người truy cập — the reader's subject (account or personal ID).")
    def actor_subject(self) -> str:
        return str(self.row["actor_subject"])

    @strawberry.field(
        description="Tổ chức — the reader's organisation (tax code, facility, agency…)."
    )
    def actor_organisation(self) -> str | None:
        return self.row["actor_org"]  # type: ignore[no-any-return]

    @strawberry.field(description="Nhóm dữ liệu — the data groups read.")
    def data_groups(self) -> list[DataGroup]:
        return [DataGroup(g) for g in self.row["data_groups"]]

    @strawberry.field(
        description="Căn cứ — the grounds: scope:<group>, consent:<id>, employment:<tax code>, facility:<code>, representation…"
    )
    def grounds(self) -> list[str]:
        return list(self.row["grounds"])

    @strawberry.field(description="Mã yêu cầu — the request id, for support and audits.")
    def request_id(self) -> str:
        return str(self.row["request_id"])

    @strawberry.field(description="Tên thao tác — the GraphQL operation name, when given.")
    def operation_name(self) -> str | None:
        return self.row["operation_name"]  # type: ignore[no-any-return]

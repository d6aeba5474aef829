"""Consent (sự đồng ý): which partner agency may read which data groups, for what, until when."""

from datetime import UTC, datetime

import strawberry

from db.session import Row
from graph.authz.policy import DataGroup


@strawberry.type(
    description="Cơ quan khai thác dữ liệu — a partner agency that may read with consent."
)
class PartnerAgency:
    code: str = strawberry.field(description="Mã cơ quan — the agency's code.")
    name: str = strawberry.field(description="Tên cơ quan — the agency's name.")


@strawberry.type(description="Sự đồng ý chia sẻ dữ liệu — a person's consent to a partner agency.")
class Consent:
    row: strawberry.Private[Row]

    @strawberry.field(description="Mã đồng ý — the consent's id (pass it to revokeConsent).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row["id"]))

    @strawberry.field(description="Cơ quan được chia sẻ — the agency.")
    def grantee(self) -> PartnerAgency:
        return PartnerAgency(code=self.row["grantee_code"], name=self.row["grantee_name"])

    @strawberry.field(description="Nhóm dữ liệu — the data groups the agency may read.")
    def data_groups(self) -> list[DataGroup]:
        return [DataGroup(g) for g in self.row["data_groups"]]

    @strawberry.field(description="Mục đích — the purpose stated when granting.")
    def purpose(self) -> str:
        return str(self.row["purpose"])

    @strawberry.field(description="Thời điểm đồng ý — when it was granted.")
    def granted_at(self) -> datetime:
        return self.row["granted_at"]  # type: ignore[no-any-return]

    @strawberry.field(description="Hiệu lực đến — when it expires.")
    def valid_until(self) -> datetime:
        return self.row["valid_until"]  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Người đồng ý — personal ID of who granted it (person or representative); the BHXH"
            " code of a person without one."
        )
    )
    def granted_by(self) -> str:
        return str(self.row["granted_by"])

    @strawberry.field(description="Thời điểm thu hồi — when it was revoked, if it was.")
    def revoked_at(self) -> datetime | None:
        return self.row["revoked_at"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Whether the agency may read with it now: not revoked, not expired."
    )
    def active(self) -> bool:
        now = datetime.now(UTC)
        row = self.row
        return bool(row["revoked_at"] is None and row["granted_at"] <= now < row["valid_until"])

"""Employers (đơn vị sử dụng lao động) and their employees."""

import strawberry

from db import enums as db_enums
from db.enums import EnterpriseType
from db.session import Row
from graph.arguments import After, First
from graph.authz.policy import list_scope
from graph.authz.principal import Role
from graph.context import Info
from graph.errors import Forbidden
from graph.loaders import PagedKey
from graph.pagination import Connection, PageArgs, connection, page_params
from graph.types.person import Person
from graph.types.reference import Province


@strawberry.type(description="Thông tin liên hệ của đơn vị — the employer's contact details.")
class EmployerContact:
    phone: str | None = strawberry.field(description="Điện thoại — phone.")
    email: str | None = strawberry.field(description="Thư điện tử — email.")


@strawberry.federation.type(
    keys=["taxCode"],
    description="Đơn vị sử dụng lao động — an employer registered with social insurance.",
)
class Employer:
    row: strawberry.Private[Row]

    @classmethod
    def from_row(cls, row: Row) -> "Employer":
        return cls(row=row)

    @classmethod
    async def resolve_reference(cls, info: Info, taxCode: str) -> "Employer | None":
        info.context.require_principal()
        row = await info.context.loaders.employer_by_tax_code.load(taxCode)
        return cls(row=row) if row else None

    @strawberry.field(description="Mã số thuế — tax code (10 digits, branches -NNN).")
    def tax_code(self) -> str:
        return self.row["tax_code"]  # type: ignore[no-any-return]

    @strawberry.field(description="Tên đơn vị — the employer's name.")
    def name(self) -> str:
        return self.row["name"]  # type: ignore[no-any-return]

    @strawberry.field(description="Mã số doanh nghiệp — enterprise code, for enterprises.")
    def enterprise_code(self) -> str | None:
        return self.row["enterprise_code"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Số quyết định thành lập — establishment decision number, for non-enterprises."
    )
    def establishment_decision(self) -> str | None:
        return self.row["establishment_decision"]  # type: ignore[no-any-return]

    @strawberry.field(description="Mã số định danh của tổ chức — organisation ID number.")
    def organisation_id_number(self) -> str | None:
        return self.row["organisation_id_number"]  # type: ignore[no-any-return]

    @strawberry.field(description="Mã đơn vị BHXH — the employer's social insurance unit code.")
    def unit_code(self) -> str:
        return self.row["unit_code"]  # type: ignore[no-any-return]

    @strawberry.field(description="Địa chỉ trụ sở chính — head-office address.")
    def head_office_address(self) -> str:
        return self.row["head_office_address"]  # type: ignore[no-any-return]

    @strawberry.field(description="Tỉnh — head-office province.")
    def province(self) -> Province:
        return Province.current(self.row["province_code"])

    @strawberry.field(description="Ngành nghề kinh doanh — business lines.")
    def business_lines(self) -> list[str]:
        return list(self.row["business_lines"])

    @strawberry.field(description="Loại hình — enterprise type.")
    def enterprise_type(self) -> EnterpriseType:
        return db_enums.EnterpriseType(self.row["enterprise_type"])

    @strawberry.field(
        description="Liên hệ — phone and email (the employer itself and insurance officers)."
    )
    def contact(self, info: Info) -> EmployerContact | None:
        principal = info.context.require_principal()
        own = principal.role is Role.EMPLOYER and principal.org == self.row["tax_code"]
        if not own and principal.role is not Role.OFFICER:
            raise Forbidden("the employer's contact details are for itself and insurance officers")
        return EmployerContact(phone=self.row["phone"], email=self.row["email"])

    @strawberry.field(
        description=(
            "Người lao động — persons with contribution periods at this employer, by record; "
            "persons the caller may not see are neither listed nor counted."
        )
    )
    async def employees(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[Person] | None:
        principal = info.context.require_principal()
        own = principal.role is Role.EMPLOYER and principal.org == self.row["tax_code"]
        if not own and principal.role is not Role.OFFICER:
            raise Forbidden("only the employer itself and insurance officers list its employees")
        if list_scope(principal).nobody:
            raise Forbidden("this token reads no person's data, so it lists nobody")
        args = PageArgs(page_params(first, after, int))
        rows = await info.context.loaders.employees.load(PagedKey(self.row["id"], args))
        people = await Person.admit_listed(info, rows)
        return connection(rows, first, "id", lambda r: people[r["id"]])

"""BHYT contribution history (quá trình đóng BHYT): who paid for a person's cover, and how much."""

from datetime import date

import strawberry

from db import enums as db_enums
from db.enums import HealthInsurancePayer
from db.session import Row
from graph.authz.permissions import require_whole_history
from graph.authz.policy import Access, DataGroup
from graph.loaders import PagedKey
from graph.pagination import Connection, PageArgs, connection, page_params
from graph.types.scalars import Vnd, YearMonth
from graph.validation import date_range


@strawberry.type(
    description=(
        "Quá trình đóng BHYT — one payer's BHYT contribution over a stretch of months (a month"
        " paid by two, such as employer and employee, has a row for each)."
    )
)
class HealthInsuranceContribution:
    row: strawberry.Private[Row]

    @strawberry.field(description="Người đóng — who pays.")
    def payer(self) -> HealthInsurancePayer:
        return db_enums.HealthInsurancePayer(self.row["payer"])

    @strawberry.field(description="Từ tháng — first month paid for.")
    def from_month(self) -> YearMonth:
        return self.row["from_month"]  # type: ignore[no-any-return]

    @strawberry.field(description="Đến tháng — last month paid for; null while ongoing.")
    def to_month(self) -> YearMonth | None:
        return self.row["to_month"]  # type: ignore[no-any-return]

    @strawberry.field(description="Số tiền đóng (VND/tháng) — what this payer pays per month.")
    def monthly_amount_vnd(self) -> Vnd:
        return self.row["monthly_amount_vnd"]  # type: ignore[no-any-return]


def contributions_key(
    person_id: int,
    access: Access,
    first: int,
    after: str | None,
    from_month: date | None,
    to_month: date | None,
) -> PagedKey[PageArgs]:
    """The `health_contributions` loader's key, or the field's error (employer, arguments):
    an employer sees a card's status, not who paid for the person's cover."""
    require_whole_history(access, DataGroup.HEALTH_INSURANCE)
    start, end = date_range(from_month, to_month)
    return PagedKey(person_id, PageArgs(page_params(first, after, date), start=start, end=end))


def contributions_page(rows: list[Row], first: int) -> Connection[HealthInsuranceContribution]:
    return connection(rows, first, "from_month", lambda r: HealthInsuranceContribution(row=r))

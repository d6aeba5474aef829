"""Unemployment insurance (BHTN): benefit decisions and the months reserved for a future claim."""

from datetime import date

import strawberry

# Imported for its side effect: it registers WageRegion as a GraphQL enum, which must come
# before a type here uses the enum (Strawberry would otherwise define it twice).
import graph.types.declaration  # noqa: F401
from db import enums as db_enums
from db import rules
from db.enums import WageRegion
from db.session import Row
from graph.arguments import After, First, FromMonth, ToMonth
from graph.authz.permissions import require_whole_history
from graph.authz.policy import Access, DataGroup
from graph.context import Info
from graph.pagination import Connection
from graph.types.scalars import Vnd
from graph.types.social_insurance import ContributionPeriod, contribution_periods


@strawberry.type(
    description="Quyết định hưởng trợ cấp thất nghiệp — an unemployment benefit decision."
)
class UnemploymentBenefitDecision:
    id: strawberry.ID = strawberry.field(
        description="Mã quyết định — the decision's id (recordUnemploymentBenefitMonthsUsed)."
    )
    version: int = strawberry.field(
        description=(
            "Phiên bản — send it back as expectedVersion when correcting the months used; a"
            " correction made meanwhile makes yours a CONFLICT."
        )
    )
    decision_number: str = strawberry.field(description="Số quyết định — decision number.")
    filed_on: date = strawberry.field(description="Ngày nộp hồ sơ — date the claim was filed.")
    decided_on: date = strawberry.field(description="Ngày quyết định — decision date.")
    starts_on: date = strawberry.field(description="Ngày bắt đầu hưởng — first day of benefit.")
    contribution_months_counted: int = strawberry.field(
        description="Số tháng đóng được tính — contribution months the claim counted."
    )
    months_granted: int = strawberry.field(
        description="Số tháng được hưởng — benefit months granted."
    )
    months_used: int = strawberry.field(
        description=(
            "Số tháng đã hưởng — benefit months the entitlement spent: all months granted from"
            " the decision on, until an officer records fewer (the benefit stopped on new work,"
            " or months were not collected: their contribution months are reserved back,"
            " Decree 28/2015 art. 18)."
        )
    )
    monthly_amount_vnd: Vnd = strawberry.field(
        description="Mức hưởng hằng tháng — monthly amount (VND)."
    )
    contract_ended_on: date | None = strawberry.field(
        description=(
            "Ngày chấm dứt hợp đồng lao động — the day the labour contract ended, which the"
            " 24-month eligibility window and the allowance cap are counted from; null on"
            " decisions recorded before the API made them."
        )
    )
    wage_region: WageRegion | None = strawberry.field(
        description=(
            "Vùng lương tối thiểu — the region whose minimum wage capped the allowance; null on"
            " decisions recorded before the API made them."
        )
    )

    @classmethod
    def from_row(cls, row: Row) -> "UnemploymentBenefitDecision":
        return cls(
            id=strawberry.ID(str(row["id"])),
            version=row["version"],
            decision_number=row["decision_number"],
            filed_on=row["filed_on"],
            decided_on=row["decided_on"],
            starts_on=row["starts_on"],
            contribution_months_counted=row["contribution_months_counted"],
            months_granted=row["months_granted"],
            months_used=row["months_used"],
            monthly_amount_vnd=row["monthly_amount_vnd"],
            contract_ended_on=row["contract_ended_on"],
            wage_region=WageRegion(row["wage_region"]) if row["wage_region"] else None,
        )


@strawberry.type(description="Thông tin BHTN — the person's unemployment insurance.")
class UnemploymentInsurance:
    person_id: strawberry.Private[int]
    access: strawberry.Private[Access]

    @strawberry.field(description="Quyết định hưởng — benefit decisions, oldest first.")
    async def decisions(self, info: Info) -> list[UnemploymentBenefitDecision] | None:
        require_whole_history(self.access, DataGroup.UNEMPLOYMENT_INSURANCE)
        rows: list[Row] = await info.context.loaders.unemployment_benefits.load(self.person_id)
        return [UnemploymentBenefitDecision.from_row(r) for r in rows]

    @strawberry.field(description="Tổng số tháng đóng BHTN — distinct months contributed to BHTN.")
    async def contribution_months(self, info: Info) -> int | None:
        return (await self._bhtn_total(info))["months"]

    @strawberry.field(
        description=(
            "Thời gian đóng BHTN được bảo lưu — contribution months reserved for a future claim"
            " (Decree 28/2015 art. 18(6)–(7), Circular 28/2015 art. 9): of the months the latest"
            " claim counted, each benefit month used spends 12; the rest stays reserved — the"
            " months of an entitlement not received (work found, allowance not collected) and"
            " the odd months above what the entitlement needs — and months contributed since the"
            " claim was filed add to it. Months above the 144 a 12-month entitlement spends stay"
            " reserved too (this service's reading: the decree reserves the contribution time"
            " not used for a benefit and sets no cap; e.g. 150 counted, 12 used → 6 reserved)."
            " Months after the current month are not counted."
        )
    )
    async def reserved_months(self, info: Info) -> int | None:
        total = await self._bhtn_total(info)
        decisions: list[Row] = await info.context.loaders.unemployment_benefits.load(self.person_id)
        last = decisions[-1] if decisions else None
        return rules.bhtn_reserved_months(
            (last["contribution_months_counted"], last["months_used"]) if last else None,
            months_since_last_claim=total["months_since_last_claim"],
            total_months=total["months"],
        )

    @strawberry.field(description="Quá trình đóng BHTN — BHTN contribution history, oldest first.")
    async def contribution_periods(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
        from_month: FromMonth = None,
        to_month: ToMonth = None,
    ) -> Connection[ContributionPeriod]:
        return await contribution_periods(
            info,
            self.person_id,
            self.access,
            first,
            after,
            [db_enums.Scheme.UNEMPLOYMENT],
            from_month,
            to_month,
        )

    async def _bhtn_total(self, info: Info) -> dict[str, int]:
        require_whole_history(self.access, DataGroup.UNEMPLOYMENT_INSURANCE)
        rows: list[Row] = await info.context.loaders.contribution_totals.load(self.person_id)
        for row in rows:
            if row["scheme"] == db_enums.Scheme.UNEMPLOYMENT:
                return {
                    "months": row["months"],
                    "months_since_last_claim": row["months_since_last_claim"],
                }
        return {"months": 0, "months_since_last_claim": 0}

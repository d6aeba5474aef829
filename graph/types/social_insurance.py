"""Social insurance (BHXH): participant record, contribution history, totals and benefits."""

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db import enums as db_enums
from db.bhyt_rules import today
from db.enums import (
    BenefitRegime,
    ContributionNote,
    LumpSumReason,
    ParticipantCategory,
    PaymentMethod,
    Scheme,
)
from db.session import Row
from graph.arguments import After, First, FromMonth, ToMonth
from graph.authz.permissions import require_whole_history
from graph.authz.policy import Access, DataGroup
from graph.context import Info
from graph.loaders import PagedKey
from graph.pagination import Connection, PageArgs, connection, page_params
from graph.types.pension import PensionStanding, pension_standing
from graph.types.reference import SocialInsuranceOffice
from graph.types.scalars import Vnd, YearMonth
from graph.validation import date_range

if TYPE_CHECKING:
    from graph.types.employer import Employer


@strawberry.type(description="Phụ cấp — allowances paid on top of a salary coefficient.")
class Allowances:
    position: float | None = strawberry.field(
        description="Phụ cấp chức vụ — position allowance (coefficient)."
    )
    seniority_pct: float | None = strawberry.field(
        description="Phụ cấp thâm niên — seniority allowance (%)."
    )
    regional: float | None = strawberry.field(
        description="Phụ cấp khu vực — regional allowance (coefficient)."
    )


@strawberry.type(
    description=(
        "Quá trình đóng — a row of the book's history: a stretch of months with one unit, "
        "job, salary and rate."
    )
)
class ContributionPeriod:
    # The row's months, amounts and state support come computed with it (its statement's
    # columns, db.queries.period_values): the one definition of them.
    row: strawberry.Private[Row]

    @strawberry.field(description="Chế độ — the scheme this row belongs to.")
    def scheme(self) -> Scheme:
        return db_enums.Scheme(self.row["scheme"])

    @strawberry.field(description="Từ tháng — first month covered.")
    def from_month(self) -> YearMonth:
        return self.row["from_month"]  # type: ignore[no-any-return]

    @strawberry.field(description="Đến tháng — last month covered; null while ongoing.")
    def to_month(self) -> YearMonth | None:
        return self.row["to_month"]  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Số tháng — months of the row counted so far: an ongoing row counts to the current"
            " month, a row's later months (paid ahead) and a row that starts later count 0."
        )
    )
    def months(self) -> int:
        return self.row["months"]  # type: ignore[no-any-return]

    @strawberry.field(description="Chức vụ, công việc — job title.")
    def job_title(self) -> str | None:
        return self.row["job_title"]  # type: ignore[no-any-return]

    @strawberry.field(description="Tiền lương (VND) — salary in VND, when paid as an amount.")
    def salary_vnd(self) -> Vnd | None:
        return self.row["salary_vnd"]  # type: ignore[no-any-return]

    @strawberry.field(description="Hệ số lương — salary coefficient (public sector), when used.")
    def salary_coefficient(self) -> float | None:
        value = self.row["salary_coefficient"]
        return float(value) if value is not None else None

    @strawberry.field(description="Phụ cấp — allowances (with a coefficient salary).")
    def allowances(self) -> Allowances:
        r = self.row
        return Allowances(
            position=_float(r["position_allowance"]),
            seniority_pct=_float(r["seniority_allowance_pct"]),
            regional=_float(r["regional_allowance"]),
        )

    @strawberry.field(
        description=(
            "Tỷ lệ đóng (%) — the scheme's rate, employer and employee shares together, in"
            " percent of the salary (e.g. BHXH 25 = 17 + 8, BHTN 2 = 1 + 1, TNLĐ-BNN 0.5)."
        )
    )
    def rate_pct(self) -> float:
        return float(self.row["rate_pct"])

    @strawberry.field(
        description=(
            "Số tiền đơn vị đóng (VND/tháng) — what the employer (the armed forces' unit) pays"
            " per month: the salary (for a coefficient, (coefficient + position allowance) × the"
            " base salary of the row's first month, raised by the seniority %; a conscript's:"
            " the base salary) × the employer's rate of the row's category in the row's first"
            " month (a row starts anew when a rate changes). 0 for voluntary rows and maternity"
            " months; null when no salary is known."
        )
    )
    def employer_amount_vnd(self) -> Vnd | None:
        return self.row["employer_amount_vnd"]  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Số tiền người lao động đóng (VND/tháng) — what the employee (or the voluntary"
            " contributor) pays per month: the same salary × the employee's rate in the row's"
            " first month. 0 in maternity months; null when no salary is known."
        )
    )
    def employee_amount_vnd(self) -> Vnd | None:
        return self.row["employee_amount_vnd"]  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Nặng nhọc, độc hại — the row's work is on the list of arduous, hazardous or"
            " dangerous jobs (it shortens the retirement age and lengthens sick leave)."
        )
    )
    def arduous(self) -> bool:
        return bool(self.row["arduous"])

    @strawberry.field(description="Ghi chú — the book's notes on this row (none: an empty list).")
    def notes(self) -> list[ContributionNote]:
        return [db_enums.ContributionNote(n) for n in self.row["notes"]]

    @strawberry.field(
        description=(
            "Tỷ lệ hỗ trợ của Nhà nước (%) — the state's support of a voluntary contribution, in"
            " percent of 22 % of the rural poverty line (by the contributor's category: poor,"
            " near-poor, ethnic minority, others); null on other rows and without support."
        )
    )
    def state_support_pct(self) -> int | None:
        return self.row["state_support_pct"]  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Số tháng được hỗ trợ — months of this row the state's support was paid for (at"
            " most 120 in a life, Decree 159/2025); null without support."
        )
    )
    def state_support_months(self) -> int | None:
        return self.row["state_support_months"]  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Số tiền Nhà nước hỗ trợ (VND/tháng) — the support per supported month: the"
            " percent × 22 % × the rural poverty line of the row's first month (700,000 for"
            " 2016–2021, 1,500,000 from 2022); null without support or before 2018."
        )
    )
    def state_support_vnd(self) -> Vnd | None:
        return self.row["state_support_vnd"]  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Đối tượng tham gia — the participant category the row was contributed under, whose"
            " rates its amounts follow (the armed forces have their own: a conscript's unit pays"
            " 22 % of the base salary); null when the row does not record one, read as an"
            " ordinary compulsory member's (or the voluntary contributor's)."
        )
    )
    def participant_category(self) -> ParticipantCategory | None:
        value = self.row["participant_category"]
        return db_enums.ParticipantCategory(value) if value else None

    @strawberry.field(
        description=(
            "Đã hưởng BHXH một lần — settled by a lump-sum withdrawal: the book keeps the row,"
            " but its months no longer count toward a pension (totals show them apart)."
        )
    )
    def settled(self) -> bool:
        return self.row["settled_by"] is not None

    @strawberry.field(description="Đơn vị — the employer paid through; null for voluntary rows.")
    async def employer(
        self, info: Info
    ) -> Annotated["Employer", strawberry.lazy("graph.types.employer")] | None:
        from graph.types.employer import Employer

        if self.row["employer_id"] is None:
            return None
        row = await info.context.loaders.employer_by_id.load(self.row["employer_id"])
        return Employer.from_row(row) if row else None


@strawberry.type(description="Tổng thời gian đóng — total months contributed under one scheme.")
class SchemeTotal:
    scheme: Scheme = strawberry.field(description="Chế độ — the scheme.")
    months: int = strawberry.field(
        description=(
            "Tổng số tháng — distinct months contributed that count (overlapping rows count"
            " once; months settled by a lump-sum withdrawal do not)."
        )
    )
    settled_months: int = strawberry.field(
        description=(
            "Số tháng đã hưởng BHXH một lần — distinct months settled by a lump-sum withdrawal:"
            " kept in the book, no longer counted toward a pension."
        )
    )
    maternity_months: int = strawberry.field(
        description=(
            "Số tháng nghỉ thai sản được tính — months of maternity leave no contribution row"
            " covers, counted in `months` without payment (Law 58/2014 art. 39(2), and Law 41/2024's"
            " maternity section): a month counts with at least 14 working days of leave, read as"
            " Monday to Friday inside the benefit's period up to today (public holidays are not"
            " subtracted). Only the compulsory scheme has them."
        )
    )
    prepaid_months: int = strawberry.field(
        description=(
            "Số tháng đóng trước — months of rows after the current month (voluntary months paid"
            " ahead, Law 41/2024 art. 36): paid, not counted in `months` until they come."
        )
    )

    @strawberry.field(description="Số năm — whole years of the total.")
    def years(self) -> int:
        return self.months // 12

    @strawberry.field(description="Số tháng lẻ — months beyond the whole years.")
    def remainder_months(self) -> int:
        return self.months % 12


@strawberry.type(description="Quyết định hưởng — a benefit decision.")
class Benefit:
    row: strawberry.Private[Row]

    @strawberry.field(description="Chế độ hưởng — the regime.")
    def regime(self) -> BenefitRegime:
        return db_enums.BenefitRegime(self.row["regime"])

    @strawberry.field(description="Số quyết định — decision number.")
    def decision_number(self) -> str:
        return self.row["decision_number"]  # type: ignore[no-any-return]

    @strawberry.field(description="Ngày quyết định — decision date.")
    def decided_on(self) -> date:
        return self.row["decided_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="Hưởng từ ngày — first day paid.")
    def period_from(self) -> date:
        return self.row["period_from"]  # type: ignore[no-any-return]

    @strawberry.field(description="Hưởng đến ngày — last day paid; null for ongoing (pensions).")
    def period_to(self) -> date | None:
        return self.row["period_to"]  # type: ignore[no-any-return]

    @strawberry.field(description="Số tiền (VND) — amount, per month for pensions.")
    def amount_vnd(self) -> Vnd:
        return self.row["amount_vnd"]  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Lý do hưởng BHXH một lần — why a lump-sum withdrawal was paid; null for other"
            " regimes and for withdrawals recorded without one."
        )
    )
    def lump_sum_reason(self) -> LumpSumReason | None:
        reason = self.row["lump_sum_reason"]
        return db_enums.LumpSumReason(reason) if reason else None

    @strawberry.field(
        description=(
            "Tỷ lệ hưởng lương hưu (%) — the pension rate of a retirement decision (45 % at"
            " the minimum years, +2 % per further year, at most 75 %); null for other regimes."
        )
    )
    def pension_rate_pct(self) -> float | None:
        return _float(self.row["pension_rate_pct"])

    @strawberry.field(
        description=(
            "Mức bình quân tiền lương đóng BHXH (VND) — the average salary the benefit was"
            " computed on (retirement, lump-sum withdrawal); null where not recorded."
        )
    )
    def average_salary_vnd(self) -> Vnd | None:
        return self.row["average_salary_vnd"]  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Mức suy giảm khả năng lao động (%) — the loss of working capacity an occupational"
            " accident or disease decision assessed (5–100 %); null for other regimes."
        )
    )
    def incapacity_pct(self) -> int | None:
        return self.row["incapacity_pct"]  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Số ngày nghỉ hưởng chế độ ốm đau — the days of sick leave a sickness decision"
            " pays; null for other regimes."
        )
    )
    def sickness_days(self) -> int | None:
        return self.row["sickness_days"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Cơ quan chi trả — the social insurance office that pays; null where unknown."
    )
    def paying_office(self) -> SocialInsuranceOffice | None:
        code = self.row["paying_office_code"]
        if code is None:
            return None
        return SocialInsuranceOffice(code=code, name=self.row["paying_office_name"])


@strawberry.type(description="Thông tin BHXH — the person's social insurance record.")
class SocialInsurance:
    person_id: strawberry.Private[int]
    access: strawberry.Private[Access]
    person: strawberry.Private[Row]
    bhxh_code: str = strawberry.field(
        description="Mã số BHXH — the 10-digit social insurance code."
    )
    managing_unit_code: str | None = strawberry.field(
        description="Mã đơn vị quản lý — the unit through which the person is managed."
    )
    office: SocialInsuranceOffice = strawberry.field(
        description="Cơ quan BHXH quản lý — the managing social insurance office."
    )
    participant_category: ParticipantCategory = strawberry.field(
        description="Đối tượng tham gia — participant category."
    )
    payment_method: PaymentMethod | None = strawberry.field(
        description="Phương thức đóng — payment method."
    )
    tax_code: str | None = strawberry.field(description="Mã số thuế cá nhân — personal tax code.")
    issuing_office: SocialInsuranceOffice | None = strawberry.field(
        description=(
            "Cơ quan cấp sổ — the social insurance office that issued the book (its cover);"
            " null where the record does not say."
        )
    )
    issued_on: date | None = strawberry.field(
        description="Ngày cấp sổ — the day the book was issued (its cover); null where unknown."
    )

    @classmethod
    def from_row(cls, row: Row, access: Access, person: Row) -> "SocialInsurance":
        """`person` is the person's row: the footer's retirement age needs the birth date."""
        return cls(
            person_id=row["person_id"],
            access=access,
            person=person,
            bhxh_code=row["bhxh_code"],
            managing_unit_code=row["managing_unit_code"],
            office=SocialInsuranceOffice(code=row["office_code"], name=row["office_name"]),
            participant_category=db_enums.ParticipantCategory(row["participant_category"]),
            payment_method=db_enums.PaymentMethod(row["payment_method"])
            if row["payment_method"]
            else None,
            tax_code=row["tax_code"],
            issuing_office=SocialInsuranceOffice(
                code=row["issuing_office_code"], name=row["issuing_office_name"]
            )
            if row["issuing_office_code"]
            else None,
            issued_on=row["issued_on"],
        )

    @strawberry.field(
        description="Quá trình đóng — contribution history, oldest first, filtered by scheme and months."
    )
    async def contribution_periods(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
        schemes: Annotated[
            list[Scheme] | None,
            strawberry.argument(description="Chế độ — only rows of these schemes (default: all)."),
        ] = None,
        from_month: FromMonth = None,
        to_month: ToMonth = None,
    ) -> Connection[ContributionPeriod]:
        return await contribution_periods(
            info, self.person_id, self.access, first, after, schemes, from_month, to_month
        )

    @strawberry.field(description="Tổng thời gian đóng — months contributed, per scheme.")
    async def totals(self, info: Info) -> list[SchemeTotal] | None:
        require_whole_history(self.access, DataGroup.SOCIAL_INSURANCE)
        rows: list[Row] = await info.context.loaders.contribution_totals.load(self.person_id)
        return scheme_totals(rows)

    @strawberry.field(
        description=(
            "Tổng thời gian đóng BHXH tính hưởng lương hưu — the book's footer: compulsory and"
            " voluntary months toward a pension, months still needed and retirement age."
        )
    )
    async def pension(self, info: Info) -> PensionStanding | None:
        require_whole_history(self.access, DataGroup.SOCIAL_INSURANCE)
        rows: list[Row] = await info.context.loaders.contribution_totals.load(self.person_id)
        return self.pension_standing(rows)

    def pension_standing(self, rows: list[Row]) -> PensionStanding:
        return pension_standing(self.person_id, self.access, self.person, rows, today())

    @strawberry.field(description="Quyết định hưởng — benefit decisions, oldest first.")
    async def benefits(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
        from_month: FromMonth = None,
        to_month: ToMonth = None,
    ) -> Connection[Benefit] | None:
        key = benefits_key(self.person_id, self.access, first, after, from_month, to_month)
        return benefits_page(await info.context.loaders.benefits.load(key), first)


def scheme_totals(rows: list[Row]) -> list[SchemeTotal]:
    return [
        SchemeTotal(
            scheme=db_enums.Scheme(r["scheme"]),
            months=r["months"],
            settled_months=r["settled_months"],
            maternity_months=r["maternity_months"],
            prepaid_months=r["prepaid_months"],
        )
        for r in rows
    ]


def benefits_key(
    person_id: int,
    access: Access,
    first: int,
    after: str | None,
    from_month: date | None,
    to_month: date | None,
) -> PagedKey[PageArgs]:
    """The `benefits` loader's key, or the field's error (employer, arguments)."""
    require_whole_history(access, DataGroup.SOCIAL_INSURANCE)
    start, end = date_range(from_month, to_month)
    return PagedKey(person_id, PageArgs(page_params(first, after, date), start=start, end=end))


def benefits_page(rows: list[Row], first: int) -> Connection[Benefit]:
    return connection(rows, first, "period_from", lambda r: Benefit(row=r))


async def contribution_periods(
    info: Info,
    person_id: int,
    access: Access,
    first: int,
    after: str | None,
    schemes: list[Any] | None,
    from_month: date | None,
    to_month: date | None,
) -> Connection[ContributionPeriod]:
    key = contribution_periods_key(person_id, access, first, after, schemes, from_month, to_month)
    return contribution_page(await info.context.loaders.contribution_periods.load(key), first)


def contribution_periods_key(
    person_id: int,
    access: Access,
    first: int,
    after: str | None,
    schemes: list[Any] | None,
    from_month: date | None,
    to_month: date | None,
) -> PagedKey[PageArgs]:
    """The `contribution_periods` loader's key, or the field's error (arguments)."""
    start, end = date_range(from_month, to_month)
    args = PageArgs(
        page_params(first, after, date),
        schemes=tuple(sorted(s.value for s in schemes)) if schemes else None,
        start=start,
        end=end,
        employer_id=access.employer_id,
    )
    return PagedKey(person_id, args)


def contribution_page(rows: list[Row], first: int) -> Connection[ContributionPeriod]:
    return connection(rows, first, "from_month", lambda r: ContributionPeriod(row=r))


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None

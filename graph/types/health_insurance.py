"""Health insurance (BHYT): cards with their history, and medical examination records."""

from datetime import date, datetime

import strawberry

from db import enums as db_enums
from db import reference_data
from db.bhyt_rules import today
from db.enums import CardStatus, VisitType
from db.session import Row
from graph.arguments import After, First, FromDate, FromMonth, ToDate, ToMonth
from graph.authz.permissions import note_read, require_whole_history
from graph.authz.policy import Access, DataGroup
from graph.context import Info
from graph.loaders import PagedKey
from graph.pagination import Connection, PageArgs, connection, page_params
from graph.types.health_contribution import (
    HealthInsuranceContribution,
    contributions_key,
    contributions_page,
)
from graph.types.reference import HealthFacility, Province
from graph.types.scalars import Vnd
from graph.validation import date_range


@strawberry.type(description="Đối tượng tham gia BHYT — a BHYT participant category.")
class BhytCategory:
    code: str = strawberry.field(
        description="Mã đối tượng — the 2-letter category code (DN, HT, TE…)."
    )
    name: str = strawberry.field(description="Tên đối tượng — the category's Vietnamese name.")
    benefit_level: int = strawberry.field(description="Mức hưởng — the benefit level 1–5 it gives.")

    @classmethod
    def of(cls, code: str) -> "BhytCategory":
        category = reference_data.BHYT_CATEGORY_BY_CODE[code]
        return cls(code=code, name=category.name_vi, benefit_level=category.benefit_level)


@strawberry.federation.type(
    keys=["code"],
    description=(
        "Thẻ BHYT — one issue of a health insurance card. Renewals are new issues; a code finds"
        " the issue in force today (else the latest begun). Either code form finds it."
    ),
)
class HealthInsuranceCard:
    row: strawberry.Private[Row]

    @classmethod
    async def resolve_reference(cls, info: Info, code: str) -> "HealthInsuranceCard | None":
        return await find_card(info, code)

    @strawberry.field(
        description=(
            "Mã phát hành — this issue's id: renewals share the code, so the card mutations name"
            " an issue by it."
        )
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row["id"]))

    @strawberry.field(
        description=(
            "Phiên bản — raised by every change of the issue; send it back as expectedVersion"
            " to change the card (a stale one is a CONFLICT carrying currentVersion)."
        )
    )
    def version(self) -> int:
        return self.row["version"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Mã thẻ — the 15-character code (category, level, province, BHXH code)."
    )
    def code(self) -> str:
        return self.row["code"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Mã thẻ 10 số — the 10-digit code printed since 1/4/2021 (= mã số BHXH)."
    )
    def short_code(self) -> str:
        return self.row["short_code"]  # type: ignore[no-any-return]

    @strawberry.field(description="Đối tượng — participant category.")
    def category(self) -> BhytCategory:
        return BhytCategory.of(self.row["category_code"])

    @strawberry.field(description="Mức hưởng — benefit level 1–5.")
    def benefit_level(self) -> int:
        return self.row["benefit_level"]  # type: ignore[no-any-return]

    @strawberry.field(description="Tỉnh cấp thẻ — issuing (pre-2025) province.")
    def province(self) -> Province:
        return Province.legacy(self.row["province_code"])

    @strawberry.field(description="Mã khu vực — living-area code K1/K2/K3, when any.")
    def area_code(self) -> str | None:
        return self.row["area_code"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Nơi đăng ký KCB ban đầu — initial registered healthcare facility."
    )
    def initial_facility(self) -> HealthFacility:
        return HealthFacility.from_row(self.row["initial_facility"])

    @strawberry.field(description="Giá trị sử dụng từ ngày — valid from.")
    def valid_from(self) -> date:
        return self.row["valid_from"]  # type: ignore[no-any-return]

    @strawberry.field(description="Giá trị sử dụng đến ngày — valid to.")
    def valid_to(self) -> date:
        return self.row["valid_to"]  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Thời điểm đủ 5 năm liên tục — the day the holder completes 5 consecutive years of"
            " cover, derived when read: 5 years after the start of the continuous cover holding"
            " this issue (the holder's issues that are not revoked, breaks of at most 3 months"
            " from 1/1/2015 kept, and the cover before them an officer recorded from paper"
            " records); null when that day falls after validTo, as on the printed card."
        )
    )
    def five_year_date(self) -> date | None:
        return self.row["five_year_date"]  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Trạng thái — revoked or temporarily locked by an officer, else expired once validTo"
            " has passed (Vietnam's date), else active. Computed when read."
        )
    )
    def status(self) -> CardStatus:
        return db_enums.CardStatus(self.row["status"])

    @strawberry.field(description="Lý do — why the card is revoked or locked.")
    def status_reason(self) -> str | None:
        return self.row["status_reason"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Whether the card can be used today: active and within its validity."
    )
    def valid_today(self) -> bool:
        row = self.row
        return bool(row["status"] == "ACTIVE" and row["valid_from"] <= today() <= row["valid_to"])


@strawberry.type(description="Hồ sơ khám chữa bệnh — a medical examination or treatment record.")
class MedicalVisit:
    row: strawberry.Private[Row]

    @strawberry.field(description="Mã hồ sơ — the record's id (correctMedicalVisit names it).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row["id"]))

    @strawberry.field(
        description=(
            "Phiên bản — raised by every correction; send it back as expectedVersion to correct"
            " the record again."
        )
    )
    def version(self) -> int:
        return self.row["version"]  # type: ignore[no-any-return]

    @strawberry.field(description="Cơ sở KCB — the facility.")
    def facility(self) -> HealthFacility:
        return HealthFacility.from_row(self.row["facility"])

    @strawberry.field(description="Ngày vào — admission time.")
    def admitted_at(self) -> datetime:
        return self.row["admitted_at"]  # type: ignore[no-any-return]

    @strawberry.field(description="Ngày ra — discharge time.")
    def discharged_at(self) -> datetime | None:
        return self.row["discharged_at"]  # type: ignore[no-any-return]

    @strawberry.field(description="Hình thức — outpatient or inpatient.")
    def visit_type(self) -> VisitType:
        return db_enums.VisitType(self.row["visit_type"])

    @strawberry.field(description="Mã bệnh ICD-10 — diagnosis code.")
    def icd10_code(self) -> str:
        return self.row["icd10_code"]  # type: ignore[no-any-return]

    @strawberry.field(description="Tên bệnh — diagnosis.")
    def diagnosis(self) -> str:
        return self.row["diagnosis"]  # type: ignore[no-any-return]

    @strawberry.field(description="Tổng chi phí — total cost (VND).")
    def total_cost_vnd(self) -> Vnd:
        return self.row["total_cost_vnd"]  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Quỹ BHYT thanh toán — paid by the fund (VND), computed by the register from the"
            " card's benefit level and the cost-sharing rules, never sent by the facility."
        )
    )
    def fund_paid_vnd(self) -> Vnd:
        return self.row["fund_paid_vnd"]  # type: ignore[no-any-return]

    @strawberry.field(description="Người bệnh cùng chi trả — paid by the patient (VND).")
    def patient_paid_vnd(self) -> Vnd:
        return self.row["patient_paid_vnd"]  # type: ignore[no-any-return]


@strawberry.type(description="Thông tin BHYT — the person's health insurance.")
class HealthInsurance:
    person_id: strawberry.Private[int]
    access: strawberry.Private[Access]

    @strawberry.field(
        description=(
            "Thẻ BHYT hiện hành — the card in force today; without one, the latest issue that"
            " has begun, else the next to begin."
        )
    )
    async def current_card(self, info: Info) -> HealthInsuranceCard | None:
        row = await info.context.loaders.current_card.load(self.person_id)
        return HealthInsuranceCard(row=row) if row else None

    @strawberry.field(
        description="Lịch sử thẻ — card issues, oldest first, filtered by validity dates."
    )
    async def cards(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
        from_date: FromDate = None,
        to_date: ToDate = None,
    ) -> Connection[HealthInsuranceCard] | None:
        key = cards_key(self.person_id, self.access, first, after, from_date, to_date)
        return cards_page(await info.context.loaders.cards.load(key), first)

    @strawberry.field(
        description=(
            "Quá trình đóng BHYT — who paid for the person's cover and how much a month, oldest"
            " first, filtered by months."
        )
    )
    async def contributions(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
        from_month: FromMonth = None,
        to_month: ToMonth = None,
    ) -> Connection[HealthInsuranceContribution] | None:
        key = contributions_key(self.person_id, self.access, first, after, from_month, to_month)
        return contributions_page(await info.context.loaders.health_contributions.load(key), first)


def cards_key(
    person_id: int,
    access: Access,
    first: int,
    after: str | None,
    from_date: date | None,
    to_date: date | None,
) -> PagedKey[PageArgs]:
    """The `cards` loader's key, or the field's error (employer, arguments)."""
    require_whole_history(access, DataGroup.HEALTH_INSURANCE)
    start, end = date_range(from_date, to_date, "fromDate")
    return PagedKey(person_id, PageArgs(page_params(first, after, date), start=start, end=end))


def cards_page(rows: list[Row], first: int) -> Connection[HealthInsuranceCard]:
    return connection(rows, first, "valid_from", lambda r: HealthInsuranceCard(row=r))


async def medical_visits(
    info: Info,
    person_id: int,
    access: Access,
    first: int,
    after: str | None,
    from_date: date | None,
    to_date: date | None,
) -> Connection[MedicalVisit]:
    key = medical_visits_key(person_id, access, first, after, from_date, to_date)
    return visits_page(await info.context.loaders.medical_visits.load(key), first)


def medical_visits_key(
    person_id: int,
    access: Access,
    first: int,
    after: str | None,
    from_date: date | None,
    to_date: date | None,
) -> PagedKey[PageArgs]:
    """The `medical_visits` loader's key, or the field's error (arguments)."""
    start, end = date_range(from_date, to_date, "fromDate")
    args = PageArgs(
        page_params(first, after, datetime),
        start=start,
        end=end,
        facility_code=access.facility_code,
    )
    return PagedKey(person_id, args)


def visits_page(rows: list[Row], first: int) -> Connection[MedicalVisit]:
    return connection(rows, first, "admitted_at", lambda r: MedicalVisit(row=r))


async def find_card(info: Info, code: str) -> HealthInsuranceCard | None:
    """A card by either code form, if the caller may read its holder's health insurance."""
    loaders = info.context.loaders
    loader = loaders.card_by_short_code if len(code) == 10 else loaders.card_by_code
    card = await loader.load(code)
    if card is None:
        return None
    holder = await loaders.person_by_id.load(card["person_id"])
    access = await info.context.require_facts().access(holder)
    if access is None or DataGroup.HEALTH_INSURANCE not in access.groups:
        return None
    note_read(info, card["person_id"], DataGroup.HEALTH_INSURANCE, access)
    return HealthInsuranceCard(row=card)

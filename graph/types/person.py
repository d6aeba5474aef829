"""Person: identity, contact and relatives; the root of the e-book (sổ BHXH điện tử)."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry

from db import enums as db_enums
from db.enums import DatePrecision, ManagingAuthority, RelativeKind, Sex
from db.queries.paging import PageParams
from db.session import Row
from graph.arguments import After, First, FromDate, ToDate
from graph.authz.permissions import guard, note_read
from graph.authz.policy import Access, DataGroup
from graph.context import Info
from graph.loaders import PagedKey
from graph.pagination import MAX_PAGE, Connection, PageArgs, connection, page_params
from graph.types.reference import Ethnicity, Province

if TYPE_CHECKING:
    from graph.types.access_log import AccessLogEntry
    from graph.types.change_log import ChangeLogEntry
    from graph.types.consent import Consent
    from graph.types.health_insurance import HealthInsurance, MedicalVisit
    from graph.types.household import Household
    from graph.types.social_insurance import SocialInsurance
    from graph.types.unemployment_insurance import UnemploymentInsurance


@strawberry.type(description="Ngày sinh — a birth date as precisely as the record knows it.")
class PartialDate:
    year: int = strawberry.field(description="Năm — the year.")
    month: int | None = strawberry.field(description="Tháng — the month, when known.")
    day: int | None = strawberry.field(description="Ngày — the day, when known.")
    precision: DatePrecision = strawberry.field(description="Which parts are known.")
    text: str = strawberry.field(
        description="ISO form of the known parts: 1957, 1957-03, 1957-03-14."
    )

    @classmethod
    def of(cls, value: date, precision: str) -> "PartialDate":
        p = db_enums.DatePrecision(precision)
        known_month = p is not db_enums.DatePrecision.YEAR
        known_day = p is db_enums.DatePrecision.DAY
        text = value.isoformat()[: 10 if known_day else 7 if known_month else 4]
        return cls(
            year=value.year,
            month=value.month if known_month else None,
            day=value.day if known_day else None,
            precision=p,
            text=text,
        )


@strawberry.type(description="Thông tin liên hệ — contact information.")
class Contact:
    phone: str | None = strawberry.field(description="Số điện thoại — phone number.")
    email: str | None = strawberry.field(description="Thư điện tử — email address.")
    address: str | None = strawberry.field(description="Địa chỉ liên hệ — contact address.")
    version: int = strawberry.field(
        description=(
            "Phiên bản — the version of these details: send it back as expectedVersion when"
            " changing them (updateContact); a change made meanwhile makes yours a CONFLICT."
        )
    )


@strawberry.type(
    description=(
        "Thân nhân — a father, mother, spouse or legal representative, as this person's record "
        "names them: part of this person's RELATIVES group, not a look into the relative's own "
        "record. Many relatives are recorded by name and personal ID without a record of their "
        "own; a relative whose record the caller may not see (someone else's, or kept by the "
        "Ministry of Defence or Public Security) is shown exactly like one of those."
    )
)
class Relative:
    kind: RelativeKind = strawberry.field(description="Quan hệ — how they are related.")
    full_name: str = strawberry.field(
        description="Họ, chữ đệm và tên — full name, as this person's record gives it."
    )
    identification_number: str | None = strawberry.field(
        description=(
            "Số định danh cá nhân — the relative's personal ID as this person's record gives it, "
            "when recorded. It says nothing about whether the relative has a record here."
        )
    )
    passport_number: str | None = strawberry.field(description="Số hộ chiếu — passport number.")
    nationality: str = strawberry.field(
        description="Quốc tịch — nationality (ISO 3166 alpha-2); the passport is of this state."
    )
    relative_person_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, r: Row) -> "Relative":
        return cls(
            kind=db_enums.RelativeKind(r["kind"]),
            full_name=r["full_name"],
            identification_number=r["identification_number"],
            passport_number=r["passport_number"],
            nationality=r["nationality"],
            relative_person_id=r["relative_person_id"],
        )

    @strawberry.field(
        description=(
            "The relative's own record, when the caller may see it; null otherwise. Null means "
            "no record or a record the caller may not see, and nothing tells the two apart "
            "(person(identificationNumber:) answers NOT_FOUND for both)."
        )
    )
    async def person(self, info: Info) -> "Person | None":
        if self.relative_person_id is None:
            return None
        row = await info.context.loaders.person_by_id.load(self.relative_person_id)
        return await Person.admit(info, row)


@strawberry.federation.type(
    keys=["identificationNumber", "bhxhCode"],
    description=(
        "Người tham gia — a person of the National Insurance Database and their electronic "
        "social insurance book (sổ BHXH điện tử). Each field belongs to one data group; a field "
        "the caller may not read is null with a FORBIDDEN error naming the group."
    ),
)
class Person:
    row: strawberry.Private[Row]
    access: strawberry.Private[Access]

    @property
    def person_id(self) -> int:
        return int(self.row["id"])

    @classmethod
    async def admit(cls, info: Info, row: Row | None) -> "Person | None":
        """The one way a Person is made: None when the caller may not see this person at all."""
        if row is None:
            return None
        access = await info.context.require_facts().access(row)
        return cls(row=row, access=access) if access else None

    @classmethod
    async def admit_many(cls, info: Info, rows: Sequence[Row | None]) -> "list[Person | None]":
        accesses = await info.context.require_facts().access_many(rows)
        return [
            cls(row=row, access=access) if row is not None and access else None
            for row, access in zip(rows, accesses, strict=True)
        ]

    @classmethod
    async def admit_listed(cls, info: Info, rows: Sequence[Row]) -> "dict[int, Person]":
        """The persons of a list whose statement applied the caller's ListScope, by id. Each
        must be admitted: a row the policy refuses means the scope and the policy disagree, and
        answering would count a person the caller cannot see, so the request fails instead."""
        people = await cls.admit_many(info, rows)
        admitted = {p.person_id: p for p in people if p is not None}
        if len(admitted) != len({r["id"] for r in rows}):
            raise RuntimeError("a list held a person the access policy does not admit")
        return admitted

    @classmethod
    async def resolve_reference(
        cls, info: Info, identificationNumber: str | None = None, bhxhCode: str | None = None
    ) -> "Person | None":
        # graph.representations lets exactly one key through.
        row = await info.context.loaders.person_by_key.load(identificationNumber or bhxhCode)
        return await cls.admit(info, row)

    @strawberry.field(
        description=(
            "Số định danh cá nhân — the 12-digit personal ID, the person's first key; null for a "
            "foreign worker known by passport only (bhxhCode is their key). Readable whenever "
            "the person is (a list or a link hands it out); when it reaches someone other than "
            "the person, the access log records it as a read of the IDENTITY group."
        )
    )
    def identification_number(self, info: Info) -> str | None:
        # The ID is identity data (DESIGN.md) even where the caller's groups lack IDENTITY: a
        # list, a roster or a link gives it out, so it is logged as such, on the ground the
        # person was admitted on.
        note_read(info, self.person_id, DataGroup.IDENTITY, self.access)
        return self.row["identification_number"]  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Mã số BHXH — the 10-digit social insurance code, one per person for life; the "
            "person's second key (the only one of a foreign worker known by passport). Null "
            "while no code is issued. Readable whenever the person is, and logged like "
            "identificationNumber."
        )
    )
    def bhxh_code(self, info: Info) -> str | None:
        # A key like the personal ID: handed out with the person, logged as identity data.
        note_read(info, self.person_id, DataGroup.IDENTITY, self.access)
        return self.row["bhxh_code"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Số hộ chiếu — passport number.", permission_classes=guard("passportNumber")
    )
    def passport_number(self) -> str | None:
        return self.row["passport_number"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Họ, chữ đệm và tên khai sinh — full birth name.",
        permission_classes=guard("fullName"),
    )
    def full_name(self) -> str | None:
        return self.row["full_name"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Ngày, tháng, năm sinh — birth date.", permission_classes=guard("birthDate")
    )
    def birth_date(self) -> PartialDate | None:
        return PartialDate.of(self.row["birth_date"], self.row["birth_date_precision"])

    @strawberry.field(description="Giới tính — sex.", permission_classes=guard("sex"))
    def sex(self) -> Sex | None:
        return db_enums.Sex(self.row["sex"])

    @strawberry.field(description="Dân tộc — ethnic group.", permission_classes=guard("ethnicity"))
    def ethnicity(self) -> Ethnicity | None:
        return Ethnicity.of(self.row["ethnicity_code"])

    @strawberry.field(
        description="Quốc tịch — nationality (ISO 3166 alpha-2).",
        permission_classes=guard("nationality"),
    )
    def nationality(self) -> str | None:
        return self.row["nationality"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Nơi đăng ký khai sinh — place of birth registration.",
        permission_classes=guard("birthRegistrationPlace"),
    )
    def birth_registration_place(self) -> str | None:
        return self.row["birth_registration_place"]  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Tỉnh đăng ký khai sinh — the (pre-2025) province of birth registration, "
            "digits 1–3 of the personal ID."
        ),
        permission_classes=guard("birthRegistrationProvince"),
    )
    def birth_registration_province(self) -> Province | None:
        return Province.legacy(self.row["birth_registration_province_code"])

    @strawberry.field(description="Quê quán — hometown.", permission_classes=guard("hometown"))
    def hometown(self) -> str | None:
        return self.row["hometown"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Nơi thường trú — permanent residence.",
        permission_classes=guard("permanentResidence"),
    )
    def permanent_residence(self) -> str | None:
        return self.row["permanent_residence"]  # type: ignore[no-any-return]

    @strawberry.field(
        description=(
            "Ngày chết — date of death, as the civil register has it; null while the person"
            " lives (or no death is registered). BHYT cards end on it."
        ),
        permission_classes=guard("dateOfDeath"),
    )
    def date_of_death(self) -> date | None:
        return self.row["died_on"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Cơ quan quản lý — the ministry that keeps this person's book.",
        permission_classes=guard("managingAuthority"),
    )
    def managing_authority(self) -> ManagingAuthority | None:
        return db_enums.ManagingAuthority(self.row["managing_authority"])

    @strawberry.field(
        description="Thông tin liên hệ — contact information.",
        permission_classes=guard("contact"),
    )
    def contact(self) -> Contact | None:
        row = self.row
        return Contact(
            phone=row["phone"],
            email=row["email"],
            address=row["contact_address"],
            version=row["version"],
        )

    @strawberry.field(
        description="Thân nhân — father, mother, spouse and legal representative.",
        permission_classes=guard("relatives"),
    )
    async def relatives(self, info: Info) -> list[Relative] | None:
        rows: list[Any] = await info.context.loaders.relatives.load(self.row["id"])
        return [Relative.from_row(r) for r in rows]

    @strawberry.field(
        description="Hộ gia đình — the household the person belongs to.",
        permission_classes=guard("household"),
    )
    async def household(
        self, info: Info
    ) -> Annotated["Household", strawberry.lazy("graph.types.household")] | None:
        from graph.types.household import Household

        return await Household.of_person(info, self.row["id"])

    @strawberry.field(
        description="Bảo hiểm xã hội — social insurance: code, contribution history, benefits.",
        permission_classes=guard("socialInsurance"),
    )
    async def social_insurance(
        self, info: Info
    ) -> Annotated["SocialInsurance", strawberry.lazy("graph.types.social_insurance")] | None:
        from graph.types.social_insurance import SocialInsurance

        row = await info.context.loaders.social_insurance.load(self.person_id)
        return SocialInsurance.from_row(row, self.access, self.row) if row else None

    @strawberry.field(
        description="Bảo hiểm y tế — health insurance cards and their history.",
        permission_classes=guard("healthInsurance"),
    )
    def health_insurance(
        self,
    ) -> Annotated["HealthInsurance", strawberry.lazy("graph.types.health_insurance")] | None:
        from graph.types.health_insurance import HealthInsurance

        return HealthInsurance(person_id=self.person_id, access=self.access)

    @strawberry.field(
        description="Dữ liệu khám chữa bệnh — medical examination records, oldest first.",
        permission_classes=guard("medicalVisits"),
    )
    async def medical_visits(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
        from_date: FromDate = None,
        to_date: ToDate = None,
    ) -> (
        Connection[Annotated["MedicalVisit", strawberry.lazy("graph.types.health_insurance")]]
        | None
    ):
        from graph.types.health_insurance import medical_visits

        return await medical_visits(
            info, self.person_id, self.access, first, after, from_date, to_date
        )

    @strawberry.field(
        description="Bảo hiểm thất nghiệp — unemployment insurance: decisions, reserved months.",
        permission_classes=guard("unemploymentInsurance"),
    )
    def unemployment_insurance(
        self,
    ) -> (
        Annotated["UnemploymentInsurance", strawberry.lazy("graph.types.unemployment_insurance")]
        | None
    ):
        from graph.types.unemployment_insurance import UnemploymentInsurance

        return UnemploymentInsurance(person_id=self.person_id, access=self.access)

    @strawberry.field(
        description=(
            "Sự đồng ý — the person's newest consents to partner agencies, at most 100"
            " (the person and their representative)."
        ),
        permission_classes=guard("consents"),
        deprecation_reason=(
            "Unbounded history in one list: use consentHistory (a page at a time, with"
            " totalCount). Returns only the newest 100."
        ),
    )
    async def consents(
        self, info: Info
    ) -> list[Annotated["Consent", strawberry.lazy("graph.types.consent")]] | None:
        from graph.types.consent import Consent

        args = PageArgs(PageParams(limit=MAX_PAGE))
        rows: list[Row] = await info.context.loaders.consents.load(PagedKey(self.person_id, args))
        return [Consent(row=r) for r in rows if not r.get("_carrier")]

    @strawberry.field(
        description=(
            "Sự đồng ý — the person's consents to partner agencies, newest first, a page at a"
            " time (the person and their representative)."
        ),
        permission_classes=guard("consentHistory"),
    )
    async def consent_history(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[Annotated["Consent", strawberry.lazy("graph.types.consent")]] | None:
        from graph.types.consent import Consent

        args = PageArgs(page_params(first, after, datetime, UUID))
        rows = await info.context.loaders.consents.load(PagedKey(self.person_id, args))
        return connection(rows, first, "granted_at", lambda r: Consent(row=r))

    @strawberry.field(
        description="Nhật ký truy cập — who read this person's data, newest first.",
        permission_classes=guard("accessLog"),
    )
    async def access_log(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[Annotated["AccessLogEntry", strawberry.lazy("graph.types.access_log")]] | None:
        from graph.types.access_log import AccessLogEntry

        args = PageArgs(page_params(first, after, datetime))
        rows = await info.context.loaders.access_log.load(PagedKey(self.person_id, args))
        return connection(rows, first, "at", lambda r: AccessLogEntry(row=r))

    @strawberry.field(
        description=(
            "Nhật ký thay đổi — every change made to this person's records through the API,"
            " newest first: who, on what ground, which record, the changed fields before and"
            " after."
        ),
        permission_classes=guard("changeLog"),
    )
    async def change_log(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[Annotated["ChangeLogEntry", strawberry.lazy("graph.types.change_log")]] | None:
        from graph.types.change_log import ChangeLogEntry

        args = PageArgs(page_params(first, after, datetime))
        rows = await info.context.loaders.change_log.load(PagedKey(self.person_id, args))
        return connection(rows, first, "at", lambda r: ChangeLogEntry(row=r))

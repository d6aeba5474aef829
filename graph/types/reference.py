"""Reference lists: provinces, ethnic groups, offices and facilities (DOMAIN.md §2)."""

from typing import Any

import strawberry

from db import reference_data


@strawberry.type(
    description="Tỉnh/thành phố — a province, by its code from 1/7/2025 or a legacy code."
)
class Province:
    code: str = strawberry.field(description="Mã tỉnh — the 2-digit province code.")
    name: str = strawberry.field(description="Tên tỉnh — the province's name.")

    @classmethod
    def current(cls, code: str) -> "Province":
        return cls(code=code, name=reference_data.PROVINCE_BY_CODE[code].name)

    @classmethod
    def legacy(cls, code: str) -> "Province":
        """A pre-2025 province (its code still appears in personal IDs and old BHYT cards)."""
        province = reference_data.PROVINCE_BY_LEGACY_CODE[code]
        return cls(code=code, name=province.legacy_names[province.legacy_codes.index(code)])


@strawberry.type(description="Dân tộc — one of the 54 ethnic groups.")
class Ethnicity:
    code: str = strawberry.field(description="Mã dân tộc — the 2-digit code (01 Kinh … 54 Rơ Măm).")
    name: str = strawberry.field(description="Tên dân tộc — the ethnic group's name.")

    @classmethod
    def of(cls, code: str) -> "Ethnicity":
        return cls(code=code, name=reference_data.ETHNICITY_BY_CODE[code].name)


@strawberry.type(description="Cơ quan BHXH — a social insurance office.")
class SocialInsuranceOffice:
    code: str = strawberry.field(description="Mã cơ quan BHXH — the office code.")
    name: str = strawberry.field(description="Tên cơ quan BHXH — the office's name.")


@strawberry.type(description="Cơ sở khám bệnh, chữa bệnh — a healthcare facility.")
class HealthFacility:
    code: str = strawberry.field(description="Mã cơ sở KCB (MA_CSKCB) — the 5-character code.")
    name: str = strawberry.field(description="Tên cơ sở KCB — the facility's name.")
    address: str = strawberry.field(description="Địa chỉ — the facility's address.")
    tier: str = strawberry.field(description="Tuyến/cấp chuyên môn — the facility's care level.")
    province: Province = strawberry.field(description="Tỉnh — where the facility is.")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "HealthFacility":
        """From a health_facility row or its `to_jsonb` object (the card's or visit's own column):
        every field read here is text, which jsonb keeps as it is."""
        return cls(
            code=row["code"],
            name=row["name"],
            address=row["address"],
            tier=row["tier"],
            province=Province.current(row["province_code"]),
        )

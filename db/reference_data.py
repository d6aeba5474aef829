"""Closed reference lists of DOMAIN.md §2: provinces, ethnic groups, BHYT categories and levels.

Plain constants rather than database reads: identifier validation needs them without a connection,
and migration 0002 seeds the reference tables from them so code and data cannot drift apart.
"""

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Province:
    """A province from 1/7/2025 (Decision 19/2025/QĐ-TTg) and the legacy provinces merged into it.

    Legacy codes still appear in personal IDs and old BHYT cards, so they are kept with their old
    names. When the new province kept a legacy code (the seat's), that code comes first.
    """

    code: str
    name: str
    legacy_codes: tuple[str, ...]
    legacy_names: tuple[str, ...]
    is_city: bool

    def __post_init__(self) -> None:
        if len(self.legacy_codes) != len(self.legacy_names):
            raise ValueError(f"province {self.code}: legacy codes and names are not aligned")


def _province(code: str, name: str, *merged: tuple[str, str], city: bool = False) -> Province:
    # An unmerged province is its own single legacy province.
    legacy = merged or ((code, name),)
    return Province(
        code=code,
        name=name,
        legacy_codes=tuple(c for c, _ in legacy),
        legacy_names=tuple(n for _, n in legacy),
        is_city=city,
    )


PROVINCES: tuple[Province, ...] = (
    # North
    _province("01", "Hà Nội", city=True),
    _province("04", "Cao Bằng"),
    _province("08", "Tuyên Quang", ("08", "Tuyên Quang"), ("02", "Hà Giang")),
    _province("11", "Điện Biên"),
    _province("12", "Lai Châu"),
    _province("14", "Sơn La"),
    _province("15", "Lào Cai", ("15", "Yên Bái"), ("10", "Lào Cai")),
    _province("19", "Thái Nguyên", ("19", "Thái Nguyên"), ("06", "Bắc Kạn")),
    _province("20", "Lạng Sơn"),
    _province("22", "Quảng Ninh"),
    _province("24", "Bắc Ninh", ("24", "Bắc Giang"), ("27", "Bắc Ninh")),
    _province("25", "Phú Thọ", ("25", "Phú Thọ"), ("26", "Vĩnh Phúc"), ("17", "Hòa Bình")),
    _province("31", "Hải Phòng", ("31", "Hải Phòng"), ("30", "Hải Dương"), city=True),
    _province("33", "Hưng Yên", ("33", "Hưng Yên"), ("34", "Thái Bình")),
    _province("37", "Ninh Bình", ("37", "Ninh Bình"), ("35", "Hà Nam"), ("36", "Nam Định")),
    # Centre
    _province("38", "Thanh Hóa"),
    _province("40", "Nghệ An"),
    _province("42", "Hà Tĩnh"),
    _province("44", "Quảng Trị", ("44", "Quảng Bình"), ("45", "Quảng Trị")),
    _province("46", "Huế", ("46", "Thừa Thiên Huế"), city=True),
    _province("48", "Đà Nẵng", ("48", "Đà Nẵng"), ("49", "Quảng Nam"), city=True),
    _province("51", "Quảng Ngãi", ("51", "Quảng Ngãi"), ("62", "Kon Tum")),
    _province("52", "Gia Lai", ("52", "Bình Định"), ("64", "Gia Lai")),
    _province("56", "Khánh Hòa", ("56", "Khánh Hòa"), ("58", "Ninh Thuận")),
    _province("66", "Đắk Lắk", ("66", "Đắk Lắk"), ("54", "Phú Yên")),
    _province("68", "Lâm Đồng", ("68", "Lâm Đồng"), ("67", "Đắk Nông"), ("60", "Bình Thuận")),
    # South
    _province("75", "Đồng Nai", ("75", "Đồng Nai"), ("70", "Bình Phước")),
    _province(
        "79",
        "Hồ Chí Minh",
        ("79", "Hồ Chí Minh"),
        ("74", "Bình Dương"),
        ("77", "Bà Rịa - Vũng Tàu"),
        city=True,
    ),
    _province("80", "Tây Ninh", ("80", "Long An"), ("72", "Tây Ninh")),
    _province("82", "Đồng Tháp", ("82", "Tiền Giang"), ("87", "Đồng Tháp")),
    _province("86", "Vĩnh Long", ("86", "Vĩnh Long"), ("83", "Bến Tre"), ("84", "Trà Vinh")),
    _province("91", "An Giang", ("91", "Kiên Giang"), ("89", "An Giang")),
    _province(
        "92", "Cần Thơ", ("92", "Cần Thơ"), ("94", "Sóc Trăng"), ("93", "Hậu Giang"), city=True
    ),
    _province("96", "Cà Mau", ("96", "Cà Mau"), ("95", "Bạc Liêu")),
)

PROVINCE_BY_CODE: dict[str, Province] = {p.code: p for p in PROVINCES}
PROVINCE_BY_LEGACY_CODE: dict[str, Province] = {c: p for p in PROVINCES for c in p.legacy_codes}
LEGACY_PROVINCE_CODES: frozenset[str] = frozenset(PROVINCE_BY_LEGACY_CODE)


@dataclass(frozen=True)
class Ethnicity:
    code: str
    name: str


# Order as in the official list (DOMAIN.md §2); the code is the 1-based position.
_ETHNIC_NAMES = (
    "Kinh", "Tày", "Thái", "Hoa", "Khmer", "Mường", "Nùng", "Mông", "Dao", "Gia Rai",
    "Ngái", "Ê Đê", "Ba Na", "Xơ Đăng", "Sán Chay", "Cơ Ho", "Chăm", "Sán Dìu", "Hrê", "Mnông",
    "Raglay", "Xtiêng", "Bru-Vân Kiều", "Thổ", "Giáy", "Cơ Tu", "Giẻ Triêng", "Mạ", "Khơ Mú", "Co",
    "Tà Ôi", "Chơ Ro", "Kháng", "Xinh Mun", "Hà Nhì", "Chu Ru", "Lào", "La Chí", "La Ha", "Phù Lá",
    "La Hủ", "Lự", "Lô Lô", "Chứt", "Mảng", "Pà Thẻn", "Cơ Lao", "Cống", "Bố Y", "Si La",
    "Pu Péo", "Brâu", "Ơ Đu", "Rơ Măm",
)  # fmt: skip

ETHNICITIES: tuple[Ethnicity, ...] = tuple(
    Ethnicity(f"{i:02d}", name) for i, name in enumerate(_ETHNIC_NAMES, start=1)
)
ETHNICITY_BY_CODE: dict[str, Ethnicity] = {e.code: e for e in ETHNICITIES}


@dataclass(frozen=True)
class BenefitLevelInfo:
    level: int
    coverage_pct: int
    description: str


BENEFIT_LEVELS: tuple[BenefitLevelInfo, ...] = (
    BenefitLevelInfo(1, 100, "100% of covered costs, no cap"),
    BenefitLevelInfo(2, 100, "100% of covered costs, some items capped"),
    BenefitLevelInfo(3, 95, "95% of covered costs"),
    BenefitLevelInfo(4, 80, "80% of covered costs"),
    BenefitLevelInfo(5, 100, "100% of costs, including those outside the BHYT scope"),
)


@dataclass(frozen=True)
class BhytCategory:
    """A BHYT participant category (mã đối tượng); the category fixes the card's benefit level."""

    code: str
    benefit_level: int
    name_vi: str
    name_en: str


# Names beyond DOMAIN.md's glosses follow the Decision 1351/QĐ-BHXH list from memory (unverified).
BHYT_CATEGORIES: tuple[BhytCategory, ...] = (
    BhytCategory("CC", 1, "Người có công với cách mạng", "Person of revolutionary merit"),
    BhytCategory("TE", 1, "Trẻ em dưới 6 tuổi", "Child under 6"),
    BhytCategory(
        "CK", 2, "Người có công với cách mạng khác", "Other person of revolutionary merit"
    ),
    BhytCategory("CB", 2, "Cựu chiến binh", "Veteran"),
    BhytCategory("KC", 2, "Người tham gia kháng chiến", "Resistance participant"),
    BhytCategory("HN", 2, "Người thuộc hộ nghèo", "Member of a poor household"),
    BhytCategory("DT", 2, "Người dân tộc thiểu số vùng khó khăn", "Ethnic minority, poor area"),
    BhytCategory("DK", 2, "Người sống ở vùng đặc biệt khó khăn", "Resident of a very poor area"),
    BhytCategory("XD", 2, "Người sống ở xã đảo, huyện đảo", "Island resident"),
    BhytCategory("BT", 2, "Người hưởng trợ cấp bảo trợ xã hội", "Social assistance recipient"),
    BhytCategory("TS", 2, "Thân nhân liệt sĩ", "Relative of a fallen soldier"),
    BhytCategory("HT", 3, "Người hưởng lương hưu", "Pensioner"),
    BhytCategory("TC", 3, "Thân nhân người có công", "Relative of a person of merit"),
    BhytCategory("CN", 3, "Người thuộc hộ cận nghèo", "Member of a near-poor household"),
    BhytCategory("DN", 4, "Người lao động trong doanh nghiệp", "Enterprise employee"),
    BhytCategory("HX", 4, "Người lao động trong hợp tác xã", "Co-operative employee"),
    BhytCategory("CH", 4, "Người lao động trong cơ quan nhà nước", "State body employee"),
    BhytCategory(
        "NN", 4, "Người lao động trong tổ chức nước ngoài", "Foreign organisation employee"
    ),
    BhytCategory("TK", 4, "Người lao động trong tổ chức khác", "Other organisation employee"),
    BhytCategory("HC", 4, "Cán bộ, công chức, viên chức", "Civil servant"),
    BhytCategory("XK", 4, "Người hoạt động không chuyên trách ở xã", "Commune part-time official"),
    BhytCategory("TB", 4, "Người hưởng trợ cấp TNLĐ-BNN", "Occupational injury beneficiary"),
    BhytCategory("NO", 4, "Người nghỉ ốm dài ngày", "Long-term sick leave"),
    BhytCategory("CT", 4, "Người từ 80 tuổi hưởng trợ cấp tuất", "Survivor's allowance, aged 80+"),
    BhytCategory("XB", 4, "Cán bộ xã nghỉ việc hưởng trợ cấp BHXH", "Retired commune official"),
    BhytCategory("TN", 4, "Người hưởng trợ cấp thất nghiệp", "Unemployment allowance recipient"),
    BhytCategory("CS", 4, "Công nhân cao su hưởng trợ cấp", "Retired rubber worker"),
    BhytCategory(
        "XN", 4, "Cán bộ xã hưởng trợ cấp từ ngân sách", "Commune official, state allowance"
    ),
    BhytCategory("MS", 4, "Người hưởng trợ cấp mất sức lao động", "Work-incapacity allowance"),
    BhytCategory("HD", 4, "Đại biểu Quốc hội, HĐND", "National Assembly or council deputy"),
    BhytCategory("TQ", 4, "Thân nhân quân nhân", "Military relative"),
    BhytCategory("TA", 4, "Thân nhân công an", "Police relative"),
    BhytCategory("TY", 4, "Thân nhân người làm cơ yếu", "Cipher staff relative"),
    BhytCategory("HG", 4, "Người hiến bộ phận cơ thể", "Organ donor"),
    BhytCategory("LS", 4, "Lưu học sinh nước ngoài", "Foreign scholarship student"),
    BhytCategory("PV", 4, "Người phục vụ người có công", "Carer of a person of merit"),
    BhytCategory("HS", 4, "Học sinh", "Pupil"),
    BhytCategory("SV", 4, "Sinh viên", "Student"),
    BhytCategory("GB", 4, "Hộ nông, lâm, ngư, diêm nghiệp", "Farming household, average income"),
    BhytCategory("GD", 4, "Người tham gia theo hộ gia đình", "Household member"),
    BhytCategory("QN", 5, "Quân nhân", "Military personnel"),
    BhytCategory("CA", 5, "Công an nhân dân", "Police officer"),
    BhytCategory("CY", 5, "Người làm công tác cơ yếu", "Cipher staff"),
)
BHYT_CATEGORY_BY_CODE: dict[str, BhytCategory] = {c.code: c for c in BHYT_CATEGORIES}

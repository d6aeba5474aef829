"""Where people live: legacy provinces weighted by population, communes, streets and addresses,
and each province's ethnic mix.

Addresses follow the two-level administration in force since 1/7/2025 (commune or ward, then
province). Birth registrations and home towns predate it and name the legacy province.
"""

import random
import unicodedata
from dataclasses import dataclass

from db import reference_data
from db.seed.common import cumulative, weighted
from db.seed.copy import check_clean

# Population of the 63 legacy provinces, thousands (2019 census, rounded).
_POPULATION = {
    "01": 8054, "02": 854, "04": 530, "06": 314, "08": 785, "10": 731, "11": 599, "12": 460,
    "14": 1248, "15": 821, "17": 854, "19": 1287, "20": 782, "22": 1320, "24": 1804, "25": 1464,
    "26": 1152, "27": 1369, "30": 1893, "31": 2029, "33": 1253, "34": 1861, "35": 853, "36": 1780,
    "37": 983, "38": 3641, "40": 3328, "42": 1289, "44": 896, "45": 633, "46": 1129, "48": 1135,
    "49": 1496, "51": 1232, "52": 1487, "54": 873, "56": 1232, "58": 591, "60": 1231, "62": 541,
    "64": 1514, "66": 1870, "67": 623, "68": 1297, "70": 995, "72": 1170, "74": 2456, "75": 3097,
    "77": 1149, "79": 8993, "80": 1689, "82": 1765, "83": 1289, "84": 1010, "86": 1023, "87": 1600,
    "89": 1908, "91": 1724, "92": 1236, "93": 734, "94": 1200, "95": 908, "96": 1194,
}  # fmt: skip
_LEGACY_CITIES = ("01", "31", "48", "79", "92")
# Industrial provinces that draw migrant workers from the rest of the country.
MIGRANT_DESTINATIONS = ("79", "74", "75", "01", "27", "24", "31", "30", "80", "48")
# Mountain provinces: minority languages, village names ("Bản"), poorer households.
# Urbanised provinces beyond the five legacy cities.
_URBAN_SHARE = {"74": 0.7, "75": 0.5, "77": 0.55, "27": 0.5, "22": 0.6, "56": 0.5, "30": 0.45}
MOUNTAIN = (
    "02",
    "04",
    "06",
    "08",
    "10",
    "11",
    "12",
    "14",
    "15",
    "17",
    "20",
    "62",
    "64",
    "66",
    "67",
)


def _mix(*pairs: tuple[str, float]) -> tuple[tuple[str, ...], list[float]]:
    return tuple(c for c, _ in pairs), cumulative([w for _, w in pairs])


# Ethnic mix by legacy province (codes of db.reference_data.ETHNICITIES); Kinh elsewhere, with a
# sprinkle of Hoa, Tày and Mường.
_ETHNIC_MIX = {
    "02": _mix(("08", 32), ("02", 23), ("09", 15), ("01", 13), ("07", 9), ("35", 3), ("43", 2), ("40", 3)),
    "04": _mix(("02", 41), ("07", 31), ("08", 10), ("09", 10), ("01", 5), ("15", 3)),
    "06": _mix(("02", 54), ("01", 12), ("09", 17), ("07", 9), ("08", 8)),
    "08": _mix(("01", 46), ("02", 25), ("09", 11), ("15", 8), ("08", 3), ("07", 2), ("18", 5)),
    "10": _mix(("01", 34), ("08", 25), ("02", 11), ("09", 14), ("25", 5), ("07", 4), ("35", 4), ("40", 3)),
    "11": _mix(("03", 38), ("08", 35), ("01", 19), ("29", 4), ("35", 2), ("42", 2)),
    "12": _mix(("08", 35), ("03", 33), ("01", 15), ("09", 13), ("35", 3), ("41", 1)),
    "14": _mix(("03", 53), ("01", 17), ("08", 16), ("06", 7), ("29", 3), ("34", 2), ("33", 2)),
    "15": _mix(("01", 53), ("02", 19), ("09", 10), ("08", 10), ("03", 6), ("25", 2)),
    "17": _mix(("06", 63), ("01", 28), ("03", 4), ("02", 3), ("09", 2)),
    "20": _mix(("07", 43), ("02", 35), ("01", 16), ("09", 4), ("08", 2)),
    "19": _mix(("01", 73), ("02", 11), ("07", 6), ("18", 4), ("15", 3), ("09", 3)),
    "24": _mix(("01", 88), ("07", 5), ("02", 3), ("18", 2), ("15", 2)),
    "22": _mix(("01", 88), ("09", 5), ("02", 3), ("18", 2), ("04", 2)),
    "38": _mix(("01", 83), ("06", 9), ("03", 7), ("08", 1)),
    "40": _mix(("01", 86), ("03", 9), ("29", 2), ("08", 2), ("24", 1)),
    "45": _mix(("01", 88), ("23", 10), ("31", 2)),
    "46": _mix(("01", 96), ("31", 3), ("26", 1)),
    "49": _mix(("01", 92), ("26", 4), ("14", 3), ("27", 1)),
    "51": _mix(("01", 87), ("19", 11), ("30", 2)),
    "58": _mix(("01", 76), ("17", 12), ("21", 12)),
    "60": _mix(("01", 96), ("17", 3), ("21", 1)),
    "62": _mix(("01", 45), ("14", 25), ("13", 13), ("27", 8), ("52", 2), ("19", 2), ("54", 1), ("03", 4)),
    "64": _mix(("01", 52), ("10", 30), ("13", 12), ("02", 2), ("07", 2), ("03", 2)),
    "66": _mix(("01", 66), ("12", 17), ("20", 3), ("02", 4), ("07", 4), ("03", 2), ("08", 2), ("09", 2)),
    "67": _mix(("01", 63), ("20", 10), ("08", 7), ("02", 6), ("07", 6), ("28", 4), ("09", 4)),
    "68": _mix(("01", 76), ("16", 13), ("28", 3), ("36", 3), ("02", 2), ("07", 2), ("03", 1)),
    "70": _mix(("01", 81), ("22", 9), ("07", 4), ("02", 2), ("05", 2), ("28", 2)),
    "75": _mix(("01", 91), ("04", 4), ("07", 2), ("32", 1), ("02", 1), ("36", 1)),
    "79": _mix(("01", 93), ("04", 6), ("05", 1)),
    "74": _mix(("01", 97), ("04", 2), ("05", 1)),
    "84": _mix(("01", 67), ("05", 32), ("04", 1)),
    "94": _mix(("01", 63), ("05", 31), ("04", 6)),
    "91": _mix(("01", 86), ("05", 12), ("04", 2)),
    "95": _mix(("01", 89), ("05", 8), ("04", 3)),
    "89": _mix(("01", 94), ("05", 4), ("17", 1), ("04", 1)),
    "93": _mix(("01", 96), ("05", 3), ("04", 1)),
    "92": _mix(("01", 97), ("05", 2), ("04", 1)),
}  # fmt: skip
_DEFAULT_MIX = _mix(("01", 98.6), ("04", 0.5), ("02", 0.3), ("06", 0.3), ("07", 0.3))

_COMMUNES = (
    "An Bình", "An Hòa", "An Khánh", "An Lạc", "An Phú", "An Thịnh", "Bình An", "Bình Hòa",
    "Bình Minh", "Bình Thạnh", "Cẩm Thành", "Đại Đồng", "Đông Hòa", "Đông Hưng", "Đồng Tâm",
    "Gia Hòa", "Hiệp Hòa", "Hòa Bình", "Hòa Khánh", "Hòa Thuận", "Hồng Hà", "Hưng Đạo",
    "Hương Sơn", "Long Bình", "Long Hưng", "Long Phước", "Minh Khai", "Mỹ Hòa", "Mỹ Phước",
    "Nam Sơn", "Ngọc Sơn", "Phú Hòa", "Phú Lợi", "Phú Mỹ", "Phú Thọ", "Phước Long", "Quang Trung",
    "Quảng Phú", "Tân An", "Tân Bình", "Tân Định", "Tân Hiệp", "Tân Hưng", "Tân Lập", "Tân Phú",
    "Tân Thành", "Thanh Bình", "Thành Công", "Thuận An", "Thuận Thành", "Trung Hòa", "Trường Thọ",
    "Vĩnh Hưng", "Vĩnh Lộc", "Vĩnh Phú", "Xuân Hòa", "Yên Thịnh", "Lê Lợi", "Quyết Thắng",
    "Phước Hải", "Tam Thanh", "Đông Sơn", "Tây Sơn", "Nam Hà", "Bắc Sơn", "Kim Tân", "Lộc Hà",
    "Hòa Hiệp", "Thạnh Lộc", "Phong Phú", "Hưng Long", "Đức Thắng", "Tiến Thành", "Hợp Thành",
    "Quang Minh", "Ninh Hòa", "Hải Thành", "Phú Lâm", "Đại Phúc", "Thống Nhất", "Độc Lập",
)  # fmt: skip
_STREETS = (
    "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Lý Thường Kiệt", "Quang Trung",
    "Nguyễn Trãi", "Lê Duẩn", "Điện Biên Phủ", "Phan Đình Phùng", "Hùng Vương", "Võ Văn Kiệt",
    "Nguyễn Văn Linh", "Trường Chinh", "Lê Hồng Phong", "Phan Chu Trinh", "Bà Triệu",
    "Nguyễn Du", "Lý Tự Trọng", "Cách Mạng Tháng Tám", "Ba Tháng Hai", "Nguyễn Thị Minh Khai",
    "Pasteur", "Tôn Đức Thắng", "Hoàng Văn Thụ", "Lạc Long Quân", "Âu Cơ", "Kim Mã",
    "Giải Phóng", "Láng", "Cầu Giấy", "Xuân Thủy", "Phạm Văn Đồng", "Nguyễn Văn Cừ",
    "Lê Văn Sỹ", "Cộng Hòa", "Trần Phú", "Bạch Đằng", "Ngô Quyền", "Nguyễn Tất Thành",
    "Phan Bội Châu", "Chu Văn An", "Yersin", "Nguyễn Chí Thanh", "Đinh Tiên Hoàng",
    "Lê Thánh Tông", "Hàm Nghi", "Đống Đa", "Thống Nhất", "Độc Lập",
)  # fmt: skip
_VILLAGES = (
    "Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Đoài", "An Lạc", "Phú Xuân",
    "Tân Thịnh", "Hòa Lạc", "Bình Lợi", "Mỹ Thạnh", "Long Thạnh", "Phước Thọ", "Thạnh Phú",
)  # fmt: skip
_HIGHLAND_VILLAGES = (
    "Nà Sản",
    "Pá Khoang",
    "Nậm Cắn",
    "Phiêng Lồm",
    "Co Mạ",
    "Huổi Só",
    "Bó Mạ",
    "Nà Hang",
)


@dataclass(frozen=True, slots=True)
class LegacyProvince:
    code: str
    name: str  # e.g. "Tỉnh Bình Dương"
    province_code: str  # the province since 1/7/2025
    province_name: str  # e.g. "Thành phố Hồ Chí Minh"
    southern: bool
    mountain: bool
    urban_share: float
    wards: tuple[str, ...]
    communes: tuple[str, ...]


def _label(name: str, city: bool) -> str:
    return f"{'Thành phố' if city else 'Tỉnh'} {name}"


def _legacy(code: str, name: str, province: reference_data.Province) -> LegacyProvince:
    # Commune names per province are fixed geography, the same whatever the seed.
    rng = random.Random(f"communes:{code}")
    names = rng.sample(_COMMUNES, 24)
    city = code in _LEGACY_CITIES
    urban = 0.8 if city else 0.25 if code in MOUNTAIN else _URBAN_SHARE.get(code, 0.4)
    return LegacyProvince(
        code=code,
        name=unicodedata.normalize("NFC", _label(name, city)),
        province_code=province.code,
        province_name=unicodedata.normalize("NFC", _label(province.name, province.is_city)),
        southern=int(code) >= 48,
        mountain=code in MOUNTAIN,
        urban_share=urban,
        wards=tuple(f"Phường {n}" for n in names[:10]),
        communes=tuple(f"Xã {n}" for n in names[10:]),
    )


LEGACY: dict[str, LegacyProvince] = {
    code: _legacy(code, name, p)
    for p in reference_data.PROVINCES
    for code, name in zip(p.legacy_codes, p.legacy_names, strict=True)
}
LEGACY_CODES: tuple[str, ...] = tuple(sorted(LEGACY))
_LEGACY_CUM = cumulative([_POPULATION.get(c, 1000) for c in LEGACY_CODES])
_MIGRANT_CUM = cumulative([_POPULATION.get(c, 1000) for c in MIGRANT_DESTINATIONS])


def wage_region(legacy: str) -> float:
    """The regional minimum wage relative to region I (cities and industrial zones)."""
    if legacy in _LEGACY_CITIES or legacy in ("74", "75", "77", "27"):
        return 1.0
    if legacy in MIGRANT_DESTINATIONS or LEGACY[legacy].urban_share >= 0.45:
        return 0.89
    return 0.70 if legacy in MOUNTAIN else 0.78


def pick_legacy(rng: random.Random) -> str:
    """A legacy province, weighted by population."""
    return weighted(rng, LEGACY_CODES, _LEGACY_CUM)


def pick_migrant_destination(rng: random.Random) -> str:
    return weighted(rng, MIGRANT_DESTINATIONS, _MIGRANT_CUM)


def pick_ethnicity(rng: random.Random, legacy: str) -> str:
    codes, cum = _ETHNIC_MIX.get(legacy, _DEFAULT_MIX)
    return weighted(rng, codes, cum)


def commune(rng: random.Random, place: LegacyProvince, urban: bool) -> str:
    return rng.choice(place.wards if urban else place.communes)


def street_address(rng: random.Random, place: LegacyProvince, urban: bool) -> str:
    """House and street (urban) or village (rural), without the commune."""
    if urban:
        number = rng.randint(1, 420)
        if rng.random() < 0.35:
            lane = "Hẻm" if place.southern else "Ngõ"
            return f"Số {number}, {lane} {rng.randint(2, 180)} {rng.choice(_STREETS)}"
        return f"Số {number} {rng.choice(_STREETS)}"
    if place.mountain and rng.random() < 0.6:
        return f"Bản {rng.choice(_HIGHLAND_VILLAGES)}"
    if place.southern:
        return f"Ấp {rng.choice(_VILLAGES)}"
    return f"Thôn {rng.choice(_VILLAGES)}" if rng.random() < 0.7 else f"Thôn {rng.randint(1, 12)}"


def residence(rng: random.Random, place: LegacyProvince) -> str:
    """A full address under today's administration: street, commune or ward, province."""
    urban = rng.random() < place.urban_share
    return (
        f"{street_address(rng, place, urban)}, {commune(rng, place, urban)}, {place.province_name}"
    )


def legacy_place(rng: random.Random, place: LegacyProvince) -> str:
    """A commune and the legacy province: birth registrations and home towns."""
    return f"{commune(rng, place, rng.random() < place.urban_share)}, {place.name}"


check_clean([*_COMMUNES, *_STREETS, *_VILLAGES, *_HIGHLAND_VILLAGES])
check_clean(text for p in LEGACY.values() for text in (p.name, p.province_name))

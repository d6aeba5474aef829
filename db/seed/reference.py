"""Reference rows: the official lists from db.reference_data, and the synthetic social insurance
offices and health facilities.

Offices and facilities are fixed geography, generated from fixed random streams rather than from
the seed, so that every seeded database (and a re-seed after emptying the person tables) agrees
on them and the INSERT … ON CONFLICT DO NOTHING that creates them is idempotent.
"""

import random
from dataclasses import dataclass

from db import reference_data
from db.seed.copy import check_clean
from db.seed.places import LEGACY, LEGACY_CODES, street_address

_CENTRAL_HOSPITALS = (
    ("01", "Bệnh viện Bạch Mai", "78 Giải Phóng, Phường Kim Liên"),
    ("01", "Bệnh viện Hữu nghị Việt Đức", "40 Tràng Thi, Phường Hoàn Kiếm"),
    ("01", "Bệnh viện Nhi Trung ương", "18/879 La Thành, Phường Láng"),
    ("01", "Bệnh viện K", "43 Quán Sứ, Phường Cửa Nam"),
    ("01", "Bệnh viện Phụ sản Trung ương", "43 Tràng Thi, Phường Hoàn Kiếm"),
    ("46", "Bệnh viện Trung ương Huế", "16 Lê Lợi, Phường Thuận Hóa"),
    ("79", "Bệnh viện Chợ Rẫy", "201B Nguyễn Chí Thanh, Phường Chợ Lớn"),
    ("79", "Bệnh viện Đại học Y Dược Thành phố Hồ Chí Minh", "215 Hồng Bàng, Phường Chợ Lớn"),
    ("79", "Bệnh viện Nhi Đồng 1", "341 Sư Vạn Hạnh, Phường Hòa Hưng"),
    ("79", "Bệnh viện Từ Dũ", "284 Cống Quỳnh, Phường Bến Thành"),
    ("79", "Bệnh viện Thống Nhất", "1 Lý Thường Kiệt, Phường Tân Sơn Nhất"),
    ("92", "Bệnh viện Đa khoa Trung ương Cần Thơ", "315 Nguyễn Văn Linh, Phường Tân An"),
)

TIER_CENTRAL = "Trung ương"
TIER_PROVINCE = "Tỉnh"
TIER_AREA = "Khu vực"
TIER_COMMUNE = "Xã"
TIER_PRIVATE = "Tư nhân"


@dataclass(frozen=True, slots=True)
class Facility:
    code: str
    name: str
    province_code: str
    legacy_code: str
    address: str
    tier: str


@dataclass(frozen=True, slots=True)
class Office:
    code: str
    name: str
    province_code: str


def _facilities() -> tuple[Facility, ...]:
    out: list[Facility] = []
    serial: dict[str, int] = {}

    def add(legacy: str, name: str, address: str, tier: str) -> None:
        n = serial.get(legacy, 0) + 1
        serial[legacy] = n
        place = LEGACY[legacy]
        code = f"{legacy}{n * 7 % 1000:03d}"  # spread the 3-digit serials a little
        out.append(Facility(code, name, place.province_code, legacy, address, tier))

    for legacy, name, street in _CENTRAL_HOSPITALS:
        add(legacy, name, f"{street}, {LEGACY[legacy].province_name}", TIER_CENTRAL)
    for legacy in LEGACY_CODES:
        rng = random.Random(f"facilities:{legacy}")
        place = LEGACY[legacy]
        short = place.name.split(" ", 2)[-1]
        kind = "thành phố" if place.name.startswith("Thành phố") else "tỉnh"
        town = f"{rng.choice(place.wards)}, {place.province_name}"
        add(
            legacy,
            f"Bệnh viện Đa khoa {kind} {short}",
            f"{street_address(rng, place, True)}, {town}",
            TIER_PROVINCE,
        )
        if rng.random() < 0.6:
            add(
                legacy,
                f"Bệnh viện Sản - Nhi {short}",
                f"{street_address(rng, place, True)}, {town}",
                TIER_PROVINCE,
            )
        for commune in rng.sample(place.wards + place.communes, 3):
            area = commune.split(" ", 1)[1]
            address = f"{street_address(rng, place, commune.startswith('Phường'))}, {commune}, {place.province_name}"
            add(legacy, f"Trung tâm Y tế khu vực {area}", address, TIER_AREA)
        for commune in rng.sample(place.communes, 1):
            address = f"{street_address(rng, place, False)}, {commune}, {place.province_name}"
            add(legacy, f"Trạm Y tế xã {commune.split(' ', 1)[1]}", address, TIER_COMMUNE)
        if place.urban_share > 0.3:
            ward = rng.choice(place.wards)
            address = f"{street_address(rng, place, True)}, {ward}, {place.province_name}"
            add(legacy, f"Phòng khám Đa khoa {ward.split(' ', 1)[1]}", address, TIER_PRIVATE)
    return tuple(out)


def _offices() -> tuple[Office, ...]:
    out: list[Office] = []
    for p in reference_data.PROVINCES:
        label = f"{'thành phố' if p.is_city else 'tỉnh'} {p.name}"
        out.append(Office(f"BH{p.code}", f"Bảo hiểm xã hội {label}", p.code))
        rng = random.Random(f"offices:{p.code}")
        local = 3 if p.is_city else 1 + len(p.legacy_codes)
        wards = [w for legacy in p.legacy_codes for w in LEGACY[legacy].wards[:4]]
        for i, ward in enumerate(rng.sample(wards, min(local, len(wards))), start=1):
            name = ward.split(" ", 1)[1]
            out.append(Office(f"BH{p.code}{i:02d}", f"Bảo hiểm xã hội cơ sở {name}", p.code))
    return tuple(out)


FACILITIES: tuple[Facility, ...] = _facilities()
OFFICES: tuple[Office, ...] = _offices()
FACILITIES_BY_LEGACY: dict[str, tuple[Facility, ...]] = {
    code: tuple(f for f in FACILITIES if f.legacy_code == code) for code in LEGACY_CODES
}
CENTRAL_FACILITIES: tuple[Facility, ...] = tuple(f for f in FACILITIES if f.tier == TIER_CENTRAL)
OFFICES_BY_PROVINCE: dict[str, tuple[Office, ...]] = {
    p.code: tuple(o for o in OFFICES if o.province_code == p.code) for p in reference_data.PROVINCES
}

# (table, columns, rows): inserted with ON CONFLICT DO NOTHING, so existing rows win.
REFERENCE_ROWS: tuple[tuple[str, tuple[str, ...], list[tuple[object, ...]]], ...] = (
    (
        "province",
        ("code", "name", "is_city"),
        [(p.code, p.name, p.is_city) for p in reference_data.PROVINCES],
    ),
    (
        "legacy_province",
        ("code", "name", "province_code"),
        [
            (code, name, p.code)
            for p in reference_data.PROVINCES
            for code, name in zip(p.legacy_codes, p.legacy_names, strict=True)
        ],
    ),
    ("ethnicity", ("code", "name"), [(e.code, e.name) for e in reference_data.ETHNICITIES]),
    (
        "bhyt_category",
        ("code", "benefit_level", "name_vi", "name_en"),
        [(c.code, c.benefit_level, c.name_vi, c.name_en) for c in reference_data.BHYT_CATEGORIES],
    ),
    (
        "social_insurance_office",
        ("code", "name", "province_code"),
        [(o.code, o.name, o.province_code) for o in OFFICES],
    ),
    (
        "health_facility",
        ("code", "name", "province_code", "address", "tier"),
        [(f.code, f.name, f.province_code, f.address, f.tier) for f in FACILITIES],
    ),
)


check_clean(text for f in FACILITIES for text in (f.name, f.address, f.tier))
check_clean(o.name for o in OFFICES)

"""Employers (đơn vị sử dụng lao động): the register rows, and the index workers draw jobs from.

Sizes are heavy-tailed (DOMAIN.md §7): most firms are micro firms (lognormal, median ~5), a Pareto
tail gives a few employers thousands of workers. A worker picks an employer with probability
proportional to its size weight, so realised head counts follow the same shape.
"""

import random
from dataclasses import dataclass, field

from db.enums import EnterpriseType
from db.identifiers import make_tax_code
from db.seed import common, sectors
from db.seed.common import NULL, cumulative, weighted
from db.seed.names import ascii_fold, full_name, surname
from db.seed.places import LEGACY, LEGACY_CODES, MIGRANT_DESTINATIONS, street_address
from db.seed.reference import OFFICES_BY_PROVINCE

# Tax department prefixes of the legacy provinces (Hồ Chí Minh City is 03, Hà Nội 01…), from memory
# of the tax authority's list: tax codes follow their own numbering, not the administrative codes.
_TAX_PREFIX = {
    "01": "01", "31": "02", "79": "03", "48": "04", "36": "06", "35": "07", "30": "08", "33": "09",
    "34": "10", "80": "11", "82": "12", "83": "13", "87": "14", "86": "15", "89": "16", "91": "17",
    "92": "18", "95": "19", "96": "20", "84": "21", "94": "22", "27": "23", "24": "24", "26": "25",
    "25": "26", "37": "27", "38": "28", "40": "29", "42": "30", "44": "31", "45": "32", "46": "33",
    "60": "34", "77": "35", "75": "36", "74": "37", "70": "38", "72": "39", "49": "40", "52": "41",
    "56": "42", "51": "43", "54": "44", "58": "45", "19": "46", "06": "47", "04": "48", "20": "49",
    "08": "50", "02": "51", "15": "52", "10": "53", "17": "54", "14": "55", "11": "56", "22": "57",
    "68": "58", "64": "59", "66": "60", "62": "61", "12": "62", "93": "63", "67": "64",
}  # fmt: skip

_TYPES = (
    (EnterpriseType.LIMITED_COMPANY, 57.0),
    (EnterpriseType.JOINT_STOCK_COMPANY, 15.0),
    (EnterpriseType.PRIVATE_ENTERPRISE, 7.0),
    (EnterpriseType.FOREIGN_INVESTED, 4.0),
    (EnterpriseType.STATE_OWNED, 1.0),
    (EnterpriseType.COOPERATIVE, 3.0),
    (EnterpriseType.HOUSEHOLD_BUSINESS, 2.0),
    (EnterpriseType.STATE_AGENCY, 4.5),
    (EnterpriseType.PUBLIC_SERVICE_UNIT, 6.5),
)
_TYPE_CUM = cumulative([w for _, w in _TYPES])
# Firms cluster in the cities and industrial provinces.
_LOCATION_CUM = cumulative(
    [LEGACY[c].urban_share * (3.0 if c in MIGRANT_DESTINATIONS else 1.0) for c in LEGACY_CODES]
)
_STATE_TYPES = (EnterpriseType.STATE_AGENCY, EnterpriseType.PUBLIC_SERVICE_UNIT)
_SIZE_BOOST = {
    EnterpriseType.FOREIGN_INVESTED: 6.0,
    EnterpriseType.STATE_OWNED: 5.0,
    EnterpriseType.JOINT_STOCK_COMPANY: 2.0,
    EnterpriseType.HOUSEHOLD_BUSINESS: 0.3,
}
_PAY_BOOST = {
    EnterpriseType.FOREIGN_INVESTED: 1.3,
    EnterpriseType.STATE_OWNED: 1.2,
    EnterpriseType.HOUSEHOLD_BUSINESS: 0.85,
}
_DEPARTMENTS = (
    "Tài chính",
    "Tư pháp",
    "Xây dựng",
    "Nội vụ",
    "Công Thương",
    "Nông nghiệp và Môi trường",
    "Y tế",
)
_SCHOOL_LINES = (
    ("Trường Mầm non", "Giáo dục mầm non"),
    ("Trường Tiểu học", "Giáo dục tiểu học"),
    ("Trường Trung học", "Giáo dục trung học cơ sở và trung học phổ thông"),
)
_SCHOOLS = (
    "Trường Tiểu học",
    "Trường Trung học cơ sở",
    "Trường Trung học phổ thông",
    "Trường Mầm non",
)

# The two ministries whose staff's books are kept apart (DOMAIN.md §0); ids 1 and 2.
DEFENCE_EMPLOYER_ID = 1
PUBLIC_SECURITY_EMPLOYER_ID = 2


@dataclass(slots=True)
class EmployerIndex:
    """What a worker process needs to give people jobs: per-employer facts by id, and per province
    the employers to draw from (cumulative size weights, so one bisect per draw)."""

    sector: list[int] = field(default_factory=lambda: [0])
    kind: list[str] = field(default_factory=lambda: [""])  # EnterpriseType value
    pay: list[float] = field(default_factory=lambda: [0.0])
    founded: list[int] = field(default_factory=lambda: [0])
    small: list[bool] = field(default_factory=lambda: [False])  # fewer than ten workers
    unit_code: list[str] = field(default_factory=lambda: [""])
    office_code: list[str] = field(default_factory=lambda: [""])
    # (province code, "state" | "business") -> (employer ids, cumulative weights)
    pools: dict[tuple[str, str], tuple[list[int], list[float]]] = field(default_factory=dict)

    def pick(self, rng: random.Random, province: str, state: bool, year: int) -> int:
        """An employer in `province` (sometimes elsewhere) that existed in `year`."""
        kind = "state" if state else "business"
        pool = self.pools.get((province, kind)) if rng.random() < 0.9 else None
        if pool is None:
            pool = self.pools[("", kind)]
        ids, cum = pool
        employer = ids[0]
        for _ in range(4):
            employer = weighted(rng, ids, cum)
            if self.founded[employer] <= year:
                break
        return employer


@dataclass(slots=True)
class _Draft:
    legacy: str
    kind: EnterpriseType
    sector: int
    weight: float
    founded: int
    pay: float


def _draft(rng: random.Random, kind: EnterpriseType | None) -> _Draft:
    kind = kind or weighted(rng, _TYPES, _TYPE_CUM)[0]
    legacy = weighted(rng, LEGACY_CODES, _LOCATION_CUM)
    if kind == EnterpriseType.STATE_AGENCY:
        sector = sectors.SECTOR_INDEX["Quản lý nhà nước"]
    elif kind == EnterpriseType.PUBLIC_SERVICE_UNIT:
        sector = sectors.SECTOR_INDEX["Giáo dục" if rng.random() < 0.7 else "Y tế"]
    elif kind == EnterpriseType.FOREIGN_INVESTED and rng.random() < 0.8:
        sector = rng.choice(sectors.FDI_SECTORS)
    else:
        sector = weighted(rng, range(len(sectors.BUSINESS)), sectors.BUSINESS_CUM)
    if kind in _STATE_TYPES:
        weight = rng.lognormvariate(2.7, 0.8)
        founded = 1976
    else:
        # Lognormal body (median 5) with a Pareto tail: a few employers of thousands.
        weight = rng.lognormvariate(1.6, 1.0)
        if rng.random() < 0.03:
            weight = 20 * rng.paretovariate(1.15)
        weight *= _SIZE_BOOST.get(kind, 1.0)
        founded = max(1990, common.AS_OF.year - int(rng.expovariate(1 / 9)))
    pay = sectors.SECTORS[sector].pay * _PAY_BOOST.get(kind, 1.0) * rng.lognormvariate(0, 0.15)
    return _Draft(legacy, kind, sector, weight, founded, pay)


def _name(rng: random.Random, d: _Draft) -> str:
    place = LEGACY[d.legacy]
    trade = rng.choice(sectors.TRADE_NAMES)
    word = sectors.SECTORS[d.sector].word
    match d.kind:
        case EnterpriseType.LIMITED_COMPANY:
            return f"Công ty TNHH {word} {trade}"
        case EnterpriseType.JOINT_STOCK_COMPANY:
            return f"Công ty Cổ phần {word} {trade}"
        case EnterpriseType.PRIVATE_ENTERPRISE:
            return f"Doanh nghiệp tư nhân {trade}"
        case EnterpriseType.FOREIGN_INVESTED:
            return f"Công ty TNHH {rng.choice(sectors.FOREIGN_NAMES)} Việt Nam"
        case EnterpriseType.STATE_OWNED:
            return f"Công ty TNHH Một thành viên {word} {trade}"
        case EnterpriseType.COOPERATIVE:
            return f"Hợp tác xã {word} {trade}"
        case EnterpriseType.HOUSEHOLD_BUSINESS:
            owner = full_name(
                rng, rng.random() < 0.5, 1975, "01", surname(rng, "01", place.southern)
            )
            return f"Hộ kinh doanh {owner}"
        case EnterpriseType.STATE_AGENCY:
            if rng.random() < 0.6:
                return f"Ủy ban nhân dân {_lower_first(rng.choice(place.wards + place.communes))}"
            return f"Sở {rng.choice(_DEPARTMENTS)} {_lower_first(place.province_name)}"
        case _:
            commune = rng.choice(place.wards + place.communes).split(" ", 1)[1]
            if word == "Y tế":
                return f"Trung tâm Y tế khu vực {commune}"
            return f"{rng.choice(_SCHOOLS)} {commune}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _row(
    rng: random.Random, employer_id: int, d: _Draft, tax_code: str, name: str
) -> tuple[str, str, str]:
    """The COPY line, the BHXH unit code and the managing office."""
    place = LEGACY[d.legacy]
    state = d.kind in _STATE_TYPES
    if state:
        enterprise_code = "\\N"
        decision = f"{rng.randint(10, 3999)}/QĐ-UBND ngày {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1976, 2020)}"
        organisation = f"{rng.randint(1_000_000, 1_999_999)}"  # mã quan hệ ngân sách
    else:
        enterprise_code, decision, organisation = tax_code, "\\N", "\\N"
    manual = sectors.SECTORS[d.sector].manual
    if manual and not state and rng.random() < 0.5:
        ward = rng.choice(place.wards)
        address = f"Lô {'ABCDEFGH'[rng.randrange(8)]}{rng.randint(1, 40)}, Khu công nghiệp {rng.choice(sectors.TRADE_NAMES)}, {ward}, {place.province_name}"
    else:
        ward = rng.choice(place.wards)
        address = f"{street_address(rng, place, True)}, {ward}, {place.province_name}"
    lines = sectors.SECTORS[d.sector].lines
    chosen = rng.sample(lines, rng.randint(1, len(lines)))
    for school, line in _SCHOOL_LINES:
        if name.startswith(school):
            chosen = [line]
    array = "{" + ",".join(f'"{line}"' for line in chosen) + "}"
    phone = (
        f"02{rng.randint(0, 99):02d}{rng.randint(0, 9_999_999):07d}"
        if rng.random() < 0.9
        else "\\N"
    )
    slug = ascii_fold(name.rsplit(" ", 2)[-2] + name.rsplit(" ", 2)[-1]).lower().replace("-", "")
    email = f"lienhe@{slug}{employer_id % 97}.vn" if rng.random() < 0.7 else "\\N"
    offices = OFFICES_BY_PROVINCE[place.province_code]
    office = offices[0].code if rng.random() < 0.6 else rng.choice(offices).code
    unit_code = f"DV{d.legacy}{employer_id:06d}"
    line = "\t".join(
        (str(employer_id), tax_code, name, enterprise_code, decision, organisation, unit_code, address,
         place.province_code, array, phone, email, d.kind.value, office)
    )  # fmt: skip
    return line, unit_code, office


EMPLOYER_COLUMNS = (
    "id", "tax_code", "name", "enterprise_code", "establishment_decision", "organisation_id_number",
    "unit_code", "head_office_address", "province_code", "business_lines", "phone", "email",
    "enterprise_type", "office_code",
)  # fmt: skip


def build_employers(seed: int, persons: int) -> tuple[list[str], EmployerIndex]:
    """COPY lines of the employer table and the index workers draw from; about one employer per
    25 persons, plus the two ministries."""
    rng = random.Random(f"bhxh:{seed}:employers")
    count = max(20, persons // 25)
    sequences: dict[str, int] = {}
    index = EmployerIndex()
    lines: list[str] = []
    pool_lists: dict[tuple[str, str], tuple[list[int], list[float]]] = {}

    def tax_code_for(legacy: str) -> str:
        prefix = _TAX_PREFIX.get(legacy, legacy)
        while True:
            n = sequences.get(prefix, rng.randint(10_000, 90_000)) + rng.randint(1, 40)
            sequences[prefix] = n
            code = make_tax_code(prefix, n)
            if code is not None:
                return code

    ministries = (
        ("Bộ Quốc phòng", "Số 7 Nguyễn Tri Phương, Phường Ba Đình, Thành phố Hà Nội"),
        ("Bộ Công an", "Số 44 Yết Kiêu, Phường Cửa Nam, Thành phố Hà Nội"),
    )
    for employer_id, (name, address) in enumerate(ministries, start=1):
        unit_code = f"DV01{employer_id:06d}"
        fields = [str(employer_id), tax_code_for("01"), name, NULL, f"{employer_id}/QĐ-TTg", NULL]
        fields += [unit_code, address, "01", '{"Hoạt động quốc phòng, an ninh"}', NULL, NULL]
        fields += [EnterpriseType.STATE_AGENCY.value, "BH01"]
        lines.append("\t".join(fields))
        armed = sectors.SECTOR_INDEX[sectors.ARMED.word]
        _register(index, armed, EnterpriseType.STATE_AGENCY, 1.0, 1945, False, unit_code, "BH01")
    # The first drafts are forced so that even a tiny data set has every kind of job to give.
    forced = (
        EnterpriseType.PUBLIC_SERVICE_UNIT,
        EnterpriseType.STATE_AGENCY,
        EnterpriseType.LIMITED_COMPANY,
    )
    for employer_id in range(3, count + 3):
        d = _draft(rng, forced[employer_id - 3] if employer_id - 3 < len(forced) else None)
        name = _name(rng, d)
        line, unit_code, office = _row(rng, employer_id, d, tax_code_for(d.legacy), name)
        lines.append(line)
        _register(index, d.sector, d.kind, d.pay, d.founded, d.weight < 10, unit_code, office)
        province = LEGACY[d.legacy].province_code
        kind = "state" if d.kind in _STATE_TYPES else "business"
        for key in ((province, kind), ("", kind)):
            ids, weights = pool_lists.setdefault(key, ([], []))
            ids.append(employer_id)
            weights.append(d.weight)
    for key, (ids, weights) in pool_lists.items():
        index.pools[key] = (ids, cumulative(weights))
    return lines, index


def _register(
    index: EmployerIndex,
    sector: int,
    kind: EnterpriseType,
    pay: float,
    founded: int,
    small: bool,
    unit_code: str,
    office_code: str,
) -> None:
    index.sector.append(sector)
    index.kind.append(kind.value)
    index.pay.append(pay)
    index.founded.append(founded)
    index.small.append(small)
    index.unit_code.append(unit_code)
    index.office_code.append(office_code)

"""Medical examination records (hồ sơ khám chữa bệnh BHYT): about 1.4 visits per card holder and
year, mostly outpatient, with common ICD-10 diagnoses by age and sex, and the cost split between
the fund and the patient according to the card's benefit level."""

import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date

from db import bhyt_rules
from db.seed import common
from db.seed.common import NULL, cumulative, month_index, poisson, weighted
from db.seed.copy import check_clean
from db.seed.health import LEVEL, Card, Profile
from db.seed.people import Person
from db.seed.reference import (
    CENTRAL_FACILITIES,
    FACILITIES_BY_LEGACY,
    TIER_CENTRAL,
    TIER_PROVINCE,
    Facility,
)

VISITS_PER_YEAR = 1.4
_COVID_YEARS = (2020, 2021, 2022)
# Prices rise about 4 % a year: costs are drawn in 2026 prices and moved to the visit's year.
_PRICE_INDEX = {year: 1.04 ** (year - 2026) for year in range(1990, 2101)}
_COVERAGE_PCT = bhyt_rules.COVERAGE_PCT


@dataclass(frozen=True, slots=True)
class Diagnosis:
    code: str
    name: str
    weight: float
    ages: tuple[int, int]
    sex: str  # "F", "M" or "" for both
    inpatient: float  # share of visits that are admissions
    cost: int  # median cost of an outpatient visit, VND (2026)


_DIAGNOSES = (
    Diagnosis("J06.9", "Nhiễm trùng đường hô hấp trên cấp", 14, (0, 120), "", 0.01, 250_000),
    Diagnosis("J02.9", "Viêm họng cấp", 7, (0, 120), "", 0.0, 200_000),
    Diagnosis("J03.9", "Viêm amiđan cấp", 4, (3, 40), "", 0.01, 220_000),
    Diagnosis("J20.9", "Viêm phế quản cấp", 5, (0, 120), "", 0.03, 300_000),
    Diagnosis("J18.9", "Viêm phổi", 2, (0, 120), "", 0.45, 600_000),
    Diagnosis("J45.9", "Hen phế quản", 1.5, (5, 120), "", 0.08, 400_000),
    Diagnosis("J44.9", "Bệnh phổi tắc nghẽn mạn tính", 2, (45, 120), "", 0.15, 550_000),
    Diagnosis(
        "A09", "Tiêu chảy và viêm dạ dày ruột do nhiễm trùng", 4, (0, 120), "", 0.08, 250_000
    ),
    Diagnosis("A91", "Sốt xuất huyết Dengue", 1, (3, 70), "", 0.5, 450_000),
    Diagnosis("B34.9", "Nhiễm virus, không đặc hiệu", 3, (0, 60), "", 0.02, 200_000),
    Diagnosis("B18.1", "Viêm gan virus B mạn", 1.5, (18, 120), "", 0.03, 700_000),
    Diagnosis("I10", "Tăng huyết áp vô căn (nguyên phát)", 14, (40, 120), "", 0.02, 380_000),
    Diagnosis(
        "E11.9", "Bệnh đái tháo đường type 2 không có biến chứng", 7, (40, 120), "", 0.03, 520_000
    ),
    Diagnosis("E78.5", "Tăng lipid máu", 4, (40, 120), "", 0.0, 400_000),
    Diagnosis("I25.1", "Bệnh tim do xơ vữa động mạch", 2, (50, 120), "", 0.15, 700_000),
    Diagnosis("I50.0", "Suy tim sung huyết", 1, (60, 120), "", 0.35, 900_000),
    Diagnosis("I63.9", "Nhồi máu não", 1, (50, 120), "", 0.8, 1_500_000),
    Diagnosis("K29.7", "Viêm dạ dày, không đặc hiệu", 6, (15, 120), "", 0.02, 320_000),
    Diagnosis(
        "K21.0",
        "Bệnh trào ngược dạ dày - thực quản có viêm thực quản",
        3,
        (20, 120),
        "",
        0.01,
        420_000,
    ),
    Diagnosis("K35.8", "Viêm ruột thừa cấp", 0.6, (5, 70), "", 0.95, 1_200_000),
    Diagnosis("K80.2", "Sỏi túi mật không viêm túi mật", 0.8, (30, 120), "", 0.4, 800_000),
    Diagnosis("K74.6", "Xơ gan", 0.5, (40, 120), "M", 0.4, 900_000),
    Diagnosis("N39.0", "Nhiễm khuẩn đường tiết niệu", 3, (15, 120), "F", 0.05, 300_000),
    Diagnosis("N20.0", "Sỏi thận", 1.5, (25, 120), "", 0.2, 600_000),
    Diagnosis("N18.9", "Bệnh thận mạn", 0.8, (50, 120), "", 0.3, 1_100_000),
    Diagnosis("M54.5", "Đau vùng thắt lưng", 5, (25, 120), "", 0.02, 300_000),
    Diagnosis("M17.9", "Thoái hóa khớp gối", 4, (45, 120), "", 0.03, 420_000),
    Diagnosis("M81.9", "Loãng xương", 1.5, (55, 120), "F", 0.01, 450_000),
    Diagnosis("H10.9", "Viêm kết mạc", 2.5, (0, 120), "", 0.0, 180_000),
    Diagnosis("H52.1", "Cận thị", 2, (6, 30), "", 0.0, 250_000),
    Diagnosis("H25.9", "Đục thủy tinh thể người già", 1.5, (55, 120), "", 0.3, 700_000),
    Diagnosis("K02.9", "Sâu răng", 3, (3, 120), "", 0.0, 200_000),
    Diagnosis("L30.9", "Viêm da", 2.5, (0, 120), "", 0.0, 220_000),
    Diagnosis("R51", "Đau đầu", 2, (12, 120), "", 0.0, 200_000),
    Diagnosis("R50.9", "Sốt, không đặc hiệu", 3, (0, 15), "", 0.1, 200_000),
    Diagnosis("S52.5", "Gãy đầu dưới xương quay", 0.5, (5, 120), "", 0.5, 900_000),
    Diagnosis("S06.0", "Chấn động não", 0.4, (3, 80), "M", 0.7, 800_000),
    Diagnosis("O80", "Đẻ thường một thai", 1.5, (18, 42), "F", 1.0, 2_500_000),
    Diagnosis("O82", "Đẻ một thai bằng mổ lấy thai", 1, (20, 44), "F", 1.0, 4_000_000),
    Diagnosis("C34.9", "U ác tính phế quản hoặc phổi", 0.3, (45, 120), "", 0.6, 2_000_000),
    Diagnosis("C50.9", "U ác tính vú", 0.3, (35, 120), "F", 0.6, 2_000_000),
    Diagnosis("F32.9", "Giai đoạn trầm cảm, không đặc hiệu", 0.5, (15, 120), "", 0.1, 350_000),
    Diagnosis("E03.9", "Suy giáp, không đặc hiệu", 0.8, (25, 120), "F", 0.01, 400_000),
)
_COVID = Diagnosis("U07.1", "COVID-19, đã xác định virus", 6, (0, 120), "", 0.12, 400_000)
_BANDS = ((0, 5), (6, 17), (18, 39), (40, 59), (60, 120))
# Visits by age relative to the average: small children and the old see doctors most.
_AGE_FACTOR = (1.5, 0.7, 0.75, 1.1, 1.8)


def _pool(
    band: tuple[int, int], female: bool, covid: bool
) -> tuple[tuple[Diagnosis, ...], list[float]]:
    mid = (band[0] + band[1]) // 2
    chosen = tuple(
        d
        for d in (*_DIAGNOSES, *((_COVID,) if covid else ()))
        if d.ages[0] <= mid <= d.ages[1] and d.sex in ("", "F" if female else "M")
    )
    return chosen, cumulative([d.weight for d in chosen])


_PROVINCIAL = {
    code: tuple(f for f in facilities if f.tier == TIER_PROVINCE)
    for code, facilities in FACILITIES_BY_LEGACY.items()
}
_POOLS = {
    (b, f, c): _pool(band, f, c)
    for b, band in enumerate(_BANDS)
    for f in (False, True)
    for c in (False, True)
}


def _band(age: int) -> int:
    return 0 if age < 6 else 1 if age < 18 else 2 if age < 40 else 3 if age < 60 else 4


def visit_lines(
    rng: random.Random, p: Person, prof: Profile, issued: list[Card], first_card: int
) -> list[tuple[int, str]]:
    """(local card index or -1, visit tail) for one person; `first_card` is the local index of the
    person's first card, cards being numbered in order."""
    out: list[tuple[int, str]] = []
    today = common.AS_OF.toordinal()
    for i, card in enumerate(issued):
        if card.revoked:
            continue
        first = card.valid_from.toordinal()
        days = min(card.valid_to.toordinal(), today - 1) - first + 1
        if days <= 0:
            continue
        age = max(0, p.age_at(month_index(card.year, 6)))
        band = _band(age)
        mean = VISITS_PER_YEAR * prof.frailty * _AGE_FACTOR[band] * days / 365
        for _ in range(poisson(rng, mean)):
            day = first + int(rng.random() * days)
            out.append((first_card + i, _visit(rng, p, card, day, band)))
    return out


def _stamp(day: int, minutes: int) -> str:
    """A local (UTC+7) timestamp for day ordinal `day` plus `minutes` after midnight."""
    extra, minutes = divmod(minutes, 1440)
    return (
        f"{date.fromordinal(day + extra).isoformat()} {minutes // 60:02d}:{minutes % 60:02d}:00+07"
    )


def _visit(rng: random.Random, p: Person, card: Card, day: int, band: int) -> str:
    diagnoses, cum = _POOLS[(band, p.female, card.year in _COVID_YEARS)]
    d = weighted(rng, diagnoses, cum)
    inpatient = rng.random() < d.inpatient
    facility = card.facility
    r = rng.random()
    if r < (0.35 if inpatient else 0.2):
        provincial = _PROVINCIAL[p.legacy]
        facility = provincial[int(rng.random() * len(provincial))] if provincial else facility
    elif r < (0.42 if inpatient else 0.22):
        facility = CENTRAL_FACILITIES[int(rng.random() * len(CENTRAL_FACILITIES))]
    admitted = 420 + int(rng.random() * 600)  # between 7:00 and 17:00
    if inpatient:
        today = common.AS_OF.toordinal()
        stay = 2 + int(rng.random() * 11)
        out = admitted + int(rng.random() * 9) * 60
        discharged = NULL if day + stay + out // 1440 >= today else _stamp(day + stay, out)
        died = p.died.toordinal() if p.died is not None else today
        if day + stay >= died and died < today:  # died in hospital: discharged on the day
            discharged = _stamp(died, min(out, 1439))
        cost = d.cost * 10 * rng.lognormvariate(0, 0.7)
    else:
        discharged = _stamp(day, admitted + 20 + int(rng.random() * 221))
        cost = d.cost * rng.lognormvariate(0, 0.5)
    total = int(cost * _PRICE_INDEX[card.year]) // 100 * 100
    fund = _fund_paid(rng, total, LEVEL[card.category], day, facility, card.facility, inpatient)
    return (
        f"{p.pid}\t{facility.code}\t{_stamp(day, admitted)}\t{discharged}\t"
        f"{'INPATIENT' if inpatient else 'OUTPATIENT'}\t{d.code}\t{d.name}\t{total}\t{fund}\t{total - fund}"
    )


# bhyt_rules.BASE_SALARY as ordinals for a bisect: `cost_split` itself costs a third of a
# visit's generation, so its two steps are repeated here (a test holds them equal to it).
_SALARY_FROM = [start.toordinal() for start, _ in bhyt_rules.BASE_SALARY]
_SALARY = [amount for _, amount in bhyt_rules.BASE_SALARY]


def _fund_paid(
    rng: random.Random,
    total: int,
    level: int,
    day: int,
    facility: Facility,
    registered: Facility,
    inpatient: bool,
) -> int:
    """The fund's part of a visit on day ordinal `day`, as `bhyt_rules.cost_split` has it: all
    of a visit under 15 % of the base salary in force that day, else the card's level; less or
    nothing when the patient went off-route to a higher tier unreferred (Law on Health
    Insurance art. 22(3))."""
    if total * 100 < bhyt_rules.LOW_COST_SHARE_PCT * _SALARY[bisect_right(_SALARY_FROM, day) - 1]:
        return total
    fund = (total * _COVERAGE_PCT[level] + 50) // 100
    if facility is registered or rng.random() < 0.6:
        return fund  # on route, or referred (chuyển tuyến), or an emergency
    pct = _COVERAGE_PCT[level]
    if facility.tier == TIER_CENTRAL:
        pct = pct * 40 // 100 if inpatient else 0
    elif facility.tier == TIER_PROVINCE:
        year = date.fromordinal(day).year
        pct = pct if inpatient and year >= 2021 else pct * 60 // 100 if inpatient else 0
    return min(fund, total * pct // 100)


def uninsured_lines(rng: random.Random, p: Person, covered_years: set[int]) -> list[str]:
    """Self-paid visits (no card) in the years the person had no BHYT."""
    out: list[str] = []
    born = p.birth.toordinal()
    last = common.AS_OF.toordinal() - 1  # the last day a visit may fall on: yesterday
    if p.died is not None:
        last = min(last, p.died.toordinal())
    for year in range(max(2018, p.birth.year), date.fromordinal(last).year + 1):
        if year in covered_years:
            continue
        first = max(date(year, 1, 1).toordinal(), born)
        days = min(date(year, 12, 31).toordinal(), last) - first + 1
        for _ in range(poisson(rng, 0.3 * days / 365)):
            day = first + int(rng.random() * days)
            facility = rng.choice(FACILITIES_BY_LEGACY[p.legacy])
            admitted = 480 + int(rng.random() * 480)
            band = _band(max(0, year - p.birth.year))
            d = weighted(rng, *_POOLS[(band, p.female, False)])
            total = int(d.cost * rng.lognormvariate(0, 0.5) * _PRICE_INDEX[year]) // 100 * 100
            out.append(
                f"{p.pid}\t{facility.code}\t{_stamp(day, admitted)}\t{_stamp(day, admitted + rng.randint(20, 180))}\t"
                f"OUTPATIENT\t{d.code}\t{d.name}\t{total}\t0\t{total}"
            )
    return out


check_clean(d.name for d in (*_DIAGNOSES, _COVID))

"""How a working life ends: the retirement age, pension or lump-sum withdrawal, the participant
category on the seed's today, and the benefits of old age besides a pension."""

import random
from datetime import timedelta

from db.enums import BenefitRegime, EnterpriseType, ParticipantCategory, PaymentMethod
from db.identifiers import make_tax_code
from db.seed import common
from db.seed.common import BASE_SALARY, NULL, VOLUNTARY_FLOOR, month_date, month_index
from db.seed.employers import EmployerIndex
from db.seed.histories import NEVER, Book
from db.seed.people import Person

LAW_41_2024 = month_index(2025, 7)  # 15 contribution years suffice for a pension from 7/2025
_STATE = (EnterpriseType.STATE_AGENCY.value, EnterpriseType.PUBLIC_SERVICE_UNIT.value)


def retirement_month(p: Person) -> int:
    """First month of retirement: 60 (men) / 55 (women) until 2020, then rising by 3 / 4 months
    a year to 62 / 60."""
    born = p.birth_month
    for t in range(660, 745):
        m = born + t
        year = m // 12
        if p.female:
            need = 660 if year <= 2020 else min(720, 660 + 4 * (year - 2020))
        else:
            need = 720 if year <= 2020 else min(744, 720 + 3 * (year - 2020))
        if t >= need:
            return m + 1
    return born + 745


def withdraw(rng: random.Random, book: Book, m: int) -> None:
    """A lump-sum withdrawal (BHXH một lần): the record is settled, no pension follows."""
    start = month_date(m) + timedelta(days=rng.randint(0, 27))
    amount = book.months / 12 * 1.8 * book.average_pay(m, 60)
    decided = book.benefit(rng, BenefitRegime.LUMP_SUM_WITHDRAWAL, start, start, amount)
    book.withdrawn = True
    book.settlements.append((month_index(decided.year, decided.month), len(book.benefits) - 1))


def pension(rng: random.Random, p: Person, book: Book, m: int) -> None:
    """A monthly pension from month `m`: 45 % at 15 years (women) or 20 years (men; 40 % plus
    1 % a year from 15), 2 % more per further year, at most 75 %, of the average salary."""
    years = book.months // 12
    if p.female:
        pct = 45 + 2 * max(0, years - 15)
    else:
        pct = 40 + max(0, years - 15) if years < 20 else 45 + 2 * (years - 20)
    last = max(s.end for s in book.steps) if book.steps else m - 1
    average = book.average_pay(last, 60) or float(VOLUNTARY_FLOOR.at(m))
    amount = max(BASE_SALARY.at(m), min(75, pct) / 100 * average)
    start = month_date(m)
    decided = start - timedelta(days=rng.randint(10, 40))
    book.benefit(rng, BenefitRegime.RETIREMENT, start, None, amount, decided)
    book.pension_from = m
    book.ongoing = False
    book.cover.append((m, NEVER, "HT", ""))


def armed_category(p: Person) -> ParticipantCategory:
    """The category of a career officer (careers._armed): Law 41/2024 art. 2(1)(đ)."""
    if p.cipher:
        return ParticipantCategory.CIPHER_STAFF
    if p.authority == "DEFENCE":
        return ParticipantCategory.ARMED_FORCES_OFFICER
    return ParticipantCategory.POLICE_OFFICER


def status(
    rng: random.Random, p: Person, book: Book, employers: EmployerIndex, kind: str, contract: bool
) -> None:
    """Participant category, payment method, managing unit and tax code on the seed's today."""
    employed = bool(book.steps) and (
        book.on_leave or (book.ongoing and book.steps[-1].end == common.AS_OF_MONTH)
    )
    if p.restricted:
        book.category = armed_category(p).value
    elif p.died is not None:
        book.category = ParticipantCategory.NOT_PARTICIPATING.value
    elif employed:
        if kind in _STATE and not contract:
            book.category = ParticipantCategory.CIVIL_SERVANT.value
        elif book.steps[-1].job in ("Giám đốc", "Phó Giám đốc"):
            book.category = ParticipantCategory.MANAGER.value
        else:
            book.category = ParticipantCategory.EMPLOYEE.value
    elif book.ongoing and book.voluntary:
        book.category = ParticipantCategory.VOLUNTARY.value
    elif book.pension_from <= common.AS_OF_MONTH:
        book.category = ParticipantCategory.PENSIONER.value
    else:
        book.category = ParticipantCategory.NOT_PARTICIPATING.value
    if book.category in (
        ParticipantCategory.PENSIONER.value,
        ParticipantCategory.NOT_PARTICIPATING.value,
    ):
        book.payment = NULL
    if employed or p.restricted:
        employer = book.steps[-1].employer
        book.unit_code = employers.unit_code[employer]
        book.office_code = employers.office_code[employer]
        farming = kind == EnterpriseType.COOPERATIVE.value and rng.random() < 0.3
        book.payment = (PaymentMethod.QUARTERLY if farming else PaymentMethod.MONTHLY).value
        r = rng.random()
        if r < 0.55:  # since 7/2025 the personal ID is the personal tax code
            book.tax_code = p.number
        elif r < 0.7:  # an older 10-digit personal tax code
            book.tax_code = make_tax_code("80", 1 + p.pid % 9_999_998) or book.tax_code


def later_life(rng: random.Random, p: Person, book: Book) -> None:
    """Benefits of old age besides a pension: a survivor's allowance for some widows, and the
    social pension (trợ cấp hưu trí xã hội) for those of 75 and over without a pension since 7/2025."""
    if book.pension_from <= common.AS_OF_MONTH or p.age < 60:
        return
    if p.female and p.spouse < 0 and rng.random() < 0.06:
        first = max(p.birth_month + 480, month_index(1995, 1))
        if first >= book.until:
            return
        m = rng.randint(first, book.until - 1)
        book.benefit(rng, BenefitRegime.SURVIVORSHIP, month_date(m), None, 0.5 * BASE_SALARY.at(m))
        book.cover.append((max(m, p.birth_month + 960), NEVER, "CT", ""))
        return
    if p.age_at(LAW_41_2024) >= 75 and book.until >= LAW_41_2024 and rng.random() < 0.85:
        start = month_date(LAW_41_2024)
        decided = start + timedelta(days=rng.randint(10, 80))
        book.benefit(rng, BenefitRegime.SOCIAL_PENSION, start, None, 500_000, decided)

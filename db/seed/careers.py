"""Working lives: enterprise careers with job changes, gaps, raises, maternity leave and
unemployment claims; civil-service careers on salary coefficients; officers of the armed forces
and police; voluntary contributors; and how a working life ends (pension, lump-sum withdrawal,
or leaving formal work)."""

import random
from datetime import date

from db.enums import BenefitRegime, EnterpriseType, ParticipantCategory, PaymentMethod
from db.seed import common, events, places, retirement, sectors
from db.seed.common import (
    BASE_SALARY,
    MIN_WAGE_REGION_1,
    NULL,
    UNEMPLOYMENT_ALL_EMPLOYERS,
    UNEMPLOYMENT_START,
    VOLUNTARY_FLOOR,
    VOLUNTARY_START,
    cumulative,
    month_index,
    weighted,
)
from db.seed.employers import DEFENCE_EMPLOYER_ID, PUBLIC_SECURITY_EMPLOYER_ID, EmployerIndex
from db.seed.histories import NEVER, Book, Step
from db.seed.people import EDU_UNIVERSITY, EDU_VOCATIONAL, Person

_EDU_PAY = (1.0, 1.25, 1.7)
_EDU_START_AGE = ((18, 21), (19, 23), (22, 25))
# Civil-service pay scales: (first coefficient, step, number of steps).
_SCALE_B = (1.86, 0.18, 12)
_SCALE_A0 = (2.10, 0.31, 10)
_SCALE_A1 = (2.34, 0.33, 9)
_SCALE_A2 = (4.40, 0.34, 8)
_RANKS = (
    ("Thiếu úy", 4.20),
    ("Trung úy", 4.60),
    ("Thượng úy", 5.00),
    ("Đại úy", 5.40),
    ("Thiếu tá", 6.00),
    ("Trung tá", 6.60),
    ("Thượng tá", 7.30),
    ("Đại tá", 8.00),
)
_PAYMENT = (
    (PaymentMethod.MONTHLY, 15.0), (PaymentMethod.QUARTERLY, 10.0), (PaymentMethod.SEMI_ANNUAL, 15.0),
    (PaymentMethod.ANNUAL, 55.0), (PaymentMethod.LUMP_SUM_FUTURE, 5.0),
)  # fmt: skip
_PAYMENT_CUM = cumulative([w for _, w in _PAYMENT])
_SECTOR_STATE_ADMIN = sectors.SECTOR_INDEX[sectors.STATE_ADMIN.word]
# Deputy and head titles that come with a position allowance, by public-sector line.
_LEADERS = {
    _SECTOR_STATE_ADMIN: ("Phó Trưởng phòng", "Trưởng phòng"),
    sectors.SECTOR_INDEX[sectors.EDUCATION.word]: ("Phó Hiệu trưởng", "Hiệu trưởng"),
    sectors.SECTOR_INDEX[sectors.HEALTH.word]: ("Phó Trưởng khoa", "Trưởng khoa"),
}
_FOREIGN_FROM = month_index(2018, 12)  # foreign workers in compulsory BHXH (Decree 143/2018)
_MATERNITY_GRANT_FROM = month_index(2025, 7)  # voluntary contributors' birth grant (Law 41/2024)


def contribution_window(p: Person) -> tuple[int, int]:
    """The first and last month `p` may contribute in: from the month of the 15th birthday (the
    youngest a worker or a voluntary contributor may be: Labour Code 2019 art. 143, Law 41/2024
    art. 2(4)) to the seed's today, or to the month of death. The one place these bounds are
    decided."""
    last = common.AS_OF_MONTH if p.died is None else month_index(p.died.year, p.died.month)
    return p.birth_month + 15 * 12, last


def live(rng: random.Random, p: Person, births: list[date], employers: EmployerIndex) -> Book:
    """The insurance book of one person's working life, as of the seed's today."""
    book = Book(pid=p.pid, until=contribution_window(p)[1], died=p.died)
    if p.age < 18 and not p.restricted:
        return book
    life = _Life(rng, p, births, employers, book)
    life.run()
    return book


class _Life:
    def __init__(
        self,
        rng: random.Random,
        p: Person,
        births: list[date],
        employers: EmployerIndex,
        book: Book,
    ) -> None:
        self.rng, self.p, self.births, self.idx, self.book = rng, p, births, employers, book
        self.place = places.LEGACY[p.legacy]
        self.region = places.wage_region(p.legacy)
        self.retire = retirement.retirement_month(p)
        low, high = _EDU_START_AGE[p.education]
        self.first, self.last = contribution_window(p)
        self.start = max(
            self.first, p.birth_month + rng.randint(low, high) * 12 + rng.randrange(12)
        )
        self.limit = min(self.last, self.retire - 1)
        self.kind = ""  # enterprise type of the last employer
        self.contract = False

    def run(self) -> None:
        rng, p = self.rng, self.p
        if p.restricted:
            self._armed()
        elif p.foreign:
            self._foreign()
        else:
            # Shares tuned so that ~20 % of all persons contribute today, ~11 % of them
            # voluntarily (DOMAIN.md §6–7): enterprise work is far commoner for younger cohorts.
            born = p.birth.year
            state = (
                0.05
                + (0.12 if p.education == EDU_UNIVERSITY else 0.0)
                + (0.05 if born < 1965 else 0.0)
            )
            business = (0.45 if born >= 1975 else 0.28 if born >= 1960 else 0.10) * (
                1.15 if p.education else 1.0
            )
            r = rng.random()
            if r < state:
                self._state()
            elif r < state + business:
                # Enterprise workers joined BHXH from 1995 on, staggered rather than all at once.
                self._business(max(self.start, month_index(1995, 1) + rng.randrange(36)))
            elif 25 <= p.age < 62 and rng.random() < 0.10:
                first = max(
                    VOLUNTARY_START,
                    p.birth_month + 300,
                    common.AS_OF_MONTH - int(rng.expovariate(1 / 45)),
                )
                self._voluntary(
                    first, common.AS_OF_MONTH if rng.random() < 0.75 else first + rng.randint(6, 60)
                )
        self._finish()

    # --- careers -------------------------------------------------------------------------

    def _business(self, first: int) -> None:
        rng, p, idx = self.rng, self.p, self.idx
        skill = rng.lognormvariate(0, 0.3) * _EDU_PAY[p.education]
        m = first
        while m <= self.limit:
            employer = idx.pick(rng, self.place.province_code, False, m // 12)
            sector = sectors.SECTORS[idx.sector[employer]]
            if p.education == EDU_UNIVERSITY and p.age_at(m) >= 35 and rng.random() < 0.08:
                job = rng.choice(("Giám đốc", "Phó Giám đốc"))
            else:
                job = weighted(rng, sector.jobs, sector.job_cum)
            end = min(m + max(3, round(rng.lognormvariate(3.3, 0.9))) - 1, self.limit)
            small = idx.small[employer]
            bhtn = UNEMPLOYMENT_ALL_EMPLOYERS if small else UNEMPLOYMENT_START
            self._spell(employer, job, m, end, skill * idx.pay[employer], first, bhtn)
            m = end + 1
            if m > self.limit:
                break
            hazard = (
                0.05
                + (0.15 if sector.manual and p.age_at(m) >= 38 else 0.0)
                + (0.03 if p.female else 0.0)
            )
            leaving = rng.random() < hazard
            r = rng.random()
            gap = (
                NEVER
                if leaving
                else 0
                if r < 0.45
                else rng.randint(1, 6)
                if r < 0.85
                else rng.randint(7, 30)
            )
            terms = self.book.claim_terms(end) if gap >= 2 and rng.random() < 0.45 else None
            if terms is not None:
                if not leaving:
                    gap = max(gap, terms[1] + rng.randint(-2, 3))
                wage = MIN_WAGE_REGION_1.at(end) * self.region
                self.book.claim(rng, end, terms, min(m + gap, NEVER), wage)
            if leaving:
                self._after_leaving(m)
                return
            m += gap

    def _foreign(self) -> None:
        """A foreign worker on a labour contract of 12 months or more: compulsory BHXH from the
        contract's start (Law 41/2024 art. 2(2); since 12/2018 under Decree 143/2018), still
        running; no BHTN, which insures Vietnamese citizens only (Law on Employment 38/2013
        art. 43)."""
        rng, idx = self.rng, self.idx
        first = max(self.start, _FOREIGN_FROM, common.AS_OF_MONTH - 12 - rng.randrange(72))
        if first > self.limit:
            return
        employer = idx.pick(rng, self.place.province_code, False, first // 12)
        sector = sectors.SECTORS[idx.sector[employer]]
        job = weighted(rng, sector.jobs, sector.job_cum)
        level = rng.lognormvariate(0.7, 0.4) * _EDU_PAY[self.p.education] * idx.pay[employer]
        # The rows carry the category, as a declaration's do: the database refuses BHTN rows
        # contributed as a foreign worker (migration 0016).
        category = ParticipantCategory.FOREIGN_WORKER.value
        self._spell(employer, job, first, self.limit, level, first, NEVER, category)

    def _spell(
        self,
        employer: int,
        job: str,
        first: int,
        last: int,
        level: float,
        career_start: int,
        bhtn_from: int,
        category: str = NULL,
    ) -> None:
        """One job: a salary step per raise (mostly each January), less any maternity leave;
        rows under `category` (NULL: an ordinary member's)."""
        rng, book = self.rng, self.book
        self.kind = self.idx.kind[employer]
        begin = len(book.steps)
        salary = 0
        t = first
        while t <= last:
            end = (t // 12) * 12 + 11
            if end - t < 5 or rng.random() < 0.3:
                end += 12
            end = min(end, last)
            floor = MIN_WAGE_REGION_1.at(t) * self.region
            target = floor * level * (1 + 0.03 * min((t - career_start) / 12, 25))
            salary = max(salary, -(-int(max(floor, target)) // 10_000) * 10_000)
            salary = min(salary, int(20 * BASE_SALARY.at(t)))
            book.steps.append(
                Step(t, end, employer, job, salary, bhtn_from=bhtn_from, category=category)
            )
            events.incidents(
                rng, book, book.steps[-1], sectors.SECTORS[self.idx.sector[employer]].manual
            )
            t = end + 1
        book.cover.append((first, last, self._bhyt_category(), self._issuer(employer)))
        for birth in self.births:
            b = month_index(birth.year, birth.month)
            if first <= b <= last:
                events.maternity(self.rng, self.book, begin, birth)

    def _state(self) -> None:
        rng, p, idx = self.rng, self.p, self.idx
        first = max(self.start, month_index(1975, 6) + rng.randrange(24))
        employer = idx.pick(rng, self.place.province_code, True, first // 12)
        if rng.random() < 0.15:  # contract staff of a state body, paid in VND (BHYT category CH)
            self.contract = True
            self._business_at_state(employer, first)
            return
        self.kind = idx.kind[employer]
        scale = (
            _SCALE_A1
            if p.education == EDU_UNIVERSITY
            else _SCALE_A0
            if p.education == EDU_VOCATIONAL
            else _SCALE_B
        )
        grade, position = 0, 0.0
        leaders = _LEADERS.get(idx.sector[employer], _LEADERS[_SECTOR_STATE_ADMIN])
        seniority_pay = idx.sector[employer] != _SECTOR_STATE_ADMIN  # teachers and health workers
        regional = rng.choice((0.3, 0.5, 0.7)) if self.place.mountain else 0.0
        job = rng.choices(
            sectors.SECTORS[idx.sector[employer]].jobs[:3], cum_weights=(1.0, 1.6, 1.9)
        )[0]
        bhtn = NEVER if self.kind == EnterpriseType.STATE_AGENCY.value else UNEMPLOYMENT_START
        begin = len(self.book.steps)
        t = first
        while t <= self.limit:
            served = (t - first) // 12
            if (
                served
                and served % (3 if scale is not _SCALE_B else 2) == 0
                and grade < scale[2] - 1
            ):
                grade += 1
            if scale is _SCALE_A1 and served >= 9 and rng.random() < 0.08:
                scale, grade = _SCALE_A2, 0
                job = "Chuyên viên chính" if self.kind == EnterpriseType.STATE_AGENCY.value else job
            if served >= 10 and not position and rng.random() < 0.04:
                position, job = 0.3, leaders[0]
            elif position == 0.3 and rng.random() < 0.1:
                position, job = 0.5, leaders[1]
            coef = scale[0] + grade * scale[1]
            seniority = served if seniority_pay and served >= 5 else 0
            end = min((t // 12) * 12 + 11, self.limit)
            self.book.steps.append(
                Step(t, end, employer, job, 0, coef, position, seniority, regional, bhtn)
            )
            t = end + 1
            if rng.random() < 0.005:  # leaves the civil service
                self.book.cover.append((first, end, self._bhyt_category(), self._issuer(employer)))
                self._after_leaving(t)
                return
        self.book.cover.append((first, self.limit, self._bhyt_category(), self._issuer(employer)))
        for birth in self.births:
            b = month_index(birth.year, birth.month)
            if first <= b <= self.limit:
                events.maternity(self.rng, self.book, begin, birth)

    def _business_at_state(self, employer: int, first: int) -> None:
        skill = self.rng.lognormvariate(0, 0.2)
        job = self.rng.choice(
            ("Nhân viên hợp đồng", "Lái xe", "Nhân viên bảo vệ", "Nhân viên phục vụ")
        )
        self._spell(employer, job, first, self.limit, skill, first, UNEMPLOYMENT_START)

    def _armed(self) -> None:
        """A career officer of the army or police, on the rank coefficient scale: the rows carry
        the officer's category, pay the accident fund (Decree 58/2020 art. 4) and never BHTN
        (employer_rate_pct and employee_rate_pct, migration 0019)."""
        rng, p = self.rng, self.p
        category = retirement.armed_category(p).value
        first = max(
            p.birth_month + rng.randint(19, 23) * 12 + rng.randrange(12), month_index(1975, 6)
        )
        # In service for at least a year (restricted today), never before the age of 15.
        first = max(self.first, min(first, self.last - 12))
        employer = DEFENCE_EMPLOYER_ID if p.authority == "DEFENCE" else PUBLIC_SECURITY_EMPLOYER_ID
        self.kind = "ARMED"
        rank, t = 0, first
        while t <= self.last:
            served = (t - first) // 12
            if served and served % 4 == 0 and rank < len(_RANKS) - 1:
                rank += 1
            title, coef = _RANKS[rank]
            end = min((t // 12) * 12 + 11, self.last)
            seniority = served if served >= 5 else 0
            self.book.steps.append(
                Step(
                    t, end, employer, title, 0, coef, 0.0, seniority, 0.0, NEVER, category=category
                )
            )
            t = end + 1
        card = "CY" if p.cipher else "QN" if p.authority == "DEFENCE" else "CA"
        self.book.cover.append((first, NEVER, card, ""))
        self.book.ongoing = True

    def _voluntary(self, first: int, last: int) -> None:
        rng, book = self.rng, self.book
        first = max(first, VOLUNTARY_START, (book.steps[-1].end + 1) if book.steps else 0)
        first = max(first, self.first)
        last = min(last, self.last)
        if first > last:
            return
        chosen = 0 if rng.random() < 0.75 else rng.randint(20, 60) * 100_000
        a = first
        for change in [*VOLUNTARY_FLOOR.changes_between(first, last), last + 1]:
            income = max(chosen, int(VOLUNTARY_FLOOR.at(a)))
            if (
                book.voluntary
                and book.voluntary[-1][2] == income
                and book.voluntary[-1][1] == a - 1
            ):
                book.voluntary[-1] = (book.voluntary[-1][0], change - 1, income)
            else:
                book.voluntary.append((a, change - 1, income))
            a = change
        book.ongoing = last == common.AS_OF_MONTH
        book.payment = weighted(rng, _PAYMENT, _PAYMENT_CUM)[0].value
        for (
            birth
        ) in self.births:  # 2,000,000 per child born to a voluntary contributor since 7/2025
            b = month_index(birth.year, birth.month)
            if first <= b <= last and b >= _MATERNITY_GRANT_FROM:
                book.benefit(rng, BenefitRegime.MATERNITY, birth, birth, 2_000_000)

    # --- events --------------------------------------------------------------------------

    def _after_leaving(self, m: int) -> None:
        """Left formal work before retirement age: often a lump-sum withdrawal a year later,
        sometimes voluntary contributions to keep building a pension."""
        rng, book, p = self.rng, self.book, self.p
        age = p.age_at(m)
        if age < 50 and book.months >= 12 and rng.random() < 0.35:
            when = m + 12 + rng.randrange(6)
            if when < self.last:
                retirement.withdraw(rng, book, when)
                return
        if age >= 40 and book.months >= 120 and rng.random() < 0.3:
            first = m + rng.randint(1, 12)
            self._voluntary(first, min(self.retire - 1, self.last))

    def _finish(self) -> None:
        rng, book = self.rng, self.book
        for lo, hi in book.leaves:  # a job begun during a maternity leave pays from its end
            book.cut(lo, hi)
        last = max([s.end for s in book.steps] + [e for _, e, _ in book.voluntary], default=-1)
        if last < 0 and not book.benefits:
            return
        if not book.ongoing and book.steps and book.steps[-1].end == common.AS_OF_MONTH:
            book.ongoing = True
        retired = self.retire <= self.last and last < self.retire
        if retired and not book.withdrawn:
            required = 180 if self.retire >= retirement.LAW_41_2024 else 240
            if book.months < required and last >= self.retire - 1:
                r = rng.random()
                if r < 0.5:
                    retirement.withdraw(rng, book, self.retire)
                elif r < 0.8 and self.retire >= VOLUNTARY_START:
                    self._voluntary(self.retire, self.retire + required - book.months - 1)
            last = max([s.end for s in book.steps] + [e for _, e, _ in book.voluntary])
            pension_at = max(self.retire, last + 1)
            if not book.withdrawn and book.months >= required and pension_at <= self.last:
                retirement.pension(rng, self.p, book, pension_at)
        if self.p.died is not None:  # rows end with the month of death, no leave runs on
            book.ongoing = book.on_leave = False
        retirement.status(rng, self.p, book, self.idx, self.kind, self.contract)

    def _issuer(self, employer: int) -> str:
        """The legacy province of the BHXH office an employer pays at (its unit code's digits
        3–4): the cards of its staff are issued there."""
        return self.idx.unit_code[employer][2:4]

    def _bhyt_category(self) -> str:
        if self.kind == EnterpriseType.COOPERATIVE.value:
            return "HX"
        if self.kind in (
            EnterpriseType.STATE_AGENCY.value,
            EnterpriseType.PUBLIC_SERVICE_UNIT.value,
        ):
            return "CH" if self.contract else "HC"
        return "DN"

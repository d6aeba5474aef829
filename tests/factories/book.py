"""A whole e-book of a chosen length: the statement-count tests compare short and long books."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg

from db import bhyt_rules
from db.enums import HouseholdRelation, RelativeKind, Scheme, Sex
from db.identifiers import make_bhyt_code_15
from tests.factories import employer as employers
from tests.factories import person as persons
from tests.factories import reference
from tests.factories.person import insert


@dataclass
class Book:
    person: dict[str, Any]
    bhxh_code: str
    employers: list[dict[str, Any]]
    household_id: int
    facility_code: str
    """The registered facility of the book's cards and visits."""


def _month(start: date, offset: int) -> date:
    m = start.month - 1 + offset
    return date(start.year + m // 12, m % 12 + 1, 1)


def book(
    conn: psycopg.Connection,
    *,
    periods: int = 3,
    cards: int = 2,
    visits: int = 2,
    benefits: int = 1,
    claims: int = 1,
    ongoing: bool = False,
    **person_overrides: Any,
) -> Book:
    office = reference.office(conn)
    facility = reference.facility(conn)
    holder = persons.person(conn, **person_overrides)
    spouse = persons.person(
        conn, full_name="Trần Văn Hùng", sex=Sex.MALE, birth_date=date(1985, 2, 1)
    )
    persons.relative(conn, holder, RelativeKind.SPOUSE, linked=spouse)
    persons.relative(conn, holder, RelativeKind.FATHER, full_name="Nguyễn Văn Bình")
    household = insert(
        conn,
        "household",
        {
            "household_code": f"{holder['id']:012d}",
            "address": holder["permanent_residence"],
            "province_code": "01",
        },
    )
    insert(
        conn,
        "household_member",
        {
            "person_id": spouse["id"],
            "household_id": household["id"],
            "relation_to_head": HouseholdRelation.HEAD,
        },
    )
    insert(
        conn,
        "household_member",
        {
            "person_id": holder["id"],
            "household_id": household["id"],
            "relation_to_head": HouseholdRelation.SPOUSE,
        },
    )
    bhxh_code = f"01{holder['id']:08d}"
    insert(
        conn,
        "social_insurance",
        {
            "person_id": holder["id"],
            "bhxh_code": bhxh_code,
            "office_code": office["code"],
            "participant_category": "EMPLOYEE",
            "payment_method": "MONTHLY",
        },
    )
    work = [
        employers.employer(conn, office),
        employers.employer(conn, office, name="Công ty CP Hồng Hà"),
    ]
    # Four-month rows from 2008-01; a long book starts earlier, so that none starts after this
    # month (the database refuses such rows, migration 0011).
    now = datetime.now(UTC).date()
    start = min(date(2008, 1, 1), _month(date(now.year, now.month, 1), -4 * periods))
    for i in range(periods):
        scheme = Scheme.UNEMPLOYMENT if i % 3 == 2 else Scheme.COMPULSORY_SOCIAL
        # BHTN needs BHXH in the same months (migration 0011): a compulsory row followed by an
        # unemployment one runs on through its months, and stays open when that one is ongoing.
        last = i * 4 + (7 if i % 3 == 1 and i + 1 < periods else 3)
        open_ended = ongoing and (i == periods - 1 or (i == periods - 2 and i % 3 == 1))
        insert(
            conn,
            "contribution_period",
            {
                "person_id": holder["id"],
                "scheme": scheme,
                "from_month": _month(start, i * 4),
                "to_month": None if open_ended else _month(start, last),
                "employer_id": work[i % 2]["id"],
                "job_title": "Kỹ sư phần mềm",
                "salary_vnd": 8_000_000 + i * 250_000,
                "rate_pct": 1 if scheme == Scheme.UNEMPLOYMENT else 8,
            },
        )
    for i in range(benefits):
        insert(
            conn,
            "benefit",
            {
                "person_id": holder["id"],
                "regime": "SICKNESS",
                "decision_number": f"{i + 1}/QĐ-BHXH",
                "decided_on": date(2015 + i % 10, 3, 1),
                "period_from": date(2015 + i % 10, 2, 1),
                "period_to": date(2015 + i % 10, 2, 10),
                "amount_vnd": 1_500_000,
            },
        )
    card_ids = []
    # The last card covers this year: a card's status is derived from its dates when read.
    this_year = bhyt_rules.today().year
    for i in range(cards):
        year = this_year - cards + 1 + i
        card = insert(
            conn,
            "health_insurance_card",
            {
                "person_id": holder["id"],
                "code": make_bhyt_code_15("DN", 4, "01", bhxh_code),
                "short_code": bhxh_code,
                "category_code": "DN",
                "benefit_level": 4,
                "province_code": "01",
                "initial_facility_code": facility["code"],
                "valid_from": date(year, 1, 1),
                "valid_to": date(year, 12, 31),
                "status": "ACTIVE" if i == cards - 1 else "EXPIRED",
            },
        )
        card_ids.append(card["id"])
    for i in range(visits):
        admitted = datetime(2020, 1, 1, 8, tzinfo=UTC) + timedelta(days=7 * i)
        insert(
            conn,
            "medical_visit",
            {
                "person_id": holder["id"],
                "card_id": card_ids[-1] if card_ids else None,
                "facility_code": facility["code"],
                "admitted_at": admitted,
                "discharged_at": admitted + timedelta(hours=2),
                "visit_type": "OUTPATIENT",
                "icd10_code": "J06.9",
                "diagnosis": "Nhiễm trùng đường hô hấp trên cấp",
                "total_cost_vnd": 500_000,
                "fund_paid_vnd": 400_000,
                "patient_paid_vnd": 100_000,
            },
        )
    for i in range(claims):
        insert(
            conn,
            "unemployment_benefit",
            {
                "person_id": holder["id"],
                "decision_number": f"{i + 1}/QĐ-SLĐTBXH",
                "filed_on": date(2012 + i, 5, 2),
                "decided_on": date(2012 + i, 5, 20),
                "starts_on": date(2012 + i, 5, 25),
                "contribution_months_counted": 24,
                "months_granted": 3,
                "months_used": 1,
                "monthly_amount_vnd": 4_800_000,
            },
        )
    return Book(
        person=holder,
        bhxh_code=bhxh_code,
        employers=work,
        household_id=household["id"],
        facility_code=facility["code"],
    )

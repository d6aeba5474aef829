"""What a real book shows (issue 9): each row's shares, conditions and notes; the cover; the
date of death and the cards it ends. Expected values are computed by hand in the comments."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from db import bhyt_rules
from db.enums import Scheme
from tests.factories.book import book
from tests.factories.person import insert
from tests.graph.conftest import Api

ROWS = """
query Rows {
  me {
    dateOfDeath
    socialInsurance {
      issuedOn
      issuingOffice { code name }
      contributionPeriods(first: 100, fromMonth: "2020-01") {
        edges { node {
          scheme fromMonth ratePct employerAmountVnd employeeAmountVnd arduous notes
        } }
      }
    }
    healthInsurance { currentCard { status validToday } }
  }
}
"""


@pytest.fixture
def api(api_both: Api) -> Api:
    return api_both


def _period(conn: psycopg.Connection, person_id: int, employer_id: int | None, **row: Any) -> None:
    insert(
        conn,
        "contribution_period",
        {"person_id": person_id, "employer_id": employer_id, "job_title": "Thợ hàn", **row},
    )


async def test_rows_show_shares_conditions_and_notes(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn, periods=0, cards=1, visits=0, benefits=0, claims=0)
    pid, employer = b.person["id"], b.employers[0]["id"]
    # 10,000,000 × 17 % = 1,700,000 for the employer; × 8 % = 800,000 for the employee.
    _period(
        conn, pid, employer, scheme=Scheme.COMPULSORY_SOCIAL, from_month=date(2024, 7, 1),
        to_month=date(2024, 12, 1), salary_vnd=10_000_000, rate_pct=25, arduous=True,
        notes=["PAID_LATE"],
    )  # fmt: skip
    # BHXH under the BHTN months (the database requires it): 7,000,000 × 17 % and × 8 %.
    _period(
        conn, pid, employer, scheme=Scheme.COMPULSORY_SOCIAL, from_month=date(2022, 1, 1),
        to_month=date(2022, 6, 1), salary_vnd=7_000_000, rate_pct=25,
    )  # fmt: skip
    # BHTN in the waiver (Resolution 116/NQ-CP): employer 0, employee 7,000,000 × 1 % = 70,000.
    _period(
        conn, pid, employer, scheme=Scheme.UNEMPLOYMENT, from_month=date(2022, 1, 1),
        to_month=date(2022, 6, 1), salary_vnd=7_000_000, rate_pct=1,
    )  # fmt: skip
    # A coefficient: (2.34 + 0.20) × 2,340,000 × 1.05 = 6,240,780; TNLĐ 0.5 % = 31,203.9 → 31,204.
    _period(
        conn, pid, employer, scheme=Scheme.OCCUPATIONAL_ACCIDENT, from_month=date(2025, 1, 1),
        to_month=date(2025, 3, 1), salary_coefficient=Decimal("2.34"),
        position_allowance=Decimal("0.20"), seniority_allowance_pct=Decimal(5),
        regional_allowance=Decimal("0.5"), rate_pct=Decimal("0.5"),
    )  # fmt: skip
    # Maternity months count with nothing paid (Law 58/2014 art. 39(2)).
    _period(
        conn, pid, employer, scheme=Scheme.COMPULSORY_SOCIAL, from_month=date(2025, 4, 1),
        to_month=date(2025, 9, 1), salary_vnd=10_000_000, rate_pct=25, notes=["MATERNITY"],
    )  # fmt: skip

    body = await api.query(ROWS, api.citizen(b.person))
    assert "errors" not in body, body
    rows = [
        e["node"] for e in body["data"]["me"]["socialInsurance"]["contributionPeriods"]["edges"]
    ]
    assert rows == [
        {
            "scheme": "COMPULSORY_SOCIAL", "fromMonth": "2022-01", "ratePct": 25.0,
            "employerAmountVnd": 1_190_000, "employeeAmountVnd": 560_000, "arduous": False,
            "notes": [],
        },
        {
            "scheme": "UNEMPLOYMENT", "fromMonth": "2022-01", "ratePct": 1.0,
            "employerAmountVnd": 0, "employeeAmountVnd": 70_000, "arduous": False, "notes": [],
        },
        {
            "scheme": "COMPULSORY_SOCIAL", "fromMonth": "2024-07", "ratePct": 25.0,
            "employerAmountVnd": 1_700_000, "employeeAmountVnd": 800_000, "arduous": True,
            "notes": ["PAID_LATE"],
        },
        {
            "scheme": "OCCUPATIONAL_ACCIDENT", "fromMonth": "2025-01", "ratePct": 0.5,
            "employerAmountVnd": 31_204, "employeeAmountVnd": 0, "arduous": False, "notes": [],
        },
        {
            "scheme": "COMPULSORY_SOCIAL", "fromMonth": "2025-04", "ratePct": 25.0,
            "employerAmountVnd": 0, "employeeAmountVnd": 0, "arduous": False,
            "notes": ["MATERNITY"],
        },
    ]  # fmt: skip


async def test_cover_and_no_death(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn, periods=0, cards=1, visits=0, benefits=0, claims=0)
    office = conn.execute(
        "UPDATE social_insurance SET issuing_office_code = office_code, issued_on = '2008-01-15'"
        " WHERE person_id = %s RETURNING issuing_office_code",
        [b.person["id"]],
    ).fetchone()
    assert office is not None
    me = (await api.query(ROWS, api.citizen(b.person)))["data"]["me"]
    assert me["socialInsurance"]["issuedOn"] == "2008-01-15"
    assert me["socialInsurance"]["issuingOffice"]["code"] == office[0]
    assert me["dateOfDeath"] is None
    assert me["healthInsurance"]["currentCard"] == {"status": "ACTIVE", "validToday": True}


async def test_a_card_ends_at_death(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn, periods=0, cards=1, visits=0, benefits=0, claims=0)
    me_before = (await api.query(ROWS, api.citizen(b.person)))["data"]["me"]
    assert me_before["socialInsurance"]["issuingOffice"] is None
    # The card covers this whole year; its holder died yesterday (or on 1 January, if today is
    # the year's first day, so that the death falls inside the card's validity).
    today = bhyt_rules.today()
    died = max(today - timedelta(days=1), date(today.year, 1, 1))
    conn.execute("UPDATE person SET died_on = %s WHERE id = %s", [died, b.person["id"]])
    me = (await api.query(ROWS, api.citizen(b.person)))["data"]["me"]
    assert me["dateOfDeath"] == died.isoformat()
    expected = "ACTIVE" if died == today else "EXPIRED"
    assert me["healthInsurance"]["currentCard"]["status"] == expected


DETAIL = """
query Detail {
  me {
    socialInsurance {
      contributionPeriods(first: 100, schemes: [VOLUNTARY_SOCIAL]) {
        edges { node {
          fromMonth employeeAmountVnd stateSupportPct stateSupportMonths stateSupportVnd
        } }
      }
      benefits(first: 100) {
        edges { node {
          regime amountVnd pensionRatePct averageSalaryVnd incapacityPct sicknessDays
          payingOffice { code name }
        } }
      }
    }
  }
}
"""


async def test_benefits_in_detail_and_state_support(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn, periods=0, cards=0, visits=0, benefits=0, claims=0)
    pid = b.person["id"]
    office = conn.execute(
        "SELECT office_code FROM social_insurance WHERE person_id = %s", [pid]
    ).fetchone()
    assert office is not None
    # 2,000,000 × 22 % = 440,000 paid; the state supports 20 % of 22 % × 1,500,000 = 66,000.
    _period(
        conn, pid, None, scheme=Scheme.VOLUNTARY_SOCIAL, from_month=date(2024, 1, 1),
        to_month=date(2024, 12, 1), salary_vnd=2_000_000, rate_pct=22, job_title=None,
        state_support_pct=20, state_support_months=12,
    )  # fmt: skip
    # 61 % of an average 10,000,000 = 6,100,000 a month.
    insert(
        conn,
        "benefit",
        {
            "person_id": pid, "regime": "RETIREMENT", "decision_number": "9/QĐ-BHXH",
            "decided_on": date(2025, 6, 1), "period_from": date(2025, 7, 1),
            "amount_vnd": 6_100_000, "pension_rate_pct": Decimal(61),
            "average_salary_vnd": 10_000_000, "paying_office_code": office[0],
        },
    )  # fmt: skip
    insert(
        conn,
        "benefit",
        {
            "person_id": pid, "regime": "OCCUPATIONAL_ACCIDENT", "decision_number": "3/QĐ-BHXH",
            "decided_on": date(2020, 3, 1), "period_from": date(2020, 3, 1),
            "period_to": date(2020, 3, 1), "amount_vnd": 20_000_000, "incapacity_pct": 31,
        },
    )  # fmt: skip
    insert(
        conn,
        "benefit",
        {
            "person_id": pid, "regime": "SICKNESS", "decision_number": "5/QĐ-BHXH",
            "decided_on": date(2022, 3, 1), "period_from": date(2022, 2, 1),
            "period_to": date(2022, 2, 10), "amount_vnd": 1_500_000, "sickness_days": 8,
        },
    )  # fmt: skip
    body = await api.query(DETAIL, api.citizen(b.person))
    assert "errors" not in body, body
    si = body["data"]["me"]["socialInsurance"]
    assert [e["node"] for e in si["contributionPeriods"]["edges"]] == [
        {
            "fromMonth": "2024-01", "employeeAmountVnd": 440_000, "stateSupportPct": 20,
            "stateSupportMonths": 12, "stateSupportVnd": 66_000,
        }
    ]  # fmt: skip
    benefits = {e["node"]["regime"]: e["node"] for e in si["benefits"]["edges"]}
    pension = benefits["RETIREMENT"]
    assert pension["pensionRatePct"] == 61.0
    assert pension["averageSalaryVnd"] == 10_000_000
    assert pension["pensionRatePct"] * pension["averageSalaryVnd"] / 100 == pension["amountVnd"]
    assert pension["payingOffice"]["code"] == office[0]
    assert pension["payingOffice"]["name"]
    assert benefits["OCCUPATIONAL_ACCIDENT"]["incapacityPct"] == 31
    assert benefits["OCCUPATIONAL_ACCIDENT"]["payingOffice"] is None
    assert benefits["SICKNESS"]["sicknessDays"] == 8
    assert benefits["SICKNESS"]["pensionRatePct"] is None


def test_the_database_keeps_detail_to_its_regime(conn: psycopg.Connection) -> None:
    b = book(conn, periods=0, cards=0, visits=0, benefits=0, claims=0)
    with (
        pytest.raises(psycopg.errors.CheckViolation, match="ck_benefit_pension_rate"),
        conn.transaction(),
    ):
        insert(
            conn,
            "benefit",
            {
                "person_id": b.person["id"], "regime": "SICKNESS",
                "decision_number": "1/QĐ-BHXH", "decided_on": date(2022, 3, 1),
                "period_from": date(2022, 3, 1), "amount_vnd": 1,
                "pension_rate_pct": Decimal(45),
            },
        )  # fmt: skip
    with (
        pytest.raises(psycopg.errors.CheckViolation, match="state_support_voluntary"),
        conn.transaction(),
    ):
        _period(
            conn, b.person["id"], b.employers[0]["id"], scheme=Scheme.COMPULSORY_SOCIAL,
            from_month=date(2024, 1, 1), salary_vnd=5_000_000, rate_pct=25,
            state_support_pct=20, state_support_months=1,
        )  # fmt: skip


BHYT = """
query Bhyt {
  me {
    healthInsurance {
      contributions(first: 10, fromMonth: "2024-01") {
        totalCount
        edges { node { payer fromMonth toMonth monthlyAmountVnd } }
      }
    }
  }
}
"""


async def test_bhyt_contribution_history(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn, periods=0, cards=0, visits=0, benefits=0, claims=0)
    pid = b.person["id"]
    # A student in 2023: 4.5 % × 1,800,000 = 81,000; the state 30 % = 24,300, the student
    # 70 % = 56,700. Then employed at 10,000,000: employer 3 % = 300,000, employee 1.5 % =
    # 150,000 (Law on Health Insurance art. 13(1)(a)).
    for payer, first, last, amount in (
        ("STATE_BUDGET", date(2023, 9, 1), date(2024, 6, 1), 24_300),
        ("SELF", date(2023, 9, 1), date(2024, 6, 1), 56_700),
        ("EMPLOYER", date(2024, 7, 1), None, 300_000),
        ("EMPLOYEE", date(2024, 7, 1), None, 150_000),
        ("HOUSEHOLD", date(2020, 1, 1), date(2020, 12, 1), 67_050),
    ):
        insert(
            conn,
            "health_insurance_contribution",
            {
                "person_id": pid, "payer": payer, "from_month": first, "to_month": last,
                "monthly_amount_vnd": amount,
            },
        )  # fmt: skip
    body = await api.query(BHYT, api.citizen(b.person))
    assert "errors" not in body, body
    page = body["data"]["me"]["healthInsurance"]["contributions"]
    assert page["totalCount"] == 4  # the 2020 household row ends before the filter's month
    assert [(n["node"]["payer"], n["node"]["monthlyAmountVnd"]) for n in page["edges"]] == [
        ("STATE_BUDGET", 24_300),
        ("SELF", 56_700),
        ("EMPLOYER", 300_000),
        ("EMPLOYEE", 150_000),
    ]
    assert page["edges"][2]["node"]["toMonth"] is None

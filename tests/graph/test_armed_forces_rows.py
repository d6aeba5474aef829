"""The armed forces' rows in the book (issue 9): each carries the category it was contributed
under, and its amounts follow that category's rates. Expected values are computed by hand."""

from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from db.enums import ManagingAuthority, ParticipantCategory, Scheme
from tests.factories.book import book
from tests.factories.person import insert
from tests.graph.conftest import Api

ROWS = """
query Rows {
  me {
    socialInsurance {
      contributionPeriods(first: 100) {
        edges { node {
          scheme fromMonth ratePct participantCategory employerAmountVnd employeeAmountVnd
        } }
      }
    }
  }
}
"""


@pytest.fixture
def api(api_both: Api) -> Api:
    return api_both


def _armed_book(
    conn: psycopg.Connection, category: ParticipantCategory
) -> tuple[dict[str, Any], int]:
    b = book(
        conn, periods=0, cards=0, visits=0, benefits=0, claims=0,
        authority=ManagingAuthority.DEFENCE,
    )  # fmt: skip
    conn.execute(
        "UPDATE social_insurance SET participant_category = %s WHERE person_id = %s",
        [category, b.person["id"]],
    )
    return b.person, b.employers[0]["id"]


def _row(conn: psycopg.Connection, pid: int, employer: int, **row: Any) -> None:
    insert(
        conn,
        "contribution_period",
        {"person_id": pid, "employer_id": employer, "job_title": "Đại úy", **row},
    )


async def _rows(api: Api, holder: dict[str, Any]) -> list[dict[str, Any]]:
    body = await api.query(ROWS, api.citizen(holder))
    assert "errors" not in body, body
    social = body["data"]["me"]["socialInsurance"]
    return [e["node"] for e in social["contributionPeriods"]["edges"]]


async def test_an_officers_rows_follow_the_armed_forces_rates(
    api: Api, conn: psycopg.Connection
) -> None:
    officer = ParticipantCategory.ARMED_FORCES_OFFICER
    holder, unit = _armed_book(conn, officer)
    pid = holder["id"]
    # Đại úy in 7/2016: 5.40 × 1,210,000 × 1.08 = 7,056,720; BHXH 18 % = 1,270,209.6 → 1,270,210
    # from the unit, 8 % = 564,537.6 → 564,538 from the officer; the accident fund 1 % = 70,567.
    coefficient = {"salary_coefficient": Decimal("5.40"), "seniority_allowance_pct": Decimal(8)}
    _row(
        conn, pid, unit, scheme=Scheme.COMPULSORY_SOCIAL, from_month=date(2016, 7, 1),
        to_month=date(2016, 12, 1), rate_pct=26, participant_category=officer, **coefficient,
    )  # fmt: skip
    _row(
        conn, pid, unit, scheme=Scheme.OCCUPATIONAL_ACCIDENT, from_month=date(2016, 7, 1),
        to_month=date(2016, 12, 1), rate_pct=1, participant_category=officer, **coefficient,
    )  # fmt: skip
    # Thiếu tá in 1/2025: 6.00 × 2,340,000 × 1.10 = 15,444,000; 17 % = 2,625,480, 8 % = 1,235,520.
    _row(
        conn, pid, unit, scheme=Scheme.COMPULSORY_SOCIAL, from_month=date(2025, 1, 1),
        to_month=date(2025, 6, 1), rate_pct=25, participant_category=officer,
        salary_coefficient=Decimal("6.00"), seniority_allowance_pct=Decimal(10),
    )  # fmt: skip
    assert await _rows(api, holder) == [
        {
            "scheme": "COMPULSORY_SOCIAL", "fromMonth": "2016-07", "ratePct": 26.0,
            "participantCategory": "ARMED_FORCES_OFFICER", "employerAmountVnd": 1_270_210,
            "employeeAmountVnd": 564_538,
        },
        {
            "scheme": "OCCUPATIONAL_ACCIDENT", "fromMonth": "2016-07", "ratePct": 1.0,
            "participantCategory": "ARMED_FORCES_OFFICER", "employerAmountVnd": 70_567,
            "employeeAmountVnd": 0,
        },
        {
            "scheme": "COMPULSORY_SOCIAL", "fromMonth": "2025-01", "ratePct": 25.0,
            "participantCategory": "ARMED_FORCES_OFFICER", "employerAmountVnd": 2_625_480,
            "employeeAmountVnd": 1_235_520,
        },
    ]  # fmt: skip


async def test_a_conscripts_unit_pays_22_percent_of_the_base_salary(
    api: Api, conn: psycopg.Connection
) -> None:
    conscript = ParticipantCategory.CONSCRIPT
    holder, unit = _armed_book(conn, conscript)
    pid = holder["id"]
    # The row shows the private's allowance (0.40 × 2,340,000); the contributions are on the
    # base salary: 2,340,000 × 22 % = 514,800 from the unit, nothing from the conscript; the
    # accident fund 2,340,000 × 0.5 % = 11,700.
    for scheme, rate in ((Scheme.COMPULSORY_SOCIAL, 22), (Scheme.OCCUPATIONAL_ACCIDENT, 0.5)):
        _row(
            conn, pid, unit, scheme=scheme, from_month=date(2025, 1, 1),
            to_month=date(2025, 12, 1), rate_pct=rate, participant_category=conscript,
            salary_vnd=936_000, job_title="Binh nhì",
        )  # fmt: skip
    assert await _rows(api, holder) == [
        {
            "scheme": "COMPULSORY_SOCIAL", "fromMonth": "2025-01", "ratePct": 22.0,
            "participantCategory": "CONSCRIPT", "employerAmountVnd": 514_800,
            "employeeAmountVnd": 0,
        },
        {
            "scheme": "OCCUPATIONAL_ACCIDENT", "fromMonth": "2025-01", "ratePct": 0.5,
            "participantCategory": "CONSCRIPT", "employerAmountVnd": 11_700,
            "employeeAmountVnd": 0,
        },
    ]  # fmt: skip

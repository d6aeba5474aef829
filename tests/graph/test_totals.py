"""The book's totals and footer as the law reads them, against rows whose months are counted
here by hand: maternity months, settled months, ongoing and prepaid rows, the combined total
toward a pension and the retirement age (DOMAIN.md "Rules a review asked for")."""

from datetime import date
from typing import Any

import psycopg

from db import bhyt_rules
from db.enums import Scheme
from db.rules import add_months
from tests.factories.book import book
from tests.factories.person import insert
from tests.graph.conftest import Api

QUERY = """query($id: String!) { person(identificationNumber: $id) { socialInsurance {
  totals { scheme months settledMonths maternityMonths prepaidMonths }
  pension {
    months settledMonths years remainderMonths monthsRequired monthsMissing
    retirement { ageYears ageMonths reachedOn }
  }
} } }"""


def _row(conn: psycopg.Connection, person: dict[str, Any], scheme: Scheme, **values: Any) -> None:
    employer = values.pop("employer_id", None)
    insert(
        conn,
        "contribution_period",
        {
            "person_id": person["id"],
            "scheme": scheme,
            "employer_id": None if scheme == Scheme.VOLUNTARY_SOCIAL else employer,
            "salary_vnd": 8_000_000,
            "rate_pct": 22 if scheme == Scheme.VOLUNTARY_SOCIAL else 8,
            **values,
        },
    )


def _benefit(
    conn: psycopg.Connection, person: dict[str, Any], regime: str, start: date, end: date
) -> dict[str, Any]:
    return insert(
        conn,
        "benefit",
        {
            "person_id": person["id"],
            "regime": regime,
            "decision_number": f"{regime[:3]}{start.isoformat()}/QĐ-BHXH",
            "decided_on": end,
            "period_from": start,
            "period_to": end,
            "amount_vnd": 1_000_000,
        },
    )


async def test_totals_and_footer_by_hand(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn, periods=0, benefits=0, claims=0)
    who, work = b.person, b.employers[0]["id"]
    this_month = bhyt_rules.today().replace(day=1)
    compulsory = Scheme.COMPULSORY_SOCIAL
    # 2020: 12 months, settled by a lump sum decided 1/2/2021; 4–29/1/2021 maternity leave no
    # row covers (20 working days), a month before the settlement: settled too.
    lump = _benefit(conn, who, "LUMP_SUM_WITHDRAWAL", date(2021, 2, 1), date(2021, 2, 1))
    _row(conn, who, compulsory, employer_id=work, from_month=date(2020, 1, 1),
         to_month=date(2020, 12, 1), settled_by=lump["id"])  # fmt: skip
    _benefit(conn, who, "MATERNITY", date(2021, 1, 4), date(2021, 1, 29))
    # 1/2024–2/2025 (14), maternity 10/3–9/9/2025 (March 16 working days … August: 6 months,
    # September 7 days, and covered anyway), 9/2025–12/2025 (4).
    _row(conn, who, compulsory, employer_id=work, from_month=date(2024, 1, 1),
         to_month=date(2025, 2, 1))  # fmt: skip
    _benefit(conn, who, "MATERNITY", date(2025, 3, 10), date(2025, 9, 9))
    _row(conn, who, compulsory, employer_id=work, from_month=date(2025, 9, 1),
         to_month=date(2025, 12, 1))  # fmt: skip
    # Sick leave is no maternity: nothing counts from it.
    _benefit(conn, who, "SICKNESS", date(2023, 3, 1), date(2023, 3, 31))
    # An ongoing row from two months ago: 3 months to this one, none ahead.
    _row(conn, who, compulsory, employer_id=work, from_month=add_months(this_month, -2))
    # Voluntary 10/2025–3/2026 (6; October to December overlap the compulsory months), and 12
    # months prepaid from next month: paid, not counted.
    _row(
        conn, who, Scheme.VOLUNTARY_SOCIAL, from_month=date(2025, 10, 1), to_month=date(2026, 3, 1)
    )
    _row(conn, who, Scheme.VOLUNTARY_SOCIAL, from_month=add_months(this_month, 1),
         to_month=add_months(this_month, 12))  # fmt: skip

    body = await api.query(QUERY, api.citizen(who), {"id": who["identification_number"]})

    assert "errors" not in body, body
    si = body["data"]["person"]["socialInsurance"]
    assert si["totals"] == [
        {
            "scheme": "COMPULSORY_SOCIAL",
            "months": 14 + 6 + 4 + 3,
            "settledMonths": 12 + 1,
            "maternityMonths": 6,
            "prepaidMonths": 0,
        },
        {
            "scheme": "VOLUNTARY_SOCIAL",
            "months": 6,
            "settledMonths": 0,
            "maternityMonths": 0,
            "prepaidMonths": 12,
        },
    ]
    # 1/2024–12/2025 continuous (24), 1–3/2026 voluntary only (3), the ongoing 3: 30 months.
    assert si["pension"] == {
        "months": 30,
        "settledMonths": 13,
        "years": 2,
        "remainderMonths": 6,
        "monthsRequired": 180,
        "monthsMissing": 150,
        # A woman born 17/5/1988: 60, reached on 17/5/2048.
        "retirement": {"ageYears": 60, "ageMonths": 0, "reachedOn": "2048-05-17"},
    }


async def test_retirement_needs_the_identity_group(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn, periods=3)
    officer = api.officer(frozenset({"social_insurance"}))
    body = await api.query(QUERY, officer, {"id": b.person["identification_number"]})
    pension = body["data"]["person"]["socialInsurance"]["pension"]
    assert pension["months"] == 12  # two compulsory rows: 4 months, then 8 (through the BHTN row)
    assert pension["retirement"] is None
    assert [(e["path"], e["extensions"]["dataGroup"]) for e in body["errors"]] == [
        (["person", "socialInsurance", "pension", "retirement"], "IDENTITY")
    ]


ROW_MONTHS = """query($id: String!) { person(identificationNumber: $id) { socialInsurance {
  contributionPeriods(first: 10) { edges { node { fromMonth toMonth months } } }
} } }"""


async def test_a_rows_months_never_run_ahead(api: Api, conn: psycopg.Connection) -> None:
    """A row's `months`, as its statement counts them to Vietnam's current month."""
    b = book(conn, periods=0, cards=0, visits=0, benefits=0, claims=0)
    this_month = bhyt_rules.today().replace(day=1)
    rows = [
        # Ongoing from two months ago: 3; ending next year: to this month only, 3 again.
        (add_months(this_month, -2), None, 3),
        (add_months(this_month, -2), add_months(this_month, 12), 3),
        # Starting next month (prepaid, or a row declared ahead): 0, never negative.
        (add_months(this_month, 1), None, 0),
        (add_months(this_month, 1), add_months(this_month, 6), 0),
        # A closed row in the past: every month, 1/2024–2/2025 = 14.
        (date(2024, 1, 1), date(2025, 2, 1), 14),
    ]
    for start, end, _ in rows:
        _row(conn, b.person, Scheme.VOLUNTARY_SOCIAL, from_month=start, to_month=end)
    officer = api.officer(frozenset({"social_insurance"}))
    body = await api.query(ROW_MONTHS, officer, {"id": b.person["identification_number"]})
    edges = body["data"]["person"]["socialInsurance"]["contributionPeriods"]["edges"]
    got = [(e["node"]["fromMonth"], e["node"]["toMonth"], e["node"]["months"]) for e in edges]
    expected = [(_year_month(f), _year_month(t), n) for f, t, n in rows]
    assert sorted(got, key=str) == sorted(expected, key=str)


def _year_month(day: date | None) -> str | None:
    return day.strftime("%Y-%m") if day else None

"""Benefit decisions by officers: decideUnemploymentBenefit, recordUnemploymentBenefitMonthsUsed
and settleLumpSum, each against a book whose amounts and months are computed here by hand."""

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from db.enums import Scheme
from graph.authz.principal import Role
from tests.factories import employer as employers
from tests.factories import person as persons
from tests.factories import reference
from tests.factories.person import insert
from tests.graph.conftest import Api
from tests.graph.mutations.cast import CALLERS, EVERY_SCOPE, cast, change_log_rows, outcome

OPERATIONS = Path(__file__).resolve().parents[3] / "examples" / "operations"
DECIDE = (OPERATIONS / "decide_unemployment_benefit.graphql").read_text()
RECORD = (OPERATIONS / "record_unemployment_benefit_months_used.graphql").read_text()
SETTLE = (OPERATIONS / "settle_lump_sum.graphql").read_text()
BOOK = """query($id: String!) { person(identificationNumber: $id) {
  socialInsurance {
    totals { scheme months settledMonths }
    contributionPeriods(first: 50) { edges { node { scheme fromMonth toMonth settled } } }
    benefits(first: 50) {
      edges { node { regime decisionNumber decidedOn periodFrom periodTo amountVnd lumpSumReason } }
    }
  }
  unemploymentInsurance {
    contributionMonths reservedMonths
    decisions { decisionNumber contributionMonthsCounted monthsGranted monthsUsed monthlyAmountVnd }
  }
} }"""
CHANGES = """{ me { changeLog(first: 50) { edges { node {
  operation action record before after grounds actorRole
} } } } }"""
Row = dict[str, Any]


@dataclass
class Insured:
    person: Row
    employer: Row


def insured(conn: psycopg.Connection, person: Row | None = None, **overrides: Any) -> Insured:
    """A person with a BHXH record and an employer to contribute through, no rows yet."""
    office = reference.office(conn)
    person = person or persons.person(conn, **overrides)
    insert(
        conn,
        "social_insurance",
        {
            "person_id": person["id"],
            "bhxh_code": f"01{person['id']:08d}",
            "office_code": office["code"],
            "participant_category": "EMPLOYEE",
            "payment_method": "MONTHLY",
        },
    )
    return Insured(person, employers.employer(conn, office))


def period(
    conn: psycopg.Connection,
    who: Insured,
    scheme: Scheme,
    first: date,
    last: date | None,
    salary: int | None = 10_000_000,
    coefficient: float | None = None,
) -> Row:
    return insert(
        conn,
        "contribution_period",
        {
            "person_id": who.person["id"],
            "scheme": scheme,
            "from_month": first,
            "to_month": last,
            "employer_id": None if scheme == Scheme.VOLUNTARY_SOCIAL else who.employer["id"],
            "job_title": "Kỹ sư",
            "salary_vnd": salary,
            "salary_coefficient": coefficient,
            "rate_pct": 1 if scheme == Scheme.UNEMPLOYMENT else 8,
        },
    )


def employed(
    conn: psycopg.Connection,
    who: Insured,
    first: date,
    last: date | None,
    salary: int | None = 10_000_000,
    coefficient: float | None = None,
) -> Row:
    """BHTN months with the compulsory BHXH months they need (migration 0011)."""
    with conn.transaction():
        period(conn, who, Scheme.COMPULSORY_SOCIAL, first, last, salary, coefficient)
        return period(conn, who, Scheme.UNEMPLOYMENT, first, last, salary, coefficient)


def earlier_claim(
    conn: psycopg.Connection, who: Insured, filed: date, counted: int, granted: int, used: int
) -> Row:
    return insert(
        conn,
        "unemployment_benefit",
        {
            "person_id": who.person["id"],
            "decision_number": "1/QĐ-SLĐTBXH",
            "filed_on": filed,
            "decided_on": date(filed.year, filed.month, filed.day + 15),
            "starts_on": date(filed.year, filed.month, filed.day + 16),
            "contribution_months_counted": counted,
            "months_granted": granted,
            "months_used": used,
            "monthly_amount_vnd": 4_800_000,
        },
    )


def bhtn_history(conn: psycopg.Connection, who: Insured) -> None:
    """48 BHTN months 1/2022–12/2025, the last six at 12,000,000 (a raise in July 2025)."""
    period(conn, who, Scheme.COMPULSORY_SOCIAL, date(2022, 1, 1), date(2025, 12, 1))
    period(conn, who, Scheme.UNEMPLOYMENT, date(2022, 1, 1), date(2025, 6, 1))
    period(conn, who, Scheme.UNEMPLOYMENT, date(2025, 7, 1), date(2025, 12, 1), 12_000_000)


def claim(holder: Row, **overrides: Any) -> dict[str, Any]:
    return {
        "input": {
            "person": holder["identification_number"],
            "decisionNumber": "15/QĐ-SNV",
            "contractEndedOn": "2025-12-31",
            "filedOn": "2026-01-10",
            "decidedOn": "2026-01-25",
            "startsOn": "2026-01-26",
            "wageRegion": "REGION_I",
            **overrides,
        }
    }


def decisions(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM unemployment_benefit").fetchone()
    assert row is not None
    return int(row[0])


async def _book(api: Api, person: Row) -> dict[str, Any]:
    body = await api.query(
        BOOK,
        _officer(api, *EVERY_SCOPE),
        {"id": person["identification_number"]},
    )
    assert "errors" not in body, body
    return body["data"]["person"]  # type: ignore[no-any-return]


def _officer(api: Api, *scopes: str) -> str:
    return api.token(
        Role.OFFICER, "officer-1", scopes=sorted(scopes or ("unemployment_insurance",))
    )


# --- decideUnemploymentBenefit ----------------------------------------------------------------


async def test_a_decision_counts_the_months_and_computes_the_allowance(
    api: Api, conn: psycopg.Connection
) -> None:
    who = insured(conn)
    bhtn_history(conn, who)
    before = await _book(api, who.person)
    assert before["unemploymentInsurance"]["reservedMonths"] == 48

    body = await api.query(DECIDE, _officer(api), claim(who.person))
    assert "errors" not in body, body
    decision = body["data"]["decideUnemploymentBenefit"]
    # 48 months in the 24-month window's book, none spent: 48 counted → 3 + (48 − 36) / 12 = 4
    # months; 60 % of the last six months' 12,000,000 = 7,200,000, under 5 × 4,960,000 (region
    # I on 31/12/2025).
    assert decision == {
        "id": decision["id"],
        "version": 1,
        "decisionNumber": "15/QĐ-SNV",
        "contractEndedOn": "2025-12-31",
        "filedOn": "2026-01-10",
        "decidedOn": "2026-01-25",
        "startsOn": "2026-01-26",
        "wageRegion": "REGION_I",
        "contributionMonthsCounted": 48,
        "monthsGranted": 4,
        "monthsUsed": 4,
        "monthlyAmountVnd": 7_200_000,
    }

    after = (await _book(api, who.person))["unemploymentInsurance"]
    # The entitlement spends 4 × 12 = 48 months at once: nothing stays reserved.
    assert (after["contributionMonths"], after["reservedMonths"]) == (48, 0)
    assert after["decisions"] == [
        {
            "decisionNumber": "15/QĐ-SNV",
            "contributionMonthsCounted": 48,
            "monthsGranted": 4,
            "monthsUsed": 4,
            "monthlyAmountVnd": 7_200_000,
        }
    ]

    # The person found work after one month: 48 − 12 = 36 months are reserved back.
    recorded = await api.query(
        RECORD,
        _officer(api),
        {"input": {"decision": decision["id"], "monthsUsed": 1, "expectedVersion": 1}},
    )
    assert recorded["data"]["recordUnemploymentBenefitMonthsUsed"] == {
        "id": decision["id"],
        "version": 2,
        "monthsGranted": 4,
        "monthsUsed": 1,
    }
    me = await api.query(
        "{ me { unemploymentInsurance { reservedMonths } } }", api.citizen(who.person)
    )
    assert me["data"]["me"]["unemploymentInsurance"]["reservedMonths"] == 36

    log = await api.query(CHANGES, api.citizen(who.person))
    nodes = [e["node"] for e in log["data"]["me"]["changeLog"]["edges"]]
    assert [(n["operation"], n["action"], n["record"]) for n in nodes] == [
        ("recordUnemploymentBenefitMonthsUsed", "UPDATE", "unemployment_benefit"),
        ("decideUnemploymentBenefit", "INSERT", "unemployment_benefit"),
    ]
    assert nodes[0]["before"] == {"months_used": 4, "version": 1}
    assert nodes[0]["after"] == {"months_used": 1, "version": 2}
    inserted = nodes[1]["after"]
    assert (inserted["contribution_months_counted"], inserted["monthly_amount_vnd"]) == (
        48,
        7_200_000,
    )
    assert {n["grounds"][0] for n in nodes} == {"scope:unemployment_insurance"}
    assert {n["actorRole"] for n in nodes} == {"OFFICER"}
    table = conn.execute(
        "SELECT operation, record_table, record_id, action, actor_subject, person_id"
        " FROM change_log ORDER BY id"
    ).fetchall()
    assert table == [
        (operation, "unemployment_benefit", decision["id"], action, "officer-1", who.person["id"])
        for operation, action in (
            ("decideUnemploymentBenefit", "INSERT"),
            ("recordUnemploymentBenefitMonthsUsed", "UPDATE"),
        )
    ]


async def test_a_later_claim_counts_what_the_last_one_left_and_months_since(
    api: Api, conn: psycopg.Connection
) -> None:
    who = insured(conn)
    employed(conn, who, date(2019, 1, 1), date(2022, 12, 1), 8_000_000)
    earlier_claim(conn, who, date(2023, 1, 10), counted=48, granted=4, used=1)
    employed(conn, who, date(2023, 3, 1), date(2025, 12, 1), 9_000_000)
    body = await api.query(DECIDE, _officer(api), claim(who.person, filedOn="2026-01-05"))
    decision = body["data"]["decideUnemploymentBenefit"]
    # 48 − 1 × 12 = 36 left by the 2023 claim + 34 months 3/2023–12/2025 = 70 counted: 3 + 34 / 12
    # = 5 months; 60 % of 9,000,000 = 5,400,000.
    assert (
        decision["contributionMonthsCounted"],
        decision["monthsGranted"],
        decision["monthlyAmountVnd"],
    ) == (70, 5, 5_400_000)
    # 70 − 5 × 12 = 10 stay reserved.
    assert (await _book(api, who.person))["unemploymentInsurance"]["reservedMonths"] == 10


@pytest.mark.parametrize(
    ("salary", "coefficient", "region", "amount"),
    [
        # 60 % of 80,000,000 = 48,000,000; at most 5 × 3,450,000 (region IV, 31/12/2025).
        (80_000_000, None, "REGION_IV", 17_250_000),
        # State-set pay: 10.0 × 2,340,000 = 23,400,000 → 60 % = 14,040,000; before 2026 at most
        # 5 × the base salary 2,340,000 = 11,700,000, whatever the region.
        (None, 10.0, "REGION_I", 11_700_000),
        # 4.0 × 2,340,000 = 9,360,000 → 60 % = 5,616,000 (under the cap).
        (None, 4.0, "REGION_I", 5_616_000),
    ],
)
async def test_the_allowance_is_capped(
    api: Api,
    conn: psycopg.Connection,
    salary: int | None,
    coefficient: float | None,
    region: str,
    amount: int,
) -> None:
    who = insured(conn)
    employed(conn, who, date(2024, 7, 1), date(2025, 12, 1), salary, coefficient)
    body = await api.query(DECIDE, _officer(api), claim(who.person, wageRegion=region))
    assert body["data"]["decideUnemploymentBenefit"]["monthlyAmountVnd"] == amount


async def _refused(
    api: Api, conn: psycopg.Connection, variables: dict[str, Any], argument: str
) -> str:
    """The BAD_USER_INPUT message; nothing written."""
    count, logged = decisions(conn), change_log_rows(conn)
    body = await api.query(DECIDE, _officer(api), variables)
    assert body["data"] is None, body
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}
    assert (decisions(conn), change_log_rows(conn)) == (count, logged)
    return str(error["message"])


async def test_too_few_months_in_the_window_is_not_eligible(
    api: Api, conn: psycopg.Connection
) -> None:
    who = insured(conn)
    employed(conn, who, date(2020, 1, 1), date(2023, 12, 1))
    employed(conn, who, date(2025, 7, 1), date(2025, 12, 1))
    message = await _refused(api, conn, claim(who.person), "input.contractEndedOn")
    assert "has 6 BHTN contribution months in the 24 months before the contract ended" in message


async def test_months_an_earlier_benefit_spent_do_not_qualify_again(
    api: Api, conn: psycopg.Connection
) -> None:
    who = insured(conn)
    employed(conn, who, date(2020, 1, 1), date(2022, 12, 1))
    earlier_claim(conn, who, date(2023, 1, 10), counted=36, granted=3, used=3)
    employed(conn, who, date(2023, 2, 1), date(2023, 12, 1))
    dates = {
        "contractEndedOn": "2023-12-31",
        "filedOn": "2024-01-15",
        "decidedOn": "2024-01-30",
        "startsOn": "2024-02-01",
    }
    # 23 months in the window 1/2022–12/2023, but 36 − 3 × 12 = 0 were left + 11 since.
    message = await _refused(api, conn, claim(who.person, **dates), "input.contractEndedOn")
    assert "has 11 BHTN contribution months not yet spent" in message


async def test_pensioners_and_repeated_decisions_are_refused(
    api: Api, conn: psycopg.Connection
) -> None:
    who = insured(conn)
    bhtn_history(conn, who)
    assert "errors" not in await api.query(DECIDE, _officer(api), claim(who.person))
    # The same claim again, under another key: the contract ended before the decision made.
    message = await _refused(
        api, conn, claim(who.person, decisionNumber="16/QĐ-SNV"), "input.contractEndedOn"
    )
    assert "after the latest decision's date (2026-01-25)" in message

    retired = insured(conn)
    bhtn_history(conn, retired)
    insert(
        conn,
        "benefit",
        {
            "person_id": retired.person["id"],
            "regime": "RETIREMENT",
            "decision_number": "9/QĐ-BHXH",
            "decided_on": date(2025, 1, 1),
            "period_from": date(2025, 1, 1),
            "amount_vnd": 6_000_000,
        },
    )
    assert "receives a pension" in await _refused(api, conn, claim(retired.person), "input.person")


@pytest.mark.parametrize(
    ("overrides", "argument"),
    [
        ({"decidedOn": "2999-01-01"}, "input.decidedOn"),
        (
            {"filedOn": "2026-04-01", "decidedOn": "2026-04-10", "startsOn": "2026-04-20"},
            "input.filedOn",
        ),
        ({"filedOn": "2026-01-30"}, "input.filedOn"),
        ({"startsOn": "2026-01-10"}, "input.startsOn"),
        ({"contractEndedOn": "2026-01-11"}, "input.contractEndedOn"),
        ({"contractEndedOn": "2012-12-31", "filedOn": "2013-01-05"}, "input.contractEndedOn"),
        ({"decisionNumber": "   "}, "input.decisionNumber"),
        ({"decisionNumber": "x" * 51}, "input.decisionNumber"),
        ({"person": "12"}, "input.person"),
        ({"wageRegion": "REGION_V"}, "input"),
    ],
)
async def test_bad_decision_input_names_the_field(
    api: Api, conn: psycopg.Connection, overrides: dict[str, Any], argument: str
) -> None:
    who = insured(conn)
    bhtn_history(conn, who)
    count = decisions(conn)
    body = await api.query(DECIDE, _officer(api), claim(who.person, **overrides))
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    if argument != "input":  # an unknown enum value fails the variable's coercion
        assert body["errors"][0]["extensions"]["argument"] == argument
    assert decisions(conn) == count


async def test_a_retried_decision_is_made_once(api: Api, conn: psycopg.Connection) -> None:
    who = insured(conn)
    bhtn_history(conn, who)
    key = str(uuid.uuid4())
    variables = {**claim(who.person), "idempotencyKey": key}
    first = await api.query(DECIDE, _officer(api), variables)
    again = await api.query(DECIDE, _officer(api), variables)
    assert "errors" not in first, first
    assert again == first
    assert decisions(conn) == 1
    other = await api.query(
        DECIDE, _officer(api), {**claim(who.person, wageRegion="REGION_II"), "idempotencyKey": key}
    )
    assert other["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "argument": "idempotencyKey",
    }
    assert decisions(conn) == 1


async def test_a_retried_correction_is_made_once(api: Api, conn: psycopg.Connection) -> None:
    who = insured(conn)
    bhtn_history(conn, who)
    decided = await api.query(DECIDE, _officer(api), claim(who.person))
    decision_id = decided["data"]["decideUnemploymentBenefit"]["id"]
    variables: dict[str, Any] = {
        "input": {"decision": decision_id, "monthsUsed": 2, "expectedVersion": 1},
        "idempotencyKey": str(uuid.uuid4()),
    }
    first = await api.query(RECORD, _officer(api), variables)
    again = await api.query(RECORD, _officer(api), variables)  # not stale: the same write
    assert "errors" not in first, first
    assert again == first
    row = conn.execute("SELECT months_used, version FROM unemployment_benefit").fetchone()
    assert row == (2, 2)
    other = await api.query(
        RECORD, _officer(api), {**variables, "input": {**variables["input"], "monthsUsed": 3}}
    )
    assert other["errors"][0]["extensions"]["argument"] == "idempotencyKey"


async def test_months_used_take_the_version_read_and_stay_within_the_grant(
    api: Api, conn: psycopg.Connection
) -> None:
    who = insured(conn)
    bhtn_history(conn, who)
    decided = await api.query(DECIDE, _officer(api), claim(who.person))
    decision_id = decided["data"]["decideUnemploymentBenefit"]["id"]

    def record(months: int, version: int = 1, decision: str = decision_id) -> dict[str, Any]:
        return {"input": {"decision": decision, "monthsUsed": months, "expectedVersion": version}}

    assert "errors" not in await api.query(RECORD, _officer(api), record(2))
    stale = await api.query(RECORD, _officer(api), record(3))
    assert stale["errors"][0]["extensions"] == {"code": "CONFLICT", "currentVersion": 2}
    for months in (-1, 5):
        wrong = await api.query(RECORD, _officer(api), record(months, 2))
        assert wrong["errors"][0]["extensions"] == {
            "code": "BAD_USER_INPUT",
            "argument": "input.monthsUsed",
        }
    malformed = await api.query(RECORD, _officer(api), record(1, 2, "abc"))
    assert malformed["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "argument": "input.decision",
    }
    missing = await api.query(RECORD, _officer(api), record(1, 2, "999999"))
    assert missing["errors"][0]["extensions"] == {"code": "NOT_FOUND", "argument": "input.decision"}
    row = conn.execute("SELECT months_used, version FROM unemployment_benefit").fetchone()
    assert row == (2, 2)


# --- settleLumpSum ----------------------------------------------------------------------------


def lump_sum_history(conn: psycopg.Connection, who: Insured) -> None:
    """42 compulsory months (24 before 2014 at 5,000,000, 18 from 2014 at 8,000,000), 6 voluntary
    at 2,000,000, and 42 BHTN months."""
    period(conn, who, Scheme.COMPULSORY_SOCIAL, date(2012, 1, 1), date(2013, 12, 1), 5_000_000)
    period(conn, who, Scheme.COMPULSORY_SOCIAL, date(2014, 1, 1), date(2015, 6, 1), 8_000_000)
    period(conn, who, Scheme.VOLUNTARY_SOCIAL, date(2015, 7, 1), date(2015, 12, 1), 2_000_000)
    period(conn, who, Scheme.UNEMPLOYMENT, date(2012, 1, 1), date(2015, 6, 1), 5_000_000)


def settlement(holder: Row, **overrides: Any) -> dict[str, Any]:
    return {
        "input": {
            "person": holder["identification_number"],
            "decisionNumber": "88/QĐ-BHXH",
            "decidedOn": "2026-02-10",
            "reason": "EMIGRATION",
            **overrides,
        }
    }


def _settler(api: Api) -> str:
    return _officer(api, "social_insurance")


def lump_sums(conn: psycopg.Connection) -> int:
    row = conn.execute(
        "SELECT count(*) FROM benefit WHERE regime = 'LUMP_SUM_WITHDRAWAL'"
    ).fetchone()
    assert row is not None
    return int(row[0])


async def test_a_lump_sum_settles_the_months_before_it(api: Api, conn: psycopg.Connection) -> None:
    who = insured(conn, birth_date=date(1970, 3, 1))
    lump_sum_history(conn, who)
    before = (await _book(api, who.person))["socialInsurance"]
    assert before["totals"] == [
        {"scheme": "COMPULSORY_SOCIAL", "months": 42, "settledMonths": 0},
        {"scheme": "UNEMPLOYMENT", "months": 42, "settledMonths": 0},
        {"scheme": "VOLUNTARY_SOCIAL", "months": 6, "settledMonths": 0},
    ]

    body = await api.query(SETTLE, _settler(api), settlement(who.person))
    assert "errors" not in body, body
    # Average (24 × 5 M + 18 × 8 M + 6 × 2 M) / 48 = 5,750,000; 2 years before 2014 × 1.5 +
    # 2 years from 2014 × 2 = 7 months of it: 40,250,000.
    paid = {
        "regime": "LUMP_SUM_WITHDRAWAL",
        "decisionNumber": "88/QĐ-BHXH",
        "decidedOn": "2026-02-10",
        "amountVnd": 40_250_000,
        "lumpSumReason": "EMIGRATION",
    }
    assert body["data"]["settleLumpSum"] == paid

    after = (await _book(api, who.person))["socialInsurance"]
    assert after["totals"] == [
        {"scheme": "COMPULSORY_SOCIAL", "months": 0, "settledMonths": 42},
        {"scheme": "UNEMPLOYMENT", "months": 42, "settledMonths": 0},  # BHTN is its own fund
        {"scheme": "VOLUNTARY_SOCIAL", "months": 0, "settledMonths": 6},
    ]
    assert [
        (n["node"]["scheme"], n["node"]["settled"]) for n in after["contributionPeriods"]["edges"]
    ] == [
        ("COMPULSORY_SOCIAL", True),
        ("UNEMPLOYMENT", False),
        ("COMPULSORY_SOCIAL", True),
        ("VOLUNTARY_SOCIAL", True),
    ]
    (benefit,) = [e["node"] for e in after["benefits"]["edges"]]
    assert benefit == {**paid, "periodFrom": "2026-02-10", "periodTo": "2026-02-10"}

    # Work resumed in March 2026: only months after the settlement count toward a pension.
    period(conn, who, Scheme.COMPULSORY_SOCIAL, date(2026, 3, 1), date(2026, 5, 1))
    me = await api.query(
        "{ me { socialInsurance { totals { scheme months settledMonths } } } }",
        api.citizen(who.person),
    )
    assert me["data"]["me"]["socialInsurance"]["totals"][0] == {
        "scheme": "COMPULSORY_SOCIAL",
        "months": 3,
        "settledMonths": 42,
    }

    log = await api.query(CHANGES, api.citizen(who.person))
    nodes = [e["node"] for e in log["data"]["me"]["changeLog"]["edges"]]
    assert sorted((n["action"], n["record"]) for n in nodes) == [
        ("INSERT", "benefit"),
        ("UPDATE", "contribution_period"),
        ("UPDATE", "contribution_period"),
        ("UPDATE", "contribution_period"),
    ]
    benefit_id = next(n["after"]["id"] for n in nodes if n["action"] == "INSERT")
    for node in nodes:
        assert (node["operation"], node["grounds"]) == ("settleLumpSum", ["scope:social_insurance"])
        if node["action"] == "UPDATE":
            assert (node["before"], node["after"]) == (
                {"settled_by": None},
                {"settled_by": benefit_id},
            )


async def _settle_refused(
    api: Api, conn: psycopg.Connection, variables: dict[str, Any], argument: str
) -> str:
    count, logged = lump_sums(conn), change_log_rows(conn)
    settled = conn.execute("SELECT count(settled_by) FROM contribution_period").fetchone()
    body = await api.query(SETTLE, _settler(api), variables)
    assert body["data"] is None, body
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}
    assert (lump_sums(conn), change_log_rows(conn)) == (count, logged)
    assert conn.execute("SELECT count(settled_by) FROM contribution_period").fetchone() == settled
    return str(error["message"])


@pytest.mark.parametrize(
    ("overrides", "argument", "says"),
    [
        ({"decidedOn": "2999-01-01"}, "input.decidedOn", "future"),
        # The voluntary row runs to 12/2015.
        ({"decidedOn": "2015-10-10"}, "input.decidedOn", "contributions still run"),
        # A woman born 1/3/1970 retires at 57 years 4 months, on 1/7/2027.
        (
            {"reason": "REACHED_RETIREMENT_AGE"},
            "input.reason",
            "reaches retirement age on 2027-07-01",
        ),
        ({"decisionNumber": ""}, "input.decisionNumber", "1 to 50"),
        ({"person": "00108801234"}, "input.person", "12-digit personal ID or a 10-digit BHXH code"),
    ],
)
async def test_bad_settlements_name_the_field_and_change_nothing(
    api: Api, conn: psycopg.Connection, overrides: dict[str, Any], argument: str, says: str
) -> None:
    who = insured(conn, birth_date=date(1970, 3, 1))
    lump_sum_history(conn, who)
    assert says in await _settle_refused(api, conn, settlement(who.person, **overrides), argument)


async def test_nothing_to_settle_open_rows_and_pensions_are_refused(
    api: Api, conn: psycopg.Connection
) -> None:
    # BHTN needs BHXH in the same months; the accident fund does not, nor is it BHXH.
    no_bhxh = insured(conn)
    period(conn, no_bhxh, Scheme.OCCUPATIONAL_ACCIDENT, date(2020, 1, 1), date(2021, 12, 1))
    message = await _settle_refused(api, conn, settlement(no_bhxh.person), "input.person")
    assert "no compulsory or voluntary BHXH months to settle" in message

    working = insured(conn)
    period(conn, working, Scheme.COMPULSORY_SOCIAL, date(2020, 1, 1), None)
    message = await _settle_refused(api, conn, settlement(working.person), "input.decidedOn")
    assert "contributions still run" in message

    retired = insured(conn)
    lump_sum_history(conn, retired)
    insert(
        conn,
        "benefit",
        {
            "person_id": retired.person["id"],
            "regime": "RETIREMENT",
            "decision_number": "9/QĐ-BHXH",
            "decided_on": date(2025, 1, 1),
            "period_from": date(2025, 1, 1),
            "amount_vnd": 6_000_000,
        },
    )
    message = await _settle_refused(api, conn, settlement(retired.person), "input.person")
    assert "receives a pension" in message


async def test_a_retried_settlement_is_made_once(api: Api, conn: psycopg.Connection) -> None:
    who = insured(conn, birth_date=date(1970, 3, 1))
    lump_sum_history(conn, who)
    # Contributed before 7/2025, then 12/2015 → 2/2026: far more than 12 months out.
    variables = {
        **settlement(who.person, reason="TWELVE_MONTHS_OUT"),
        "idempotencyKey": str(uuid.uuid4()),
    }
    first = await api.query(SETTLE, _settler(api), variables)
    again = await api.query(SETTLE, _settler(api), variables)
    assert "errors" not in first, first
    assert again == first
    assert lump_sums(conn) == 1
    other = await api.query(
        SETTLE,
        _settler(api),
        {**variables, "input": {**variables["input"], "reason": "EMIGRATION"}},
    )
    assert other["errors"][0]["extensions"]["argument"] == "idempotencyKey"
    # A new withdrawal (another key) finds nothing left to settle.
    message = await _settle_refused(api, conn, settlement(who.person), "input.person")
    assert "no compulsory or voluntary BHXH months" in message


# --- who may decide ---------------------------------------------------------------------------

# On the cast's target (employed now, represented, consented to BNV): only an officer holding the
# operation's scope decides; whoever else reads the person is FORBIDDEN, anyone else NOT_FOUND.
_DENIED = {
    "anonymous": "UNAUTHENTICATED",
    "citizen self": "FORBIDDEN",
    "citizen representative": "FORBIDDEN",
    "citizen stranger": "NOT_FOUND",
    "citizen managed by defence": "NOT_FOUND",
    "employer current": "FORBIDDEN",
    "employer unrelated": "NOT_FOUND",
    "health facility": "FORBIDDEN",
    "officer identity only": "FORBIDDEN",
    "agency with consent": "FORBIDDEN",
    "agency without consent": "NOT_FOUND",
    "ministry defence": "NOT_FOUND",
    "auditor": "FORBIDDEN",
}
DECIDERS = {
    **_DENIED,
    "officer social and unemployment": "OK",
    "officer unemployment only": "OK",
    "officer social only": "FORBIDDEN",
}
# The target works now (the cast's open employment): an authorised settlement reaches the rules
# and is refused by them; the allowed path is test_a_lump_sum_settles_the_months_before_it.
SETTLERS = {
    **_DENIED,
    "officer social and unemployment": "BAD_USER_INPUT",
    "officer social only": "BAD_USER_INPUT",
    "officer unemployment only": "FORBIDDEN",
}


@pytest.mark.parametrize(("caller", "expected"), DECIDERS.items())
async def test_who_may_decide_an_unemployment_benefit(
    api: Api, conn: psycopg.Connection, caller: str, expected: str
) -> None:
    c = cast(conn)
    bhtn_history(conn, insured(conn, c.target))
    body = await api.query(DECIDE, CALLERS[caller](api, c), claim(c.target))
    assert outcome(body) == expected, body
    assert decisions(conn) == (1 if expected == "OK" else 0)


@pytest.mark.parametrize(("caller", "expected"), SETTLERS.items())
async def test_who_may_settle_a_lump_sum(
    api: Api, conn: psycopg.Connection, caller: str, expected: str
) -> None:
    c = cast(conn)
    lump_sum_history(conn, insured(conn, c.target))
    body = await api.query(SETTLE, CALLERS[caller](api, c), settlement(c.target))
    assert outcome(body) == expected, body
    if expected == "BAD_USER_INPUT":
        assert body["errors"][0]["extensions"]["argument"] == "input.decidedOn"
    assert lump_sums(conn) == 0


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("officer unemployment only", "OK"),
        ("officer social only", "FORBIDDEN"),
        ("citizen self", "FORBIDDEN"),
        ("employer current", "FORBIDDEN"),
        ("citizen stranger", "NOT_FOUND"),
        ("ministry defence", "NOT_FOUND"),
    ],
)
async def test_who_may_record_months_used(
    api: Api, conn: psycopg.Connection, caller: str, expected: str
) -> None:
    c = cast(conn)
    bhtn_history(conn, insured(conn, c.target))
    decided = await api.query(DECIDE, _officer(api), claim(c.target))
    decision_id = decided["data"]["decideUnemploymentBenefit"]["id"]
    body = await api.query(
        RECORD,
        CALLERS[caller](api, c),
        {"input": {"decision": decision_id, "monthsUsed": 1, "expectedVersion": 1}},
    )
    assert outcome(body) == expected, body
    used = conn.execute("SELECT months_used FROM unemployment_benefit").fetchone()
    assert used == ((1,) if expected == "OK" else (4,))


@pytest.mark.parametrize("caller", ["officer every scope", "ministry defence", "citizen self"])
async def test_persons_kept_by_a_ministry_are_decided_by_nobody_here(
    api: Api, conn: psycopg.Connection, caller: str
) -> None:
    c = cast(conn)
    who = insured(conn, c.defence)
    bhtn_history(conn, who)
    expected = "FORBIDDEN" if caller == "ministry defence" else "NOT_FOUND"
    assert outcome(await api.query(DECIDE, CALLERS[caller](api, c), claim(c.defence))) == expected
    assert outcome(await api.query(SETTLE, CALLERS[caller](api, c), settlement(c.defence))) == (
        expected
    )
    assert (decisions(conn), lump_sums(conn)) == (0, 0)

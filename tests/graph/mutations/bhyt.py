"""What the card and visit mutation tests share: their documents (the example operations), cards
and visits seeded as the register holds them, every kind of caller, and the change log."""

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from db import bhyt_rules
from db.enums import ManagingAuthority, RelativeKind
from db.identifiers import make_bhyt_code_15
from graph.authz.policy import OFFICER_DEFAULT_SCOPES
from graph.authz.principal import Role
from tests.factories import employer as employers
from tests.factories import person as persons
from tests.factories.book import Book, book
from tests.factories.consent import consent
from tests.factories.person import insert
from tests.graph.conftest import Api

OPERATIONS = Path(__file__).resolve().parents[3] / "examples" / "operations"


def operation(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text()


ISSUE = operation("issue_health_insurance_card")
RENEW = operation("renew_health_insurance_card")
CHANGE_FACILITY = operation("change_initial_facility")
LOCK = operation("lock_health_insurance_card")
UNLOCK = operation("unlock_health_insurance_card")
REVOKE = operation("revoke_health_insurance_card")
RECORD = operation("record_medical_visit")
CORRECT = operation("correct_medical_visit")

CHANGE_LOG = """{ me { changeLog(first: 50) { edges { node {
  operation action record recordId before after grounds actorRole } } } } }"""


def today() -> date:
    return bhyt_rules.today()


def this_year() -> tuple[date, date]:
    year = today().year
    return date(year, 1, 1), date(year, 12, 31)


def card(
    conn: psycopg.Connection,
    b: Book,
    *,
    valid_from: date,
    valid_to: date,
    category: str = "DN",
    level: int = 4,
    status: str = "ACTIVE",
    reason: str | None = None,
    continuous_cover_since: date | None = None,
    facility: str | None = None,
) -> dict[str, Any]:
    """A card as the register holds it, loaded by the owner (no event, no change-log row)."""
    return insert(
        conn,
        "health_insurance_card",
        {
            "person_id": b.person["id"],
            "code": make_bhyt_code_15(category, level, "01", b.bhxh_code),
            "short_code": b.bhxh_code,
            "category_code": category,
            "benefit_level": level,
            "province_code": "01",
            "initial_facility_code": facility or b.facility_code,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "continuous_cover_since": continuous_cover_since,
            "status": status,
            "status_reason": reason,
        },
    )


def visit(
    conn: psycopg.Connection,
    b: Book,
    card_row: dict[str, Any],
    *,
    admitted_at: datetime,
    total: int,
    patient: int,
    facility: str | None = None,
) -> dict[str, Any]:
    return insert(
        conn,
        "medical_visit",
        {
            "person_id": b.person["id"],
            "card_id": card_row["id"],
            "facility_code": facility or b.facility_code,
            "admitted_at": admitted_at,
            "discharged_at": admitted_at + timedelta(hours=1),
            "visit_type": "OUTPATIENT",
            "icd10_code": "J06.9",
            "diagnosis": "Nhiễm trùng đường hô hấp trên cấp",
            "total_cost_vnd": total,
            "fund_paid_vnd": total - patient,
            "patient_paid_vnd": patient,
        },
    )


def counts(conn: psycopg.Connection) -> dict[str, int]:
    """The rows of every table a card or visit write touches."""
    tables = ("health_insurance_card", "health_insurance_card_event", "medical_visit", "change_log")
    out = {}
    for table in tables:
        (n,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # type: ignore[misc]
        out[table] = n
    out["versions"] = conn.execute(
        "SELECT coalesce(sum(version), 0) FROM health_insurance_card"
    ).fetchone()[0]  # type: ignore[index]
    out["visit_versions"] = conn.execute(
        "SELECT coalesce(sum(version), 0) FROM medical_visit"
    ).fetchone()[0]  # type: ignore[index]
    return out


async def change_log(api: Api, b: Book) -> list[dict[str, Any]]:
    """The person's change log as they read it, newest first."""
    body = await api.query(CHANGE_LOG, api.citizen(b.person))
    assert "errors" not in body, body
    return [e["node"] for e in body["data"]["me"]["changeLog"]["edges"]]


def error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("data") is None, body
    (err,) = body["errors"]
    return err["extensions"]  # type: ignore[no-any-return]


def callers(api: Api, conn: psycopg.Connection, b: Book) -> dict[str, str]:
    """A token per kind of caller of `b`'s holder (and of nobody in particular)."""
    representative = persons.person(conn, full_name="Nguyễn Văn Ba", birth_date=date(1980, 1, 1))
    persons.relative(conn, b.person, RelativeKind.LEGAL_REPRESENTATIVE, linked=representative)
    stranger = persons.person(conn, full_name="Lê Văn Tư", birth_date=date(1970, 1, 1))
    employer = b.employers[0]
    employers.employment(conn, b.person, employer, current=True)
    other_employer = employers.employer(conn, {"code": _office(conn)}, name="Công ty Khác")
    consent(conn, b.person, "BYT", ("HEALTH_INSURANCE", "MEDICAL"))
    no_health = OFFICER_DEFAULT_SCOPES - {"health_insurance"}
    return {
        "citizen_self": api.citizen(b.person),
        "representative": api.citizen(representative),
        "stranger": api.citizen(stranger),
        "employer": api.token(Role.EMPLOYER, "hr", org=employer["tax_code"]),
        "other_employer": api.token(Role.EMPLOYER, "hr", org=other_employer["tax_code"]),
        "facility": api.token(Role.HEALTH_FACILITY, "desk", org=b.facility_code),
        "officer": api.officer(),
        "officer_medical": api.officer(OFFICER_DEFAULT_SCOPES | {"medical"}),
        "officer_without_scope": api.officer(frozenset(no_health)),
        "officer_no_scopes": api.officer(frozenset()),
        "agency_consented": api.token(Role.PARTNER_AGENCY, "byt", org="BYT"),
        "agency": api.token(Role.PARTNER_AGENCY, "bnv", org="BNV"),
        "ministry": api.token(Role.MINISTRY, "bqp", org=ManagingAuthority.DEFENCE.value),
        "auditor": api.token(Role.AUDITOR, "auditor-1"),
    }


def _office(conn: psycopg.Connection) -> str:
    (code,) = conn.execute("SELECT code FROM social_insurance_office LIMIT 1").fetchone()  # type: ignore[misc]
    return str(code)


def secret_book(conn: psycopg.Connection) -> Book:
    """A book the Ministry of Defence keeps: nobody else may find it."""
    return book(
        conn, cards=0, visits=0, authority=ManagingAuthority.DEFENCE, full_name="Đỗ Văn Hải"
    )

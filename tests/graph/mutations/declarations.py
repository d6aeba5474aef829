"""What the declaration tests share: an employer with employees, the mutation, and the book's
rows as the database holds them."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from graph.authz.principal import Role
from tests.factories import employer as employers
from tests.factories import person as persons
from tests.factories import reference
from tests.factories.person import insert
from tests.graph.conftest import Api

SUBMIT = """mutation($input: ContributionDeclarationInput!, $idempotencyKey: String!) {
  submitContributionDeclaration(input: $input, idempotencyKey: $idempotencyKey) {
    id month wageRegion submittedBy replaces replacedAt employer { taxCode }
    lines { line identificationNumber kind salaryVnd jobTitle schemes outcome
            periodsOpened periodsClosed periodsRemoved }
  }
}"""
HIRED = ["COMPULSORY_SOCIAL", "UNEMPLOYMENT"]


@dataclass
class Shop:
    """An employer and a token of one of its users."""

    employer: dict[str, Any]
    office: dict[str, Any]
    token: str


def shop(conn: psycopg.Connection, api: Api, name: str = "Công ty TNHH Sao Mai") -> Shop:
    office = reference.office(conn)
    employer = employers.employer(conn, office, name=name)
    return Shop(employer, office, api.token(Role.EMPLOYER, "hr-1", org=employer["tax_code"]))


def employee(
    conn: psycopg.Connection,
    employer: dict[str, Any],
    *,
    since: date = date(2012, 1, 1),
    schemes: tuple[str, ...] = ("COMPULSORY_SOCIAL", "UNEMPLOYMENT"),
    salary: int = 9_000_000,
    **person: Any,
) -> dict[str, Any]:
    """A person with open rows at `employer` from `since`, one per scheme."""
    worker = persons.person(conn, **person)
    for scheme in schemes:
        insert(
            conn,
            "contribution_period",
            {
                "person_id": worker["id"],
                "scheme": scheme,
                "from_month": since,
                "to_month": None,
                "employer_id": employer["id"],
                "job_title": "Nhân viên",
                "salary_vnd": salary,
                "rate_pct": 25 if scheme == "COMPULSORY_SOCIAL" else 2,
            },
        )
    return worker


def insured(conn: psycopg.Connection, person: dict[str, Any], office: dict[str, Any]) -> None:
    """The person's BHXH record (the book's socialInsurance), as an employee's."""
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


def foreign_worker(conn: psycopg.Connection, passport: str = "E12345678") -> dict[str, Any]:
    """A passport-only person with a BHXH record as a foreign worker (Law 41/2024 art. 2(2)); the
    row has the bhxh_code the API names them by."""
    worker = persons.person(
        conn,
        identification_number=None,
        passport_number=passport,
        nationality="CN",
        full_name="WANG WEI",
    )
    code = f"01{worker['id']:08d}"
    insert(
        conn,
        "social_insurance",
        {
            "person_id": worker["id"],
            "bhxh_code": code,
            "office_code": reference.office(conn)["code"],
            "participant_category": "FOREIGN_WORKER",
            "payment_method": "MONTHLY",
        },
    )
    return {**worker, "bhxh_code": code}


def by_code(line: dict[str, Any], worker: dict[str, Any]) -> dict[str, Any]:
    """The line naming `worker` by BHXH code instead of personal ID."""
    named = {k: v for k, v in line.items() if k != "identificationNumber"}
    return named | {"bhxhCode": worker["bhxh_code"]}


def line(person: dict[str, Any], kind: str, **fields: Any) -> dict[str, Any]:
    return {"identificationNumber": person["identification_number"], "kind": kind, **fields}


def opening(
    person: dict[str, Any],
    kind: str = "START",
    salary: int = 12_000_000,
    schemes: list[str] | None = None,
    job: str = "Kỹ sư phần mềm",
) -> dict[str, Any]:
    return line(
        person, kind, salaryVnd=salary, jobTitle=job, schemes=HIRED if schemes is None else schemes
    )


def declaration(month: str, *lines: dict[str, Any], region: str = "REGION_I") -> dict[str, Any]:
    return {"input": {"month": month, "wageRegion": region, "lines": list(lines)}}


Period = tuple[str, date, date | None, int | None, int | None, Decimal]


def periods(conn: psycopg.Connection, person: dict[str, Any]) -> list[Period]:
    """(scheme, from, to, employer id, salary, rate) of the person's rows, oldest first."""
    rows = conn.execute(
        "SELECT scheme, from_month, to_month, employer_id, salary_vnd, rate_pct"
        " FROM contribution_period WHERE person_id = %s ORDER BY from_month, scheme, id",
        [person["id"]],
    ).fetchall()
    return [tuple(r) for r in rows]


def whole_table(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    return conn.execute("SELECT * FROM contribution_period ORDER BY id").fetchall()


def count(conn: psycopg.Connection, table: str, where: str = "true") -> int:
    row = conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def fresh_change_log(conn: psycopg.Connection) -> Iterator[None]:
    """Import it with `pytestmark = pytest.mark.usefixtures("fresh_change_log")`."""
    clear_change_log(conn)
    yield
    clear_change_log(conn)


def clear_change_log(conn: psycopg.Connection) -> None:
    """The change log outlives the tables each test empties (it has no foreign keys): the owner
    lifts its guard to empty it, so that a person id reused by a later test reads only its own."""
    with conn.transaction():
        conn.execute("ALTER TABLE change_log DISABLE TRIGGER change_log_no_truncate")
        conn.execute("TRUNCATE change_log")
        conn.execute("ALTER TABLE change_log ENABLE TRIGGER change_log_no_truncate")

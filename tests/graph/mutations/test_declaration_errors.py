"""submitContributionDeclaration's refusals: every failing line in one BAD_USER_INPUT error that
names each line's field, the month's rules, and nothing of a refused declaration written."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
import pytest

from db import bhyt_rules
from db.enums import ManagingAuthority, Sex
from tests.factories import person as persons
from tests.factories.person import insert
from tests.graph.conftest import Api
from tests.graph.mutations.declarations import (
    SUBMIT,
    Shop,
    count,
    declaration,
    employee,
    fresh_change_log,  # noqa: F401 (a fixture)
    line,
    opening,
    shop,
    whole_table,
)

pytestmark = pytest.mark.usefixtures("fresh_change_log")
MONTH = "2026-03"
NO_PERSON_TO_HIRE = "no person with this personal ID can be hired"
NOT_AN_EMPLOYEE = "is not an employee of this employer"


@dataclass
class World:
    shop: Shop
    staff: dict[str, Any]
    stranger: dict[str, Any]
    soldier: dict[str, Any]
    """Kept by the Ministry of Defence, with open rows at the employer."""
    resting: dict[str, Any]
    """On leave without pay since 2/2026 (the employer's latest declared month)."""
    former: dict[str, Any]
    """Left in 2015."""
    future: dict[str, Any]
    """An open row at the employer that begins after the declared month."""
    left_in_april: dict[str, Any]
    """A row at the employer that ended in 4/2026, after the declared month."""
    unknown: str


def _on_leave(conn: psycopg.Connection, s: Shop) -> dict[str, Any]:
    person = persons.person(conn)
    insert(
        conn,
        "contribution_period",
        {
            "person_id": person["id"],
            "scheme": "COMPULSORY_SOCIAL",
            "from_month": date(2020, 1, 1),
            "to_month": date(2026, 1, 1),
            "employer_id": s.employer["id"],
            "job_title": "Nhân viên",
            "salary_vnd": 8_000_000,
            "rate_pct": 25,
        },
    )
    header = insert(
        conn,
        "contribution_declaration",
        {
            "employer_id": s.employer["id"],
            "month": date(2026, 2, 1),
            "wage_region": "REGION_I",
            "submitted_by": "hr-1",
        },
    )
    insert(
        conn,
        "contribution_declaration_line",
        {
            "declaration_id": header["id"],
            "person_id": person["id"],
            "line_number": 0,
            "kind": "UNPAID_LEAVE",
            "outcome": "CLOSED",
        },
    )
    return person


@pytest.fixture
def world(api: Api, conn: psycopg.Connection) -> World:
    s = shop(conn, api)
    former = persons.person(conn)
    insert(
        conn,
        "contribution_period",
        {
            "person_id": former["id"],
            "scheme": "COMPULSORY_SOCIAL",
            "from_month": date(2012, 1, 1),
            "to_month": date(2015, 12, 1),
            "employer_id": s.employer["id"],
            "job_title": "Nhân viên",
            "salary_vnd": 5_000_000,
            "rate_pct": 25,
        },
    )
    left_in_april = persons.person(conn)
    insert(
        conn,
        "contribution_period",
        {
            "person_id": left_in_april["id"],
            "scheme": "COMPULSORY_SOCIAL",
            "from_month": date(2025, 1, 1),
            "to_month": date(2026, 4, 1),
            "employer_id": s.employer["id"],
            "job_title": "Nhân viên",
            "salary_vnd": 6_000_000,
            "rate_pct": 25,
        },
    )
    return World(
        shop=s,
        staff=employee(conn, s.employer),
        stranger=persons.person(conn),
        soldier=employee(conn, s.employer, authority=ManagingAuthority.DEFENCE),
        resting=_on_leave(conn, s),
        former=former,
        future=employee(conn, s.employer, since=date(2026, 5, 1)),
        left_in_april=left_in_april,
        unknown=persons.unrecorded_id(Sex.FEMALE, 1990),
    )


LineOf = Callable[[World], dict[str, Any]]
# (the line, the field its error names, the reason, or a part of it)
CASES: list[tuple[str, LineOf, str, str]] = [
    (
        "malformed personal ID",
        lambda w: {"identificationNumber": "12345", "kind": "END"},
        "identificationNumber",
        "12 digits",
    ),
    (
        "hire without salary",
        lambda w: line(w.stranger, "START", jobTitle="Kế toán", schemes=["COMPULSORY_SOCIAL"]),
        "salaryVnd",
        "is required for START",
    ),
    (
        "below region I's minimum wage",
        lambda w: opening(w.stranger, salary=5_309_999),
        "salaryVnd",
        "is below the regional minimum wage of REGION_I in 03/2026 (5,310,000 VND)",
    ),
    (
        "above the ceiling",
        lambda w: opening(w.stranger, salary=46_800_001),
        "salaryVnd",
        "is above the ceiling of 20 × the reference level (46,800,000 VND)",
    ),
    ("blank job title", lambda w: opening(w.stranger, job="   "), "jobTitle", "1 to 200"),
    ("long job title", lambda w: opening(w.stranger, job="x" * 201), "jobTitle", "1 to 200"),
    (
        "BHTN without BHXH",
        lambda w: opening(w.stranger, schemes=["UNEMPLOYMENT"]),
        "schemes",
        "must include COMPULSORY_SOCIAL",
    ),
    (
        "voluntary BHXH",
        lambda w: opening(w.stranger, schemes=["COMPULSORY_SOCIAL", "VOLUNTARY_SOCIAL"]),
        "schemes",
        "never an employer's",
    ),
    ("no schemes", lambda w: opening(w.stranger, schemes=[]), "schemes", "is required"),
    (
        "salary on an end",
        lambda w: line(w.staff, "END", salaryVnd=9_000_000),
        "salaryVnd",
        "must be omitted for END",
    ),
    (
        "schemes on a leave",
        lambda w: line(w.staff, "UNPAID_LEAVE", schemes=["COMPULSORY_SOCIAL"]),
        "schemes",
        "must be omitted for UNPAID_LEAVE",
    ),
    (
        "hire of an unknown ID",
        lambda w: opening({"identification_number": w.unknown}),
        "identificationNumber",
        NO_PERSON_TO_HIRE,
    ),
    (
        "hire of a ministry's person",
        lambda w: opening(w.soldier),
        "identificationNumber",
        NO_PERSON_TO_HIRE,
    ),
    (
        "end of an unknown ID",
        lambda w: line({"identification_number": w.unknown}, "END"),
        "identificationNumber",
        NOT_AN_EMPLOYEE,
    ),
    (
        "end of a ministry's person",
        lambda w: line(w.soldier, "END"),
        "identificationNumber",
        NOT_AN_EMPLOYEE,
    ),
    (
        "end of a stranger",
        lambda w: line(w.stranger, "END"),
        "identificationNumber",
        NOT_AN_EMPLOYEE,
    ),
    (
        "end of a former employee",
        lambda w: line(w.former, "END"),
        "identificationNumber",
        NOT_AN_EMPLOYEE,
    ),
    (
        "hire of an employee",
        lambda w: opening(w.staff),
        "identificationNumber",
        "already employed by this employer",
    ),
    (
        "hire of an employee on leave",
        lambda w: opening(w.resting),
        "identificationNumber",
        "already employed by this employer (on leave): declare RETURN",
    ),
    (
        "salary change of a stranger",
        lambda w: opening(w.stranger, "SALARY_CHANGE"),
        "identificationNumber",
        NOT_AN_EMPLOYEE,
    ),
    (
        "salary change during leave",
        lambda w: opening(w.resting, "SALARY_CHANGE"),
        "identificationNumber",
        "is on leave: declare RETURN first",
    ),
    (
        "return of someone at work",
        lambda w: opening(w.staff, "RETURN"),
        "identificationNumber",
        "is not on leave: declare SALARY_CHANGE",
    ),
    (
        "return of a former employee",
        lambda w: opening(w.former, "RETURN"),
        "identificationNumber",
        NOT_AN_EMPLOYEE,
    ),
    (
        "end before the rows begin",
        lambda w: line(w.future, "END"),
        "identificationNumber",
        "begin after 03/2026",
    ),
    (
        "hire overlapping a later row",
        lambda w: opening(w.left_in_april),
        "identificationNumber",
        "has a contribution period at this employer in or after 03/2026",
    ),
]


@pytest.mark.parametrize(
    ("line_of", "field", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_a_failing_line_names_its_field_and_changes_nothing(
    api: Api, conn: psycopg.Connection, world: World, line_of: LineOf, field: str, reason: str
) -> None:
    before = whole_table(conn)
    good = opening(persons.person(conn))
    body = await api.query(SUBMIT, world.shop.token, declaration(MONTH, good, line_of(world)))
    assert body["data"] is None
    (error,) = body["errors"]
    argument = f"input.lines[1].{field}"
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == argument
    ((failure),) = error["extensions"]["lines"]
    assert (failure["line"], failure["argument"]) == (1, argument)
    assert reason in failure["reason"]
    assert error["message"].startswith("1 of 2 lines failed, nothing was declared")
    assert whole_table(conn) == before
    assert count(conn, "contribution_declaration") == 1  # the leave's, from the fixture


async def test_every_failing_line_is_reported_in_one_error(
    api: Api, conn: psycopg.Connection, world: World
) -> None:
    before = whole_table(conn)
    variables = {
        **declaration(
            MONTH,
            opening(persons.person(conn)),
            opening(world.stranger, salary=1_000_000),
            line(world.staff, "END"),
            line(world.soldier, "END"),
            opening(world.staff, "SALARY_CHANGE"),  # the same person as line 2
            opening(world.resting, "RETURN"),
        ),
        "idempotencyKey": "march-1",
    }
    body = await api.query(SUBMIT, world.shop.token, variables)
    (error,) = body["errors"]
    assert error["message"].startswith(
        "3 of 6 lines failed, nothing was declared; the first: input.lines[1].salaryVnd:"
    )
    assert error["extensions"]["argument"] == "input.lines[1].salaryVnd"
    assert [(f["line"], f["argument"]) for f in error["extensions"]["lines"]] == [
        (1, "input.lines[1].salaryVnd"),
        (3, "input.lines[3].identificationNumber"),
        (4, "input.lines[4].identificationNumber"),
    ]
    assert error["extensions"]["lines"][2]["reason"] == (
        "names the same person as line 2: one line per person"
    )
    assert whole_table(conn) == before
    assert count(conn, "change_log", "operation = 'submitContributionDeclaration'") == 0
    # Nothing was kept, the key neither: the corrected declaration goes under the same key.
    fixed = [variables["input"]["lines"][i] for i in (0, 2, 5)]
    retry = {**variables, "input": {**variables["input"], "lines": fixed}}
    done = await api.query(SUBMIT, world.shop.token, retry)
    assert "errors" not in done, done
    assert [x["outcome"] for x in done["data"]["submitContributionDeclaration"]["lines"]] == [
        "OPENED",
        "CLOSED",
        "OPENED",
    ]


async def test_an_unknown_id_and_a_ministrys_person_get_the_same_answer(
    api: Api, conn: psycopg.Connection, world: World
) -> None:
    for kind in ("START", "END", "SALARY_CHANGE"):
        answers = []
        for ident in (world.unknown, world.soldier["identification_number"]):
            who = {"identification_number": ident}
            the_line = line(who, kind) if kind == "END" else opening(who, kind)
            answers.append(await api.query(SUBMIT, world.shop.token, declaration(MONTH, the_line)))
        assert answers[0] == answers[1]


def _month_after(today: date) -> str:
    return f"{today.year + today.month // 12}-{today.month % 12 + 1:02d}"


@pytest.mark.parametrize(
    ("month", "lines", "argument", "reason"),
    [
        (_month_after(bhyt_rules.today()), 1, "input.month", "is in the future"),
        ("2024-06", 1, "input.month", "is before 07/2024"),
        ("2026-01", 1, "input.month", "is before 02/2026, this employer's latest declared month"),
        (MONTH, 0, "input.lines", "must hold 1 to 5,000 lines"),
    ],
)
async def test_the_month_and_the_number_of_lines(
    api: Api,
    conn: psycopg.Connection,
    world: World,
    month: str,
    lines: int,
    argument: str,
    reason: str,
) -> None:
    before = whole_table(conn)
    the_lines = [opening(persons.person(conn)) for _ in range(lines)]
    body = await api.query(SUBMIT, world.shop.token, declaration(month, *the_lines))
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}
    assert reason in error["message"]
    assert whole_table(conn) == before


async def test_a_month_must_be_a_month(api: Api, conn: psycopg.Connection) -> None:
    s = shop(conn, api)
    body = await api.query(SUBMIT, s.token, declaration("2026-13", opening(persons.person(conn))))
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert count(conn, "contribution_declaration") == 0

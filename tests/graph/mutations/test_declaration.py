"""submitContributionDeclaration: its rule (rows opened, changed, closed, removed; rates and
floors), its replacement of the month's earlier declaration, idempotency, the statement count
and what the e-book shows afterwards."""

import asyncio
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from db import bhyt_rules
from graph.authz.principal import Role
from tests.factories import person as persons
from tests.graph.conftest import Api
from tests.graph.mutations.declarations import (
    SUBMIT,
    count,
    declaration,
    employee,
    foreign_worker,
    fresh_change_log,  # noqa: F401 (a fixture)
    insured,
    line,
    opening,
    periods,
    shop,
    whole_table,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "operations"
MARCH, FEBRUARY, APRIL = date(2026, 3, 1), date(2026, 2, 1), date(2026, 4, 1)
C, U, A = "COMPULSORY_SOCIAL", "UNEMPLOYMENT", "OCCUPATIONAL_ACCIDENT"


pytestmark = pytest.mark.usefixtures("fresh_change_log")


def _months_to_now(first: date) -> int:
    """Months from `first` to this month, both counted (how the book counts an ongoing row)."""
    today = bhyt_rules.today()
    return (today.year - first.year) * 12 + today.month - first.month + 1


async def test_each_kind_opens_changes_closes_or_removes_rows(
    api: Api, conn: psycopg.Connection
) -> None:
    s = shop(conn, api)
    e = s.employer["id"]
    hired = persons.person(conn)
    raised = employee(conn, s.employer, salary=9_000_000)
    leaving = employee(conn, s.employer, schemes=(C,))
    new_mother = employee(conn, s.employer, since=MARCH)  # her rows begin in the month itself
    unpaid = employee(conn, s.employer, since=date(2020, 1, 1), schemes=(C,))
    body = await api.query(
        SUBMIT,
        s.token,
        declaration(
            "2026-03",
            opening(hired, salary=12_000_000, schemes=[C, U]),
            opening(raised, "SALARY_CHANGE", salary=15_000_000, schemes=[C], job="Trưởng nhóm"),
            line(leaving, "END"),
            line(new_mother, "MATERNITY_LEAVE"),
            line(unpaid, "UNPAID_LEAVE"),
        ),
    )
    assert "errors" not in body, body
    d = body["data"]["submitContributionDeclaration"]
    assert (d["month"], d["wageRegion"], d["submittedBy"], d["replaces"], d["replacedAt"]) == (
        "2026-03",
        "REGION_I",
        "hr-1",
        None,
        None,
    )
    assert d["employer"] == {"taxCode": s.employer["tax_code"]}
    outcomes = [
        (
            x["line"],
            x["kind"],
            x["outcome"],
            x["periodsOpened"],
            x["periodsClosed"],
            x["periodsRemoved"],
        )
        for x in d["lines"]
    ]
    assert outcomes == [
        (0, "START", "OPENED", 3, 0, 0),
        (1, "SALARY_CHANGE", "CHANGED", 2, 2, 0),
        (2, "END", "CLOSED", 0, 1, 0),
        (3, "MATERNITY_LEAVE", "CLOSED", 0, 0, 2),
        (4, "UNPAID_LEAVE", "CLOSED", 0, 1, 0),
    ]
    assert d["lines"][0]["schemes"] == [C, U, A]
    assert d["lines"][1]["schemes"] == [C, A]
    assert d["lines"][2]["schemes"] is None
    # Rates are employer + employee (BHXH 17 + 8, BHTN 1 + 1, TNLĐ-BNN 0.5 employer only).
    assert periods(conn, hired) == [
        (C, MARCH, None, e, 12_000_000, Decimal("25.00")),
        (A, MARCH, None, e, 12_000_000, Decimal("0.50")),
        (U, MARCH, None, e, 12_000_000, Decimal("2.00")),
    ]
    assert periods(conn, raised) == [
        (C, date(2012, 1, 1), FEBRUARY, e, 9_000_000, Decimal("25.00")),
        (U, date(2012, 1, 1), FEBRUARY, e, 9_000_000, Decimal("2.00")),
        (C, MARCH, None, e, 15_000_000, Decimal("25.00")),
        (A, MARCH, None, e, 15_000_000, Decimal("0.50")),
    ]
    assert periods(conn, leaving) == [
        (C, date(2012, 1, 1), FEBRUARY, e, 9_000_000, Decimal("25.00"))
    ]
    assert periods(conn, new_mother) == []
    assert periods(conn, unpaid) == [
        (C, date(2020, 1, 1), FEBRUARY, e, 9_000_000, Decimal("25.00"))
    ]

    # The next month: the two on leave come back (still employees, without an open row).
    back = await api.query(
        SUBMIT,
        s.token,
        declaration(
            "2026-04",
            opening(unpaid, "RETURN", salary=10_000_000, schemes=[C]),
            opening(new_mother, "RETURN", salary=9_500_000, schemes=[C, U]),
        ),
    )
    assert "errors" not in back, back
    assert [x["outcome"] for x in back["data"]["submitContributionDeclaration"]["lines"]] == [
        "OPENED",
        "OPENED",
    ]
    assert periods(conn, unpaid)[1:] == [
        (C, APRIL, None, e, 10_000_000, Decimal("25.00")),
        (A, APRIL, None, e, 10_000_000, Decimal("0.50")),
    ]
    assert [p[0] for p in periods(conn, new_mother)] == [C, A, U]


async def test_the_floor_is_the_regions_minimum_wage_of_the_month_and_the_ceiling_20_references(
    api: Api, conn: psycopg.Connection
) -> None:
    s = shop(conn, api)
    at_floor, at_ceiling = persons.person(conn), persons.person(conn)
    body = await api.query(
        SUBMIT,
        s.token,
        declaration(
            "2025-12",
            opening(at_floor, salary=3_450_000),  # region IV from 7/2024
            opening(at_ceiling, salary=46_800_000),  # 20 × 2,340,000
            region="REGION_IV",
        ),
    )
    assert "errors" not in body, body
    # From 1/2026 region IV's floor is 3,700,000: the same salary no longer passes.
    under = await api.query(
        SUBMIT,
        s.token,
        declaration("2026-01", opening(persons.person(conn), salary=3_699_999), region="REGION_IV"),
    )
    error = under["errors"][0]
    assert error["extensions"]["argument"] == "input.lines[0].salaryVnd"
    assert "3,700,000" in error["extensions"]["lines"][0]["reason"]


async def test_resubmitting_the_month_undoes_the_earlier_declaration_exactly(
    api: Api, conn: psycopg.Connection
) -> None:
    s = shop(conn, api)
    hired, raised, leaving = (
        persons.person(conn),
        employee(conn, s.employer),
        employee(conn, s.employer),
    )
    starting_now = employee(conn, s.employer, since=MARCH)
    late_hire = persons.person(conn)
    before = whole_table(conn)
    first = await api.query(
        SUBMIT,
        s.token,
        declaration(
            "2026-03",
            opening(hired),
            opening(raised, "SALARY_CHANGE", salary=20_000_000),
            line(leaving, "END"),
            line(starting_now, "END"),
        ),
    )
    assert "errors" not in first, first
    first_id = first["data"]["submitContributionDeclaration"]["id"]
    again = await api.query(SUBMIT, s.token, declaration("2026-03", opening(late_hire)))
    assert "errors" not in again, again
    second = again["data"]["submitContributionDeclaration"]
    assert second["replaces"] == first_id
    # Everything the first did is taken back, row for row (ids included); only the new hire's
    # rows are new.
    after = whole_table(conn)
    assert [r for r in after if r[1] != late_hire["id"]] == before
    assert [p[0] for p in periods(conn, late_hire)] == [C, A, U]
    assert count(conn, "contribution_declaration", "replaced_at IS NULL") == 1
    assert (
        count(conn, "contribution_declaration", f"id = {first_id} AND replaced_at IS NOT NULL") == 1
    )

    # A retry of the first submission (its key) still answers the first: replaced, and when.
    # An earlier month than the latest cannot be sent any more.
    april = await api.query(SUBMIT, s.token, declaration("2026-04", line(raised, "END")))
    assert "errors" not in april, april
    march = await api.query(SUBMIT, s.token, declaration("2026-03", opening(persons.person(conn))))
    assert march["data"] is None
    error = march["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "input.month"}
    assert "04/2026" in error["message"] and "current month" in error["message"]


async def test_a_replay_answers_the_first_attempt_even_after_its_replacement(
    api: Api, conn: psycopg.Connection
) -> None:
    s = shop(conn, api)
    worker = persons.person(conn)
    variables = {**declaration("2026-03", opening(worker)), "idempotencyKey": "decl-2026-03-a"}
    first = await api.query(SUBMIT, s.token, variables)
    replay = await api.query(SUBMIT, s.token, variables)
    assert replay == first
    assert count(conn, "contribution_declaration") == 1
    assert count(conn, "contribution_period") == 3

    other_input = {
        **declaration("2026-03", opening(worker, salary=13_000_000)),
        "idempotencyKey": "decl-2026-03-a",
    }
    misused = await api.query(SUBMIT, s.token, other_input)
    assert misused["data"] is None
    assert misused["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "argument": "idempotencyKey",
    }
    assert count(conn, "contribution_period", "salary_vnd = 13000000") == 0

    replaced = await api.query(
        SUBMIT, s.token, declaration("2026-03", opening(worker, salary=14_000_000))
    )
    assert "errors" not in replaced, replaced
    late_replay = await api.query(SUBMIT, s.token, variables)
    old = late_replay["data"]["submitContributionDeclaration"]
    assert old["id"] == first["data"]["submitContributionDeclaration"]["id"]
    assert old["replacedAt"] is not None
    assert count(conn, "contribution_period") == 3  # the replacement's, not the replay's


async def test_statements_do_not_grow_with_the_lines(api: Api, conn: psycopg.Connection) -> None:
    s = shop(conn, api)

    async def statements(month: str, hires: int) -> int:
        staff = [employee(conn, s.employer), employee(conn, s.employer)]
        new = [persons.person(conn) for _ in range(hires)]
        body = await api.query(
            SUBMIT,
            s.token,
            declaration(
                month,
                opening(staff[0], "SALARY_CHANGE"),
                line(staff[1], "END"),
                *(opening(p) for p in new),
            ),
        )
        assert "errors" not in body, body["errors"][:1]
        assert len(body["data"]["submitContributionDeclaration"]["lines"]) == hires + 2
        return api.last_statements

    await statements("2026-02", 1)  # the first request also looks the token's employer up
    assert await statements("2026-03", 1) == await statements("2026-04", 198)


async def test_two_submissions_of_one_month_at_once_take_turns(
    api: Api, conn: psycopg.Connection
) -> None:
    s = shop(conn, api)
    a, b = persons.person(conn), persons.person(conn)
    both = await asyncio.gather(
        api.query(SUBMIT, s.token, declaration("2026-03", opening(a))),
        api.query(SUBMIT, s.token, declaration("2026-03", opening(b))),
    )
    assert all("errors" not in body for body in both), both
    assert count(conn, "contribution_declaration", "replaced_at IS NULL") == 1
    assert count(conn, "contribution_declaration", "replaced_at IS NOT NULL") == 1
    # The one in force is the later, which undid the earlier: one hire's rows, not both.
    hired = conn.execute("SELECT DISTINCT person_id FROM contribution_period").fetchall()
    (in_force,) = conn.execute(
        "SELECT l.person_id FROM contribution_declaration_line l JOIN contribution_declaration d"
        " ON d.id = l.declaration_id WHERE d.replaced_at IS NULL"
    ).fetchall()
    assert hired == [in_force]


async def test_the_book_shows_the_declaration_at_once(api: Api, conn: psycopg.Connection) -> None:
    s = shop(conn, api)
    worker = employee(conn, s.employer, since=date(2024, 1, 1), schemes=(C,))
    insured(conn, worker, s.office)
    body = await api.query(
        SUBMIT,
        s.token,
        declaration("2026-03", opening(worker, "SALARY_CHANGE", salary=15_000_000, schemes=[C, U])),
    )
    assert "errors" not in body, body
    book = """query($id: String!) { person(identificationNumber: $id) { socialInsurance {
      contributionPeriods(first: 50) { edges { node { scheme fromMonth toMonth salaryVnd ratePct months } } }
      totals { scheme months years remainderMonths } } } }"""
    read = await api.query(book, api.officer(), {"id": worker["identification_number"]})
    assert "errors" not in read, read
    si = read["data"]["person"]["socialInsurance"]
    nodes = [e["node"] for e in si["contributionPeriods"]["edges"]]
    ongoing = _months_to_now(MARCH)
    assert nodes == [
        {
            "scheme": C,
            "fromMonth": "2024-01",
            "toMonth": "2026-02",
            "salaryVnd": 9_000_000,
            "ratePct": 25.0,
            "months": 26,
        },
        {
            "scheme": C,
            "fromMonth": "2026-03",
            "toMonth": None,
            "salaryVnd": 15_000_000,
            "ratePct": 25.0,
            "months": ongoing,
        },
        {
            "scheme": U,
            "fromMonth": "2026-03",
            "toMonth": None,
            "salaryVnd": 15_000_000,
            "ratePct": 2.0,
            "months": ongoing,
        },
        {
            "scheme": A,
            "fromMonth": "2026-03",
            "toMonth": None,
            "salaryVnd": 15_000_000,
            "ratePct": 0.5,
            "months": ongoing,
        },
    ]
    totals = {t["scheme"]: t["months"] for t in si["totals"]}
    # BHXH: 1/2024 to this month without a gap (26 + the ongoing months).
    assert totals == {C: 26 + ongoing, U: ongoing, A: ongoing}

    me = await api.query(
        "{ me { socialInsurance { totals { scheme months } } } }", api.citizen(worker)
    )
    assert {
        t["scheme"]: t["months"] for t in me["data"]["me"]["socialInsurance"]["totals"]
    } == totals
    # The new hire's employer reads the book from the month it employs them.
    hire = persons.person(conn)
    await api.query(SUBMIT, s.token, declaration("2026-04", opening(hire)))
    seen = await api.query(
        "query($id: String!) { person(identificationNumber: $id) { fullName } }",
        s.token,
        {"id": hire["identification_number"]},
    )
    assert seen["data"]["person"] == {"fullName": hire["full_name"]}


async def test_the_employee_reads_the_change_in_their_change_log(
    api: Api, conn: psycopg.Connection
) -> None:
    s = shop(conn, api)
    worker = employee(conn, s.employer, schemes=(C,))
    body = await api.query(
        SUBMIT, s.token, declaration("2026-03", opening(worker, "SALARY_CHANGE", schemes=[C]))
    )
    assert "errors" not in body, body
    log = await api.query(
        "{ me { changeLog(first: 20) { edges { node {"
        " operation action record before after grounds actorRole actorOrganisation } } } } }",
        api.citizen(worker),
    )
    assert "errors" not in log, log
    nodes = [e["node"] for e in log["data"]["me"]["changeLog"]["edges"]]
    assert {n["operation"] for n in nodes} == {"submitContributionDeclaration"}
    assert {(n["actorRole"], n["actorOrganisation"]) for n in nodes} == {
        ("EMPLOYER", s.employer["tax_code"])
    }
    assert {tuple(n["grounds"]) for n in nodes} == {(f"employment:{s.employer['tax_code']}",)}
    changes = sorted((n["record"], n["action"]) for n in nodes)
    assert changes == [
        ("contribution_declaration_line", "INSERT"),
        ("contribution_period", "INSERT"),  # BHXH from 3/2026
        ("contribution_period", "INSERT"),  # TNLĐ-BNN from 3/2026
        ("contribution_period", "UPDATE"),  # the open row ends in 2/2026
    ]
    (closed,) = [n for n in nodes if n["action"] == "UPDATE"]
    assert (closed["before"], closed["after"]) == ({"to_month": None}, {"to_month": "2026-02-01"})
    # The header names no person: logged, under nobody's book.
    assert count(conn, "change_log", "record_table = 'contribution_declaration'") == 1
    assert (
        count(conn, "change_log", "record_table = 'contribution_declaration' AND person_id IS NULL")
        == 1
    )


async def test_an_employer_declares_only_for_itself(api: Api, conn: psycopg.Connection) -> None:
    mine, theirs = shop(conn, api), shop(conn, api, name="Công ty CP Hồng Hà")
    their_worker = employee(conn, theirs.employer)
    ended = await api.query(SUBMIT, mine.token, declaration("2026-03", line(their_worker, "END")))
    assert ended["errors"][0]["extensions"]["lines"] == [
        {
            "line": 0,
            "argument": "input.lines[0].identificationNumber",
            "reason": "is not an employee of this employer",
        }
    ]
    # A second job elsewhere is a hire of its own; the first employer's rows stay open.
    second_job = await api.query(SUBMIT, mine.token, declaration("2026-03", opening(their_worker)))
    assert "errors" not in second_job, second_job
    assert count(conn, "contribution_period", "to_month IS NULL") == 2 + 3
    assert api.token(Role.EMPLOYER, "hr-1", org=mine.employer["tax_code"]) != theirs.token


async def test_the_example_runs_as_its_user_sends_it(api: Api, conn: psycopg.Connection) -> None:
    s = shop(conn, api)
    leaving, hired = employee(conn, s.employer), persons.person(conn)
    worker = foreign_worker(conn)
    document = (EXAMPLES / "submit_contribution_declaration.graphql").read_text()
    variables = {
        "input": {
            "month": "2026-03",
            "wageRegion": "REGION_I",
            "lines": [
                {
                    "identificationNumber": hired["identification_number"],
                    "kind": "START",
                    "salaryVnd": 12_500_000,
                    "jobTitle": "Nhân viên kinh doanh",
                    "schemes": ["COMPULSORY_SOCIAL", "UNEMPLOYMENT"],
                },
                {"identificationNumber": leaving["identification_number"], "kind": "END"},
                {
                    "bhxhCode": worker["bhxh_code"],
                    "kind": "START",
                    "salaryVnd": 30_000_000,
                    "jobTitle": "Chuyên gia kỹ thuật",
                    "schemes": ["COMPULSORY_SOCIAL"],
                },
            ],
        },
        "idempotencyKey": "6f1c2a4e-declaration-2026-03",
    }
    body = await api.query(document, s.token, variables)
    assert "errors" not in body, body
    d = body["data"]["submitContributionDeclaration"]
    assert d["employer"] == {"taxCode": s.employer["tax_code"], "name": s.employer["name"]}
    assert [(x["kind"], x["outcome"], x["bhxhCode"]) for x in d["lines"]] == [
        ("START", "OPENED", None),
        ("END", "CLOSED", None),
        ("START", "OPENED", worker["bhxh_code"]),
    ]
    assert await api.query(document, s.token, variables) == body  # the retry


async def test_a_declaration_whose_rows_changed_since_cannot_be_replaced(
    api: Api, conn: psycopg.Connection
) -> None:
    s = shop(conn, api)
    hired = persons.person(conn)
    first = await api.query(SUBMIT, s.token, declaration("2026-03", opening(hired)))
    assert "errors" not in first, first
    # A correction made around the API (by the database's owner) takes one of its rows away.
    conn.execute(
        "DELETE FROM contribution_period WHERE person_id = %s AND scheme = 'UNEMPLOYMENT'",
        [hired["id"]],
    )
    before = whole_table(conn)
    again = await api.query(SUBMIT, s.token, declaration("2026-03", opening(persons.person(conn))))
    assert again["data"] is None
    assert again["errors"][0]["extensions"] == {"code": "CONFLICT"}
    assert whole_table(conn) == before
    assert count(conn, "contribution_declaration", "replaced_at IS NULL") == 1


async def test_declared_rows_carry_the_persons_ordinary_category(
    api: Api, conn: psycopg.Connection
) -> None:
    """A declared row is contributed under the person's category when the record names an
    ordinary compulsory one (a civil servant stays one), else as an employee's (issue 9)."""
    s = shop(conn, api)
    hired = persons.person(conn)  # no BHXH record yet
    servant = employee(conn, s.employer, schemes=(C,))
    insured(conn, servant, s.office)
    conn.execute(
        "UPDATE social_insurance SET participant_category = 'CIVIL_SERVANT' WHERE person_id = %s",
        [servant["id"]],
    )
    body = await api.query(
        SUBMIT,
        s.token,
        declaration(
            "2026-03",
            opening(hired, schemes=[C, U]),
            opening(servant, "SALARY_CHANGE", salary=15_000_000, schemes=[C]),
        ),
    )
    assert "errors" not in body, body
    opened = conn.execute(
        "SELECT person_id, scheme, participant_category FROM contribution_period"
        " WHERE from_month = %s AND person_id IN (%s, %s)",
        [MARCH, hired["id"], servant["id"]],
    ).fetchall()
    assert sorted(opened) == [
        (hired["id"], C, "EMPLOYEE"),
        (hired["id"], A, "EMPLOYEE"),
        (hired["id"], U, "EMPLOYEE"),
        (servant["id"], C, "CIVIL_SERVANT"),
        (servant["id"], A, "CIVIL_SERVANT"),
    ]

"""Pages written from their rows (graph.compiled.json_pages) answer exactly as Strawberry's
executor does: the same keys in the same order, values, cursors, totals and access-log rows,
however the page is asked for; fields without an SQL form leave the page to Python."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any, cast

import orjson
import psycopg
import pytest
from graphql import GraphQLLeafType
from strawberry.schema.schema_converter import CustomGraphQLEnumType

from graph.compiled.executor import CompiledExecutor, PlanCache
from graph.compiled.json_pages import PAGES, Statements, _leaf
from graph.compiled.leaves import completer
from graph.compiled.plan import ObjectPlan, Plan
from graph.schema import schema
from tests.factories.book import book
from tests.factories.person import insert
from tests.graph.compiled.conftest import Both
from tests.graph.operations import PERSON
from tests.graph.test_ebook import EVERY_SCOPE


def _written(plans: list[Plan | None]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()

    def walk(plan: ObjectPlan) -> None:
        for field in plan.fields:
            if field.written:
                found.add((field.parent_type, field.field_name))
            for child in field.child.values():
                walk(child)

    for plan in plans:
        if plan is not None:
            walk(plan.root)
    return found


def _cache(both: Both) -> PlanCache:
    assert both.compiled.app is not None
    executor = both.compiled.app.state.schema.execution_context_class
    assert issubclass(executor, CompiledExecutor)
    plans: PlanCache = executor.plans
    return plans


def _plans(both: Both) -> list[Plan | None]:
    return list(_cache(both)._plans.values())


async def test_the_ebook_has_every_page_written(both: Both, conn: psycopg.Connection) -> None:
    b = book(conn, periods=3, ongoing=True, cards=3, visits=3, benefits=2)
    officer = both.compiled.officer(EVERY_SCOPE)
    body = await both.compare(conn, PERSON, officer, {"id": b.person["identification_number"]})
    assert body["data"]["person"]["healthInsurance"]["cards"]["totalCount"] == 3
    assert _written(_plans(both)) == set(PAGES)
    assert both.statements[0] == both.statements[1]


async def test_a_written_page_holds_nulls_lists_and_absent_objects_as_strawberry_does(
    both: Both, conn: psycopg.Connection
) -> None:
    """A voluntary period: no employer (a null object), a salary by coefficient with
    allowances (floats, the salary null), notes (a list of leaves), the state's support."""
    b = book(conn, periods=2)
    holder = b.person["id"]
    insert(
        conn,
        "contribution_period",
        {
            "person_id": holder,
            "scheme": "VOLUNTARY_SOCIAL",
            "from_month": date(2024, 1, 1),
            "to_month": date(2024, 6, 1),
            "employer_id": None,
            "salary_vnd": None,
            "salary_coefficient": Decimal("2.34"),
            "position_allowance": Decimal("0.2"),
            "seniority_allowance_pct": Decimal("5"),
            "rate_pct": 22,
            "notes": ["MATERNITY"],
            "state_support_pct": 30,
            "state_support_months": 6,
        },
    )
    officer = both.compiled.officer(EVERY_SCOPE)
    body = await both.compare(conn, PERSON, officer, {"id": b.person["identification_number"]})
    edges = body["data"]["person"]["socialInsurance"]["contributionPeriods"]["edges"]
    voluntary = [e["node"] for e in edges if e["node"]["scheme"] == "VOLUNTARY_SOCIAL"]
    assert [(v["employer"], v["salaryVnd"], v["notes"]) for v in voluntary] == [
        (None, None, ["MATERNITY"])
    ]
    assert ("SocialInsurance", "contributionPeriods") in _written(_plans(both))


ODD_PAGES = """
query Pages(
  $id: String!
  $first: Int!
  $after: String
  $visitsAfter: String
  $skip: Boolean!
  $schemes: [Scheme!]
) {
  person(identificationNumber: $id) {
    v: medicalVisits(first: $first, after: $visitsAfter) {
      __typename
      n: totalCount
      totalCount
      pageInfo { __typename more: hasNextPage end: endCursor endCursor }
      edges {
        __typename
        c: cursor
        node {
          __typename
          at: admittedAt
          dischargedAt
          visitType
          facility { __typename code province { name code } name @skip(if: $skip) }
          ... on MedicalVisit { id version diagnosis icd10Code }
        }
      }
    }
    healthInsurance {
      cards(first: $first, after: $after) {
        edges { node { status fiveYearDate province { code name } initialFacility { tier } } }
        pageInfo { hasNextPage }
      }
      again: cards(first: $first, after: $after) { totalCount }
      contributions(first: $first) {
        edges { cursor node { payer fromMonth toMonth monthlyAmountVnd } }
        pageInfo { endCursor }
      }
    }
    socialInsurance {
      periods: contributionPeriods(first: $first, after: $after, schemes: $schemes) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges {
          cursor
          node {
            scheme fromMonth toMonth months jobTitle salaryVnd salaryCoefficient ratePct arduous
            notes stateSupportPct stateSupportMonths stateSupportVnd participantCategory settled
            employerAmountVnd employeeAmountVnd
            allowances { position seniorityPct regional }
            employer {
              __typename taxCode name enterpriseCode establishmentDecision organisationIdNumber
              unitCode headOfficeAddress businessLines enterpriseType province { code name }
            }
          }
        }
      }
      benefits(first: $first) {
        totalCount
        edges {
          node {
            regime decisionNumber decidedOn periodFrom periodTo amountVnd lumpSumReason
            pensionRatePct averageSalaryVnd incapacityPct sicknessDays
            payingOffice { code name }
          }
        }
      }
    }
  }
}
"""


def _cursors(body: Any) -> list[str]:
    found: list[str] = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key in ("c", "cursor", "end", "endCursor") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_cursors(value))
    elif isinstance(body, list):
        for item in body:
            found.extend(_cursors(item))
    return found


@pytest.mark.parametrize("first", [0, 1, 2, 100])
async def test_pages_asked_in_odd_ways_answer_as_strawberry(
    both: Both, conn: psycopg.Connection, first: int
) -> None:
    b = book(conn, periods=2, cards=3, visits=4, benefits=2)
    empty = book(conn, periods=1, cards=0, visits=0, benefits=0)
    officer = both.compiled.officer(EVERY_SCOPE)
    cursors: list[str | None] = [None]
    for person in (b.person, empty.person):
        variables: dict[str, Any] = {"id": person["identification_number"], "first": first}
        for skip in (True, False):
            for schemes in (None, ["COMPULSORY_SOCIAL"], ["UNEMPLOYMENT", "VOLUNTARY_SOCIAL"]):
                variables = {
                    **variables,
                    "skip": skip,
                    "after": None,
                    "visitsAfter": None,
                    "schemes": schemes,
                }
                body = await both.compare(conn, ODD_PAGES, officer, variables)
                cursors.extend(_cursors(body))
    assert _written(_plans(both)) == set(PAGES) - {("UnemploymentInsurance", "contributionPeriods")}
    # Every cursor handed out, as `after` of both lists: within, at and past each list's end.
    for after in cursors:
        variables = {
            "id": b.person["identification_number"],
            "first": first,
            "skip": False,
            "after": after,
            "visitsAfter": after,
            "schemes": None,
        }
        await both.compare(conn, ODD_PAGES, officer, variables)


async def test_a_field_without_an_sql_form_leaves_its_page_to_python(
    both: Both, conn: psycopg.Connection
) -> None:
    b = book(conn, cards=2)
    officer = both.compiled.officer(EVERY_SCOPE)
    query = """query($id: String!) { person(identificationNumber: $id) { healthInsurance {
      cards(first: 5) { edges { node { code validToday category { code name } } } }
      contributions(first: 5) { totalCount }
    } } }"""
    await both.compare(conn, query, officer, {"id": b.person["identification_number"]})
    assert _written(_plans(both)) == {("HealthInsurance", "contributions")}


# -- the leaves and the cursor, value for value ---------------------------------------------------

_ZONES = ["UTC", "Asia/Ho_Chi_Minh", "America/St_Johns", "Pacific/Chatham"]
_INSTANTS = [
    datetime(2024, 7, 1, 8, 30, tzinfo=UTC),
    datetime(2024, 7, 1, 8, 30, 5, 120000, tzinfo=UTC),
    datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(1999, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=7))),
    datetime(1975, 4, 30, 11, 30, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
]


def _written_value(
    conn: psycopg.Connection, type_: GraphQLLeafType, value: Any, sql_type: str
) -> Any:
    """What a written page sends: the leaf's column as psycopg reads it, completed as written."""
    column, complete = _leaf(type_, "{v}")
    row = conn.execute(
        f"SELECT {column.format(v=f'CAST(%(v)s AS {sql_type})')}", {"v": value}
    ).fetchone()
    assert row is not None
    return orjson.loads(orjson.dumps(row[0] if complete is None else complete(row[0])))


def _python_value(
    conn: psycopg.Connection, type_: GraphQLLeafType, value: Any, sql_type: str
) -> Any:
    """What the Python path sends: the value as psycopg reads it back, completed."""
    row = conn.execute(f"SELECT CAST(%(v)s AS {sql_type})", {"v": value}).fetchone()
    assert row is not None
    return orjson.loads(orjson.dumps(completer(type_)(row[0])))


def _type(name: str) -> GraphQLLeafType:
    found = schema._schema.type_map[name]
    assert isinstance(found, GraphQLLeafType)
    return found


LEAVES: list[tuple[str, str, list[Any]]] = [
    ("DateTime", "timestamptz", _INSTANTS),
    ("Date", "date", [date(2024, 7, 1), date(987, 1, 15), date(2000, 2, 29)]),
    ("YearMonth", "date", [date(2024, 7, 1), date(987, 12, 1)]),
    (
        "Float",
        "numeric",
        [
            Decimal("17.5"),
            Decimal("25"),
            Decimal("8.00"),
            Decimal("0"),
            Decimal("-3"),
            Decimal("0.1"),
            Decimal("0.00001"),
            Decimal("123456.75"),
            Decimal("1e15"),
            Decimal("1e16"),
        ],
    ),
    ("String", "text", ["", "Nguyễn Thị Ánh", 'quote " and \\ back', "tab\tline\nnul-free \x01"]),
    ("ID", "bigint", [1, 2**53 + 1]),
    ("Int", "integer", [0, -(2**31), 2**31 - 1]),
    ("Vnd", "bigint", [0, 2**40]),
    ("Boolean", "boolean", [True, False]),
]


@pytest.mark.parametrize("zone", _ZONES)
@pytest.mark.parametrize(("type_name", "sql_type", "values"), LEAVES)
def test_each_leaf_is_written_as_its_scalar_writes_it(
    conn: psycopg.Connection, zone: str, type_name: str, sql_type: str, values: list[Any]
) -> None:
    conn.execute(f"SET TIME ZONE '{zone}'")
    type_ = _type(type_name)
    for value in values:
        expected = _python_value(conn, type_, value, sql_type)
        written = _written_value(conn, type_, value, sql_type)
        assert (type(written), written) == (type(expected), expected), value


_ENUMS = [t for t in schema._schema.type_map.values() if isinstance(t, CustomGraphQLEnumType)]


@pytest.mark.parametrize("type_", _ENUMS, ids=lambda t: t.name)
def test_an_enum_column_is_written_as_the_name_of_its_member(
    conn: psycopg.Connection, type_: CustomGraphQLEnumType
) -> None:
    """The resolvers make a member of the stored text (`Enum(row[...])`); its name is sent."""
    members = list(cast(type[Enum], type_.wrapped_cls))
    assert members
    for member in members:
        expected = completer(type_)(member)
        assert _written_value(conn, type_, member.value, "text") == expected


async def test_written_statements_are_bounded_and_then_pages_are_read_as_rows(
    both: Both, conn: psycopg.Connection
) -> None:
    """Each distinct selection is a statement prepared on every connection: their number is
    bounded; documents beyond the bound still answer, their pages read as rows."""
    plans = _cache(both)
    plans.statements = Statements(2)
    b = book(conn, cards=2)
    officer = both.compiled.officer(EVERY_SCOPE)
    fields = ["code", "shortCode", "benefitLevel", "areaCode"]
    for n in range(1, len(fields) + 1):
        query = (
            "query($id: String!) { person(identificationNumber: $id) { healthInsurance {"
            f" cards(first: 3) {{ edges {{ node {{ {' '.join(fields[:n])} }} }} }} }} }} }}"
        )
        await both.compare(conn, query, officer, {"id": b.person["identification_number"]})
    assert len(plans.statements.known) == 2
    compiled = _plans(both)
    assert len(compiled) == len(fields)
    assert [bool(_written([plan])) for plan in compiled] == [True, True, False, False]

"""Beyond the e-book: the example operations, errors of every kind, fields asked in odd ways,
and what the plans do not cover (answered by Strawberry's executor, identically)."""

from datetime import UTC, datetime, timedelta

import psycopg
from joserfc.jwk import ECKey

from graph.authz.principal import Role
from graph.compiled.executor import CompiledExecutor, OrderedExecutor
from graph.config import Settings
from graph.schema import build_schema
from tests.factories.book import book
from tests.graph.compiled.conftest import Both, compiled_runs
from tests.graph.conftest import serving
from tests.graph.test_ebook import EVERY_SCOPE
from tests.graph.test_examples import _document

GRANT = _document("grant_consent")


async def test_example_operations(both: Both, conn: psycopg.Connection) -> None:
    b = book(conn, periods=3, ongoing=True, cards=2, visits=2)
    citizen = both.compiled.citizen(b.person)
    valid_until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    groups = ["IDENTITY", "HEALTH_INSURANCE"]
    grant = {"grantee": "BYT", "dataGroups": groups, "purpose": "Giám định"}
    granted = await both.strawberry.query(
        GRANT, citizen, {"input": {**grant, "validUntil": valid_until}}
    )
    assert "errors" not in granted, granted
    agency = both.compiled.token(Role.PARTNER_AGENCY, "byt", org="BYT")
    ident = b.person["identification_number"]
    read = await both.compare(conn, _document("agency_read"), agency, {"id": ident})
    assert {e["extensions"]["dataGroup"] for e in read["errors"]} == {"SOCIAL_INSURANCE"}
    await both.compare(conn, _document("me"), citizen)  # consents and the access log too
    desk = both.compiled.token(Role.HEALTH_FACILITY, "desk", org=b.facility_code)
    await both.compare(conn, _document("card_check_in"), desk, {"code": b.bhxh_code})
    employer = b.employers[0]
    hr = both.compiled.token(Role.EMPLOYER, "hr", org=employer["tax_code"])
    roster = await both.compare(
        conn, _document("employer_roster"), hr, {"taxCode": employer["tax_code"]}
    )
    assert roster["data"]["employer"]["employees"]["totalCount"] == 1


ODD = """
query Odd($id: String!, $more: Boolean!, $first: Int!, $after: String) {
  __typename
  p: person(identificationNumber: $id) {
    __typename
    name: fullName
    fullName
    ... on Person { birthDate { text } }
    ...Insurance
    socialInsurance @include(if: $more) {
      totals { months }
      other: contributionPeriods(first: $first, after: $after) { totalCount edges { cursor } }
    }
  }
  again: person(identificationNumber: $id) @skip(if: $more) { identificationNumber }
}
fragment Insurance on Person {
  socialInsurance {
    bhxhCode
    contributionPeriods(first: 2) { pageInfo { hasNextPage endCursor } edges { node { months } } }
  }
}
"""


async def test_aliases_fragments_directives_and_typename(
    both: Both, conn: psycopg.Connection
) -> None:
    b = book(conn, periods=5)
    token = both.compiled.officer(EVERY_SCOPE)
    ident = b.person["identification_number"]
    for more in (True, False):
        variables = {"id": ident, "more": more, "first": 3, "after": None}
        body = await both.compare(conn, ODD, token, variables)
        assert "errors" not in body, body
    # A cursor from the answer, then arguments that fail: the non-null connection nulls its
    # parent, and the errors are the same ones, at the same paths, in the same order.
    cursor = body["data"]["p"]["socialInsurance"]["contributionPeriods"]["pageInfo"]["endCursor"]
    await both.compare(conn, ODD, token, {"id": ident, "more": True, "first": 3, "after": cursor})
    bad = await both.compare(
        conn, ODD, token, {"id": ident, "more": True, "first": 101, "after": "x"}
    )
    assert bad["data"]["p"]["socialInsurance"] is None
    assert [e["path"] for e in bad["errors"]] == [["p", "socialInsurance", "other"]]


async def test_errors_of_every_kind(both: Both, conn: psycopg.Connection) -> None:
    b = book(conn, periods=3, ongoing=True, benefits=1, claims=1)
    ident = b.person["identification_number"]
    query = """query($a: String!, $b: String!, $c: String!) {
      a: person(identificationNumber: $a) { fullName }
      b: person(identificationNumber: $b) { fullName }
      c: person(identificationNumber: $c) {
        fullName
        socialInsurance { totals { months } benefits { totalCount } contributionPeriods { totalCount } }
        unemploymentInsurance { contributionMonths reservedMonths decisions { monthsUsed } }
        healthInsurance { currentCard { code } cards { totalCount } }
        medicalVisits { totalCount }
      }
    }"""
    variables = {"a": "not-an-id", "b": "001099999999", "c": ident}
    officer = await both.compare(conn, query, both.compiled.officer(), variables)
    assert [e["extensions"]["code"] for e in officer["errors"]] == [
        "BAD_USER_INPUT",
        "NOT_FOUND",
        "FORBIDDEN",
    ]
    hr = both.compiled.token(Role.EMPLOYER, "hr", org=b.employers[0]["tax_code"])
    employer = await both.compare(conn, query, hr, variables)
    assert len(employer["errors"]) > 3
    await both.compare(conn, "{ me { fullName } }", hr)  # FORBIDDEN at the root


async def test_persons_reads_its_selections_from_the_plan(
    both: Both, conn: psycopg.Connection
) -> None:
    book(conn, periods=2)
    token = both.compiled.officer(EVERY_SCOPE)
    for persons in (
        "{ persons(first: 5) { totalCount edges { node { fullName } } } }",
        "{ persons(first: 5) { edges { cursor } ...Page } }"
        " fragment Page on PersonConnection { c: totalCount }",
        "{ persons(first: 5) { edges { node { fullName } } } }",  # no count asked: none run
    ):
        body = await both.compare(conn, persons, token)
        assert len(body["data"]["persons"]["edges"]) == 2
        assert both.statements[0] == both.statements[1]
    assert body["data"]["persons"].get("totalCount") is None


async def test_what_plans_do_not_cover_falls_back(
    runtime_url: str, dev_key: ECKey, conn: psycopg.Connection
) -> None:
    b = book(conn)
    citizen_of = b.person
    introspecting = '{ __type(name: "Person") { name } me { fullName } }'
    async with (
        serving(runtime_url, dev_key, dev=True, compiled=True) as compiled,
        serving(runtime_url, dev_key, dev=True, compiled=False) as strawberry,
    ):
        both = Both(compiled, strawberry)
        body = await both.compare(conn, introspecting, compiled.citizen(citizen_of), planned=False)
        assert body["data"] == {"__type": {"name": "Person"}, "me": {"fullName": "Nguyễn Thị Lan"}}
        valid_until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
        grant = {
            "grantee": "BYT",
            "dataGroups": ["IDENTITY"],
            "purpose": "x",
            "validUntil": valid_until,
        }
        runs = compiled_runs(compiled)
        granted = await compiled.query(GRANT, compiled.citizen(citizen_of), {"input": grant})
        assert "errors" not in granted, granted
        assert compiled_runs(compiled) == runs


def test_the_operator_turns_compiled_execution_off() -> None:
    assert Settings.from_env({}).compiled_execution
    assert not Settings.from_env({"BHXH_COMPILED_EXECUTION": "0"}).compiled_execution
    on = build_schema(dev=True).execution_context_class
    off = build_schema(dev=True, compiled=False).execution_context_class
    assert issubclass(on, CompiledExecutor)
    assert off is OrderedExecutor

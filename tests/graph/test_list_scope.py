"""What a list can teach equals what the caller may read: `persons` and an employer's roster count,
page and continue over exactly the persons the caller may list.

The oracle is written from DESIGN.md's table (officers list the Finance-managed persons when a
scope names a data group; Defence and Public Security list their own; an employer lists its
current employees; an officer reads any employer's roster), independently of graph.authz.policy.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc.jwk import ECKey

from db.enums import ManagingAuthority, Sex
from db.urls import libpq_conninfo
from graph.authz import tokens
from graph.authz.policy import Facts, decide, list_scope
from graph.authz.principal import Principal, Role
from tests.factories import employer as employers
from tests.factories import person as persons
from tests.factories import reference
from tests.graph.conftest import Api, CountingDatabase, serving

BOOK_SCOPES = (
    "identity",
    "relatives",
    "contact",
    "household",
    "social_insurance",
    "health_insurance",
    "medical",
    "unemployment_insurance",
)
# Scope names a token may carry that name no data group an officer reads.
OTHER_SCOPES = (
    "consents",
    "access_log",
    "IDENTITY",
    "Medical",
    "everything",
)  # ("" cannot be in a token: RFC 6749 scopes)
SECRET = ("DEFENCE", "PUBLIC_SECURITY")


@dataclass(frozen=True)
class Someone:
    id: int
    identification_number: str
    authority: str
    province: str
    sex: str
    birth_date: date


@dataclass
class World:
    people: list[Someone]
    employers: dict[str, str]  # name → tax code
    current: dict[str, set[int]]  # employer name → person ids employed now
    ever: dict[str, set[int]]  # employer name → person ids with any period there


def _build(conn: psycopg.Connection) -> World:
    office = reference.office(conn)
    e1, e2 = employers.employer(conn, office), employers.employer(conn, office, name="Hồng Hà")
    people: list[Someone] = []
    shapes = [
        ("FINANCE", "01", Sex.FEMALE, date(1960, 1, 5)),
        ("FINANCE", "01", Sex.MALE, date(1975, 6, 1)),
        ("FINANCE", "79", Sex.FEMALE, date(1988, 5, 17)),
        ("FINANCE", "79", Sex.MALE, date(1990, 12, 31)),
        ("FINANCE", "01", Sex.FEMALE, date(1999, 3, 3)),
        ("FINANCE", "48", Sex.MALE, date(2001, 7, 7)),
        ("FINANCE", "79", Sex.FEMALE, date(1975, 6, 1)),
        ("DEFENCE", "01", Sex.MALE, date(1975, 6, 1)),
        ("DEFENCE", "79", Sex.FEMALE, date(1988, 5, 17)),
        ("PUBLIC_SECURITY", "01", Sex.MALE, date(1990, 12, 31)),
        ("PUBLIC_SECURITY", "48", Sex.FEMALE, date(1960, 1, 5)),
    ]
    for authority, province, sex, born in shapes:
        row = persons.person(
            conn,
            authority=ManagingAuthority(authority),
            sex=sex,
            birth_date=born,
            residence_province_code=province,
        )
        people.append(
            Someone(row["id"], row["identification_number"], authority, province, sex, born)
        )
    rows = {p.id: {"id": p.id} for p in people}
    # e1: two current Finance employees, one former, a current Defence and a former Public
    # Security one; e2: one current Finance employee who also once worked at e1.
    plan = [(e1, 0, True), (e1, 1, True), (e1, 2, False), (e1, 7, True), (e1, 9, False)]
    plan += [(e2, 3, True), (e1, 3, False)]
    current: dict[str, set[int]] = {"e1": set(), "e2": set()}
    ever: dict[str, set[int]] = {"e1": set(), "e2": set()}
    for employer, index, now in plan:
        name = "e1" if employer is e1 else "e2"
        person_id = people[index].id
        employers.employment(conn, rows[person_id], employer, current=now)
        ever[name].add(person_id)
        if now:
            current[name].add(person_id)
    return World(people, {"e1": e1["tax_code"], "e2": e2["tax_code"]}, current, ever)


@dataclass(frozen=True)
class Caller:
    role: Role
    org: str | None
    scopes: tuple[str, ...]


def _oracle(world: World, caller: Caller, path: str) -> list[Someone] | None:
    """Who the caller may list on `path` ("persons" or an employer's name); None: refused."""
    officer_reads = caller.role is Role.OFFICER and bool(set(caller.scopes) & set(BOOK_SCOPES))
    if path == "persons":
        if officer_reads:
            return [p for p in world.people if p.authority == "FINANCE"]
        if caller.role is Role.MINISTRY and caller.org in SECRET:
            return [p for p in world.people if p.authority == caller.org]
        return None
    if caller.role is Role.EMPLOYER and caller.org == world.employers[path]:
        ids = world.current[path]
    elif officer_reads:
        ids = world.ever[path]
    else:
        return None
    return [p for p in world.people if p.id in ids and p.authority == "FINANCE"]


def _filtered(people: list[Someone], f: dict[str, Any]) -> list[Someone]:
    return [
        p
        for p in people
        if f.get("residenceProvinceCode") in (None, p.province)
        and f.get("sex") in (None, p.sex)
        and (f.get("bornFrom") is None or p.birth_date >= date.fromisoformat(f["bornFrom"]))
        and (f.get("bornTo") is None or p.birth_date <= date.fromisoformat(f["bornTo"]))
    ]


PERSONS = """query($first: Int!, $after: String, $filter: PersonFilter) {
  list: persons(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { identificationNumber } }
  } }"""
ROSTER = """query($tax: String!, $first: Int!, $after: String) {
  employer(taxCode: $tax) { list: employees(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { identificationNumber } }
  } } }"""


Post = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


def _session(
    database_url: str, key: ECKey, token: str, steps: Callable[[Post], Awaitable[None]]
) -> None:
    """Run `steps` against one app (one pool) in one event loop: hypothesis drives plain functions."""

    async def run() -> None:
        database = CountingDatabase(libpq_conninfo(database_url), max_size=2)
        async with serving(database, key) as api:

            async def post(query: str, variables: dict[str, Any]) -> dict[str, Any]:
                response = await api.client.post(
                    "/graphql",
                    json={"query": query, "variables": variables},
                    headers={"Authorization": f"Bearer {token}"},
                )
                body: dict[str, Any] = response.json()
                return body

            await steps(post)

    asyncio.run(run())


def _list(body: dict[str, Any], path: str) -> Any:
    data = body.get("data") or {}
    return data.get("list") if path == "persons" else (data.get("employer") or {}).get("list")


@pytest.fixture
def world(conn: psycopg.Connection) -> World:
    return _build(conn)


_scopes = st.lists(st.sampled_from(BOOK_SCOPES + OTHER_SCOPES), max_size=4, unique=True)


@st.composite
def callers(draw: st.DrawFn) -> Caller:
    role = draw(st.sampled_from(list(Role)))
    orgs = {
        Role.EMPLOYER: st.sampled_from(["e1", "e2", "0109999999"]),
        Role.MINISTRY: st.sampled_from([*(a.value for a in ManagingAuthority), "BQP", "finance"]),
        Role.HEALTH_FACILITY: st.just("01001"),
        Role.PARTNER_AGENCY: st.just("BYT"),
    }
    org = draw(orgs.get(role, st.none()))
    scopes = tuple(draw(_scopes)) if role is Role.OFFICER or draw(st.booleans()) else ()
    return Caller(role, org, scopes)


@st.composite
def filters(draw: st.DrawFn) -> dict[str, Any]:
    f: dict[str, Any] = {}
    if draw(st.booleans()):
        f["residenceProvinceCode"] = draw(st.sampled_from(["01", "79", "48", "92"]))
    if draw(st.booleans()):
        f["sex"] = draw(st.sampled_from(["MALE", "FEMALE"]))
    born = sorted(
        draw(st.lists(st.dates(date(1955, 1, 1), date(2005, 1, 1)), min_size=2, max_size=2))
    )
    if draw(st.booleans()):
        f["bornFrom"] = born[0].isoformat()
    if draw(st.booleans()):
        f["bornTo"] = born[1].isoformat()
    return f


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    caller=callers(),
    path=st.sampled_from(["persons", "e1", "e2"]),
    f=filters(),
    first=st.integers(0, 4),
)
def test_counts_pages_and_cursors_cover_exactly_the_listable(
    database_url: str,
    dev_key: ECKey,
    world: World,
    caller: Caller,
    path: str,
    f: dict[str, Any],
    first: int,
) -> None:
    org = world.employers.get(caller.org or "", caller.org)
    token = tokens.mint(
        dev_key, role=caller.role, subject="caller-1", org=org, scopes=list(caller.scopes)
    )
    listable = _oracle(world, Caller(caller.role, org, caller.scopes), path)
    variables: dict[str, Any]
    if path == "persons":
        query, variables = PERSONS, {"filter": f}
        if listable is not None:
            listable = _filtered(listable, f)
    else:
        query, variables = ROSTER, {"tax": world.employers[path]}
    expected = [p.identification_number for p in sorted(listable or [], key=lambda p: p.id)]

    async def walk(post: Post) -> None:
        after, seen = None, []
        while True:
            body = await post(query, {**variables, "first": first, "after": after})
            page = _list(body, path)
            if listable is None:
                assert page is None
                codes = [e["extensions"]["code"] for e in body["errors"]]
                assert codes == ["FORBIDDEN"], body
                return
            assert "errors" not in body, body
            assert page["totalCount"] == len(expected)
            ids = [e["node"]["identificationNumber"] for e in page["edges"]]
            seen += ids
            assert len(ids) == min(first, len(expected) - (len(seen) - len(ids)))
            more = len(seen) < len(expected)
            assert page["pageInfo"]["hasNextPage"] is more
            # The end cursor is the last edge's: never a step past what was shown.
            last = page["edges"][-1]["cursor"] if page["edges"] else None
            assert page["pageInfo"]["endCursor"] == last
            if not more or first == 0:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == (expected if first else [])

    _session(database_url, dev_key, token, walk)


# -- the same rule at the level of the policy: a list's SQL terms agree with decide() ---------


@settings(max_examples=300)
@given(
    role=st.sampled_from(list(Role)),
    org=st.one_of(st.none(), st.sampled_from(["DEFENCE", "PUBLIC_SECURITY", "FINANCE", "0101"])),
    scopes=_scopes,
    authority=st.sampled_from([a.value for a in ManagingAuthority]),
    employed=st.booleans(),
)
def test_list_scope_admits_exactly_whom_decide_admits(
    role: Role, org: str | None, scopes: list[str], authority: str, employed: bool
) -> None:
    principal = Principal(role=role, subject="caller-1", org=org, scopes=frozenset(scopes))
    person = {"managing_authority": authority, "identification_number": "001088012345"}
    facts = Facts(employer_id=7 if employed and org else None)
    scope = list_scope(principal)
    listed = authority in scope.authorities or (
        authority in scope.employed_authorities and facts.employer_id is not None
    )
    assert listed == (decide(principal, person, facts) is not None)
    assert scope.employer in (None, org)


# -- the instances the review found -----------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "org", "scopes"),
    [
        (Role.OFFICER, None, []),
        (Role.OFFICER, None, ["nonexistent"]),
        (Role.OFFICER, None, ["consents"]),
        (Role.MINISTRY, "FINANCE", []),
        (Role.MINISTRY, "MOH", []),
    ],
    ids=["officer-no-scope", "unknown-scope", "consents-scope", "finance-ministry", "other-org"],
)
async def test_callers_who_read_nobody_count_nobody(
    api: Api, world: World, role: Role, org: str | None, scopes: list[str]
) -> None:
    token = api.token(role, "caller-1", org=org, scopes=scopes)
    body = await api.query(PERSONS, token, {"first": 0, "filter": {"sex": "MALE"}})
    # A ministry that keeps no books is refused before execution (graph.authz.organisations):
    # then there is no `data` at all.
    assert body.get("data") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    roster = await api.query(ROSTER, token, {"tax": world.employers["e1"], "first": 5})
    assert (roster.get("data") or {"employer": {"list": None}})["employer"]["list"] is None
    assert [e["extensions"]["code"] for e in roster["errors"]] == ["FORBIDDEN"]


async def test_employer_roster_counts_current_finance_employees_only(
    api: Api, world: World
) -> None:
    token = api.token(Role.EMPLOYER, "hr-1", org=world.employers["e1"])
    body = await api.query(ROSTER, token, {"tax": world.employers["e1"], "first": 10})
    page = body["data"]["employer"]["list"]
    assert page["totalCount"] == 2  # not the former employee, not the Defence one
    assert {e["node"]["identificationNumber"] for e in page["edges"]} == {
        world.people[0].identification_number,
        world.people[1].identification_number,
    }


# -- totalCount however it is selected ---------------------------------------------------------

FRAGMENTS = [
    "query { persons(first: 1) { ...Count } } fragment Count on PersonConnection { totalCount }",
    "query { persons(first: 1) { ... on PersonConnection { totalCount } } }",
    "query { persons(first: 1) { ... { n: totalCount } } }",
    "query { persons(first: 1) { ...Outer } }"
    " fragment Outer on PersonConnection { ...Inner } fragment Inner on PersonConnection { totalCount }",
    "query($yes: Boolean = true) { persons(first: 1) { ... @include(if: $yes) { totalCount } } }",
    "query($no: Boolean = false) { persons(first: 1) { ...Count @skip(if: $no) } }"
    " fragment Count on PersonConnection { totalCount }",
    "query { persons(first: 1) { totalCount @skip(if: true) ...Count } }"
    " fragment Count on PersonConnection { totalCount }",
]


@pytest.mark.parametrize("query", FRAGMENTS, ids=range(len(FRAGMENTS)))
async def test_total_count_in_fragments(api: Api, world: World, query: str) -> None:
    body = await api.query(query, api.officer())
    assert "errors" not in body, body
    (count,) = body["data"]["persons"].values()
    assert count == 7  # the Finance-managed persons


async def test_skipped_total_count_costs_no_count(api: Api, world: World) -> None:
    body = await api.query(
        "query { persons(first: 1) { edges { cursor } ... @skip(if: true) { totalCount } } }",
        api.officer(),
    )
    assert "totalCount" not in body["data"]["persons"]
    assert api.last_statements == 1  # the page only

"""A relative whose record the caller may not see looks exactly like a relative with no record.

Two worlds that differ only there: in one, P's father has a record kept by the Ministry of
Defence (he heads P's household and works beside X); in the other, P's father is recorded by name
and personal ID only (P has no household, X works alone). Every path to a person, asked by every
kind of caller who is not Defence, must give the same answer in both worlds once the worlds' own
identifiers are replaced by placeholders.
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
import pytest

from db.enums import HouseholdRelation, ManagingAuthority, RelativeKind, Sex
from graph.authz.policy import BOOK
from graph.authz.principal import Role
from tests.conftest import empty_tables
from tests.factories import employer as employers
from tests.factories import person as persons
from tests.factories import reference
from tests.factories.consent import consent
from tests.factories.person import insert
from tests.graph.conftest import Api

FATHER_BORN = date(1965, 4, 1)


@dataclass
class World:
    values: dict[str, str]  # placeholder → this world's value
    p: dict[str, Any]
    father_id: str
    household_id: int
    tax_code: str
    facility_code: str


def _world(conn: psycopg.Connection, father: str) -> World:
    """`father`: "defence" (a record the ministry keeps), "absent" (named by ID, no record) or
    "ordinary" (a Finance-managed record, which most callers may not see either)."""
    hidden = father != "absent"
    authority = ManagingAuthority.DEFENCE if father == "defence" else ManagingAuthority.FINANCE
    office = reference.office(conn)
    work = employers.employer(conn, office)
    p = persons.person(conn, full_name="Nguyễn Thị Mai", birth_date=date(1992, 9, 9))
    x = persons.person(conn, full_name="Trần Văn Tú", sex=Sex.MALE, birth_date=date(1980, 2, 2))
    employers.employment(conn, p, work, current=True)
    employers.employment(conn, x, work, current=True)
    if hidden:
        dad = persons.person(
            conn,
            full_name="Nguyễn Văn Sơn",
            sex=Sex.MALE,
            birth_date=FATHER_BORN,
            authority=authority,
        )
        persons.relative(conn, p, RelativeKind.FATHER, linked=dad)
        employers.employment(conn, dad, work, current=True)
        consent(conn, dad, grantee="BYT", groups=tuple(g.value for g in BOOK))
        father_id = dad["identification_number"]
        household = insert(
            conn,
            "household",
            {"household_code": f"{p['id']:012d}", "address": "1 Lý Thái Tổ", "province_code": "01"},
        )
        for member, rel in ((dad, HouseholdRelation.HEAD), (p, HouseholdRelation.CHILD)):
            insert(
                conn,
                "household_member",
                {
                    "person_id": member["id"],
                    "household_id": household["id"],
                    "relation_to_head": rel,
                },
            )
        household_id = household["id"]
    else:
        father_id = persons.unrecorded_id(Sex.MALE, FATHER_BORN.year)
        persons.relative(
            conn,
            p,
            RelativeKind.FATHER,
            full_name="Nguyễn Văn Sơn",
            identification_number=father_id,
        )
        household_id = 10_000_000 + p["id"]  # no such household
    consent(conn, p, grantee="BYT", groups=tuple(g.value for g in BOOK))
    values = {
        "P": p["identification_number"],
        "R": father_id,
        "X": x["identification_number"],
        "H": str(household_id),
        "T": work["tax_code"],
    }
    desk = reference.facility(conn)  # a registered facility: a token's org must be one
    return World(values, p, father_id, household_id, work["tax_code"], desk["code"])


BOOKISH = "identificationNumber fullName sex birthDate { text }"
PATHS = {
    "relatives": f"""query($p: String!) {{ person(identificationNumber: $p) {{ relatives {{
        kind fullName identificationNumber passportNumber person {{ {BOOKISH} }} }} }} }}""",
    "household members": f"""query($p: String!) {{ person(identificationNumber: $p) {{
        household {{ id relationToHead members {{ relationToHead person {{ {BOOKISH} }} }} }} }} }}""",
    "household by id": """query($h: ID!) { household(id: $h) { id members { relationToHead } } }""",
    "household entity": """query($h: _Any!) { _entities(representations: [$h]) {
        ... on Household { id members { relationToHead } } } }""",
    "person": f"""query($r: String!) {{ person(identificationNumber: $r) {{ {BOOKISH} }} }}""",
    "person entity": f"""query($rr: _Any!) {{ _entities(representations: [$rr]) {{
        ... on Person {{ {BOOKISH} }} }} }}""",
    "persons list": f"""query($born: Date!) {{ persons(first: 10, filter: {{
        bornFrom: $born, bornTo: $born, sex: MALE }}) {{
        totalCount pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {BOOKISH} }} }} }} }}""",
    "employees roster": f"""query($t: String!) {{ employer(taxCode: $t) {{ employees(first: 10) {{
        totalCount pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {BOOKISH} }} }} }} }} }}""",
}
CALLERS = ["officer", "agency", "employer", "facility", "the person", "public security"]


def _token(api: Api, who: str, world: World) -> str:
    match who:
        case "officer":
            return api.officer(frozenset(g.value.lower() for g in BOOK))
        case "agency":
            return api.token(Role.PARTNER_AGENCY, "byt-1", org="BYT")
        case "employer":
            return api.token(Role.EMPLOYER, "hr-1", org=world.tax_code)
        case "facility":
            return api.token(Role.HEALTH_FACILITY, "desk-1", org=world.facility_code)
        case "the person":
            return api.citizen(world.p)
        case "public security":
            return api.token(Role.MINISTRY, "bca-1", org="PUBLIC_SECURITY")
    raise AssertionError(who)


def _neutral(body: Any, world: World) -> Any:
    """The answer with this world's identifiers (and cursors, which carry row ids) replaced;
    error messages name no value, so whole strings are compared."""
    if isinstance(body, dict):
        return {
            k: ("cursor" if k in ("cursor", "endCursor") and v else _neutral(v, world))
            for k, v in body.items()
        }
    if isinstance(body, list):
        return [_neutral(v, world) for v in body]
    if isinstance(body, str):
        by_value = {value: placeholder for placeholder, value in world.values.items()}
        return by_value.get(body, body)
    return body


HOUSEHOLD_PATHS = {"household members", "household by id", "household entity"}
# Which world a Defence-managed father must look like, for each caller: one with no record on
# every path, except that P's own household exists for P whoever heads it; so for P the same
# household with an ordinary head (whom P never sees either) is the comparison there.
COMPARISONS = [
    (who, "absent", path)
    for who in CALLERS
    for path in PATHS
    if not (who == "the person" and path in HOUSEHOLD_PATHS)
] + [("the person", "ordinary", path) for path in PATHS]


async def _answer(api: Api, who: str, world: World, path: str) -> Any:
    query = PATHS[path]
    variables = {
        "p": world.p["identification_number"],
        "r": world.father_id,
        "rr": {"__typename": "Person", "identificationNumber": world.father_id},
        "h": str(world.household_id)
        if path == "household by id"
        else {"__typename": "Household", "id": str(world.household_id)},
        "t": world.tax_code,
        "born": FATHER_BORN.isoformat(),
    }
    names = set(re.findall(r"\$(\w+)", query))
    body = await api.query(query, _token(api, who, world), {n: variables[n] for n in names})
    return _neutral(body, world)


@pytest.mark.parametrize("who", CALLERS)
async def test_a_hidden_relative_looks_like_one_without_a_record(
    api: Api, conn: psycopg.Connection, who: str
) -> None:
    answers: dict[tuple[str, str], Any] = {}
    for kind in ("defence", "absent", "ordinary"):  # one world at a time: lists are global
        empty_tables(
            conn, "person, employer, social_insurance_office, household", restart_identity=False
        )
        world = _world(conn, kind)
        for path in PATHS:
            answers[kind, path] = await _answer(api, who, world, path)
    differences = [
        (path, other, answers["defence", path], answers[other, path])
        for caller, other, path in COMPARISONS
        if caller == who and answers["defence", path] != answers[other, path]
    ]
    assert differences == []


async def test_the_relative_is_shown_by_name_and_id_with_no_person(
    api: Api, conn: psycopg.Connection
) -> None:
    world = _world(conn, "defence")
    body = await api.query(
        PATHS["relatives"], _token(api, "officer", world), {"p": world.values["P"]}
    )
    (father,) = body["data"]["person"]["relatives"]
    assert father == {
        "kind": "FATHER",
        "fullName": "Nguyễn Văn Sơn",
        "identificationNumber": world.father_id,
        "passportNumber": None,
        "person": None,
    }
    # The father's ministry reads him.
    defence = api.token(Role.MINISTRY, "bqp-1", org="DEFENCE")
    own = await api.query(PATHS["person"], defence, {"r": world.father_id})
    assert own["data"]["person"]["fullName"] == "Nguyễn Văn Sơn"

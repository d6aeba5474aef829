"""Every path to a person, for every kind of caller: the persons and data groups a response holds
are exactly what the access log wrote for that request (the caller's own data aside).

A response's person is any object with an `identificationNumber`; its groups are the probe fields
(tests/graph/probes.py) that resolved (null without a FORBIDDEN error is a read too, e.g. a
person without a household), plus IDENTITY for the personal ID itself, plus HOUSEHOLD when the
person is listed as a household member.
"""

import uuid
from datetime import date
from typing import Any

import psycopg
import pytest

from db.enums import ManagingAuthority, RelativeKind, Sex
from db.session import Database
from db.urls import libpq_conninfo
from graph.authz.policy import BOOK, Access, DataGroup, Relation
from graph.authz.principal import Principal, Role
from graph.authz.recorder import AccessRecorder
from tests.factories import employer as employers
from tests.factories import person as persons
from tests.factories.book import Book, book
from tests.factories.consent import consent
from tests.graph.conftest import Api
from tests.graph.probes import PROBES, fields

NODE = f"identificationNumber {fields()}"
MEMBERS = f"members {{ relationToHead person {{ {NODE} }} }}"
PATHS: dict[str, str] = {
    "person": f"query($p: String!) {{ person(identificationNumber: $p) {{ {NODE} }} }}",
    "me": f"{{ me {{ {NODE} relatives {{ person {{ {NODE} }} }} household {{ {MEMBERS} }} }} }}",
    "entities": f"""query($p: String!) {{ _entities(representations: [
        {{__typename: "Person", identificationNumber: $p}}]) {{ ... on Person {{ {NODE} }} }} }}""",
    "persons": f"{{ persons(first: 50) {{ edges {{ node {{ {NODE} }} }} }} }}",
    "roster": f"""query($t: String!) {{ employer(taxCode: $t) {{
        employees(first: 50) {{ edges {{ node {{ {NODE} }} }} }} }} }}""",
    "relatives": f"""query($p: String!) {{ person(identificationNumber: $p) {{
        identificationNumber relatives {{ kind person {{ {NODE} }} }} }} }}""",
    "person's household": f"""query($p: String!) {{ person(identificationNumber: $p) {{
        identificationNumber household {{ address {MEMBERS} }} }} }}""",
    "household": f"query($h: ID!) {{ household(id: $h) {{ address {MEMBERS} }} }}",
    "household entity": f"""query($h: ID!) {{ _entities(representations: [
        {{__typename: "Household", id: $h}}]) {{ ... on Household {{ address {MEMBERS} }} }} }}""",
}
CALLERS = [
    "officer",
    "officer, medical only",
    "agency",
    "current employer",
    "facility",
    "the person",
    "representative",
    "defence",
    "auditor",
]


def _world(api: Api, conn: psycopg.Connection) -> tuple[Book, dict[str, str], dict[str, Any]]:
    """A's book (spouse linked, household with the spouse as head), a Defence-managed person
    employed beside A, and a token per caller."""
    a = book(conn, periods=4, ongoing=True)
    current = a.employers[1]  # period i goes to employers[i % 2]; the last is ongoing
    soldier = persons.person(
        conn,
        full_name="Đặng Văn Quân",
        sex=Sex.MALE,
        birth_date=date(1980, 1, 1),
        authority=ManagingAuthority.DEFENCE,
    )
    employers.employment(conn, soldier, current, current=True)
    rep = persons.person(conn, full_name="Phạm Văn Rạng", sex=Sex.MALE, birth_date=date(1955, 1, 1))
    persons.relative(conn, a.person, RelativeKind.LEGAL_REPRESENTATIVE, linked=rep)
    consent(conn, a.person, grantee="BYT", groups=("IDENTITY", "HOUSEHOLD", "RELATIVES"))
    spouse = conn.execute(
        "SELECT p.id, p.identification_number FROM relative r JOIN person p"
        " ON p.id = r.relative_person_id WHERE r.person_id = %s AND r.kind = 'SPOUSE'",
        (a.person["id"],),
    ).fetchone()
    assert spouse is not None
    consent(conn, {"id": spouse[0], "identification_number": spouse[1]}, groups=("IDENTITY",))
    facility = conn.execute("SELECT facility_code FROM medical_visit LIMIT 1").fetchone()[0]  # type: ignore[index]
    tokens = {
        "officer": api.officer(frozenset(g.value.lower() for g in BOOK)),
        "officer, medical only": api.officer(frozenset({"medical"})),
        "agency": api.token(Role.PARTNER_AGENCY, "byt-1", org="BYT"),
        "current employer": api.token(Role.EMPLOYER, "hr-1", org=current["tax_code"]),
        "facility": api.token(Role.HEALTH_FACILITY, "desk-1", org=facility),
        "the person": api.citizen(a.person),
        "representative": api.citizen(rep),
        "defence": api.token(Role.MINISTRY, "bqp-1", org="DEFENCE"),
        "auditor": api.token(Role.AUDITOR, "audit-1"),
    }
    variables = {
        "rep": rep["identification_number"],
        "p": a.person["identification_number"],
        "t": current["tax_code"],
        "h": str(a.household_id),
    }
    return a, tokens, variables


def _forbidden_paths(errors: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {tuple(e["path"]) for e in errors if e["extensions"].get("code") == "FORBIDDEN"}


def _returned(body: dict[str, Any]) -> dict[str, set[str]]:
    """personal ID → the groups the response holds of that person."""
    forbidden = _forbidden_paths(body.get("errors", []))
    found: dict[str, set[str]] = {}

    def walk(value: Any, path: tuple[Any, ...], member: bool) -> None:
        if isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, (*path, i), False)
            return
        if not isinstance(value, dict):
            return
        if "identificationNumber" in value:
            groups = found.setdefault(value["identificationNumber"], {"IDENTITY"})
            groups |= {
                g for g in PROBES if g.lower() in value and (*path, g.lower()) not in forbidden
            }
            if member:
                groups.add("HOUSEHOLD")
        for key, item in value.items():
            walk(item, (*path, key), key == "person" and "relationToHead" in value)

    walk(body.get("data"), (), False)
    return found


@pytest.mark.parametrize("who", CALLERS)
async def test_every_person_a_response_holds_is_in_the_access_log(
    api: Api, conn: psycopg.Connection, who: str
) -> None:
    _, tokens, variables = _world(api, conn)
    mismatches = []
    for path, query in PATHS.items():
        request_id = uuid.uuid4().hex
        used = {k: v for k, v in variables.items() if f"${k}" in query}
        response = await api.client.post(
            "/graphql",
            json={"query": query, "variables": used},
            headers={"Authorization": f"Bearer {tokens[who]}", "X-Request-ID": request_id},
        )
        body = response.json()
        assert not [
            e for e in body.get("errors", []) if e["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        ], (path, body)
        returned = _returned(body)
        own = {"the person": variables["p"], "representative": variables["rep"]}.get(who)
        returned.pop(own or "", None)  # reads of one's own data are not logged
        logged = {
            row[0]: set(row[1])
            for row in conn.execute(
                "SELECT p.identification_number, l.data_groups, l.grounds FROM access_log l"
                " JOIN person p ON p.id = l.person_id WHERE l.request_id = %s",
                (request_id,),
            ).fetchall()
        }
        grounds = conn.execute(
            "SELECT count(*) FROM access_log WHERE request_id = %s AND cardinality(grounds) = 0",
            (request_id,),
        ).fetchone()[0]  # type: ignore[index]
        if logged != returned or grounds:
            mismatches.append((path, returned, logged))
    assert mismatches == []


async def test_a_list_of_fifty_is_one_insert(api: Api, conn: psycopg.Connection) -> None:
    for _ in range(3):
        book(conn)
    query = "{ persons(first: 50) { edges { node { identificationNumber } } } }"
    body = await api.query(query, api.officer())
    assert len(body["data"]["persons"]["edges"]) == 6  # holders and spouses
    assert api.last_statements == 2  # the page, and one insert for all of them
    (n,) = conn.execute("SELECT count(*) FROM access_log").fetchone()  # type: ignore[misc]
    assert n == 6


@pytest.mark.parametrize(
    "org", ["0101234567,consent:999", 'BYT","consent:1', "A}B{C", "x,y,z", "'; DROP TABLE person"]
)
async def test_grounds_are_values_no_character_can_split(
    database_url: str, conn: psycopg.Connection, org: str
) -> None:
    """The organisation claim goes straight into the recorder, with no validation in front."""
    someone = persons.person(conn)
    principal = Principal(role=Role.EMPLOYER, subject="hr,1", org=org)
    recorder = AccessRecorder(principal=principal, request_id="req-grounds")
    access = Access(
        relation=Relation.EMPLOYEE,
        groups=frozenset({DataGroup.IDENTITY}),
        grounds=(f"employment:{org}", "second,ground"),
        employer_id=1,
    )
    reads = recorder.operation()
    reads.note(someone["id"], DataGroup.IDENTITY, access, "Read")
    reads.note(someone["id"], DataGroup.SOCIAL_INSURANCE, access, "Read")
    reads.settle(set())  # nothing nulled: both reads left in the response
    database = Database(libpq_conninfo(database_url), min_size=1, max_size=1)
    await database.open()
    try:
        async with database.reader() as reader:
            await recorder.flush(reader)
    finally:
        await database.close()
    rows = conn.execute(
        "SELECT data_groups, grounds, actor_org, actor_subject FROM access_log"
    ).fetchall()
    assert rows == [
        (["IDENTITY", "SOCIAL_INSURANCE"], [f"employment:{org}", "second,ground"], org, "hr,1")
    ]

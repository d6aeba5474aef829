"""Who sees which book (the full policy matrix is the next issue's; these are its foundations)."""

from datetime import date

import psycopg

from db.enums import ManagingAuthority
from graph.authz.principal import Role
from tests.factories.book import book
from tests.graph.conftest import Api

PERSON = "query($id: String!) { person(identificationNumber: $id) { fullName medicalVisits(first: 5) { totalCount } } }"


async def test_citizen_sees_only_their_own_book(api: Api, conn: psycopg.Connection) -> None:
    mine, theirs = book(conn), book(conn)
    body = await api.query(
        PERSON, api.citizen(mine.person), {"id": theirs.person["identification_number"]}
    )
    assert body["data"] == {"person": None}
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_officer_reads_by_scope_and_medical_needs_its_own(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn, visits=3)
    body = await api.query(PERSON, api.officer(), {"id": b.person["identification_number"]})
    assert body["data"]["person"] == {"fullName": "Nguyễn Thị Lan", "medicalVisits": None}
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "FORBIDDEN", "dataGroup": "MEDICAL"}
    assert error["path"] == ["person", "medicalVisits"]

    with_medical = api.officer(frozenset({"identity", "medical"}))
    body = await api.query(PERSON, with_medical, {"id": b.person["identification_number"]})
    assert body["data"]["person"]["medicalVisits"] == {"totalCount": 3}


async def test_ministry_managed_persons_do_not_exist_for_officers(
    api: Api, conn: psycopg.Connection
) -> None:
    secret = book(conn, authority=ManagingAuthority.DEFENCE, birth_date=date(1990, 1, 1))
    book(conn)
    officer = api.officer()
    body = await api.query(PERSON, officer, {"id": secret.person["identification_number"]})
    assert body["data"] == {"person": None}
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    body = await api.query(
        "{ persons(first: 10) { totalCount edges { node { identificationNumber } } } }", officer
    )
    ids = [e["node"]["identificationNumber"] for e in body["data"]["persons"]["edges"]]
    assert secret.person["identification_number"] not in ids
    # Two persons per book (holder and spouse); the secret book's spouse is a Finance person.
    assert body["data"]["persons"]["totalCount"] == len(ids) == 3

    ministry = api.token(Role.MINISTRY, "bqp-1", org="DEFENCE")
    body = await api.query(PERSON, ministry, {"id": secret.person["identification_number"]})
    assert body["data"]["person"]["fullName"] == "Nguyễn Thị Lan"
    # ...and the person themself.
    body = await api.query("{ me { fullName } }", api.citizen(secret.person))
    assert body["data"]["me"] == {"fullName": "Nguyễn Thị Lan"}


async def test_entities_hide_secret_persons(api: Api, conn: psycopg.Connection) -> None:
    secret = book(conn, authority=ManagingAuthority.PUBLIC_SECURITY)
    reps = [
        {"__typename": "Person", "identificationNumber": secret.person["identification_number"]}
    ]
    body = await api.query(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { fullName } } }",
        api.officer(),
        {"r": reps},
    )
    assert body["data"]["_entities"] == [None]

"""updateContact: the person (or their legal representative) changes their contact details, naming
the version they read; omitted fields stay, null clears."""

import asyncio
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from graph.authz.principal import Role
from tests.factories import person as persons
from tests.graph.conftest import Api
from tests.graph.mutations.cast import CALLERS, cast, change_log_rows, outcome

OPERATIONS = Path(__file__).resolve().parents[3] / "examples" / "operations"
UPDATE = (OPERATIONS / "update_contact.graphql").read_text()
CHANGES = """{ me { changeLog { edges { node {
  operation action record recordId before after grounds actorRole actorSubject
} } } } }"""
BOOK = """query($id: String!) { person(identificationNumber: $id) {
  fullName contact { phone email address version } } }"""


def _row(conn: psycopg.Connection, person: dict[str, Any]) -> tuple[Any, ...]:
    row = conn.execute(
        "SELECT phone, email, contact_address, version FROM person WHERE id = %s", [person["id"]]
    ).fetchone()
    assert row is not None
    return tuple(row)


async def _update(
    api: Api, token: str | None, key: str | None = None, **input: Any
) -> dict[str, Any]:
    variables: dict[str, Any] = {"input": {"expectedVersion": 1, **input}}
    if key is not None:
        variables["idempotencyKey"] = key
    return await api.query(UPDATE, token, variables)


async def test_only_the_fields_sent_change_and_null_clears(
    api: Api, conn: psycopg.Connection
) -> None:
    p = persons.person(conn)
    citizen = api.citizen(p)

    first = await _update(api, citizen, phone=" 0912345678 ")
    assert "errors" not in first, first
    assert first["data"]["updateContact"]["contact"] == {
        "phone": "0912345678",
        "email": p["email"],
        "address": "12 Phố Huế, Hà Nội",
        "version": 2,
    }

    second = await _update(
        api, citizen, expectedVersion=2, email=None, address="  5  Lý Thái Tổ,\tHà Nội "
    )
    assert second["data"]["updateContact"]["contact"] == {
        "phone": "0912345678",
        "email": None,
        "address": "5 Lý Thái Tổ, Hà Nội",
        "version": 3,
    }
    assert _row(conn, p) == ("0912345678", None, "5 Lý Thái Tổ, Hà Nội", 3)

    cleared = await _update(api, citizen, expectedVersion=3, phone=None, address=None)
    assert cleared["data"]["updateContact"]["contact"] == {
        "phone": None,
        "email": None,
        "address": None,
        "version": 4,
    }


@pytest.mark.parametrize(
    ("input", "argument"),
    [
        ({"phone": "912345678"}, "input.phone"),
        ({"phone": "09123456789"}, "input.phone"),
        ({"phone": "091-234-567"}, "input.phone"),
        ({"phone": ""}, "input.phone"),
        ({"email": "no-at-sign.vn"}, "input.email"),
        ({"email": "two words@example.vn"}, "input.email"),
        ({"email": "a@b@c.vn"}, "input.email"),
        ({"email": "x" * 245 + "@example.vn"}, "input.email"),
        ({"address": "   "}, "input.address"),
        ({"address": "x" * 301}, "input.address"),
        ({}, "input"),
        ({"phone": "0912345678", "expectedVersion": 0}, "input.expectedVersion"),
        ({"phone": "0912345678", "person": "12"}, "input.person"),
    ],
)
async def test_bad_input_names_the_field_and_changes_nothing(
    api: Api, conn: psycopg.Connection, input: dict[str, Any], argument: str
) -> None:
    p = persons.person(conn)
    before, logged = _row(conn, p), change_log_rows(conn)
    body = await _update(api, api.citizen(p), **input)
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}
    assert (_row(conn, p), change_log_rows(conn)) == (before, logged)


async def test_a_stale_version_is_a_conflict_with_the_current_one(
    api: Api, conn: psycopg.Connection
) -> None:
    p = persons.person(conn)
    citizen = api.citizen(p)
    assert "errors" not in await _update(api, citizen, phone="0911111111")
    stale = await _update(api, citizen, phone="0922222222")
    assert stale["data"] is None
    (error,) = stale["errors"]
    assert error["extensions"] == {"code": "CONFLICT", "currentVersion": 2}
    assert _row(conn, p)[0::3] == ("0911111111", 2)
    # Read again, then the change goes through.
    again = await _update(api, citizen, expectedVersion=2, phone="0922222222")
    assert again["data"]["updateContact"]["contact"]["version"] == 3


async def test_concurrent_writers_of_one_version_exactly_one_wins(
    api: Api, conn: psycopg.Connection
) -> None:
    p = persons.person(conn)
    citizen = api.citizen(p)
    logged = change_log_rows(conn)
    phones = [f"09{i:08d}" for i in range(6)]
    bodies = await asyncio.gather(*(_update(api, citizen, phone=ph) for ph in phones))
    outcomes = [outcome(b) for b in bodies]
    assert sorted(outcomes) == ["CONFLICT"] * 5 + ["OK"]
    winner = phones[outcomes.index("OK")]
    for body in bodies:
        if outcome(body) == "CONFLICT":
            assert body["errors"][0]["extensions"]["currentVersion"] == 2
    assert _row(conn, p)[0::3] == (winner, 2)
    assert change_log_rows(conn) == logged + 1


async def test_the_change_log_records_the_changed_fields(
    api: Api, conn: psycopg.Connection
) -> None:
    c = cast(conn)
    old_phone, old_email = c.target["phone"], c.target["email"]
    own = await _update(api, api.citizen(c.target), phone="0912345678")
    assert "errors" not in own, own
    rep = await _update(
        api,
        api.citizen(c.representative),
        expectedVersion=2,
        person=c.target["identification_number"],
        email="me@example.vn",
    )
    assert "errors" not in rep, rep

    body = await api.query(CHANGES, api.citizen(c.target))
    nodes = [e["node"] for e in body["data"]["me"]["changeLog"]["edges"]]
    assert nodes == [  # newest first
        {
            "operation": "updateContact",
            "action": "UPDATE",
            "record": "person",
            "recordId": str(c.target["id"]),
            "before": {"email": old_email, "version": 2},
            "after": {"email": "me@example.vn", "version": 3},
            "grounds": ["represented"],
            "actorRole": "CITIZEN",
            "actorSubject": c.representative["identification_number"],
        },
        {
            "operation": "updateContact",
            "action": "UPDATE",
            "record": "person",
            "recordId": str(c.target["id"]),
            "before": {"phone": old_phone, "version": 1},
            "after": {"phone": "0912345678", "version": 2},
            "grounds": ["self"],
            "actorRole": "CITIZEN",
            "actorSubject": c.target["identification_number"],
        },
    ]


async def test_a_retry_with_the_same_key_writes_once(api: Api, conn: psycopg.Connection) -> None:
    p = persons.person(conn)
    citizen, key = api.citizen(p), str(uuid.uuid4())
    logged = change_log_rows(conn)
    first = await _update(api, citizen, key, phone="0912345678")
    again = await _update(api, citizen, key, phone="0912345678")
    assert "errors" not in first, first
    assert again == first
    assert _row(conn, p)[3] == 2  # one update
    assert change_log_rows(conn) == logged + 1

    other = await _update(api, citizen, key, phone="0987654321")
    assert other["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "argument": "idempotencyKey",
    }
    assert _row(conn, p)[0::3] == ("0912345678", 2)


async def test_the_book_shows_the_new_details_at_once(api: Api, conn: psycopg.Connection) -> None:
    c = cast(conn)
    officer = api.token(Role.OFFICER, "officer-1", scopes=["contact", "identity"])
    ident = {"id": c.target["identification_number"]}
    before = await api.query(BOOK, officer, ident)
    assert before["data"]["person"]["contact"]["version"] == 1
    await _update(api, api.citizen(c.target), phone="0912345678", email=None)
    after = await api.query(BOOK, officer, ident)
    assert after["data"]["person"]["contact"] == {
        "phone": "0912345678",
        "email": None,
        "address": "12 Phố Huế, Hà Nội",
        "version": 2,
    }
    me = await api.query("{ me { contact { phone version } } }", api.citizen(c.target))
    assert me["data"]["me"]["contact"] == {"phone": "0912345678", "version": 2}


# Who may change the target's contact details, naming the target (`person`), and the defence-
# managed person's. Citizens other than the person and their representative, and every
# organisation, may not: FORBIDDEN when they can read the person, NOT_FOUND when they cannot.
TARGET = {
    "anonymous": "UNAUTHENTICATED",
    "citizen self": "OK",
    "citizen representative": "OK",
    "citizen stranger": "NOT_FOUND",
    "citizen managed by defence": "NOT_FOUND",
    "employer current": "FORBIDDEN",
    "employer unrelated": "NOT_FOUND",
    "health facility": "FORBIDDEN",
    "officer social and unemployment": "FORBIDDEN",
    "officer every scope": "FORBIDDEN",
    "officer identity only": "FORBIDDEN",
    "agency with consent": "FORBIDDEN",
    "agency without consent": "NOT_FOUND",
    "ministry defence": "NOT_FOUND",
    "auditor": "FORBIDDEN",
}
DEFENCE = {
    "citizen managed by defence": "OK",
    "citizen self": "NOT_FOUND",
    "officer every scope": "NOT_FOUND",
    "employer current": "NOT_FOUND",
    "ministry defence": "FORBIDDEN",
    "auditor": "NOT_FOUND",
}


@pytest.mark.parametrize(
    ("whose", "caller", "expected"),
    [("target", c, e) for c, e in TARGET.items()] + [("defence", c, e) for c, e in DEFENCE.items()],
)
async def test_who_may_change_contact_details(
    api: Api, conn: psycopg.Connection, whose: str, caller: str, expected: str
) -> None:
    c = cast(conn)
    person = c.target if whose == "target" else c.defence
    before = _row(conn, person)
    body = await _update(
        api, CALLERS[caller](api, c), person=person["identification_number"], phone="0912345678"
    )
    assert outcome(body) == expected, body
    if expected == "OK":
        assert _row(conn, person)[0::3] == ("0912345678", 2)
    else:
        assert body.get("data") is None  # anonymous: refused before execution
        assert _row(conn, person) == before


async def test_own_details_without_naming_the_person(api: Api, conn: psycopg.Connection) -> None:
    c = cast(conn)
    body = await _update(api, api.citizen(c.defence), phone="0912345678")
    assert (
        body["data"]["updateContact"]["identificationNumber"]
        == (c.defence["identification_number"])
    )
    # An organisation has no details of its own to change.
    employer = CALLERS["employer current"](api, c)
    assert outcome(await _update(api, employer, phone="0912345678")) == "FORBIDDEN"
    assert _row(conn, c.target)[3] == 1

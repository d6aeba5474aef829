"""The write path (graph/writes.py) through its reference mutations, grantConsent and
revokeConsent: exactly once per key, keys per caller, nothing kept of a failed write, the change
log written with the change and readable by the person and auditors only."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from joserfc.jwk import ECKey

from db.enums import ManagingAuthority
from graph.authz.principal import Role
from tests.factories import person as persons
from tests.factories.book import book
from tests.graph.conftest import Api, serving

GRANT = """mutation($input: GrantConsentInput!, $idempotencyKey: String!) {
  grantConsent(input: $input, idempotencyKey: $idempotencyKey) { id grantee { code } purpose }
}"""
REVOKE = """mutation($id: ID!, $idempotencyKey: String!) {
  revokeConsent(id: $id, idempotencyKey: $idempotencyKey) { id active }
}"""
CHANGES = """query($id: String!) { person(identificationNumber: $id) {
  changeLog { totalCount edges { node {
    operation action record recordId actorRole actorSubject actorOrganisation grounds before after
  } } } } }"""
MY_CHANGES = """{ me { changeLog { edges { node { operation action record after } } } } }"""


def _input(purpose: str = "Giám định") -> dict[str, Any]:
    until = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()
    return {
        "grantee": "BYT",
        "dataGroups": ["HEALTH_INSURANCE"],
        "purpose": purpose,
        "validUntil": until,
    }


def _count(conn: psycopg.Connection, table: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def _code(body: dict[str, Any]) -> tuple[str, str | None]:
    (error,) = body["errors"]
    return error["extensions"]["code"], error["extensions"].get("argument")


async def test_the_same_key_and_input_write_once_and_answer_alike(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn)
    citizen, variables = api.citizen(b.person), {"input": _input(), "idempotencyKey": "k-1"}
    first = await api.query(GRANT, citizen, variables)
    again = await api.query(GRANT, citizen, variables)
    assert "errors" not in first, first
    assert again == first
    assert _count(conn, "consent") == 1
    assert conn.execute(
        "SELECT count(*) FROM change_log WHERE operation = 'grantConsent'"
    ).fetchone() == (1,)


async def test_a_retry_after_a_restart_is_answered_from_the_record(
    runtime_url: str, dev_key: ECKey, conn: psycopg.Connection
) -> None:
    """The first attempt's response was lost (the process went away): a new process answers
    the retry from the database."""
    b = book(conn)
    variables = {"input": _input(), "idempotencyKey": "lost-response"}
    answers = []
    for _ in range(2):
        async with serving(runtime_url, dev_key) as api:
            answers.append(await api.query(GRANT, api.citizen(b.person), variables))
    assert "errors" not in answers[0]
    assert answers[1] == answers[0]
    assert _count(conn, "consent") == 1


@pytest.mark.parametrize(
    "second",
    [
        pytest.param({"input": _input("Khác")}, id="other input"),
        pytest.param({"input": {**_input(), "dataGroups": ["IDENTITY"]}}, id="other groups"),
    ],
)
async def test_the_same_key_with_other_input_is_refused_and_changes_nothing(
    api: Api, conn: psycopg.Connection, second: dict[str, Any]
) -> None:
    b = book(conn)
    citizen = api.citizen(b.person)
    assert "errors" not in await api.query(
        GRANT, citizen, {"input": _input(), "idempotencyKey": "k"}
    )
    before = (_count(conn, "consent"), _count(conn, "change_log"))
    body = await api.query(GRANT, citizen, {**second, "idempotencyKey": "k"})
    assert body["data"] is None
    assert _code(body) == ("BAD_USER_INPUT", "idempotencyKey")
    assert (_count(conn, "consent"), _count(conn, "change_log")) == before


async def test_a_key_used_for_another_mutation_is_refused(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn)
    citizen = api.citizen(b.person)
    granted = await api.query(GRANT, citizen, {"input": _input(), "idempotencyKey": "one"})
    consent_id = granted["data"]["grantConsent"]["id"]
    body = await api.query(REVOKE, citizen, {"id": consent_id, "idempotencyKey": "one"})
    assert _code(body) == ("BAD_USER_INPUT", "idempotencyKey")
    assert conn.execute("SELECT revoked_at FROM consent").fetchone() == (None,)


async def test_keys_belong_to_their_caller(api: Api, conn: psycopg.Connection) -> None:
    first, second = book(conn), book(conn)
    variables = {"input": _input(), "idempotencyKey": "shared-key"}
    for b in (first, second):
        assert "errors" not in await api.query(GRANT, api.citizen(b.person), variables)
    assert _count(conn, "consent") == 2


@pytest.mark.parametrize("key", ["", "with space", "x" * 201, "tab\there", "ý"])
async def test_a_malformed_key_is_bad_input(api: Api, conn: psycopg.Connection, key: str) -> None:
    b = book(conn)
    body = await api.query(GRANT, api.citizen(b.person), {"input": _input(), "idempotencyKey": key})
    assert body["data"] is None
    assert _code(body) == ("BAD_USER_INPUT", "idempotencyKey")
    assert (_count(conn, "consent"), _count(conn, "idempotency_record")) == (0, 0)


async def test_a_failed_write_keeps_nothing_so_the_key_can_be_retried(
    api: Api, conn: psycopg.Connection
) -> None:
    """The sixth active consent to one agency fails inside the unit of work; after one is
    revoked, the same key with the same input succeeds."""
    b = book(conn)
    citizen = api.citizen(b.person)
    ids = []
    for i in range(5):
        body = await api.query(GRANT, citizen, {"input": _input(), "idempotencyKey": f"g{i}"})
        ids.append(body["data"]["grantConsent"]["id"])
    over = {"input": _input(), "idempotencyKey": "sixth"}
    refused = await api.query(GRANT, citizen, over)
    assert _code(refused) == ("BAD_USER_INPUT", "input.grantee")
    assert conn.execute(
        "SELECT count(*) FROM idempotency_record WHERE key = 'sixth'"
    ).fetchone() == (0,)
    assert "errors" not in await api.query(REVOKE, citizen, {"id": ids[0]})
    assert "errors" not in await api.query(GRANT, citizen, over)
    assert _count(conn, "consent") == 6


async def test_concurrent_attempts_under_one_key_write_once(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn)
    variables = {"input": _input(), "idempotencyKey": "racing"}
    bodies = await asyncio.gather(
        *(api.query(GRANT, api.citizen(b.person), variables) for _ in range(6))
    )
    assert all("errors" not in body for body in bodies), bodies
    assert len({body["data"]["grantConsent"]["id"] for body in bodies}) == 1
    assert _count(conn, "consent") == 1


async def test_an_expired_key_is_a_new_key(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn)
    citizen = api.citizen(b.person)
    await api.query(GRANT, citizen, {"input": _input(), "idempotencyKey": "old"})
    conn.execute("UPDATE idempotency_record SET expires_at = now() - interval '1 second'")
    body = await api.query(GRANT, citizen, {"input": _input("Khác"), "idempotencyKey": "old"})
    assert "errors" not in body, body
    assert _count(conn, "consent") == 2
    assert conn.execute(
        "SELECT count(*) FROM idempotency_record WHERE expires_at > now()"
    ).fetchone() == (1,)


async def test_expired_records_are_purged_by_later_writes(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn)
    citizen = api.citizen(b.person)
    for i in range(3):
        await api.query(GRANT, citizen, {"input": _input(), "idempotencyKey": f"p{i}"})
    conn.execute("UPDATE idempotency_record SET expires_at = now() - interval '1 second'")
    await api.query(GRANT, citizen, {"input": _input(), "idempotencyKey": "fresh"})
    keys = [r[0] for r in conn.execute("SELECT key FROM idempotency_record").fetchall()]
    assert keys == ["fresh"]


async def test_revoking_twice_is_a_conflict_that_says_when(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn)
    citizen = api.citizen(b.person)
    granted = await api.query(GRANT, citizen, {"input": _input()})
    consent_id = granted["data"]["grantConsent"]["id"]
    assert "errors" not in await api.query(REVOKE, citizen, {"id": consent_id})
    (revoked_at,) = conn.execute("SELECT revoked_at FROM consent").fetchone()  # type: ignore[misc]
    again = await api.query(REVOKE, citizen, {"id": consent_id})
    (error,) = again["errors"]
    assert error["extensions"] == {"code": "CONFLICT", "revokedAt": revoked_at.isoformat()}
    assert conn.execute("SELECT revoked_at FROM consent").fetchone() == (revoked_at,)


async def test_the_change_log_records_who_what_and_why(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn)
    ident = b.person["identification_number"]
    citizen = api.citizen(b.person)
    granted = await api.query(GRANT, citizen, {"input": _input()})
    consent_id = granted["data"]["grantConsent"]["id"]
    await api.query(REVOKE, citizen, {"id": consent_id})

    mine = await api.query(MY_CHANGES, citizen)
    entries = [e["node"] for e in mine["data"]["me"]["changeLog"]["edges"]]
    assert [(e["operation"], e["action"], e["record"]) for e in entries] == [
        ("revokeConsent", "UPDATE", "consent"),
        ("grantConsent", "INSERT", "consent"),
    ]
    assert entries[1]["after"]["purpose"] == "Giám định"
    assert "person_id" not in entries[1]["after"]

    auditor = await api.query(CHANGES, api.token(Role.AUDITOR, "audit-1"), {"id": ident})
    (revoke, grant) = [e["node"] for e in auditor["data"]["person"]["changeLog"]["edges"]]
    assert (revoke["actorRole"], revoke["actorSubject"], revoke["grounds"]) == (
        "CITIZEN",
        ident,
        ["self"],
    )
    assert set(revoke["before"]) == {"revoked_at"} and revoke["after"]["revoked_at"]
    assert grant["recordId"] == consent_id


@pytest.mark.parametrize(
    "who",
    ["officer", "agency", "employer", "stranger"],
)
async def test_only_the_person_their_representative_and_auditors_read_the_change_log(
    api: Api, conn: psycopg.Connection, who: str
) -> None:
    b = book(conn)
    await api.query(GRANT, api.citizen(b.person), {"input": _input()})
    stranger = persons.person(conn)
    token = {
        "officer": api.officer(frozenset({"identity", "social_insurance", "health_insurance"})),
        "agency": api.token(Role.PARTNER_AGENCY, "byt", org="BYT"),
        "employer": api.token(Role.EMPLOYER, "hr", org=b.employers[-1]["tax_code"]),
        "stranger": api.citizen(stranger),
    }[who]
    body = await api.query(CHANGES, token, {"id": b.person["identification_number"]})
    person = body["data"]["person"]
    assert person is None or person["changeLog"] is None
    assert body["errors"][0]["extensions"]["code"] in {"FORBIDDEN", "NOT_FOUND"}


async def test_a_ministry_managed_persons_consent_is_written_and_logged_for_them_alone(
    api: Api, conn: psycopg.Connection
) -> None:
    secret = book(conn, authority=ManagingAuthority.DEFENCE)
    citizen = api.citizen(secret.person)
    assert "errors" not in await api.query(GRANT, citizen, {"input": _input()})
    mine = await api.query(MY_CHANGES, citizen)
    assert len(mine["data"]["me"]["changeLog"]["edges"]) == 1
    auditor = await api.query(
        CHANGES, api.token(Role.AUDITOR, "audit-1"), {"id": secret.person["identification_number"]}
    )
    assert auditor["data"]["person"] is None


@pytest.fixture
def stricter_consent(conn: psycopg.Connection) -> Any:
    """A rule the database holds and the API does not know (yet): what a gap between the
    validators and the constraints looks like to a caller."""
    conn.execute(
        "ALTER TABLE consent ADD CONSTRAINT consent_purpose_not_test CHECK (purpose <> 'test')"
    )
    yield
    conn.execute("ALTER TABLE consent DROP CONSTRAINT consent_purpose_not_test")


async def test_what_only_the_database_refuses_is_bad_input_and_changes_nothing(
    api: Api, conn: psycopg.Connection, stricter_consent: Any
) -> None:
    b = book(conn)
    body = await api.query(
        GRANT, api.citizen(b.person), {"input": _input("test"), "idempotencyKey": "db-refuses"}
    )
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "argument": "input",
        "constraint": "consent_purpose_not_test",
    }
    assert (_count(conn, "consent"), _count(conn, "idempotency_record")) == (0, 0)

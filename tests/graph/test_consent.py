"""Consent: granted and revoked by the person (or their representative), effective at once."""

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from db.enums import RelativeKind
from graph.authz.principal import Role
from tests.factories import person as persons
from tests.factories.book import book
from tests.factories.consent import consent
from tests.graph.conftest import Api

GRANT = """mutation($input: GrantConsentInput!, $idempotencyKey: String!) {
  grantConsent(input: $input, idempotencyKey: $idempotencyKey) { id grantee { code name } dataGroups purpose active grantedBy }
}"""
REVOKE = "mutation($id: ID!, $idempotencyKey: String!) { revokeConsent(id: $id, idempotencyKey: $idempotencyKey) { id active revokedAt } }"
READ = """query($id: String!) { person(identificationNumber: $id) {
  fullName healthInsurance { currentCard { status } } socialInsurance { bhxhCode } } }"""


def _in(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def _grant_input(**overrides: object) -> dict[str, object]:
    return {
        "grantee": "BYT",
        "dataGroups": ["HEALTH_INSURANCE"],
        "purpose": "Thanh toán chi phí khám chữa bệnh",
        "validUntil": _in(30),
        **overrides,
    }


def _consent_count(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM consent").fetchone()
    assert row is not None
    return int(row[0])


async def test_agency_reads_exactly_the_consented_groups_from_grant_to_revocation(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn)
    citizen, agency = api.citizen(b.person), api.token(Role.PARTNER_AGENCY, "byt-user", org="BYT")
    ident = {"id": b.person["identification_number"]}

    before = await api.query(READ, agency, ident)
    assert before["data"] == {"person": None}
    assert before["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    granted = await api.query(GRANT, citizen, {"input": _grant_input()})
    assert "errors" not in granted, granted
    c = granted["data"]["grantConsent"]
    assert c["grantee"] == {"code": "BYT", "name": "Bộ Y tế"}
    assert (c["dataGroups"], c["active"], c["grantedBy"]) == (
        ["HEALTH_INSURANCE"],
        True,
        b.person["identification_number"],
    )

    during = await api.query(READ, agency, ident)
    assert during["data"]["person"] == {
        "fullName": None,
        "healthInsurance": {"currentCard": {"status": "ACTIVE"}},
        "socialInsurance": None,
    }
    assert sorted(e["extensions"]["dataGroup"] for e in during["errors"]) == [
        "IDENTITY",
        "SOCIAL_INSURANCE",
    ]
    assert {e["extensions"]["code"] for e in during["errors"]} == {"FORBIDDEN"}

    revoked = await api.query(REVOKE, citizen, {"id": c["id"]})
    assert revoked["data"]["revokeConsent"]["active"] is False
    after = await api.query(READ, agency, ident)
    assert after["data"] == {"person": None}

    listed = await api.query("{ me { consents { id active } } }", citizen)
    assert listed["data"]["me"]["consents"] == [{"id": c["id"], "active": False}]


async def test_expired_and_revoked_consents_grant_nothing(
    api: Api, conn: psycopg.Connection
) -> None:
    expired, revoked = book(conn), book(conn)
    consent(conn, expired.person, expired=True)
    consent(conn, revoked.person, revoked=True)
    agency = api.token(Role.PARTNER_AGENCY, "byt-user", org="BYT")
    for b in (expired, revoked):
        body = await api.query(READ, agency, {"id": b.person["identification_number"]})
        assert body["data"] == {"person": None}


async def test_consent_to_another_agency_does_not_leak(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn)
    consent(conn, b.person, grantee="BNV", groups=("IDENTITY",))
    body = await api.query(
        READ,
        api.token(Role.PARTNER_AGENCY, "u", org="BYT"),
        {"id": b.person["identification_number"]},
    )
    assert body["data"] == {"person": None}


@pytest.mark.parametrize(
    ("overrides", "argument"),
    [
        ({"grantee": "NOPE"}, "input.grantee"),
        ({"dataGroups": []}, "input.dataGroups"),
        ({"dataGroups": ["ACCESS_LOG"]}, "input.dataGroups"),
        ({"validUntil": _in(-1)}, "input.validUntil"),
        ({"validUntil": _in(6 * 366)}, "input.validUntil"),
        ({"purpose": "   "}, "input.purpose"),
        ({"person": "12"}, "input.person"),
    ],
)
async def test_bad_grants_change_nothing(
    api: Api, conn: psycopg.Connection, overrides: dict[str, object], argument: str
) -> None:
    b = book(conn)
    body = await api.query(GRANT, api.citizen(b.person), {"input": _grant_input(**overrides)})
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}
    assert _consent_count(conn) == 0


async def test_someone_elses_consent_is_not_found(api: Api, conn: psycopg.Connection) -> None:
    mine, theirs = book(conn), book(conn)
    theirs_consent = consent(conn, theirs.person)
    revoke = await api.query(REVOKE, api.citizen(mine.person), {"id": str(theirs_consent["id"])})
    assert revoke["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    grant = await api.query(
        GRANT,
        api.citizen(mine.person),
        {"input": _grant_input(person=theirs.person["identification_number"])},
    )
    assert grant["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert _consent_count(conn) == 1
    assert conn.execute("SELECT revoked_at FROM consent").fetchone() == (None,)


async def test_only_citizens_grant(api: Api, conn: psycopg.Connection) -> None:
    book(conn)
    body = await api.query(GRANT, api.officer(), {"input": _grant_input()})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_legal_representative_reads_and_manages_consent(
    api: Api, conn: psycopg.Connection
) -> None:
    child = book(conn, birth_date=datetime(2015, 3, 1).date(), full_name="Nguyễn Minh An")
    parent = persons.person(
        conn, full_name="Nguyễn Thị Hoa", birth_date=datetime(1985, 1, 1).date()
    )
    persons.relative(conn, child.person, RelativeKind.LEGAL_REPRESENTATIVE, linked=parent)
    rep = api.citizen(parent)
    body = await api.query(READ, rep, {"id": child.person["identification_number"]})
    assert body["data"]["person"]["fullName"] == "Nguyễn Minh An"
    granted = await api.query(
        GRANT, rep, {"input": _grant_input(person=child.person["identification_number"])}
    )
    assert granted["data"]["grantConsent"]["grantedBy"] == parent["identification_number"]
    # ...while the child does not read the parent's book.
    other = await api.query(
        READ, api.citizen(child.person), {"id": parent["identification_number"]}
    )
    assert other["data"] == {"person": None}

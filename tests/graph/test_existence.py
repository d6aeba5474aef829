"""No oracle through errors: for every root field and mutation that takes a key, "it exists but
is not yours" answers exactly like "it does not exist" — same data, same message, same code."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
import pytest

from db.enums import ManagingAuthority, Sex
from db.identifiers import make_bhyt_code_15, make_personal_id
from graph.authz.principal import Role
from tests.factories.book import Book, book
from tests.factories.consent import consent
from tests.graph.conftest import Api

GRANT = """mutation($input: GrantConsentInput!, $idempotencyKey: String!) { grantConsent(input: $input, idempotencyKey: $idempotencyKey) { id } }"""
REVOKE = "mutation($id: ID!, $idempotencyKey: String!) { revokeConsent(id: $id, idempotencyKey: $idempotencyKey) { id } }"
PERSON = "query($key: String!) { person(identificationNumber: $key) { identificationNumber } }"
CARD = "query($key: String!) { healthInsuranceCard(code: $key) { shortCode } }"
HOUSEHOLD = "query($key: ID!) { household(id: $key) { id } }"
ENTITY = "query($reps: [_Any!]!) { _entities(representations: $reps) { __typename } }"

ABSENT_ID = make_personal_id("01", Sex.FEMALE, 1988, 999_999)
ABSENT_BHXH = "0199999999"


def _grant(person: str) -> dict[str, Any]:
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    return {
        "input": {
            "grantee": "BYT",
            "dataGroups": ["IDENTITY"],
            "purpose": "Xác minh",
            "validUntil": until,
            "person": person,
        }
    }


def _entity(typename: str, **key: str) -> dict[str, Any]:
    return {"reps": [{"__typename": typename, **key}]}


# (name, operation, variables of "someone else's", variables of "does not exist")
Case = tuple[str, str, Callable[[Book], dict[str, Any]], dict[str, Any]]
CASES: list[Case] = [
    (
        "revokeConsent",
        REVOKE,
        lambda other: {"id": "consent of other"},
        {"id": str(uuid.UUID(int=7))},
    ),
    (
        "grantConsent for another person",
        GRANT,
        lambda other: _grant(other.person["identification_number"]),
        _grant(ABSENT_ID),
    ),
    (
        "person",
        PERSON,
        lambda other: {"key": other.person["identification_number"]},
        {"key": ABSENT_ID},
    ),
    (
        "healthInsuranceCard by code",
        CARD,
        lambda other: {"key": "DN401" + other.bhxh_code},
        {"key": make_bhyt_code_15("DN", 4, "01", ABSENT_BHXH)},
    ),
    (
        "healthInsuranceCard by short code",
        CARD,
        lambda other: {"key": other.bhxh_code},
        {"key": ABSENT_BHXH},
    ),
    ("household", HOUSEHOLD, lambda other: {"key": str(other.household_id)}, {"key": "999999"}),
    (
        "_entities Person",
        ENTITY,
        lambda other: _entity("Person", identificationNumber=other.person["identification_number"]),
        _entity("Person", identificationNumber=ABSENT_ID),
    ),
    (
        "_entities HealthInsuranceCard",
        ENTITY,
        lambda other: _entity("HealthInsuranceCard", code=other.bhxh_code),
        _entity("HealthInsuranceCard", code=ABSENT_BHXH),
    ),
    (
        "_entities Household",
        ENTITY,
        lambda other: _entity("Household", id=str(other.household_id)),
        _entity("Household", id="999999"),
    ),
]


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    """The whole answer but where it is reported in the document."""
    errors = [
        {k: v for k, v in e.items() if k not in ("locations", "path")}
        for e in body.get("errors", [])
    ]
    return {"data": body.get("data"), "errors": errors}


Caller = Callable[[Api, psycopg.Connection], Awaitable[str]]


async def _citizen(api: Api, conn: psycopg.Connection) -> str:
    return api.citizen(book(conn).person)


async def _agency(api: Api, conn: psycopg.Connection) -> str:
    return api.token(Role.PARTNER_AGENCY, "byt-1", org="BYT")


async def _officer_without_scope(api: Api, conn: psycopg.Connection) -> str:
    return api.officer(frozenset())


CALLERS: dict[str, Caller] = {
    "citizen": _citizen,
    "agency without consent": _agency,
    "officer without scope": _officer_without_scope,
}


@pytest.mark.parametrize("authority", [ManagingAuthority.FINANCE, ManagingAuthority.DEFENCE])
@pytest.mark.parametrize("who", list(CALLERS))
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
async def test_someone_elses_answers_exactly_like_nothing(
    api: Api,
    conn: psycopg.Connection,
    case: Case,
    who: str,
    authority: ManagingAuthority,
) -> None:
    name, operation, theirs, absent = case
    caller = await CALLERS[who](api, conn)
    other = book(
        conn,
        authority=authority,
        full_name="Phạm Văn Khải",
        sex=Sex.MALE,
        birth_date=date(1975, 6, 1),
    )
    variables = theirs(other)
    if variables.get("id") == "consent of other":
        variables = {"id": str(consent(conn, other.person)["id"])}
    exists = _answer(await api.query(operation, caller, variables))
    missing = _answer(await api.query(operation, caller, absent))
    assert exists == missing, name
    # ...and the answer is one a caller may act on: NOT_FOUND / null or a refusal by role.
    codes = {e["extensions"]["code"] for e in exists["errors"]}
    assert codes <= {"NOT_FOUND", "FORBIDDEN"}, exists
    assert conn.execute("SELECT count(*) FROM consent WHERE revoked_at IS NOT NULL").fetchone() == (
        0,
    )

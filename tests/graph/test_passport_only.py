"""Persons known by passport only (foreign workers, Law 41/2024 art. 2(2)): no personal ID, so
the BHXH code is their key — as an argument, as a federation key and as their token subject."""

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from db.enums import RelativeKind, Sex
from graph.authz.principal import Role
from tests.factories import person as persons
from tests.factories.book import Book, book
from tests.graph.conftest import Api
from tests.graph.operations import EBOOK_FRAGMENT, ME, PERSON
from tests.graph.test_consent import GRANT
from tests.graph.test_ebook import EBOOK_STATEMENTS, EVERY_SCOPE

BY_CODE = "query($code: String!) { person(bhxhCode: $code) { bhxhCode ...EBook } }" + EBOOK_FRAGMENT
ENTITIES_BY_CODE = (
    "query($reps: [_Any!]!) { _entities(representations: $reps) {"
    " ... on Person { bhxhCode ...EBook } } }" + EBOOK_FRAGMENT
)
PASSPORT = "E12345678"


@pytest.fixture
def api(api_both: Api) -> Api:
    return api_both


def _foreign_book(
    conn: psycopg.Connection, passport: str = PASSPORT, full_name: str = "WANG WEI"
) -> Book:
    return book(
        conn,
        identification_number=None,
        passport_number=passport,
        nationality="CN",
        full_name=full_name,
    )


def _citizen(api: Api, b: Book) -> str:
    """A passport-only citizen's token names them by BHXH code (README, Access)."""
    return api.token(Role.CITIZEN, b.bhxh_code)


def _assert_whole_book(person: dict[str, Any], b: Book) -> None:
    assert person["identificationNumber"] is None
    assert person["bhxhCode"] == b.bhxh_code
    assert person["passportNumber"] == PASSPORT
    assert person["nationality"] == "CN"
    assert person["fullName"] == "WANG WEI"
    assert person["socialInsurance"]["bhxhCode"] == b.bhxh_code
    assert person["socialInsurance"]["contributionPeriods"]["totalCount"] == 3
    assert person["healthInsurance"]["currentCard"]["code"] == "DN401" + b.bhxh_code


async def test_officer_reads_the_whole_book_by_bhxh_code(
    api: Api, conn: psycopg.Connection
) -> None:
    b = _foreign_book(conn)
    body = await api.query(BY_CODE, api.officer(EVERY_SCOPE), {"code": b.bhxh_code})
    assert "errors" not in body, body
    _assert_whole_book(body["data"]["person"], b)
    # The code comes with the person's row: no statement of its own.
    assert api.last_statements == EBOOK_STATEMENTS
    logged = conn.execute(
        "SELECT data_groups FROM access_log WHERE person_id = %s", [b.person["id"]]
    ).fetchall()
    assert len(logged) == 1
    assert {"IDENTITY", "SOCIAL_INSURANCE"} <= set(logged[0][0])


async def test_entities_resolve_by_bhxh_code(api: Api, conn: psycopg.Connection) -> None:
    b = _foreign_book(conn)
    other = book(conn)
    reps = [
        {"__typename": "Person", "bhxhCode": b.bhxh_code},
        {"__typename": "Person", "identificationNumber": other.person["identification_number"]},
        {"__typename": "Person", "bhxhCode": other.bhxh_code},
    ]
    body = await api.query(ENTITIES_BY_CODE, api.officer(EVERY_SCOPE), {"reps": reps})
    assert "errors" not in body, body
    first, second, third = body["data"]["_entities"]
    _assert_whole_book(first, b)
    # A person with a personal ID is the same entity by either key.
    assert second == third
    assert second["identificationNumber"] == other.person["identification_number"]
    assert second["bhxhCode"] == other.bhxh_code
    assert api.last_statements == EBOOK_STATEMENTS  # both keys in one statement (persons_by_key)


async def test_the_person_reads_their_own_book_and_access_log(
    api: Api, conn: psycopg.Connection
) -> None:
    b = _foreign_book(conn)
    officer = await api.query(BY_CODE, api.officer(EVERY_SCOPE), {"code": b.bhxh_code})
    assert "errors" not in officer, officer
    token = _citizen(api, b)
    own = await api.query(BY_CODE, token, {"code": b.bhxh_code})
    assert "errors" not in own, own
    _assert_whole_book(own["data"]["person"], b)
    me = await api.query(ME, token)
    assert "errors" not in me, me
    assert me["data"]["me"]["passportNumber"] == PASSPORT
    log = await api.query(
        "{ me { bhxhCode accessLog(first: 5) { totalCount edges { node { actorRole } } } } }",
        token,
    )
    assert log["data"]["me"]["bhxhCode"] == b.bhxh_code
    # The officer's read only: the person's own reads are not logged.
    assert log["data"]["me"]["accessLog"]["totalCount"] == 1
    assert log["data"]["me"]["accessLog"]["edges"][0]["node"]["actorRole"] == "OFFICER"


async def test_a_bhxh_code_is_no_subject_for_a_person_with_a_personal_id(
    api: Api, conn: psycopg.Connection
) -> None:
    """One subject per person: the personal ID where there is one."""
    b = book(conn)
    body = await api.query("{ me { fullName } }", api.token(Role.CITIZEN, b.bhxh_code))
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    body = await api.query(BY_CODE, api.token(Role.CITIZEN, b.bhxh_code), {"code": b.bhxh_code})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("arguments", "argument"),
    [
        ("", "identificationNumber"),
        ('identificationNumber: "001088012345", bhxhCode: "0100000001"', "identificationNumber"),
        ('bhxhCode: "01000001"', "bhxhCode"),
    ],
    ids=["neither", "both", "malformed code"],
)
async def test_person_takes_exactly_one_key(
    api: Api, conn: psycopg.Connection, arguments: str, argument: str
) -> None:
    given = f"({arguments})" if arguments else ""
    body = await api.query(f"{{ person{given} {{ fullName }} }}", api.officer())
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}
    assert api.last_statements == 0


async def test_the_person_grants_consent_that_an_agency_reads_by(
    api: Api, conn: psycopg.Connection
) -> None:
    """The write path finds a passport-only citizen by their subject, and the consent names
    them by it."""
    b = _foreign_book(conn)
    grant = {
        "grantee": "BYT",
        "dataGroups": ["HEALTH_INSURANCE"],
        "purpose": "Thanh toán chi phí khám chữa bệnh",
        "validUntil": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
    }
    granted = await api.query(GRANT, _citizen(api, b), {"input": grant})
    assert "errors" not in granted, granted
    assert granted["data"]["grantConsent"]["grantedBy"] == b.bhxh_code
    agency = api.token(Role.PARTNER_AGENCY, "byt-user", org="BYT")
    body = await api.query(
        "query($code: String!) { person(bhxhCode: $code) { identificationNumber bhxhCode"
        " healthInsurance { currentCard { status } } contact { phone } } }",
        agency,
        {"code": b.bhxh_code},
    )
    person = body["data"]["person"]
    assert (person["identificationNumber"], person["bhxhCode"]) == (None, b.bhxh_code)
    assert person["healthInsurance"]["currentCard"]["status"] == "ACTIVE"
    assert person["contact"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


REPRESENTED_RELATIVES = (
    "query($id: String!) { person(identificationNumber: $id) {"
    " relatives { kind passportNumber nationality } } }"
)


async def test_a_passport_only_mother_represents_her_child(
    api: Api, conn: psycopg.Connection
) -> None:
    """The child's record links its legal representative to her record; her token names her by
    BHXH code, and the same one statement as a representative with a personal ID finds it."""
    mother = _foreign_book(conn, full_name="LI NA")
    child = book(conn, full_name="Nguyễn Minh An")
    persons.relative(conn, child.person, RelativeKind.MOTHER, linked=mother.person)
    persons.relative(conn, child.person, RelativeKind.LEGAL_REPRESENTATIVE, linked=mother.person)
    other_child = book(conn)
    guardian = persons.person(conn, full_name="Nguyễn Văn Đại", sex=Sex.MALE)
    persons.relative(conn, other_child.person, RelativeKind.LEGAL_REPRESENTATIVE, linked=guardian)
    by_id = await api.query(
        PERSON, api.citizen(guardian), {"id": other_child.person["identification_number"]}
    )
    assert "errors" not in by_id, by_id
    statements = api.last_statements

    token = _citizen(api, mother)
    body = await api.query(PERSON, token, {"id": child.person["identification_number"]})
    assert "errors" not in body, body
    assert body["data"]["person"]["fullName"] == "Nguyễn Minh An"
    assert api.last_statements == statements
    logged = conn.execute(
        "SELECT actor_role, actor_subject, grounds FROM access_log WHERE person_id = %s",
        [child.person["id"]],
    ).fetchall()
    assert logged == [("CITIZEN", mother.bhxh_code, ["represented"])]
    relatives = await api.query(
        REPRESENTED_RELATIVES, token, {"id": child.person["identification_number"]}
    )
    assert "errors" not in relatives, relatives
    foreign = [r for r in relatives["data"]["person"]["relatives"] if r["nationality"] == "CN"]
    assert foreign == [
        {"kind": "MOTHER", "passportNumber": PASSPORT, "nationality": "CN"},
        {"kind": "LEGAL_REPRESENTATIVE", "passportNumber": PASSPORT, "nationality": "CN"},
    ]


async def test_a_bhxh_code_of_anyone_but_the_linked_relative_represents_nobody(
    api: Api, conn: psycopg.Connection
) -> None:
    mother = _foreign_book(conn, full_name="LI NA")
    stranger = _foreign_book(conn, passport="G00000001", full_name="ZHANG SAN")
    child = book(conn)
    persons.relative(conn, child.person, RelativeKind.LEGAL_REPRESENTATIVE, linked=mother.person)
    # A representative with a personal ID is its subject only, not their BHXH code's.
    guardian = book(conn, full_name="Nguyễn Văn Đại", sex=Sex.MALE)
    ward = book(conn)
    persons.relative(conn, ward.person, RelativeKind.LEGAL_REPRESENTATIVE, linked=guardian.person)
    for code, of in [(stranger.bhxh_code, child), (guardian.bhxh_code, ward)]:
        body = await api.query(
            PERSON, api.token(Role.CITIZEN, code), {"id": of.person["identification_number"]}
        )
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", code
        assert body["data"]["person"] is None

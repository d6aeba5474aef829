"""The e-book through the compiled plan answers exactly as Strawberry's executor does: same
data, same errors, same access-log rows, and no more statements than the counts test_ebook
asserts for it."""

from typing import Any

import psycopg
import pytest

from tests.conftest import empty_tables
from tests.factories.book import book
from tests.graph.compiled.conftest import Both
from tests.graph.operations import ENTITIES, ME, PERSON
from tests.graph.test_ebook import EBOOK_STATEMENTS, EVERY_SCOPE, _books, _role_token


async def test_officer_reads_a_book(both: Both, conn: psycopg.Connection) -> None:
    b = book(conn, periods=6, cards=3, visits=4, benefits=2, claims=1)
    token = both.compiled.officer(EVERY_SCOPE)
    body = await both.compare(conn, PERSON, token, {"id": b.person["identification_number"]})
    assert "errors" not in body, body
    assert both.statements[0] <= both.statements[1] == EBOOK_STATEMENTS


async def test_citizen_reads_their_own_book(both: Both, conn: psycopg.Connection) -> None:
    b = book(conn, periods=6, cards=3, visits=4, benefits=2, claims=1)
    body = await both.compare(conn, ME, both.compiled.citizen(b.person))
    assert "errors" not in body, body
    assert body["data"]["me"]["socialInsurance"]["contributionPeriods"]["totalCount"] == 6


async def test_officer_without_medical_scope_gets_forbidden_errors(
    both: Both, conn: psycopg.Connection
) -> None:
    b = book(conn, visits=2)
    token = both.compiled.officer()
    body = await both.compare(conn, PERSON, token, {"id": b.person["identification_number"]})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


@pytest.mark.parametrize("n", [1, 50])
@pytest.mark.parametrize("role", ["officer", "representative", "employer", "agency", "facility"])
async def test_entities_as_every_role(
    both: Both, conn: psycopg.Connection, role: str, n: int
) -> None:
    empty_tables(
        conn, "person, employer, social_insurance_office, health_facility", restart_identity=False
    )
    books = _books(conn, n, long=n == 50)
    if role == "officer":
        token = both.compiled.officer(EVERY_SCOPE)
    else:
        token = _role_token(both.compiled, conn, role, books)
    reps: list[dict[str, Any]] = [
        {"__typename": "Person", "identificationNumber": b.person["identification_number"]}
        for b in books
    ]
    await both.compare(conn, ENTITIES, token, {"reps": reps[:1]})  # organisations checked once
    body = await both.compare(conn, ENTITIES, token, {"reps": reps})
    assert all(e is not None for e in body["data"]["_entities"])
    compiled, strawberry = both.statements
    assert compiled <= strawberry


async def test_a_passport_only_book_by_bhxh_code(both: Both, conn: psycopg.Connection) -> None:
    """A foreign worker's book (no personal ID) by `person(bhxhCode:)` and by `_entities`, as an
    officer and as the person (whose token names them by BHXH code)."""
    b = book(conn, identification_number=None, passport_number="M12345678", nationality="KR")
    by_code = PERSON.replace("identificationNumber: $id", "bhxhCode: $id")
    officer = both.compiled.officer(EVERY_SCOPE)
    body = await both.compare(conn, by_code, officer, {"id": b.bhxh_code})
    assert "errors" not in body, body
    assert body["data"]["person"]["identificationNumber"] is None
    reps = [{"__typename": "Person", "bhxhCode": b.bhxh_code}]
    body = await both.compare(conn, ENTITIES, officer, {"reps": reps})
    assert body["data"]["_entities"][0]["passportNumber"] == "M12345678"
    body = await both.compare(conn, ME, both.compiled.token(subject=b.bhxh_code))
    assert "errors" not in body, body

"""Bad input, unknown records and missing or bad tokens get clear, coded errors."""

import psycopg
import pytest

from tests.factories.book import book
from tests.graph.conftest import Api


def _codes(body: dict) -> list[str]:  # type: ignore[type-arg]
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_malformed_identification_number_names_the_argument(
    api: Api, conn: psycopg.Connection
) -> None:
    body = await api.query('{ person(identificationNumber: "12345") { fullName } }', api.officer())
    assert body["data"] == {"person": None}
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "identificationNumber"}
    assert "12 digits" in error["message"]
    assert api.last_statements == 0


async def test_first_over_100_is_refused_before_sql(api: Api, conn: psycopg.Connection) -> None:
    body = await api.query("{ persons(first: 101) { totalCount } }", api.officer())
    assert _codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["argument"] == "first"
    assert api.last_statements == 0


async def test_nested_first_over_100_names_the_argument(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn)
    query = "query($id: String!) { person(identificationNumber: $id) { socialInsurance { contributionPeriods(first: 500) { totalCount } } } }"
    body = await api.query(query, api.officer(), {"id": b.person["identification_number"]})
    assert _codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["path"] == ["person", "socialInsurance", "contributionPeriods"]


async def test_bad_cursor_is_bad_input(api: Api, conn: psycopg.Connection) -> None:
    body = await api.query(
        '{ persons(first: 5, after: "not-a-cursor") { totalCount } }', api.officer()
    )
    assert _codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["argument"] == "after"


async def test_unknown_person_is_null_with_not_found(api: Api, conn: psycopg.Connection) -> None:
    body = await api.query(
        '{ person(identificationNumber: "001088012345") { fullName } }', api.officer()
    )
    assert body["data"] == {"person": None}
    assert _codes(body) == ["NOT_FOUND"]


async def test_no_token_is_unauthenticated(api: Api, conn: psycopg.Connection) -> None:
    body = await api.query("{ me { fullName } }")
    assert _codes(body) == ["UNAUTHENTICATED"]


async def test_bad_token_is_refused_with_401(api: Api, conn: psycopg.Connection) -> None:
    response = await api.client.post(
        "/graphql",
        json={"query": "{ me { fullName } }"},
        headers={"Authorization": "Bearer abc.def.ghi"},
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_expired_token_is_refused(api: Api, conn: psycopg.Connection) -> None:
    token = api.token(subject="001088012345", ttl_seconds=1, now=1_000_000)
    response = await api.client.post(
        "/graphql",
        json={"query": "{ me { fullName } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401


async def test_unexpected_errors_are_masked_with_request_id(
    api: Api,
    conn: psycopg.Connection,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from graph.types.reference import Ethnicity

    def boom(*args: object) -> None:
        raise RuntimeError("secret detail: SELECT * FROM person")

    b = book(conn)
    monkeypatch.setattr(Ethnicity, "of", classmethod(lambda cls, code: boom()))
    response = await api.client.post(
        "/graphql",
        json={"query": "{ me { fullName ethnicity { name } } }"},
        headers={"Authorization": f"Bearer {api.citizen(b.person)}", "X-Request-ID": "req-42"},
    )
    body = response.json()
    assert response.headers["X-Request-ID"] == "req-42"
    assert body["data"]["me"]["fullName"] == "Nguyễn Thị Lan"
    (error,) = body["errors"]
    assert "secret" not in error["message"]
    assert error["path"] == ["me", "ethnicity"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-42"}
    (record,) = [r for r in caplog.records if r.name == "bhxh.graph"]
    assert "req-42" in record.getMessage()
    assert b.person["identification_number"] not in caplog.text


async def test_health_endpoints(api: Api, conn: psycopg.Connection) -> None:
    assert (await api.client.get("/healthz")).status_code == 200
    assert (await api.client.get("/readyz")).text == "ready"


async def test_anonymous_callers_get_nothing_outside_dev(
    api: Api, conn: psycopg.Connection
) -> None:
    for query in ("{ __schema { queryType { name } } }", "{ _service { sdl } }", "{ __typename }"):
        response = await api.client.post("/graphql", json={"query": query})
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


PERSONS = "query($f: PersonFilter, $n: Int!) { persons(first: $n, filter: $f) { totalCount } }"


@pytest.mark.parametrize(
    ("variables", "words"),
    [
        ({"f": {"sex": "MALE"}}, "$n"),  # a variable the operation needs is missing
        ({"N": 5}, "$n"),  # misspelled
        ({"n": "five"}, "Int"),  # of the wrong type
        ({"n": 5, "f": {"sex": "MALEE"}}, "MALEE"),  # an unknown enum value
        ({"n": 5, "f": {"sexx": "MALE"}}, "sexx"),  # an unknown input field
        ({"n": 5, "f": {"bornFrom": "yesterday"}}, "bornFrom"),  # a custom scalar refuses it
        ({"n": 5, "f": "MALE"}, "PersonFilter"),
    ],
)
async def test_variables_that_do_not_fit_are_bad_user_input_without_hints(
    api: Api, conn: psycopg.Connection, variables: dict[str, object], words: str
) -> None:
    body = await api.query(PERSONS, api.officer(), variables)
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}, error
    assert words in error["message"]
    assert "Did you mean" not in error["message"]
    assert api.last_statements == 0


@pytest.mark.parametrize(
    "query",
    [
        "{ persons(first: 5, filter: {sex: MALEE}) { totalCount } }",
        "{ persons(first: 5, filter: {sexx: MALE}) { totalCount } }",
        "{ persons(frist: 5) { totalCount } }",
        "{ persons(first: 5) { totalCont } }",
        "query($f: PersonFiltr) { persons(filter: $f) { totalCount } }",
    ],
)
async def test_documents_that_do_not_validate_give_no_hints(
    api: Api, conn: psycopg.Connection, query: str
) -> None:
    body = await api.query(query, api.officer())
    assert body["data"] is None
    assert body["errors"]
    for error in body["errors"]:
        assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}, error
        assert "Did you mean" not in error["message"]

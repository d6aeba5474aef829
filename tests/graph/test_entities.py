"""Federation: every entity resolves through loaders, and mixed batches stay cheap."""

import psycopg

from tests.factories.book import book
from tests.graph.conftest import Api

ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
  __typename
  ... on Person { fullName }
  ... on Employer { name }
  ... on Household { address members { relationToHead } }
  ... on HealthInsuranceCard { shortCode status }
} }"""


def _reps(books: list) -> list[dict[str, str]]:  # type: ignore[type-arg]
    reps = []
    for b in books:
        reps += [
            {"__typename": "Person", "identificationNumber": b.person["identification_number"]},
            {"__typename": "Employer", "taxCode": b.employers[0]["tax_code"]},
            {"__typename": "HealthInsuranceCard", "code": "DN401" + b.bhxh_code},
            {"__typename": "Household", "id": str(b.household_id)},
        ]
    return reps


async def test_mixed_entities_resolve(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn)
    body = await api.query(ENTITIES, api.officer(), {"r": _reps([b])})
    assert "errors" not in body, body
    assert body["data"]["_entities"] == [
        {"__typename": "Person", "fullName": "Nguyễn Thị Lan"},
        {"__typename": "Employer", "name": "Công ty TNHH Sao Mai"},
        {"__typename": "HealthInsuranceCard", "shortCode": b.bhxh_code, "status": "ACTIVE"},
        {
            "__typename": "Household",
            "address": b.person["permanent_residence"],
            "members": [{"relationToHead": "HEAD"}, {"relationToHead": "SPOUSE"}],
        },
    ]


async def test_hundred_mixed_entities_cost_what_four_do(api: Api, conn: psycopg.Connection) -> None:
    one = [book(conn)]
    await api.query(ENTITIES, api.officer(), {"r": _reps(one)})
    baseline = api.last_statements
    many = one + [book(conn) for _ in range(24)]
    body = await api.query(ENTITIES, api.officer(), {"r": _reps(many)})
    assert len(body["data"]["_entities"]) == 100
    assert api.last_statements == baseline


async def test_citizen_cannot_resolve_someone_elses_card(
    api: Api, conn: psycopg.Connection
) -> None:
    mine, theirs = book(conn), book(conn)
    reps = [{"__typename": "HealthInsuranceCard", "code": theirs.bhxh_code}]
    body = await api.query(ENTITIES, api.citizen(mine.person), {"r": reps})
    assert body["data"]["_entities"] == [None]

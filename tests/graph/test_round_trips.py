"""What a book costs in waiting: its reads go out one pipeline per level of the query (the
loaders of a level dispatch together), however many books the request reads."""

import psycopg

from tests.factories.book import book
from tests.graph.conftest import Api
from tests.graph.operations import ENTITIES, PERSON
from tests.graph.test_ebook import EBOOK_STATEMENTS, EVERY_SCOPE

# The person (with its social insurance record); relatives (with their persons), membership
# (with its household, members and their persons), cards, visits, BHTN decisions and periods,
# totals, BHXH periods (with their employers), benefits. Then the access-log insert, alone.
EBOOK_ROUND_TRIPS = 2 + 1


async def _round_trips(api: Api, query: str, variables: dict[str, object]) -> tuple[int, int]:
    before = len(api.database.readers)
    body = await api.query(query, api.officer(EVERY_SCOPE), variables)
    assert "errors" not in body, body
    readers = api.database.readers[before:]
    return sum(r.statements for r in readers), sum(r.round_trips for r in readers)


async def test_a_book_costs_a_round_trip_per_level(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn)
    cost = await _round_trips(api, PERSON, {"id": b.person["identification_number"]})
    assert cost == (EBOOK_STATEMENTS, EBOOK_ROUND_TRIPS)


async def test_a_book_through_entities_costs_the_same(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn)
    reps = [{"__typename": "Person", "identificationNumber": b.person["identification_number"]}]
    assert await _round_trips(api, ENTITIES, {"reps": reps}) == (
        EBOOK_STATEMENTS,
        EBOOK_ROUND_TRIPS,
    )


async def test_fifty_books_wait_as_long_as_one(api: Api, conn: psycopg.Connection) -> None:
    books = [book(conn) for _ in range(50)]
    reps = [
        {"__typename": "Person", "identificationNumber": b.person["identification_number"]}
        for b in books
    ]
    assert await _round_trips(api, ENTITIES, {"reps": reps}) == (
        EBOOK_STATEMENTS,
        EBOOK_ROUND_TRIPS,
    )

"""Cursor connections: pages continue where they stopped, filters by period apply."""

import psycopg

from tests.factories.book import book
from tests.graph.conftest import Api

PERIODS = """query($id: String!, $after: String, $from: YearMonth, $to: YearMonth) {
  person(identificationNumber: $id) { socialInsurance {
    contributionPeriods(first: 4, after: $after, fromMonth: $from, toMonth: $to) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { fromMonth toMonth } }
    } } } }"""


async def _page(api: Api, token: str, **variables: object) -> dict:  # type: ignore[type-arg]
    body = await api.query(PERIODS, token, variables)
    assert "errors" not in body, body
    return body["data"]["person"]["socialInsurance"]["contributionPeriods"]  # type: ignore[no-any-return]


async def test_pages_walk_the_whole_history_once(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn, periods=10)
    token, seen, after = api.officer(), [], None
    while True:
        page = await _page(api, token, id=b.person["identification_number"], after=after)
        assert page["totalCount"] == 10
        seen += [e["node"]["fromMonth"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 10


async def test_period_filter_keeps_overlapping_rows(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn, periods=10)  # four-month rows from 2008-01
    page = await _page(
        api,
        api.officer(),
        id=b.person["identification_number"],
        **{"from": "2008-06", "to": "2008-10"},
    )
    assert [e["node"]["fromMonth"] for e in page["edges"]] == ["2008-05", "2008-09"]
    assert page["totalCount"] == 2


async def test_inverted_period_is_bad_input(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn)
    body = await api.query(
        PERIODS,
        api.officer(),
        {"id": b.person["identification_number"], "from": "2010-01", "to": "2009-01"},
    )
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "fromMonth"}


async def test_cursor_at_the_end_keeps_the_total(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn, periods=4)
    token = api.officer()
    first = await _page(api, token, id=b.person["identification_number"])
    assert first["pageInfo"]["hasNextPage"] is False
    after_end = await _page(
        api, token, id=b.person["identification_number"], after=first["pageInfo"]["endCursor"]
    )
    assert after_end == {
        "totalCount": 4,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "edges": [],
    }


async def test_persons_count_runs_only_when_asked(api: Api, conn: psycopg.Connection) -> None:
    book(conn)
    await api.query("{ persons(first: 5) { edges { cursor } } }", api.officer())
    without = api.last_statements
    body = await api.query("{ persons(first: 5) { totalCount } }", api.officer())
    assert body["data"]["persons"]["totalCount"] == 2
    assert api.last_statements == without + 1  # the page, and now the count


async def test_inverted_date_range_names_from_date(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn)
    query = """query($id: String!) { person(identificationNumber: $id) {
      healthInsurance { cards(fromDate: "2025-01-01", toDate: "2024-01-01") { totalCount } } } }"""
    body = await api.query(query, api.officer(), {"id": b.person["identification_number"]})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "fromDate"}
    assert body["errors"][0]["message"] == "fromDate: must not be after toDate"

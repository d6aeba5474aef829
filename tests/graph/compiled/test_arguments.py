"""A plan's arguments that read no variable are converted once, on its first run; those that do
are converted on every request, so each request still gets its own."""

from typing import Any

import psycopg

from graph.compiled.executor import CompiledExecutor
from tests.factories.book import book
from tests.graph.compiled.conftest import Both
from tests.graph.operations import PERSON
from tests.graph.test_ebook import EVERY_SCOPE

PAGES = """query($id: String!, $first: Int!) {
  person(identificationNumber: $id) {
    socialInsurance {
      contributionPeriods(first: $first) { totalCount edges { node { fromMonth } } }
      benefits(first: 1) { totalCount edges { node { regime } } }
    }
  }
}"""


def _fixed(both: Both) -> dict[str, bool]:
    """Per field of the (one) cached plan: whether its arguments are kept across requests."""
    assert both.compiled.app is not None
    executor = both.compiled.app.state.schema.execution_context_class
    assert issubclass(executor, CompiledExecutor)
    [known] = executor.plans.arguments.items()
    plan, arguments = known
    return {
        f"{field.parent_type}.{field.field_name}": kwargs is not None
        for field, kwargs in zip(plan.fields, arguments.fixed, strict=True)
    }


async def test_the_book_converts_its_literal_arguments_once(
    both: Both, conn: psycopg.Connection
) -> None:
    first, second = book(conn, periods=3), book(conn, periods=5)
    token = both.compiled.officer(EVERY_SCOPE)
    for b in (first, second, first):
        body = await both.compare(conn, PERSON, token, {"id": b.person["identification_number"]})
        assert "errors" not in body, body
    fixed = _fixed(both)
    assert fixed["Query.person"] is False  # $id
    assert fixed["SocialInsurance.contributionPeriods"] is True  # first: 100


async def test_arguments_from_variables_follow_each_request(
    both: Both, conn: psycopg.Connection
) -> None:
    b = book(conn, periods=4, benefits=2)
    token = both.compiled.officer(EVERY_SCOPE)
    seen = []
    for n in (2, 3, 1):
        variables = {"id": b.person["identification_number"], "first": n}
        body = await both.compare(conn, PAGES, token, variables)
        edges = body["data"]["person"]["socialInsurance"]["contributionPeriods"]["edges"]
        seen.append(len(edges))
    assert seen == [2, 3, 1]
    fixed = _fixed(both)
    assert fixed["SocialInsurance.contributionPeriods"] is False
    assert fixed["SocialInsurance.benefits"] is True


def _plain(both: Both) -> dict[str, Any]:
    """Per field of the (one) cached plan: how its per-request arguments skip Strawberry's
    conversion (None: they never do, or the field has none converted per request)."""
    assert both.compiled.app is not None
    executor = both.compiled.app.state.schema.execution_context_class
    assert issubclass(executor, CompiledExecutor)
    [(plan, arguments)] = executor.plans.arguments.items()
    return {
        f"{field.parent_type}.{field.key}": plain
        for field, plain in zip(plan.fields, arguments.plain, strict=True)
    }


TYPED = """query($id: String!, $first: Int!, $after: String, $schemes: [Scheme!], $from: YearMonth) {
  person(identificationNumber: $id) {
    socialInsurance {
      contributionPeriods(first: $first, after: $after) { edges { cursor node { fromMonth } } }
      schemed: contributionPeriods(first: 1, schemes: $schemes) { totalCount }
      benefits(first: $first, fromMonth: $from) { totalCount }
    }
    healthInsurance { cards(first: 2) { totalCount } }
  }
}"""


async def test_built_in_scalars_and_nulls_skip_the_conversion_and_other_values_do_not(
    both: Both, conn: psycopg.Connection
) -> None:
    b = book(conn, periods=5, benefits=3)
    token = both.compiled.officer(EVERY_SCOPE)
    cursors: list[str] = []
    for schemes, month in ((["COMPULSORY_SOCIAL"], "2000-01"), (None, None)):
        variables = {
            "id": b.person["identification_number"],
            "first": 2,
            "after": cursors[0] if cursors else None,
            "schemes": schemes,
            "from": month,
        }
        body = await both.compare(conn, TYPED, token, variables)
        assert "errors" not in body, body
        edges = body["data"]["person"]["socialInsurance"]["contributionPeriods"]["edges"]
        cursors = [e["cursor"] for e in edges]
    plain = _plain(both)
    assert plain["Query.person"].converted == ()
    periods = plain["SocialInsurance.contributionPeriods"]
    assert set(periods.converted) == {"schemes", "fromMonth", "toMonth", "employerId"} & set(
        periods.names
    )
    assert periods.kwargs({"first": 2, "after": "x", "schemes": None}) == {
        "first": 2,
        "after": "x",
        "schemes": None,
    }
    assert periods.kwargs({"first": 1, "schemes": ["COMPULSORY_SOCIAL"]}) is None
    assert plain["HealthInsurance.cards"] is None  # literal: converted once, not per request

"""A plan's arguments that read no variable are converted once, on its first run; those that do
are converted on every request, so each request still gets its own."""

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

"""The one rule both executors keep errors by (graph.compiled.errors)."""

from graphql import GraphQLError

from graph.compiled.errors import kept_errors, response_order


def _error(*path: str | int) -> GraphQLError:
    return GraphQLError("x", path=list(path))


def test_errors_follow_the_response_not_completion() -> None:
    data = {"a": {"x": None, "y": [None, None]}, "b": None}
    late = _error("b")
    second = _error("a", "y", 1)
    first = _error("a", "x")
    recorded = [(late, ("b",)), (second, ("a", "y", 1)), (first, ("a", "x"))]
    assert kept_errors(recorded, data) == [first, second, late]


def test_an_error_under_a_nulled_position_is_dropped_whenever_it_came() -> None:
    data = {"p": {"si": None}}
    inner = _error("p", "si", "totals")
    cause = _error("p", "si", "periods")  # non-null: it nulled `si`
    for recorded in (
        [(inner, ("p", "si", "totals")), (cause, ("p", "si"))],
        [(cause, ("p", "si")), (inner, ("p", "si", "totals"))],
    ):
        assert kept_errors(recorded, data) == [cause]


def test_of_errors_nulling_one_position_the_first_in_the_response_stays() -> None:
    data = {"p": None}
    a, b = _error("p", "a"), _error("p", "b")
    assert kept_errors([(b, ("p",)), (a, ("p",))], data) == [a]
    assert kept_errors([(a, ("p",)), (b, ("p",))], data) == [a]


def test_a_nulled_response_keeps_one_error() -> None:
    a, b = _error("x"), _error("y")
    assert len(kept_errors([(a, None), (b, None)], None)) == 1


def test_paths_into_missing_parts_still_order_totally() -> None:
    keys = [response_order(["p", 3, "x"], None), response_order(["p", "x"], {"p": None})]
    assert sorted(keys) == sorted(reversed(keys))

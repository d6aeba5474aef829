"""Statements per request from this project's /metrics text."""

from bench.sidebyside import metrics

TEXT = """# HELP bhxh_graphql_sql_statements SQL statements one GraphQL request ran
# TYPE bhxh_graphql_sql_statements histogram
bhxh_graphql_sql_statements_bucket{operation="(other)",le="1.0"} 0.0
bhxh_graphql_sql_statements_count{operation="(other)"} 10.0
bhxh_graphql_sql_statements_sum{operation="(other)"} 190.0
bhxh_graphql_sql_statements_count{operation="MyBook"} 2.0
bhxh_graphql_sql_statements_sum{operation="MyBook"} 30.0
bhxh_graphql_request_duration_seconds_count{operation="(other)"} 10.0
"""


def test_totals_add_every_operation_and_nothing_else() -> None:
    assert metrics.statement_totals(TEXT) == (220.0, 12.0)


def test_per_request_is_the_difference_over_a_run() -> None:
    assert metrics.per_request((220.0, 12.0), (600.0, 32.0)) == 19.0
    assert metrics.per_request((220.0, 12.0), (220.0, 12.0)) is None
    assert metrics.per_request(None, (1.0, 1.0)) is None

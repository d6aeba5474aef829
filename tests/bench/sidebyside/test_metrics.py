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
bhxh_db_lane_statements_total{kind="asked",lane="reads"} 120.0
bhxh_db_lane_statements_total{kind="sent",lane="reads"} 40.0
bhxh_db_lane_statements_total{lane="appends",kind="sent"} 6.0
"""


def test_totals_add_every_operation_and_lane_and_nothing_else() -> None:
    # The lanes' labels come in either order (one process, or several aggregated).
    assert metrics.totals(TEXT) == metrics.Totals(statements=220.0, requests=12.0, sent=46.0)


def test_per_request_is_the_difference_over_a_run() -> None:
    before = metrics.Totals(220.0, 12.0, 46.0)
    after = metrics.Totals(600.0, 32.0, 146.0)
    assert metrics.per_request(before, after) == (19.0, 5.0)
    assert metrics.per_request(before, before) is None
    assert metrics.per_request(None, after) is None

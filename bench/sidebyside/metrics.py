"""This project's statements per request, from its own /metrics: the
`bhxh_graphql_sql_statements` histogram's sum and count before and after a run (only one
workload runs at a time, so the difference is that run's)."""

import re

import httpx

_SAMPLE = re.compile(r'^bhxh_graphql_sql_statements_(sum|count)\{operation="([^"]*)"\} (\S+)$')


def statement_totals(text: str) -> tuple[float, float]:
    """(statements, requests) over every operation in a Prometheus text exposition."""
    totals = {"sum": 0.0, "count": 0.0}
    for line in text.splitlines():
        if match := _SAMPLE.match(line):
            totals[match.group(1)] += float(match.group(3))
    return totals["sum"], totals["count"]


def scrape(graphql_url: str) -> tuple[float, float] | None:
    """None when /metrics cannot be read: the figure is then left out, nothing else."""
    try:
        response = httpx.get(graphql_url.removesuffix("/graphql") + "/metrics", timeout=10)
    except httpx.HTTPError:
        return None
    return statement_totals(response.text) if response.status_code == 200 else None


def per_request(
    before: tuple[float, float] | None, after: tuple[float, float] | None
) -> float | None:
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])

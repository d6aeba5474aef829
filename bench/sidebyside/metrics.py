"""This project's statements per request, from its own /metrics: the
`bhxh_graphql_sql_statements` histogram's sum and count (the statements requests asked for) and
the lanes' statements sent (what PostgreSQL ran, merged statements once: db/lane.py),
before and after a run (only one workload runs at a time, so the difference is that run's)."""

import re
from dataclasses import dataclass

import httpx

_SAMPLE = re.compile(r'^bhxh_graphql_sql_statements_(sum|count)\{operation="([^"]*)"\} (\S+)$')
_LANE = re.compile(r"^bhxh_db_lane_statements_total\{([^}]*)\} (\S+)$")


@dataclass(frozen=True)
class Totals:
    statements: float
    """Statements the requests asked for, the access-log insert included."""
    requests: float
    sent: float
    """Statements the lanes sent (reads and access-log inserts), each merged statement once."""


def totals(text: str) -> Totals:
    """Over every operation and lane in a Prometheus text exposition."""
    asked = {"sum": 0.0, "count": 0.0}
    sent = 0.0
    for line in text.splitlines():
        if match := _SAMPLE.match(line):
            asked[match.group(1)] += float(match.group(3))
        elif (match := _LANE.match(line)) and 'kind="sent"' in match.group(1).split(","):
            sent += float(match.group(2))  # labels in either order (one process or several)
    return Totals(asked["sum"], asked["count"], sent)


def scrape(graphql_url: str) -> Totals | None:
    """None when /metrics cannot be read: the figure is then left out, nothing else."""
    try:
        response = httpx.get(graphql_url.removesuffix("/graphql") + "/metrics", timeout=10)
    except httpx.HTTPError:
        return None
    return totals(response.text) if response.status_code == 200 else None


def per_request(before: Totals | None, after: Totals | None) -> tuple[float, float] | None:
    """(statements asked for, statements sent) per request over a run."""
    if before is None or after is None or after.requests <= before.requests:
        return None
    requests = after.requests - before.requests
    return (after.statements - before.statements) / requests, (after.sent - before.sent) / requests

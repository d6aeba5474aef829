"""The e-book query's latency against a seeded database, and the same rows by hand-written SQL.

    python -m bench.ebook --database-url postgresql://… [--requests 300] [--books 1]

Runs the app in-process (ASGI, no sockets) on random Finance-managed persons that have a
contribution history, one request at a time, and reports p50/p95 latency, SQL statements per
request, and the ratio to fetching the same rows with hand-written SQL on one psycopg connection.
"""

import argparse
import asyncio
import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
from joserfc.jwk import ECKey
from psycopg.conninfo import make_conninfo

from db.urls import libpq_conninfo
from graph.app import create_app
from graph.authz import tokens
from graph.authz.policy import BOOK
from graph.authz.principal import Role
from tests.graph.conftest import CountingDatabase

_OPS = Path(__file__).resolve().parents[1] / "examples" / "operations"
FRAGMENT = (_OPS / "ebook.fragment.graphql").read_text()
QUERY = "query($ids: [_Any!]!) { persons: _entities(representations: $ids) { ... on Person { ...EBook } } }"

# The rows one book's query reads, written by hand: what a tuned SQL client would run.
RAW = [
    "SELECT * FROM person WHERE identification_number = ANY(%(ids)s)",
    "SELECT * FROM relative WHERE person_id = ANY(%(pids)s)",
    "SELECT * FROM household_member WHERE person_id = ANY(%(pids)s)",
    "SELECT h.* FROM household h JOIN household_member m ON m.household_id = h.id WHERE m.person_id = ANY(%(pids)s)",
    "SELECT o.* FROM household_member m JOIN household_member o USING (household_id) WHERE m.person_id = ANY(%(pids)s)",
    "SELECT s.*, o.name FROM social_insurance s JOIN social_insurance_office o ON o.code = s.office_code WHERE s.person_id = ANY(%(pids)s)",
    "SELECT c.*, e.name, e.tax_code FROM contribution_period c LEFT JOIN employer e ON e.id = c.employer_id WHERE c.person_id = ANY(%(pids)s) ORDER BY c.person_id, c.from_month",
    "SELECT * FROM benefit WHERE person_id = ANY(%(pids)s) ORDER BY person_id, period_from",
    "SELECT c.*, f.name FROM health_insurance_card c JOIN health_facility f ON f.code = c.initial_facility_code WHERE c.person_id = ANY(%(pids)s) ORDER BY c.person_id, c.valid_from",
    "SELECT v.*, f.name FROM medical_visit v JOIN health_facility f ON f.code = v.facility_code WHERE v.person_id = ANY(%(pids)s) ORDER BY v.person_id, v.admitted_at",
    "SELECT * FROM unemployment_benefit WHERE person_id = ANY(%(pids)s)",
]


def _sample(conninfo: str, n: int, seed: int) -> list[tuple[int, str]]:
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT p.id, p.identification_number FROM person p"
            " WHERE p.managing_authority = 'FINANCE'"
            " AND EXISTS (SELECT 1 FROM contribution_period c WHERE c.person_id = p.id)"
            " ORDER BY p.id LIMIT 20000"
        ).fetchall()
    rng = random.Random(seed)
    return [rows[rng.randrange(len(rows))] for _ in range(n)]


def _raw_seconds(conninfo: str, batches: list[list[tuple[int, str]]]) -> list[float]:
    timings = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for batch in batches:
            params = {"ids": [b[1] for b in batch], "pids": [b[0] for b in batch]}
            start = time.perf_counter()
            for sql in RAW:
                conn.execute(sql, params).fetchall()
            timings.append(time.perf_counter() - start)
    return timings


def _server_cpu(conninfo: str, application: str) -> float | None:
    """CPU seconds spent so far by the server processes of the connections named `application`,
    from /proc: None unless PostgreSQL runs on this machine, readable by this user."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        pids = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (application,)
        ).fetchall()
    total = 0
    for (pid,) in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        if not stat.split(" (", 1)[1].startswith("postgres"):  # another machine's process id
            return None
        fields = stat.rsplit(")", 1)[1].split()  # from the state on: utime, stime are 12th, 13th
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


async def _graph_seconds(
    conninfo: str, key: ECKey, batches: list[list[tuple[int, str]]], compiled: bool = True
) -> tuple[list[float], list[int], float, float | None]:
    """Latencies, statements per request, the process's CPU seconds over all requests, and the
    CPU seconds of the pool's server processes (None where /proc cannot tell)."""
    application = f"bhxh-bench-{os.getpid()}"
    database = CountingDatabase(make_conninfo(conninfo, application_name=application))
    app = create_app(
        database=database,
        verifier=tokens.dev_verifier(key),
        dev=False,
        graphiql=False,
        compiled=compiled,
    )
    officer = tokens.mint(
        key, role=Role.OFFICER, subject="bench", scopes=[g.value.lower() for g in BOOK]
    )
    headers = {"Authorization": f"Bearer {officer}"}
    timings, statements = [], []
    await database.open()
    server = _server_cpu(conninfo, application)
    cpu = time.process_time()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for batch in batches:
                reps = [{"__typename": "Person", "identificationNumber": b[1]} for b in batch]
                before = len(database.readers)
                start = time.perf_counter()
                response = await client.post(
                    "/graphql",
                    json={"query": QUERY + FRAGMENT, "variables": {"ids": reps}},
                    headers=headers,
                )
                timings.append(time.perf_counter() - start)
                body: dict[str, Any] = response.json()
                assert "errors" not in body, body["errors"][:2]
                statements.append(sum(r.statements for r in database.readers[before:]))
    finally:
        cpu = time.process_time() - cpu
        after = _server_cpu(conninfo, application)
        server = None if server is None or after is None else after - server
        await database.close()
    return timings, statements, cpu, server


def _ms(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--books", type=int, default=1, help="books per request")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--executor",
        choices=["compiled", "strawberry"],
        default="compiled",
        help="compiled plans (the default) or Strawberry's executor alone",
    )
    args = parser.parse_args()
    conninfo = libpq_conninfo(args.database_url)
    sample = _sample(conninfo, args.requests * args.books, args.seed)
    batches = [sample[i : i + args.books] for i in range(0, len(sample), args.books)]
    key = ECKey.generate_key("P-256", private=True, auto_kid=True)

    _raw_seconds(conninfo, batches[:20])  # warm caches and psycopg's prepared statements
    compiled = args.executor == "compiled"
    asyncio.run(_graph_seconds(conninfo, key, batches[:20], compiled))
    raw = _raw_seconds(conninfo, batches)
    graph, statements, cpu, server = asyncio.run(_graph_seconds(conninfo, key, batches, compiled))

    print(f"requests: {len(batches)} × {args.books} book(s)")
    print(f"graph  p50 {_ms(graph, 50):7.2f} ms  p95 {_ms(graph, 95):7.2f} ms")
    print(f"raw    p50 {_ms(raw, 50):7.2f} ms  p95 {_ms(raw, 95):7.2f} ms")
    print(f"ratio  p50 {statistics.median(graph) / statistics.median(raw):.1f}×")
    print(f"statements per request: min {min(statements)}  max {max(statements)}")
    books = len(batches) * args.books
    print(
        f"CPU per book (this process: app, client, PostgreSQL excluded) {cpu / books * 1000:.2f} ms"
    )
    if server is not None:
        print(
            f"CPU per book (PostgreSQL: the pool's server processes) {server / books * 1000:.2f} ms"
        )


if __name__ == "__main__":
    main()

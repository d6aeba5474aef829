"""`bhxh seed` throughput: seeds N persons into a fresh database and reports persons/s and rows/s.

    python -m bench.seed [--persons 100000 ...] [--seed 1] [--workers N] [--server-url URL]
                         [--keep-constraints] [--keep-database]

Each run creates a throwaway database on the server (DATABASE_URL, else the local PostgreSQL),
migrates it, seeds it and drops it. --keep-constraints loads with foreign keys and indexes in place
instead of dropping and recreating them, to measure what that choice saves.
"""

import argparse
import logging
import os
import platform
import time
import uuid

import psycopg
from sqlalchemy.engine import make_url

from db import migrate
from db.seed import SeedSummary, load, seed_database
from db.urls import libpq_conninfo

_LOCAL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _fresh_database(server: str) -> str:
    name = f"bhxh_bench_seed_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libpq_conninfo(server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(libpq_conninfo(server)).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    return libpq_conninfo(url)


def _drop(server: str, conninfo: str) -> None:
    with psycopg.connect(libpq_conninfo(server), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(conninfo).database}" WITH (FORCE)')


def _keep_constraints() -> None:
    """Load with every foreign key and index in place (the alternative the seed rejects)."""

    def nothing(conn: psycopg.Connection[tuple[object, ...]]) -> load.Deferred:
        return load.Deferred((), ())

    load.defer_constraints = nothing


def _report(persons: int, summary: SeedSummary, size: int) -> None:
    seconds = summary.elapsed_seconds
    print(
        f"{persons:>9,} persons  {seconds:7.1f} s  {persons / seconds:8,.0f} persons/s"
        f"  {summary.rows:>11,} rows  {summary.rows / seconds:8,.0f} rows/s  {size / 2**30:5.2f} GiB"
    )
    for name in (
        "households", "household_members", "relatives", "employers", "social_insurance",
        "contribution_periods", "benefits", "unemployment_benefits", "health_insurance_cards",
        "medical_visits",
    ):  # fmt: skip
        print(f"    {name:<24} {getattr(summary, name):>11,}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, nargs="+", default=[100_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--server-url", default=os.environ.get("DATABASE_URL") or _LOCAL)
    parser.add_argument("--keep-constraints", action="store_true")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.keep_constraints:
        _keep_constraints()
    with psycopg.connect(libpq_conninfo(args.server_url)) as conn:
        version = conn.execute("SHOW server_version").fetchone()
    print(
        f"{time.strftime('%Y-%m-%d')}  {os.cpu_count()} CPUs  Python {platform.python_version()}  PostgreSQL {version[0] if version else '?'}"
    )
    for persons in args.persons:
        conninfo = _fresh_database(args.server_url)
        try:
            summary = seed_database(conninfo, persons=persons, seed=args.seed, workers=args.workers)
            with psycopg.connect(conninfo) as conn:
                size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
            _report(persons, summary, int(size[0]) if size else 0)
        finally:
            if not args.keep_database:
                _drop(args.server_url, conninfo)


if __name__ == "__main__":
    main()

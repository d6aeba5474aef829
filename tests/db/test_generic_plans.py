"""The API's connections run every statement on its generic plan (db.session: plan_cache_mode =
force_generic_plan), planned once for any parameter values: a `= ANY(:keys)` is costed for
PostgreSQL's guess of ten keys, a `:x IS NULL OR …` for either outcome. Every statement of
db/queries and db/writes must still find its rows by index under that plan:

- on a seeded, ANALYZEd database, no Seq Scan of a person-data table the seed fills (the plan
  PostgreSQL really picks with realistic statistics);
- with sequential scans priced out, no Seq Scan of any person-data table (an index that answers
  the statement exists even where the table is empty here, such as change_log).

PG15 has no EXPLAIN (GENERIC_PLAN): each statement is PREPAREd and EXPLAIN EXECUTEd with NULLs,
which the generic plan does not look at."""

import importlib
import pkgutil
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import psycopg
import pytest

import db.queries
import db.writes
from db.seed import seed_database
from db.session import Query
from db.urls import libpq_conninfo
from tests.conftest import throwaway_database

PERSONS = 10000
FILLED = 5000
"""Rows from which a table counts as filled by the seed. Below that (benefit, household and
unemployment_benefit hold ~4,000, ~3,000 and ~1,300 rows here) reading the table whole can be
the cheaper plan for ten keys; the priced-out test checks that an index exists for them."""

# Counting every person a caller may list reads the whole authority's persons whatever the plan:
# its custom plan is a Seq Scan on person too.
WHOLE_TABLE = {"persons_count"}


def _all_queries() -> list[Query]:
    found = []
    for package in (db.queries, db.writes):
        for module in pkgutil.iter_modules(package.__path__):
            mod = importlib.import_module(f"{package.__name__}.{module.name}")
            found += [v for v in vars(mod).values() if isinstance(v, Query)]
    return found


QUERIES = _all_queries()


def _prepared(query: Query) -> tuple[str, int]:
    """The statement in PREPARE's `$n` form (psycopg numbers names by first appearance), and how
    many parameters it takes."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    sql = re.sub(r"%\((\w+)\)s", number, query.sql).replace("%%", "%")
    return sql, len(names)


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in _nodes(child))]


def _generic_seq_scans(conn: psycopg.Connection, query: Query) -> set[str]:
    sql, arity = _prepared(query)
    conn.execute("DEALLOCATE ALL")
    conn.execute(f"PREPARE statement AS {sql}")
    args = f"({', '.join(['NULL'] * arity)})" if arity else ""
    row = conn.execute(f"EXPLAIN (FORMAT JSON) EXECUTE statement{args}").fetchone()
    assert row is not None
    return {n["Relation Name"] for n in _nodes(row[0][0]["Plan"]) if n["Node Type"] == "Seq Scan"}


@pytest.fixture(scope="module")
def seeded(server_url: str) -> Iterator[psycopg.Connection]:
    """A database of its own with PERSONS seeded persons, ANALYZEd, on a connection that plans
    as the API's do."""
    with throwaway_database(server_url, migrated=True) as url:
        conninfo = libpq_conninfo(url)
        seed_database(conninfo, persons=PERSONS, progress=False, workers=1, today=date(2026, 11, 1))
        # prepare_threshold=None: psycopg's own prepared statements would not survive DEALLOCATE
        with psycopg.connect(conninfo, autocommit=True, prepare_threshold=None) as conn:
            conn.execute("ANALYZE")
            conn.execute("SET plan_cache_mode = force_generic_plan")
            yield conn


@pytest.fixture(scope="module")
def person_tables(seeded: psycopg.Connection) -> set[str]:
    rows = seeded.execute(
        "SELECT table_name FROM information_schema.columns"
        " WHERE table_schema = 'public' AND column_name = 'person_id'"
    ).fetchall()
    return {name for (name,) in rows} | {"person", "household"}


@pytest.fixture(scope="module")
def filled(seeded: psycopg.Connection, person_tables: set[str]) -> set[str]:
    rows = seeded.execute(
        "SELECT relname FROM pg_class WHERE relkind = 'r'"
        " AND relnamespace = 'public'::regnamespace AND reltuples >= %s",
        (FILLED,),
    ).fetchall()
    return person_tables & {name for (name,) in rows}


def test_the_seed_fills_the_books_tables(filled: set[str]) -> None:
    assert {"person", "relative", "contribution_period", "medical_visit"} <= filled


def test_every_statement_module_is_covered() -> None:
    names = {q.name for q in QUERIES}
    assert len(QUERIES) >= 70
    assert {"contribution_totals_by_person", "settle_social_rows", "insert_visit"} <= names


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_generic_plan_reads_no_filled_person_table_whole(
    seeded: psycopg.Connection, filled: set[str], query: Query
) -> None:
    scans = _generic_seq_scans(seeded, query) & filled
    if query.name in WHOLE_TABLE:
        assert scans <= {"person"}
        return
    assert scans == set(), f"{query.name}'s generic plan reads whole tables: {sorted(scans)}"


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_generic_plan_has_an_index_for_every_person_table(
    seeded: psycopg.Connection, person_tables: set[str], query: Query
) -> None:
    seeded.execute("SET enable_seqscan = off")
    try:
        scans = _generic_seq_scans(seeded, query) & person_tables
    finally:
        seeded.execute("RESET enable_seqscan")
    if query.name in WHOLE_TABLE:
        assert scans <= {"person"}
        return
    assert scans == set(), f"{query.name}'s generic plan reads whole tables: {sorted(scans)}"

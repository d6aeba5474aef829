"""Every batch statement can be answered from an index: with sequential scans priced out, no plan
falls back to reading a whole table. (Latency flat from 10 k to 1 M persons rests on this.)"""

import importlib
import pkgutil
import re
from typing import Any

import psycopg
import pytest

import db.queries
from db.session import Query


def _all_queries() -> list[Query]:
    found = []
    for module in pkgutil.iter_modules(db.queries.__path__):
        mod = importlib.import_module(f"db.queries.{module.name}")
        found += [v for v in vars(mod).values() if isinstance(v, Query)]
    return found


def _params(query: Query) -> dict[str, Any]:
    names = set(re.findall(r"%\((\w+)\)s", query.sql))
    values: dict[str, Any] = {name: None for name in names}
    if "keys" in names:
        values["keys"] = [1, 2, 3] if "AS BIGINT[]" in query.sql else ["001088012345", "01"]
    if "limit" in names:
        values["limit"] = 21
    if "authorities" in names:
        values["authorities"] = ["FINANCE"]
    return values


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in _nodes(child))]


QUERIES = _all_queries()


def test_every_query_module_is_covered() -> None:
    assert len(QUERIES) >= 18


@pytest.mark.parametrize("query", [q for q in QUERIES if "keys" in q.sql], ids=lambda q: q.name)
def test_batch_statement_uses_indexes(conn: psycopg.Connection, query: Query) -> None:
    conn.execute("SET enable_seqscan = off")
    try:
        (plan,) = conn.execute(
            b"EXPLAIN (FORMAT JSON) " + query.sql.encode(), _params(query)
        ).fetchone()  # type: ignore[misc]
    finally:
        conn.execute("RESET enable_seqscan")
    scans = [n["Relation Name"] for n in _nodes(plan[0]["Plan"]) if n["Node Type"] == "Seq Scan"]
    assert scans == [], f"{query.name} reads whole tables: {scans}"

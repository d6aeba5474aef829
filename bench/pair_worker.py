"""One side of `bench.pairs`: the app of the tree on `sys.path[0]`, in this process, answering
the e-book (or the floor request) through `person` for random persons, called as ASGI directly
(no sockets, no client library), on uvloop with the collector set as `bhxh serve` sets it.

    python bench/pair_worker.py TREE DATABASE_URL ebook|floor REQUESTS

Prints one JSON line: this process's CPU and the database backends' per request, in µs. Only
modules every recent tree has are imported from the tree, so that a base revision from before
this file can be measured with it.
"""

import asyncio
import gc
import json
import os
import random
import sys
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

sys.path.insert(0, sys.argv[1])  # the measured tree's db and graph
sys.path.append(str(Path(__file__).resolve().parents[1]))  # bench, where the tree has none

import psycopg
import uvloop
from joserfc.jwk import ECKey
from psycopg.conninfo import make_conninfo

from bench.sidebyside.cpu import ProcStat, cpu_between, stats_of
from db.session import Database
from db.urls import libpq_conninfo
from graph.app import create_app
from graph.authz import tokens
from graph.authz.policy import BOOK
from graph.authz.principal import Role

APPLICATION = f"bench-pair-{os.getpid()}"
WARM_UP = 200
FLOOR = "query Book($id: String!) { person(identificationNumber: $id) { fullName } }"
EBOOK = "query Book($id: String!) { person(identificationNumber: $id) { ...EBook } }"


def _backends(conninfo: str) -> dict[int, ProcStat]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (APPLICATION,)
        ).fetchall()
    return stats_of(pid for (pid,) in rows)


def _persons(conninfo: str) -> list[str]:
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT p.identification_number FROM person p"
            " WHERE p.managing_authority = 'FINANCE' AND p.identification_number IS NOT NULL"
            " AND EXISTS (SELECT 1 FROM contribution_period c WHERE c.person_id = p.id)"
            " ORDER BY p.id LIMIT 5000"
        ).fetchall()
    return [r[0] for r in rows]


async def _measure(url: str, document: str, requests: int) -> dict[str, Any]:
    conninfo = libpq_conninfo(url)
    tree = Path(sys.argv[1])
    query = FLOOR
    if document == "ebook":
        query = EBOOK + (tree / "examples" / "operations" / "ebook.fragment.graphql").read_text()
    persons = _persons(conninfo)
    key = ECKey.generate_key("P-256", private=True, auto_kid=True)
    database = Database(make_conninfo(conninfo, application_name=APPLICATION), min_size=1)
    app = create_app(
        database=database, verifier=tokens.dev_verifier(key), dev=False, graphiql=False
    )
    token = tokens.mint(
        key, role=Role.OFFICER, subject="bench", scopes=[g.value.lower() for g in BOOK]
    )
    headers = [
        (b"content-type", b"application/json"),
        (b"authorization", f"Bearer {token}".encode()),
    ]
    gc.freeze()  # as graph.serving.build_app
    gc.set_threshold(10_000, *gc.get_threshold()[1:])
    rng = random.Random(1)

    async def one() -> None:
        body = json.dumps({"query": query, "variables": {"id": rng.choice(persons)}}).encode()
        sent = False
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.Event().wait()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "http", "path": "/graphql", "raw_path": b"/graphql", "query_string": b"",
            "root_path": "", "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }  # fmt: skip
        await app(scope, receive, send)
        answer = json.loads(b"".join(chunks))
        if "errors" in answer:
            raise SystemExit(f"the request failed: {answer['errors'][:1]}")

    async with app.router.lifespan_context(app):
        for _ in range(WARM_UP):
            await one()
        backends = _backends(conninfo)
        cpu = time.process_time()
        for _ in range(requests):
            await one()
        cpu = time.process_time() - cpu
        database_cpu = cpu_between(backends, _backends(conninfo))
    return {"cpu_us": cpu / requests * 1e6, "database_us": database_cpu / requests * 1e6}


if __name__ == "__main__":
    _, _, url, document, requests = sys.argv
    print(json.dumps(uvloop.run(_measure(url, document, int(requests)))))

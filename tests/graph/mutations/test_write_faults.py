"""Exactly once through a database restart: a bounded concurrent client submits employers'
declarations while the (private) PostgreSQL cluster is stopped and started again, retrying every
failed or timed-out call with the same idempotency key. Afterwards the database holds each
declaration exactly once and everything the client was told succeeded: 0 lost, 0 duplicated.

The cluster is tests/graph/test_faults.py's (a private one in a temporary directory: the shared
test server is never restarted)."""

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
from joserfc.jwk import ECKey

from db import bhyt_rules
from graph.authz import tokens
from graph.authz.principal import Role
from tests.e2e.conftest import serve
from tests.factories import employer as employers
from tests.factories import person as persons
from tests.factories import reference
from tests.graph.mutations.declarations import SUBMIT, declaration, opening
from tests.graph.test_faults import Cluster, _app, cluster  # noqa: F401 (a fixture)

EMPLOYERS = 48
HIRES = 8
CLIENTS = 4
OUTAGE = 2.0
GIVE_UP = 60.0
"""Seconds a declaration may keep failing before the client gives up (the test then fails)."""


@dataclass
class Submission:
    key: str
    token: str
    variables: dict[str, Any]
    attempts: int = 0
    failures: list[str] = field(default_factory=list)
    declaration_id: str | None = None


def _submissions(conn: psycopg.Connection, key: ECKey) -> list[Submission]:
    office = reference.office(conn)
    month = bhyt_rules.today().strftime("%Y-%m")
    submissions = []
    for i in range(EMPLOYERS):
        employer = employers.employer(conn, office, name=f"Công ty {i}")
        hires = [opening(persons.person(conn)) for _ in range(HIRES)]
        token = tokens.mint(key, role=Role.EMPLOYER, subject="hr", org=employer["tax_code"])
        variables = declaration(month, *hires)
        submissions.append(Submission(f"restart-{i}", token, variables))
    return submissions


async def _submit_until_done(
    client: httpx.AsyncClient,
    queue: asyncio.Queue[Submission],
    done: list[Submission],
    underway: asyncio.Event,
) -> None:
    while not queue.empty():
        s = queue.get_nowait()
        started = time.monotonic()
        while s.declaration_id is None:
            assert time.monotonic() - started < GIVE_UP, (s.key, s.failures[-5:])
            s.attempts += 1
            try:
                response = await client.post(
                    "/graphql",
                    json={"query": SUBMIT, "variables": {**s.variables, "idempotencyKey": s.key}},
                    headers={"Authorization": f"Bearer {s.token}"},
                )
                body = response.json()
            except (httpx.TransportError, ValueError) as exc:
                s.failures.append(type(exc).__name__)
            else:
                if body.get("errors"):
                    s.failures.append(",".join(e["extensions"]["code"] for e in body["errors"]))
                else:
                    s.declaration_id = body["data"]["submitContributionDeclaration"]["id"]
                    break
            await asyncio.sleep(0.1)
        done.append(s)
        if len(done) >= EMPLOYERS // 4:
            underway.set()
        await asyncio.sleep(0.05)  # a bounded client: the declarations span the outage


async def test_a_restart_loses_and_duplicates_no_declaration(
    cluster: Cluster,  # noqa: F811
    dev_key: ECKey,
) -> None:
    with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
        submissions = _submissions(conn, dev_key)
    queue: asyncio.Queue[Submission] = asyncio.Queue()
    for s in submissions:
        queue.put_nowait(s)
    done: list[Submission] = []
    underway = asyncio.Event()
    _, app = _app(cluster, dev_key)
    with serve(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=5) as client:
            clients = [
                asyncio.ensure_future(_submit_until_done(client, queue, done, underway))
                for _ in range(CLIENTS)
            ]
            await underway.wait()
            await asyncio.to_thread(cluster.postgres.stop)
            await asyncio.sleep(OUTAGE)
            await asyncio.to_thread(cluster.postgres.start)
            await asyncio.gather(*clients)

    assert sorted(s.key for s in done) == sorted(s.key for s in submissions)
    assert any(s.failures for s in done), "the outage was not felt: this test proves nothing"
    codes = {code for s in done for failure in s.failures for code in failure.split(",")}
    assert codes <= {
        "SERVICE_UNAVAILABLE",
        "DEADLINE_EXCEEDED",
        "ReadTimeout",
        "ConnectError",
        "RemoteProtocolError",
        "ReadError",
    }, codes
    with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
        stored = {
            str(row[0])
            for row in conn.execute(
                "SELECT d.id FROM contribution_declaration d"
                " JOIN employer e ON e.id = d.employer_id WHERE e.name LIKE 'Công ty %'"
            ).fetchall()
        }
        # Every hire opened its rows once: no person has two open rows of one scheme.
        doubled = conn.execute(
            "SELECT person_id, scheme FROM contribution_period WHERE to_month IS NULL"
            " GROUP BY person_id, scheme HAVING count(*) > 1"
        ).fetchall()
        keys = conn.execute(
            "SELECT count(*) FROM idempotency_record WHERE key LIKE 'restart-%'"
        ).fetchone()
    assert {s.declaration_id for s in done} == stored  # 0 lost, and nothing the client missed
    assert len(stored) == EMPLOYERS  # 0 duplicated
    assert doubled == []
    assert keys == (EMPLOYERS,)

"""Employers' monthly declarations: lines per second, statements per declaration, and the e-book's
reads while declarations are written.

    python -m bench.declarations --database-url postgresql://… [--employees 500] [--months 12]
                                 [--readers 2]

Against a migrated (and seeded, for the reads) database: makes one employer with N new persons,
then serves the app in-process (ASGI, production settings) and submits, as the employer, a START
declaration of all N for the first month and a SALARY_CHANGE of all N for each following month
(months in the past, so the rules of each month apply), one declaration at a time. Reports
declarations' p50/p95, lines per second and statements per declaration; then the e-book read
(`_entities`, one book, an officer) alone and while the declarations run, with its statements.
"""

import argparse
import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any

import httpx
import psycopg
from joserfc.jwk import ECKey

from bench.ebook import FRAGMENT, QUERY, _sample
from db.enums import Sex
from db.identifiers import make_personal_id, make_tax_code
from db.session import Reader
from db.urls import libpq_conninfo
from graph.app import create_app
from graph.authz import tokens
from graph.authz.policy import BOOK
from graph.authz.principal import Role
from tests.graph.conftest import CountingDatabase

_REQUEST: ContextVar[list[Reader]] = ContextVar("request_readers")


class _TaggedDatabase(CountingDatabase):
    """Hands each request's readers to the request's caller (httpx's ASGI transport runs the app
    in the caller's task), so concurrent requests count their own statements."""

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[Reader]:
        async with super().reader() as reader:
            _REQUEST.get().append(reader)
            yield reader


async def _post(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]
) -> tuple[dict[str, Any], float, int]:
    """The body, the seconds it took and the statements it ran."""
    readers: list[Reader] = []
    _REQUEST.set(readers)
    start = time.perf_counter()
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=_auth(token)
    )
    seconds = time.perf_counter() - start
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body["errors"][:2]
    return body, seconds, sum(r.statements for r in readers)


SUBMIT = """mutation($input: ContributionDeclarationInput!, $idempotencyKey: String!) {
  submitContributionDeclaration(input: $input, idempotencyKey: $idempotencyKey) {
    id lines { outcome } } }"""


def _employer_with_people(conninfo: str, employees: int) -> tuple[str, list[str]]:
    """A new employer and `employees` new persons nobody employs (owner's inserts)."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        office = conn.execute("SELECT code FROM social_insurance_office LIMIT 1").fetchone()
        assert office, "the database needs its reference lists: bhxh db upgrade"
        run = conn.execute(
            "SELECT coalesce(max(substr(unit_code, 6)::int), -1) + 1 FROM employer"
            " WHERE unit_code ~ '^BENCH[0-9]+$'"
        ).fetchone()[0]  # type: ignore[index]
        base = 400_000 + run * 2_000  # room for 2,000 persons a run, 300 runs
        tax_code = next(c for n in range(base, base + 100) if (c := make_tax_code("01", n)))
        conn.execute(
            "INSERT INTO employer (tax_code, name, enterprise_code, unit_code,"
            " head_office_address, province_code, business_lines, enterprise_type, office_code)"
            " VALUES (%s, 'Công ty Đo tải', %s, %s, 'Hà Nội', '01', '{}', 'LIMITED_COMPANY', %s)",
            [tax_code, tax_code, f"BENCH{run:05d}", office[0]],
        )
        ids = [make_personal_id("96", Sex.FEMALE, 1999, base + i) for i in range(employees)]
        with conn.cursor().copy(
            "COPY person (identification_number, full_name, birth_date, birth_date_precision,"
            " sex, ethnicity_code, birth_registration_place, birth_registration_province_code,"
            " hometown, permanent_residence, residence_province_code) FROM STDIN"
        ) as copy:
            for ident in ids:
                copy.write_row(
                    [
                        ident,
                        "Người Đo Tải",
                        date(1999, 1, 1),
                        "DAY",
                        "FEMALE",
                        "01",
                        "Hà Nội",
                        "01",
                        "Hà Nội",
                        "Hà Nội",
                        "01",
                    ]
                )
    return tax_code, ids


def _months(n: int) -> list[str]:
    today = date.today()
    first = today.year * 12 + today.month - 1 - n
    return [f"{(first + i) // 12:04d}-{(first + i) % 12 + 1:02d}" for i in range(1, n + 1)]


async def _declare(
    client: httpx.AsyncClient,
    token: str,
    ids: list[str],
    months: list[str],
    hired: list[str],
) -> tuple[list[float], list[int]]:
    """Declares `months` in turn: START for all at the first month ever declared (`hired` keeps
    the months declared so far), SALARY_CHANGE after."""
    timings, statements = [], []
    for month in months:
        first = not hired
        hired.append(month)
        i = len(hired) - 1
        kind = "START" if first else "SALARY_CHANGE"
        lines = [
            {
                "identificationNumber": ident,
                "kind": kind,
                "salaryVnd": 8_000_000 + i * 100_000,
                "jobTitle": "Công nhân",
                "schemes": ["COMPULSORY_SOCIAL", "UNEMPLOYMENT"],
            }
            for ident in ids
        ]
        variables = {
            "input": {"month": month, "wageRegion": "REGION_I", "lines": lines},
            "idempotencyKey": f"bench-{month}-{time.time_ns()}",
        }
        _, seconds, count = await _post(client, token, SUBMIT, variables)
        timings.append(seconds)
        statements.append(count)
    return timings, statements


async def _read(
    client: httpx.AsyncClient,
    token: str,
    people: list[str],
    stop: asyncio.Event | None,
    count: int = 0,
) -> tuple[list[float], list[int]]:
    """One book per request, `count` requests or until `stop`."""
    timings, statements = [], []
    i = 0
    while (stop is None and i < count) or (stop is not None and not stop.is_set()):
        reps = [{"__typename": "Person", "identificationNumber": people[i % len(people)]}]
        i += 1
        _, seconds, n = await _post(client, token, QUERY + FRAGMENT, {"ids": reps})
        timings.append(seconds)
        statements.append(n)
    return timings, statements


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _ms(values: list[float], q: int) -> float:
    return (
        statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else values[0] * 1000
    )


async def _run(conninfo: str, employees: int, months: int, readers: int) -> None:
    key = ECKey.generate_key("P-256", private=True, auto_kid=True)
    tax_code, ids = _employer_with_people(conninfo, employees)
    people = [p[1] for p in _sample(conninfo, 200, 7)]
    database = _TaggedDatabase(conninfo, max_size=readers + 2)
    app = create_app(
        database=database, verifier=tokens.dev_verifier(key), dev=False, graphiql=False
    )
    employer = tokens.mint(key, role=Role.EMPLOYER, subject="bench", org=tax_code)
    officer = tokens.mint(
        key, role=Role.OFFICER, subject="bench", scopes=[g.value.lower() for g in BOOK]
    )
    alone_months, loaded_months = _months(2 * months)[:months], _months(2 * months)[months:]
    hired: list[str] = []
    await database.open()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=120
        ) as client:
            await _read(client, officer, people, None, 20)  # warm up
            reads, read_statements = await _read(client, officer, people, None, 200)
            declared, statements = await _declare(client, employer, ids, alone_months, hired)
            stop = asyncio.Event()
            reading = [
                asyncio.ensure_future(_read(client, officer, people, stop)) for _ in range(readers)
            ]
            loaded, loaded_statements = await _declare(client, employer, ids, loaded_months, hired)
            stop.set()
            during = await asyncio.gather(*reading)
    finally:
        await database.close()
    print(f"declarations of {employees} lines, one at a time ({months} months; the first hires)")
    _report("alone", declared, statements, employees)
    _report(f"beside {readers} readers", loaded, loaded_statements, employees)
    reads_during = [t for r in during for t in r[0]]
    statements_during = [n for r in during for n in r[1]]
    print("e-book reads (one book, an officer)")
    print(
        f"  alone ({len(reads)}): p50 {_ms(reads, 50):.1f} ms  p95 {_ms(reads, 95):.1f} ms,"
        f" statements {min(read_statements)}–{max(read_statements)}"
    )
    print(
        f"  during the declarations ({len(reads_during)}): p50 {_ms(reads_during, 50):.1f} ms"
        f"  p95 {_ms(reads_during, 95):.1f} ms,"
        f" statements {min(statements_during)}–{max(statements_during)}"
    )


def _report(label: str, timings: list[float], statements: list[int], lines: int) -> None:
    print(
        f"  {label}: p50 {_ms(timings, 50):.1f} ms  p95 {_ms(timings, 95):.1f} ms,"
        f" {lines * len(timings) / sum(timings):,.0f} lines/s,"
        f" statements per declaration {min(statements)}–{max(statements)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--employees", type=int, default=500)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--readers", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(_run(libpq_conninfo(args.database_url), args.employees, args.months, args.readers))


if __name__ == "__main__":
    main()

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
from datetime import date
from typing import Any

import httpx
import psycopg
from joserfc.jwk import ECKey

from bench.ebook import FRAGMENT, QUERY, _sample
from db.enums import Sex
from db.identifiers import make_personal_id, make_tax_code
from db.urls import libpq_conninfo
from graph.app import create_app
from graph.authz import tokens
from graph.authz.policy import BOOK
from graph.authz.principal import Role
from tests.graph.conftest import CountingDatabase

SUBMIT = """mutation($input: ContributionDeclarationInput!, $idempotencyKey: String!) {
  submitContributionDeclaration(input: $input, idempotencyKey: $idempotencyKey) {
    id lines { outcome } } }"""


def _employer_with_people(conninfo: str, employees: int, run: int) -> tuple[str, list[str]]:
    """A new employer and `employees` new persons nobody employs (owner's inserts)."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        office = conn.execute("SELECT code FROM social_insurance_office LIMIT 1").fetchone()
        assert office, "the database needs its reference lists: bhxh db upgrade"
        base = 900_000 + run * 10_000
        tax_code = next(c for n in range(base, base + 100) if (c := make_tax_code("01", n)))
        conn.execute(
            "INSERT INTO employer (tax_code, name, enterprise_code, unit_code,"
            " head_office_address, province_code, business_lines, enterprise_type, office_code)"
            " VALUES (%s, 'Công ty Đo tải', %s, %s, 'Hà Nội', '01', '{}', 'LIMITED_COMPANY', %s)",
            [tax_code, tax_code, f"BENCH{run:05d}", office[0]],
        )
        ids = [make_personal_id("096", Sex.FEMALE, 1999, base + i) for i in range(employees)]
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
                        date(1990, 1, 1),
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
    database: CountingDatabase,
    token: str,
    ids: list[str],
    months: list[str],
) -> tuple[list[float], list[int]]:
    timings, statements = [], []
    for i, month in enumerate(months):
        kind = "START" if i == 0 else "SALARY_CHANGE"
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
        before = len(database.readers)
        start = time.perf_counter()
        response = await client.post(
            "/graphql", json={"query": SUBMIT, "variables": variables}, headers=_auth(token)
        )
        timings.append(time.perf_counter() - start)
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body["errors"][:2]
        statements.append(sum(r.statements for r in database.readers[before:]))
    return timings, statements


async def _read(
    client: httpx.AsyncClient,
    database: CountingDatabase,
    token: str,
    people: list[str],
    stop: asyncio.Event | None,
    count: int,
) -> tuple[list[float], list[int]]:
    timings, statements = [], []
    i = 0
    while (stop is None and i < count) or (stop is not None and not stop.is_set()):
        reps = [{"__typename": "Person", "identificationNumber": people[i % len(people)]}]
        i += 1
        before = len(database.readers)
        start = time.perf_counter()
        response = await client.post(
            "/graphql",
            json={"query": QUERY + FRAGMENT, "variables": {"ids": reps}},
            headers=_auth(token),
        )
        timings.append(time.perf_counter() - start)
        assert "errors" not in response.json()
        statements.append(sum(r.statements for r in database.readers[before:]))
    return timings, statements


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _ms(values: list[float], q: int) -> float:
    return (
        statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else values[0] * 1000
    )


async def _run(conninfo: str, employees: int, months: int, readers: int) -> None:
    key = ECKey.generate_key("P-256", private=True, auto_kid=True)
    run = int(time.time()) % 50
    tax_code, ids = _employer_with_people(conninfo, employees, run)
    people = [p[1] for p in _sample(conninfo, 200, 7)]
    database = CountingDatabase(conninfo, max_size=readers + 2)
    app = create_app(
        database=database, verifier=tokens.dev_verifier(key), dev=False, graphiql=False
    )
    employer = tokens.mint(key, role=Role.EMPLOYER, subject="bench", org=tax_code)
    officer = tokens.mint(
        key, role=Role.OFFICER, subject="bench", scopes=[g.value.lower() for g in BOOK]
    )
    await database.open()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=120
        ) as client:
            await _read(client, database, officer, people, None, 20)  # warm up
            alone, alone_statements = await _read(client, database, officer, people, None, 200)
            stop = asyncio.Event()
            reading = [
                asyncio.ensure_future(_read(client, database, officer, people, stop, 0))
                for _ in range(readers)
            ]
            declared, statements = await _declare(client, database, employer, ids, _months(months))
            stop.set()
            during = [t for r in await asyncio.gather(*reading) for t in r[0]]
            during_statements = [s for r in await asyncio.gather(*reading) for s in r[1]]
    finally:
        await database.close()
    lines = employees * months
    print(f"declarations: {months} × {employees} lines, one at a time")
    print(f"  p50 {_ms(declared, 50):8.1f} ms  p95 {_ms(declared, 95):8.1f} ms")
    print(f"  lines per second {lines / sum(declared):,.0f}")
    print(f"  statements per declaration: min {min(statements)}  max {max(statements)}")
    print(
        f"e-book reads alone ({len(alone)}): p50 {_ms(alone, 50):.1f} ms  p95 {_ms(alone, 95):.1f} ms"
        f"  statements {min(alone_statements)}–{max(alone_statements)}"
    )
    print(
        f"e-book reads with {readers} readers during the declarations ({len(during)}):"
        f" p50 {_ms(during, 50):.1f} ms  p95 {_ms(during, 95):.1f} ms"
        f"  statements {min(during_statements)}–{max(during_statements)}"
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

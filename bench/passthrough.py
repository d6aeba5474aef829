"""The least a Python server can spend per e-book: not the product, a bound for its design.

    python -m bench.passthrough --database-url postgresql://… [--port 8012]

Serves `POST /graphql` with a body `{"variables": {"id": "<personal ID>"}}` (the side-by-side
harness's `person` workload fits) by one prepared statement that builds the whole book's JSON in
PostgreSQL — whole rows of the person and of every relation the e-book reads — and writes its
text out as the response. No GraphQL, authorization, access log or derived values: what is left
is HTTP, one statement and the JSON PostgreSQL builds (bench/results/ebook.md, "The fixed cost of
a request"). Load it with wrk (`bench/wrk/ebook.lua`) and read the CPU of this process and of
PostgreSQL's backends from /proc.
"""

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
import uvicorn
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from db.urls import libpq_conninfo

BOOK = """
SELECT json_build_object('data', json_build_object('person', (
  SELECT to_jsonb(p) || jsonb_build_object(
    'relatives', (SELECT coalesce(jsonb_agg(r), '[]') FROM relative r WHERE r.person_id = p.id),
    'households', (
      SELECT coalesce(jsonb_agg(jsonb_build_object('household', h, 'members',
        (SELECT jsonb_agg(o) FROM household_member o WHERE o.household_id = h.id))), '[]')
      FROM household_member m JOIN household h ON h.id = m.household_id WHERE m.person_id = p.id),
    'socialInsurance', (
      SELECT coalesce(jsonb_agg(to_jsonb(s) || jsonb_build_object('office', o.name)), '[]')
      FROM social_insurance s JOIN social_insurance_office o ON o.code = s.office_code
      WHERE s.person_id = p.id),
    'contributionPeriods', (
      SELECT coalesce(jsonb_agg(to_jsonb(c) || jsonb_build_object('employer', e.name,
        'taxCode', e.tax_code) ORDER BY c.from_month), '[]')
      FROM contribution_period c LEFT JOIN employer e ON e.id = c.employer_id
      WHERE c.person_id = p.id),
    'benefits', (
      SELECT coalesce(jsonb_agg(b ORDER BY b.period_from), '[]') FROM benefit b
      WHERE b.person_id = p.id),
    'cards', (
      SELECT coalesce(jsonb_agg(to_jsonb(c) || jsonb_build_object('facility', f.name)
        ORDER BY c.valid_from), '[]')
      FROM health_insurance_card c JOIN health_facility f ON f.code = c.initial_facility_code
      WHERE c.person_id = p.id),
    'medicalVisits', (
      SELECT coalesce(jsonb_agg(to_jsonb(v) || jsonb_build_object('facility', f.name)
        ORDER BY v.admitted_at), '[]')
      FROM medical_visit v JOIN health_facility f ON f.code = v.facility_code
      WHERE v.person_id = p.id),
    'unemploymentBenefits', (
      SELECT coalesce(jsonb_agg(u), '[]') FROM unemployment_benefit u WHERE u.person_id = p.id))
  FROM person p WHERE p.identification_number = %(id)s)))::text
"""


def build(database_url: str) -> Starlette:
    pool = AsyncConnectionPool(libpq_conninfo(database_url), min_size=2, max_size=4, open=False)

    async def book(request: Request) -> Response:
        body = orjson.loads(await request.body())
        async with pool.connection() as conn:
            cursor = await conn.execute(BOOK, {"id": body["variables"]["id"]}, prepare=True)
            row = await cursor.fetchone()
        return Response((row[0] if row else "null").encode(), media_type="application/json")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await pool.open()
        yield
        await pool.close()

    return Starlette(routes=[Route("/graphql", book, methods=["POST"])], lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, default=8012)
    args = parser.parse_args()
    uvicorn.run(
        build(args.database_url),
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
    )


if __name__ == "__main__":
    main()

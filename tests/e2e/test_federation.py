"""Our subgraph in a federated graph: composition by both composers, Hive Gateway in front of it
and a second subgraph (a population registry), queries that cross them with the caller's token,
and the statement budget holding behind the gateway.

(`_entities` with 100 mixed representations costing what 4 do is tests/graph/test_entities.py.)
"""

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from db import bhyt_rules
from graph.authz.principal import Role
from tests.e2e.conftest import ROOT, LiveServer, free_port, node_tool, run_process, serve
from tests.e2e.population_subgraph import Registry, Resident, create_app, sdl
from tests.factories import person as persons
from tests.factories.book import Book, book

pytestmark = pytest.mark.e2e

COMPOSE = Path(__file__).with_name("compose.mjs")

# Every client header a subgraph needs goes through explicitly; Authorization is ours.
GATEWAY_CONFIG = """\
export const gatewayConfig = {
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => ({
      authorization: request.headers.get('authorization'),
    }),
  },
};
"""

RESIDENTS = """query Residents($first: Int!) {
  residents(first: $first) {
    identificationNumber
    residence
    fullName
    socialInsurance { bhxhCode }
    workplace { taxCode name }
  }
}"""

ME = "query { me { identificationNumber fullName residence workplace { taxCode name } } }"


@dataclass
class Federation:
    gateway: str
    registry: Registry
    supergraph: str

    def query(
        self, query: str, token: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        response = httpx.post(
            f"{self.gateway}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def compose(out: Path, subgraphs: dict[str, tuple[str, Path]]) -> subprocess.CompletedProcess[str]:
    args = ["node", str(COMPOSE), "--out", str(out)]
    for name, (url, path) in subgraphs.items():
        args += ["--subgraph", f"{name},{url},{path}"]
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def federation(
    live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Federation]:
    work = tmp_path_factory.mktemp("federation")
    registry = Registry()
    with serve(create_app(registry)) as population_url:
        (work / "population.graphql").write_text(sdl())
        result = compose(
            work,
            {
                "insurance": (live_server.graphql_url, ROOT / "schema.graphql"),
                "population": (f"{population_url}/graphql", work / "population.graphql"),
            },
        )
        assert result.returncode == 0, result.stdout + result.stderr
        report = json.loads(result.stdout)
        assert report["guild"]["errors"] == []
        assert report["apollo"]["errors"] == []

        (work / "gateway.config.mjs").write_text(GATEWAY_CONFIG)
        port = free_port()
        gateway = f"http://127.0.0.1:{port}"
        with run_process(
            [
                node_tool("hive-gateway"),
                "supergraph",
                work / "supergraph.graphql",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            ready_url=f"{gateway}/readiness",
            log=work / "gateway.log",
            cwd=work,
        ):
            yield Federation(
                gateway=gateway,
                registry=registry,
                supergraph=(work / "supergraph.graphql").read_text(),
            )


@pytest.fixture
def registry(federation: Federation) -> Iterator[Registry]:
    yield federation.registry
    federation.registry.residents.clear()
    federation.registry.authorizations.clear()


def register(registry: Registry, books: list[Book]) -> None:
    for i, b in enumerate(books):
        registry.add(
            Resident(
                identification_number=b.person["identification_number"],
                residence=f"Số {i + 1} phố Huế, Hai Bà Trưng, Hà Nội",
                workplace_tax_code=b.employers[0]["tax_code"],
            )
        )


def test_both_composers_accept_the_subgraphs(federation: Federation) -> None:
    supergraph = federation.supergraph
    assert "join__Graph" in supergraph
    assert "residence: String @join__field(graph: POPULATION)" in supergraph
    assert "socialInsurance: SocialInsurance @join__field(graph: INSURANCE)" in supergraph


def test_query_from_the_population_registry_into_our_books(
    federation: Federation,
    registry: Registry,
    live_server: LiveServer,
    conn: psycopg.Connection,
) -> None:
    b = book(conn)
    register(registry, [b])
    token = live_server.officer()

    body = federation.query(RESIDENTS, token, {"first": 20})

    assert "errors" not in body, body
    assert body["data"]["residents"] == [
        {
            "identificationNumber": b.person["identification_number"],
            "residence": "Số 1 phố Huế, Hai Bà Trưng, Hà Nội",
            "fullName": b.person["full_name"],
            "socialInsurance": {"bhxhCode": b.bhxh_code},
            "workplace": {"taxCode": b.employers[0]["tax_code"], "name": b.employers[0]["name"]},
        }
    ]
    # The gateway forwarded the caller's token to both subgraphs.
    assert registry.authorizations and set(registry.authorizations) == {f"Bearer {token}"}


def test_query_from_our_books_into_the_population_registry(
    federation: Federation,
    registry: Registry,
    live_server: LiveServer,
    conn: psycopg.Connection,
) -> None:
    b, other = book(conn), book(conn)
    register(registry, [b, other])

    body = federation.query(ME, live_server.citizen(b.person))

    assert "errors" not in body, body
    assert body["data"]["me"] == {
        "identificationNumber": b.person["identification_number"],
        "fullName": b.person["full_name"],
        "residence": "Số 1 phố Huế, Hai Bà Trưng, Hà Nội",
        "workplace": {"taxCode": b.employers[0]["tax_code"], "name": b.employers[0]["name"]},
    }


def test_without_a_token_our_fields_are_refused(
    federation: Federation, registry: Registry, conn: psycopg.Connection
) -> None:
    b = book(conn)
    register(registry, [b])
    response = httpx.post(
        f"{federation.gateway}/graphql",
        json={"query": RESIDENTS, "variables": {"first": 1}},
        timeout=30,
    )
    body = response.json()
    # The population registry answers; our subgraph refuses an anonymous caller (401), and the
    # gateway reports that for each of our fields instead of leaking anything.
    assert body["data"]["residents"] == [
        {
            "identificationNumber": b.person["identification_number"],
            "residence": "Số 1 phố Huế, Hai Bà Trưng, Hà Nội",
            "fullName": None,
            "socialInsurance": None,
            "workplace": None,
        }
    ]
    assert body["errors"]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"UNAUTHENTICATED"}
    assert {e["extensions"]["serviceName"] for e in body["errors"]} == {"insurance"}
    assert registry.authorizations == [None]


def test_statement_budget_holds_behind_the_gateway(
    federation: Federation,
    registry: Registry,
    live_server: LiveServer,
    conn: psycopg.Connection,
) -> None:
    books = [book(conn) for _ in range(20)]
    register(registry, books)
    token = live_server.officer()

    def run(first: int) -> tuple[int, int]:
        def send() -> None:
            body = federation.query(RESIDENTS, token, {"first": first})
            assert "errors" not in body, body
            assert len(body["data"]["residents"]) == first
            assert all(r["socialInsurance"]["bhxhCode"] for r in body["data"]["residents"])

        return live_server.statements(send)

    run(1)  # warm up whatever the gateway caches
    one = run(1)
    twenty = run(20)
    requests, statements = one
    assert requests >= 1 and statements >= 1
    assert twenty == one, f"1 person: {one}, 20 persons: {twenty} (requests, statements)"


def _example(name: str) -> str:
    return (ROOT / "examples" / "operations" / f"{name}.graphql").read_text()


def test_mutations_through_the_gateway_write_once_per_key(
    federation: Federation, live_server: LiveServer, conn: psycopg.Connection
) -> None:
    """The gateway carries each mutation's idempotencyKey as an argument: a retry through it is
    answered from the first attempt."""
    b = book(conn)
    citizen = live_server.citizen(b.person)
    until = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()
    grant = {
        "input": {
            "grantee": "BYT",
            "dataGroups": ["HEALTH_INSURANCE"],
            "purpose": "Giám định",
            "validUntil": until,
        },
        "idempotencyKey": "through-the-gateway",
    }
    first = federation.query(_example("grant_consent"), citizen, grant)
    again = federation.query(_example("grant_consent"), citizen, grant)
    assert "errors" not in first, first
    assert again == first
    person = b.person["id"]
    assert conn.execute(
        "SELECT count(*) FROM consent WHERE person_id = %s", [person]
    ).fetchone() == (1,)

    hr = live_server.token(Role.EMPLOYER, "hr", org=b.employers[0]["tax_code"])
    hire = persons.person(conn)
    declared = federation.query(
        _example("submit_contribution_declaration"),
        hr,
        {
            "input": {
                "month": bhyt_rules.today().strftime("%Y-%m"),
                "wageRegion": "REGION_I",
                "lines": [
                    {
                        "identificationNumber": hire["identification_number"],
                        "kind": "START",
                        "salaryVnd": 9_000_000,
                        "jobTitle": "Kế toán",
                        "schemes": ["COMPULSORY_SOCIAL", "UNEMPLOYMENT"],
                    }
                ],
            },
            "idempotencyKey": "declaration-through-the-gateway",
        },
    )
    assert "errors" not in declared, declared
    (line,) = declared["data"]["submitContributionDeclaration"]["lines"]
    assert line["outcome"] == "OPENED"

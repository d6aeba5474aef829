"""The app against the test database, a client, tokens, and the statements each request ran."""

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc.jwk import ECKey
from psycopg.conninfo import conninfo_to_dict
from starlette.applications import Starlette

from db.session import DEFAULT_TIMEOUTS, Database, Reader, Timeouts
from db.urls import libpq_conninfo
from graph.app import create_app
from graph.authz import tokens
from graph.authz.policy import OFFICER_DEFAULT_SCOPES
from graph.authz.principal import Role
from graph.serving import AppSpec


class CountingDatabase(Database):
    """Keeps every request's reader so tests can read how many statements it ran."""

    def __init__(
        self, conninfo: str, *, max_size: int = 4, timeouts: Timeouts = DEFAULT_TIMEOUTS
    ) -> None:
        super().__init__(conninfo, min_size=1, max_size=max_size, timeouts=timeouts)
        self.readers: list[Reader] = []

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[Reader]:
        async with super().reader() as reader:
            self.readers.append(reader)
            yield reader


@dataclass
class Api:
    client: httpx.AsyncClient
    database: CountingDatabase
    key: ECKey
    last_statements: int = field(default=0)
    app: Starlette | None = None

    def token(self, role: Role = Role.CITIZEN, subject: str = "x", **kwargs: Any) -> str:
        return tokens.mint(self.key, role=role, subject=subject, **kwargs)

    def citizen(self, person: dict[str, Any]) -> str:
        return self.token(Role.CITIZEN, person["identification_number"])

    def officer(self, scopes: frozenset[str] = OFFICER_DEFAULT_SCOPES) -> str:
        return self.token(Role.OFFICER, "officer-1", scopes=sorted(scopes))

    async def query(
        self, query: str, token: str | None = None, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if "$idempotencyKey" in query and "idempotencyKey" not in (variables or {}):
            # A new intended write per call, unless the test retries with its own key.
            variables = {**(variables or {}), "idempotencyKey": str(uuid.uuid4())}
        before = len(self.database.readers)
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        readers = self.database.readers[before:]
        self.last_statements = sum(r.statements for r in readers)
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="session")
def dev_key(tmp_path_factory: pytest.TempPathFactory) -> ECKey:
    return tokens.load_or_create_dev_key(Path(tmp_path_factory.mktemp("keys")) / "key.json")


@asynccontextmanager
async def serving(
    database: str | CountingDatabase,
    key: ECKey,
    *,
    dev: bool = False,
    graphiql: bool = False,
    wait: bool = True,
    **app_options: Any,
) -> AsyncIterator[Api]:
    """The app over an in-process ASGI client, its pool open for the block (`wait=False`: opened
    as the app's start opens it, connecting in the background). `database` is a URL (a
    CountingDatabase over it, default pool) or a database built by the caller; `app_options` go
    to create_app (limits, persisted, federation_subjects)."""
    if isinstance(database, str):
        database = CountingDatabase(libpq_conninfo(database))
    app = create_app(
        database=database,
        verifier=tokens.dev_verifier(key),
        dev=dev,
        graphiql=graphiql,
        **app_options,
    )
    await database.open(wait=wait)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(client=client, database=database, key=key, app=app)
    finally:
        await database.close()


@pytest.fixture
async def api(runtime_url: str, dev_key: ECKey, conn: Any) -> AsyncIterator[Api]:
    async with serving(runtime_url, dev_key) as api:
        yield api


@pytest.fixture(params=[True, False], ids=["compiled", "strawberry"])
async def api_both(
    request: pytest.FixtureRequest, runtime_url: str, dev_key: ECKey, conn: Any
) -> AsyncIterator[Api]:
    """The test through the compiled plan and Strawberry's executor: what it asserts (counts
    included) holds for each. A module asks for it by defining `api` as this fixture."""
    async with serving(runtime_url, dev_key, compiled=request.param) as api:
        yield api


Query = Callable[..., Any]


@pytest.fixture
def served_as(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """`bhxh serve` without serving: the database user each start would have served as."""
    users: list[str] = []

    def serve(spec: AppSpec, *_: Any) -> None:
        users.append(str(conninfo_to_dict(spec.runtime_conninfo).get("user") or ""))

    monkeypatch.setattr("graph.cli._serve", serve)
    return users

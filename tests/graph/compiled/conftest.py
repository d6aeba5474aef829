"""Two apps over the same database: compiled plans on, and Strawberry's executor alone."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from joserfc.jwk import ECKey

from graph.compiled.executor import CompiledExecutor
from tests.graph.conftest import Api, serving


def compiled_runs(api: Api) -> int:
    """How many operations the app ran through a compiled plan."""
    assert api.app is not None
    executor = api.app.state.schema.execution_context_class
    assert issubclass(executor, CompiledExecutor)
    runs: int = executor.plans.compiled
    return runs


@dataclass
class Both:
    compiled: Api
    strawberry: Api
    statements: tuple[int, int] = (0, 0)
    """(compiled, Strawberry) statements of the last comparison."""

    async def compare(
        self,
        conn: psycopg.Connection,
        query: str,
        token: str,
        variables: dict[str, Any] | None = None,
        *,
        planned: bool = True,
    ) -> dict[str, Any]:
        """Both answers, which must be equal, with equal access-log rows; the compiled one.
        `planned`: whether the compiled app must have run it through its plan."""
        log = _log_rows(conn)
        reference = await self.strawberry.query(query, token, variables)
        reference_log = _log_rows(conn)[len(log) :]
        runs = compiled_runs(self.compiled)
        body = await self.compiled.query(query, token, variables)
        compiled_log = _log_rows(conn)[len(log) + len(reference_log) :]
        assert compiled_runs(self.compiled) == runs + (1 if planned else 0)
        assert body == reference
        assert compiled_log == reference_log
        self.statements = (self.compiled.last_statements, self.strawberry.last_statements)
        return body


def _log_rows(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    """The access log without what differs between two requests (time, request id)."""
    rows = conn.execute(
        "SELECT person_id, actor_role, actor_subject, actor_org, data_groups, grounds,"
        " operation_name FROM access_log ORDER BY id"
    ).fetchall()
    return [tuple(r) for r in rows]


@pytest.fixture
async def both(runtime_url: str, dev_key: ECKey, conn: Any) -> AsyncIterator[Both]:
    async with (
        serving(runtime_url, dev_key, compiled=True) as compiled,
        serving(runtime_url, dev_key, compiled=False) as strawberry,
    ):
        yield Both(compiled, strawberry)

"""Hooks found once per extension class run as Strawberry's own runner runs them."""

from collections.abc import AsyncIterator, Iterator

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext

from graph.extension_hooks import CachedHooksRunner

EVENTS: list[str] = []


class Outer(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        EVENTS.append("outer operation in")
        yield
        result = self.execution_context.result
        EVENTS.append(f"outer operation out: {result is not None and bool(result.errors)}")

    async def on_execute(self) -> AsyncIterator[None]:
        EVENTS.append("outer execute in")
        yield
        EVENTS.append("outer execute out")


class Inner(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        EVENTS.append("inner parse in")
        yield
        EVENTS.append("inner parse out")

    def on_validate(self) -> None:  # type: ignore[override]  # a function: Strawberry wraps it
        EVENTS.append("inner validate")

    def on_execute(self) -> Iterator[None]:
        EVENTS.append("inner execute in")
        try:
            yield
        finally:
            EVENTS.append("inner execute out")


@strawberry.type
class Query:
    @strawberry.field
    def ok(self) -> int:
        return 1

    @strawberry.field
    def fails(self) -> int | None:
        raise ValueError("no")


class Cached(strawberry.Schema):
    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return CachedHooksRunner(execution_context, extensions)


@pytest.mark.parametrize("document", ["{ ok }", "{ ok fails }", "{ nope }", "{"])
async def test_the_same_hooks_in_the_same_order(document: str) -> None:
    results = []
    for schema_class in (strawberry.Schema, Cached):
        EVENTS.clear()
        schema = schema_class(query=Query, extensions=[Outer, Inner])
        result = await schema.execute(document)
        results.append((list(EVENTS), result.data, [e.message for e in result.errors or []]))
    assert results[0] == results[1]
    assert results[1][0][0] == "outer operation in"

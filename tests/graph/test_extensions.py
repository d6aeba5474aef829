"""Extensions run as one (graph.extensions) exactly as Strawberry runs them one by one: the same
hooks, in the same order, seeing the same context and the same failures."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension

from graph.extensions import Combined, combined

Log = list[str]


def _recording(name: str, log: Log, *, fail_on: str | None = None) -> type[SchemaExtension]:
    def sync_hook(phase: str) -> Any:
        def hook(self: SchemaExtension) -> Iterator[None]:
            log.append(f"{name} enter {phase} {self.execution_context.operation_name}")
            if fail_on == f"enter {phase}":
                raise ValueError(f"{name} refuses")
            try:
                yield
            except Exception as exc:
                log.append(f"{name} saw {type(exc).__name__} in {phase}")
                raise
            log.append(f"{name} exit {phase}")

        return hook

    async def on_operation(self: SchemaExtension) -> AsyncIterator[None]:
        log.append(f"{name} enter on_operation")
        if fail_on == "enter on_operation":
            raise ValueError(f"{name} refuses")
        yield
        result = self.execution_context.result
        log.append(f"{name} exit on_operation errors={len(getattr(result, 'errors', None) or [])}")

    return type(
        name,
        (SchemaExtension,),
        {
            "on_operation": on_operation,
            "on_parse": sync_hook("on_parse"),
            "on_validate": sync_hook("on_validate"),
            "on_execute": sync_hook("on_execute"),
        },
    )


class _OnlyParse(SchemaExtension):
    def __init__(self, log: Log) -> None:
        self.log = log

    def on_parse(self) -> Iterator[None]:
        self.log.append("only-parse enter")
        yield
        self.log.append("only-parse exit")


@strawberry.type
class _Query:
    @strawberry.field
    def hello(self) -> str:
        return "hi"

    @strawberry.field
    def broken(self) -> str:
        raise RuntimeError("boom")


async def _run(combine: bool, query: str, fail_on: str | None = None) -> tuple[Log, Any]:
    log: Log = []
    factories: list[Any] = [
        _recording("a", log),
        lambda: _OnlyParse(log),
        _recording("b", log, fail_on=fail_on),
        _recording("c", log),
    ]
    schema = strawberry.Schema(
        query=_Query, extensions=[combined(factories)] if combine else factories
    )
    try:
        result = await schema.execute(query, operation_name="Q")
    except Exception as exc:  # noqa: BLE001 (the failure itself is compared)
        return log, repr(exc)
    return log, (result.data, [e.message for e in result.errors or ()])


@pytest.mark.parametrize(
    ("query", "fail_on"),
    [
        ("query Q { hello }", None),
        ("query Q { broken }", None),
        ("query Q { hello", None),  # a syntax error: parsing fails, nothing executes
        ("query Q { nope }", None),  # a validation error
        ("query Q { hello }", "enter on_parse"),
        ("query Q { hello }", "enter on_validate"),
        ("query Q { hello }", "enter on_execute"),
        ("query Q { hello }", "enter on_operation"),
    ],
)
async def test_combined_hooks_run_as_strawberry_runs_them(query: str, fail_on: str | None) -> None:
    assert await _run(True, query, fail_on) == await _run(False, query, fail_on)


def test_an_extension_strawberry_asks_for_more_than_hooks_is_refused() -> None:
    class Resolving(SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
            return _next(root, info, *args, **kwargs)

    with pytest.raises(TypeError, match="resolve"):
        Combined([Resolving])

"""The schema's extensions, run as one Strawberry extension.

For every phase of every request, Strawberry looks up each extension's hook, inspects it and
wraps it in a new context manager (functools.wraps and all): for the nine extensions here, ~36
look-ups and a dozen wrappers a request, ~0.1 ms of a cached request's ~1 ms. `Combined` holds
the same extensions, made afresh for each request as before, and enters their hooks in the same
order on one exit stack per phase, as Strawberry does; what it learns about an extension class
(which hooks it has, of which kind) it learns once.
"""

import contextlib
import inspect
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, Final

from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

Factory = Callable[[], SchemaExtension]
_Hook = tuple[Callable[[SchemaExtension], Any], bool]
"""A hook as a context-manager factory of the extension, and whether it is asynchronous."""


_PHASES: Final = ("on_operation", "on_parse", "on_validate", "on_execute")
_SHAPES: dict[type[SchemaExtension], dict[str, _Hook]] = {}


def _shape(cls: type[SchemaExtension]) -> dict[str, _Hook]:
    """The hooks `cls` has, by phase, found once per class."""
    shape = _SHAPES.get(cls)
    if shape is not None:
        return shape
    for name in ("resolve", "get_results"):
        if getattr(cls, name) is not getattr(SchemaExtension, name):
            raise TypeError(f"{cls.__name__}.{name}: Strawberry would not ask Combined for it")
    shape = {}
    for phase in _PHASES:
        hook = getattr(cls, phase)
        if hook is getattr(SchemaExtension, phase):
            continue
        if inspect.isasyncgenfunction(hook) and phase == "on_operation":
            shape[phase] = (contextlib.asynccontextmanager(hook), True)
        elif inspect.isgeneratorfunction(hook):
            shape[phase] = (contextlib.contextmanager(hook), False)
        else:
            raise TypeError(f"{cls.__name__}.{phase}: not a hook Combined runs")
    _SHAPES[cls] = shape
    return shape


class Combined(SchemaExtension):
    """`factories`' extensions, in order, as one.

    As Strawberry's runner does for each phase: hooks are entered in order on one exit stack,
    which the phase's end (or failure) unwinds in reverse; a hook that fails on entering leaves
    those entered before it as Strawberry leaves them (not unwound)."""

    def __init__(self, factories: Sequence[Factory]) -> None:
        self.parts = [factory() for factory in factories]
        self.shapes = [_shape(type(part)) for part in self.parts]

    @property
    def execution_context(self) -> ExecutionContext:
        return self._execution_context

    @execution_context.setter
    def execution_context(self, context: ExecutionContext) -> None:
        self._execution_context = context
        for part in self.parts:
            part.execution_context = context

    def _hooks(self, phase: str) -> list[tuple[SchemaExtension, _Hook]]:
        return [
            (part, shape[phase])
            for part, shape in zip(self.parts, self.shapes, strict=True)
            if phase in shape
        ]

    async def on_operation(self) -> AsyncIterator[None]:
        stack = contextlib.AsyncExitStack()
        for part, (enter, is_async) in self._hooks("on_operation"):
            if is_async:
                await stack.enter_async_context(enter(part))
            else:
                stack.enter_context(enter(part))
        async with stack:
            yield

    def on_parse(self) -> Iterator[None]:
        yield from self._phase("on_parse")

    def on_validate(self) -> Iterator[None]:
        yield from self._phase("on_validate")

    def on_execute(self) -> Iterator[None]:
        yield from self._phase("on_execute")

    def _phase(self, phase: str) -> Iterator[None]:
        stack = contextlib.ExitStack()
        for part, (enter, _) in self._hooks(phase):
            stack.enter_context(enter(part))
        with stack:
            yield


def combined(factories: Sequence[Factory]) -> Factory:
    """The schema's one extension factory: a `Combined` of `factories` per request."""
    return lambda: Combined(factories)

"""Strawberry's extension hooks, found once per extension class instead of on every request.

For each of an operation's four stages, Strawberry's runner asks every extension whether it has
that stage's hook (`inspect` on the function) and wraps the hook it finds in a new
`contextlib.contextmanager` (functools.wraps included): ~40 look-ups and wrappings a request with
this schema's extensions, though the answer depends on the extension's class only. Here it is
found once per class and stage; the hooks then run exactly as Strawberry runs them (entered in
the extensions' order on one exit stack, left in reverse).
"""

import contextlib
import inspect
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
    WrappedHook,
)
from strawberry.extensions.runner import SchemaExtensionsRunner

# A stage's hook of one class: what makes its context manager from an instance, and whether
# that context manager is asynchronous; None where the class has no hook for the stage.
_Hook = tuple[Callable[[SchemaExtension], Any], bool] | None


_HOOKS: dict[tuple[type[SchemaExtension], str], _Hook | str] = {}


def _hook(cls: type[SchemaExtension], name: str) -> _Hook | str:
    key = (cls, name)
    if key not in _HOOKS:
        _HOOKS[key] = _find_hook(cls, name)
    return _HOOKS[key]


def _find_hook(cls: type[SchemaExtension], name: str) -> _Hook | str:
    """The class's hook for stage `name`; "other" when it is neither a generator nor an
    asynchronous generator (Strawberry's own wrapping handles those, per request)."""
    function = getattr(cls, name)
    if function is getattr(SchemaExtension, name):
        return None
    if inspect.isgeneratorfunction(function):
        return contextlib.contextmanager(function), False
    if inspect.isasyncgenfunction(function):
        return contextlib.asynccontextmanager(function), True
    return "other"


class _Cached(ExtensionContextManagerBase):
    def __init__(self, extensions: Sequence[SchemaExtension]) -> None:
        self.hooks: list[WrappedHook] = []
        for extension in extensions:
            hook = _hook(type(extension), self.HOOK_NAME)
            if hook is None:
                continue
            if isinstance(hook, str):
                self.default_hook = getattr(SchemaExtension, self.HOOK_NAME)
                wrapped = self.get_hook(extension)
                if wrapped is not None:
                    self.hooks.append(wrapped)
                continue
            factory, is_async = hook
            self.hooks.append(WrappedHook(extension, partial(factory, extension), is_async))


class _Operation(_Cached, OperationContextManager):
    pass


class _Parsing(_Cached, ParsingContextManager):
    pass


class _Validation(_Cached, ValidationContextManager):
    pass


class _Executing(_Cached, ExecutingContextManager):
    pass


class CachedHooksRunner(SchemaExtensionsRunner):
    def operation(self) -> OperationContextManager:
        return _Operation(self.extensions)

    def parsing(self) -> ParsingContextManager:
        return _Parsing(self.extensions)

    def validation(self) -> ValidationContextManager:
        return _Validation(self.extensions)

    def executing(self) -> ExecutingContextManager:
        return _Executing(self.extensions)

"""Executes a plan for one request, level by level: each field of a plan node is resolved for
every object of the level at once, and the objects it yields form the next level. The fields
read from the object itself are written by the plan's generated function (graph.compiled.writers),
the others one by one here.

The response is written as plain dicts and lists while it is built. Completion follows
graphql-core's `complete_value` (exceptions as field errors, non-null checks, lists, leaves
through `complete_leaf_value` as graph.compiled.leaves answers it, objects, unions); a
non-null field that fails nulls the nearest nullable position above it, and each error is
located with `located_error` at the field's path and recorded at the position it nulled, as
graphql-core records it.
"""

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import replace
from inspect import isawaitable
from typing import Any

from graphql import (
    GraphQLError,
    located_error,
)
from graphql.execution.executor import CollectedErrors
from graphql.pyutils import Path, is_iterable
from orjson import Fragment

from graph.compiled.info import PlanInfo
from graph.compiled.plan import FieldPlan, ObjectPlan, Plan
from graph.compiled.resolvers import Resolver

_NO_ARGUMENTS: dict[str, Any] = {}


class Position:
    """A place in the response that holds an object or a list: `holder[key]`. `up` is the
    position of the object it belongs to; a non-null position that fails fails `up` too."""

    __slots__ = ("_path", "holder", "key", "nonnull", "out", "source", "typename", "up")

    def __init__(
        self,
        holder: Any,
        key: str | int,
        nonnull: bool,
        up: "Position | None",
        typename: str | None,
        source: Any = None,
        out: Any = None,
    ) -> None:
        self.holder = holder
        self.key = key
        self.nonnull = nonnull
        self.up = up
        self.typename = typename
        self.source = source
        self.out = out
        self._path: Path | None = None

    @property
    def path(self) -> Path | None:
        if self._path is None and self.up is not None:
            self._path = Path(self.up.path, self.key, self.typename)
        return self._path


Children = dict[int, tuple[ObjectPlan, list[Position]]]
"""The objects a level's fields yielded, by the plan of their type (`Run.descend`)."""


class Run:
    def __init__(
        self,
        plan: Plan,
        info: PlanInfo,
        arguments: Sequence[dict[str, Any]],
        errors: CollectedErrors,
        root_value: Any,
    ) -> None:
        self.plan = plan
        self.info = info
        self.arguments = arguments
        self.errors = errors
        self.root = Position(None, "", True, None, None, root_value, dict(plan.root.template))
        self.data: dict[str, Any] | None = self.root.out

    async def execute(self) -> dict[str, Any] | None:
        await _wait(self.level(self.plan.root, [self.root]))
        return self.data

    # -- resolving ---------------------------------------------------------------------------

    def level(self, plan: ObjectPlan, objects: list[Position]) -> list[Awaitable[None]]:
        """Resolves the synchronous fields of `objects` now; returns the asynchronous work."""
        pending: list[Awaitable[None]] = []
        if plan.write is not None:
            children: Children = {}
            plan.write(self, objects, children)
            pending.extend(self.descend(children))
        for field in plan.rest:
            resolver = field.resolver
            kwargs = self.arguments[field.index] if field.index >= 0 else _NO_ARGUMENTS
            info = replace(self.info, field_nodes=field.nodes) if resolver.selections else self.info
            if resolver.is_async:
                pending.append(self.resolve_async(field, objects, kwargs, info))
                continue
            values = []
            for o in objects:
                # Guards note at once (the shared info will do); a resolver may note later.
                info.at, info.key = o, field.key
                own = info.at_field(o, field.key) if resolver.call is not None else info
                values.append(self.resolve(resolver, o.source, kwargs, info, own))
            if resolver.call is not None and any(_has_awaitables(field, v) for v in values):
                pending.append(self.settle_and_complete(field, objects, values))
                continue
            pending.extend(self.complete(field, objects, values))
        return pending

    def refuse(self, field: FieldPlan, o: Position, children: Children) -> None:
        """A permission of `field` refused `o` (graph.compiled.writers): answered as the
        generic path answers it, with the refusing permission's error."""
        info = self.info
        info.at, info.key = o, field.key
        value = self.resolve(field.resolver, o.source, _NO_ARGUMENTS, info, info)
        self.complete_value(field, o, value, children)

    def denied(
        self, resolver: Resolver, source: Any, kwargs: dict[str, Any], info: PlanInfo
    ) -> Any:
        """As Strawberry's PermissionExtension: the first permission refused decides the value
        (its `on_unauthorized` raises: the error is the value); None when all allow."""
        for permission in resolver.permissions:
            if not permission.has_permission(source, info, **kwargs):  # type: ignore[arg-type]
                try:
                    permission.on_unauthorized()
                except Exception as error:
                    return _Refused(error)
                return _Refused(None)
        return None

    def resolve(
        self,
        resolver: Resolver,
        source: Any,
        kwargs: dict[str, Any],
        info: PlanInfo,
        own: PlanInfo,
    ) -> Any:
        try:
            if resolver.permissions and (refused := self.denied(resolver, source, kwargs, info)):
                return refused.value
            if resolver.get is not None:
                return resolver.get(source)
            assert resolver.call is not None
            return resolver.call(source, own, kwargs)
        except Exception as error:
            return error

    async def resolve_async(
        self, field: FieldPlan, objects: list[Position], kwargs: dict[str, Any], info: PlanInfo
    ) -> None:
        resolver = field.resolver
        values: list[Any] = [None] * len(objects)
        # Without permissions every object is allowed and nothing reads the shared `info`.
        allowed: list[int] = [] if resolver.permissions else list(range(len(objects)))
        for i, o in enumerate(objects if resolver.permissions else ()):
            info.at, info.key = o, field.key
            try:
                if refused := self.denied(resolver, o.source, kwargs, info):
                    values[i] = refused.value
                    continue
            except Exception as error:
                values[i] = error
                continue
            allowed.append(i)
        if allowed:
            if resolver.batch is not None:
                try:
                    # Many objects at once, and `info` is shared by the level's other tasks: a
                    # read noted in a batch has no position, so it is kept whatever is nulled.
                    results = await resolver.batch(
                        info.at_field(None, field.key), [objects[i].source for i in allowed], kwargs
                    )
                except Exception as error:
                    results = [error] * len(allowed)
            else:
                assert resolver.call is not None
                results = await _settle(
                    [
                        self._call(
                            resolver,
                            objects[i].source,
                            kwargs,
                            info.at_field(objects[i], field.key),
                        )
                        for i in allowed
                    ]
                )
            for i, value in zip(allowed, results, strict=True):
                values[i] = value
        await _wait(self.complete(field, objects, values))

    def _call(self, resolver: Resolver, source: Any, kwargs: dict[str, Any], info: PlanInfo) -> Any:
        assert resolver.call is not None
        try:
            return resolver.call(source, info, kwargs)
        except Exception as error:
            return error

    async def settle_and_complete(
        self, field: FieldPlan, objects: list[Position], values: list[Any]
    ) -> None:
        """A synchronous resolver returned awaitables (`_entities` returns one per
        representation): awaited together, as graphql-core awaits list items."""
        settled: list[Any] = []
        for value in values:
            if isawaitable(value):
                value = (await _settle([value]))[0]
            if is_iterable(value) and not isinstance(value, Exception):
                value = await _settle(list(value))
            settled.append(value)
        await _wait(self.complete(field, objects, settled))

    # -- completing --------------------------------------------------------------------------

    def complete(
        self, field: FieldPlan, objects: list[Position], values: list[Any]
    ) -> list[Awaitable[None]]:
        children: Children = {}
        for o, value in zip(objects, values, strict=True):
            self.complete_value(field, o, value, children)
        return self.descend(children)

    def descend(self, children: Children) -> list[Awaitable[None]]:
        pending: list[Awaitable[None]] = []
        for plan, level in children.values():
            pending.extend(self.level(plan, level))
        return pending

    def complete_value(
        self,
        field: FieldPlan,
        o: Position,
        value: Any,
        children: Children | None,
    ) -> None:
        """`value` completed at `o`'s field; an object joins `children` (None: `field` is a
        leaf, there are none)."""
        out = o.out
        key = field.key
        if field.written and type(value) is Fragment:
            out[key] = value
            return
        if isinstance(value, Exception):
            self.fail(field, Position(out, key, field.nonnull, o, field.parent_type), value)
            return
        if value is None:
            if field.nonnull:
                self.fail(field, Position(out, key, True, o, field.parent_type), _null(field))
            return
        if not field.is_list:
            if field.coerce is not None:
                try:
                    out[key] = field.coerce(value)
                except Exception as error:
                    self.fail(field, Position(out, key, field.nonnull, o, field.parent_type), error)
                return
            assert children is not None
            self.object(field, out, key, field.nonnull, o, field.parent_type, value, children)
            return
        if type(value) is not list and not is_iterable(value):
            position = Position(out, key, field.nonnull, o, field.parent_type)
            message = (
                "Expected Iterable, but did not find one for field"
                f" '{field.parent_type}.{field.field_name}'."
            )
            self.fail(field, position, GraphQLError(message))
            return
        items: list[Any] = []
        out[key] = items
        at = Position(out, key, field.nonnull, o, field.parent_type)
        coerce = field.coerce
        for index, item in enumerate(value):
            items.append(None)
            if isinstance(item, Exception):
                self.fail(field, Position(items, index, field.item_nonnull, at, None), item)
            elif item is None:
                if field.item_nonnull:
                    position = Position(items, index, True, at, None)
                    self.fail(field, position, _null(field))
            elif coerce is not None:
                try:
                    items[index] = coerce(item)
                except Exception as error:
                    self.fail(field, Position(items, index, field.item_nonnull, at, None), error)
            else:
                assert children is not None
                self.object(field, items, index, field.item_nonnull, at, None, item, children)

    def object(
        self,
        field: FieldPlan,
        holder: Any,
        key: str | int,
        nonnull: bool,
        up: Position,
        typename: str | None,
        value: Any,
        children: Children,
    ) -> None:
        if field.single is not None:
            plan = field.single
        elif (found := field.child.get(_runtime_type(value) or "")) is not None:
            plan = found
        else:
            message = f"No runtime type for field '{field.parent_type}.{field.field_name}'."
            self.fail(field, Position(holder, key, nonnull, up, typename), TypeError(message))
            return
        out = dict(plan.template)
        holder[key] = out
        position = Position(holder, key, nonnull, up, typename, value, out)
        entry = children.get(id(plan))
        if entry is None:
            children[id(plan)] = (plan, [position])
        else:
            entry[1].append(position)

    def fail(self, field: FieldPlan, position: Position, error: Exception) -> None:
        """`error` at `position` (a field or list item): located at its path, and the nearest
        nullable position at or above it nulled."""
        located = located_error(error, field.nodes, _keys(position.path))
        while position.nonnull:
            if position.up is None:
                self.data = None
                self.errors.add(located, None)
                return
            position = position.up
        position.holder[position.key] = None
        self.errors.add(located, position.path)


class _Refused:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _keys(path: Path | None) -> list[str | int] | None:
    return path.as_list() if path is not None else None


def _null(field: FieldPlan) -> TypeError:
    return TypeError(
        f"Cannot return null for non-nullable field {field.parent_type}.{field.field_name}."
    )


def _runtime_type(value: Any) -> str | None:
    definition = getattr(type(value), "__strawberry_definition__", None)
    return getattr(definition, "name", None)


def _has_awaitables(field: FieldPlan, value: Any) -> bool:
    if isawaitable(value):
        return True
    return field.is_list and isinstance(value, list) and any(isawaitable(v) for v in value)


async def _settle(values: list[Any]) -> list[Any]:
    """Awaits the awaitables among `values` together; an exception becomes the value."""
    awaiting = [i for i, v in enumerate(values) if isawaitable(v)]
    if not awaiting:
        return values
    results = await asyncio.gather(*(values[i] for i in awaiting), return_exceptions=True)
    settled = list(values)
    for i, result in zip(awaiting, results, strict=True):
        if isinstance(result, BaseException) and not isinstance(result, Exception):
            raise result
        settled[i] = result
    return settled


async def _wait(pending: list[Awaitable[None]]) -> None:
    if len(pending) == 1:
        await pending[0]
    elif pending:
        await asyncio.gather(*pending)

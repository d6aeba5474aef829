"""How a plan gets a field's value: from the Strawberry field itself, called the way Strawberry
calls it (the same resolver function, the same permission objects), minus the per-field wrapping:
no Info object per call, no extension chain, no task per field.

- a field without a resolver reads the attribute (Strawberry's default resolver);
- a resolver taking neither `info` nor arguments is called with the source alone;
- any other is called with the source, a `PlanInfo` and the field's converted arguments;
  an async one per object, all objects of a level at once (the loaders batch them);
- a `Batch` registered for the field (graph.compiled.batches) replaces the per-object calls of
  an async resolver with one call for all objects of the level.

Permission classes run as Strawberry's `PermissionExtension` runs them. A field with any other
field extension, or whose resolver needs more of `Info` than the context and the operation
(`PlanInfo`), is not covered.
"""

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from graphql import GraphQLField, GraphQLObjectType
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import StrawberryResolver

from graph.compiled.batches import BATCHES
from graph.compiled.info import Batch, PlanInfo

DEFINITION = "strawberry-definition"
"""Where Strawberry keeps a GraphQL field's StrawberryField (GraphQLCoreConverter)."""

ASKS_SELECTIONS = frozenset({("Query", "persons")})
"""Resolvers that read `info.selected_fields` (a `PlanInfo` of their own per level)."""


class NotCoveredField(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Resolver:
    field: StrawberryField
    permissions: tuple[BasePermission, ...]
    get: Callable[[Any], Any] | None
    """Source → value, for fields that need nothing else."""
    call: Callable[[Any, PlanInfo, dict[str, Any]], Any] | None
    """(source, info, converted arguments) → value or awaitable."""
    is_async: bool
    batch: Batch | None = None
    selections: bool = False
    """Whether the resolver reads `info.selected_fields`."""

    def with_batch(self, batch: Batch) -> "Resolver":
        return Resolver(self.field, self.permissions, None, None, True, batch, self.selections)


def _permissions(field: StrawberryField) -> tuple[BasePermission, ...]:
    permissions: list[BasePermission] = []
    for extension in field.extensions:
        if not isinstance(extension, PermissionExtension) or extension.fail_silently:
            raise NotCoveredField(f"extension {type(extension).__name__}")
        if not extension.supports_sync:
            raise NotCoveredField("async permission")
        permissions.extend(extension.permissions)
    return tuple(permissions)


def _function(resolver: StrawberryResolver[Any]) -> Callable[..., Any]:
    """What calling `resolver` calls: its function, without `StrawberryResolver.__call__`
    around each call (which only refuses a resolver that is not callable)."""
    function = resolver.wrapped_func
    return function if callable(function) else resolver


def _caller(field: StrawberryField) -> Callable[[Any, PlanInfo, dict[str, Any]], Any]:
    resolver = field.base_resolver
    assert resolver is not None
    takes_self = resolver.self_parameter is not None
    info_name = resolver.info_parameter.name if resolver.info_parameter else None
    function = _function(resolver)

    def call(source: Any, info: PlanInfo, kwargs: dict[str, Any]) -> Any:
        if info_name is not None:
            kwargs = {**kwargs, info_name: info}
        return function(source, **kwargs) if takes_self else function(**kwargs)

    return call


def generic_resolver(parent: GraphQLObjectType, name: str, definition: GraphQLField) -> Resolver:
    field = (definition.extensions or {}).get(DEFINITION)
    if not isinstance(field, StrawberryField):
        raise NotCoveredField(f"{parent.name}.{name}")
    permissions = _permissions(field)
    resolver = field.base_resolver
    if resolver is None:
        return Resolver(field, permissions, attrgetter(field.python_name), None, False)
    if resolver.parent_parameter is not None or resolver.root_parameter is not None:
        raise NotCoveredField(f"{parent.name}.{name}: parent/root parameter")
    if not resolver.is_async and resolver.info_parameter is None and not field.arguments:
        function = _function(resolver)
        if resolver.self_parameter is not None:
            return Resolver(field, permissions, function, None, False)
        return Resolver(field, permissions, lambda _source: function(), None, False)
    selections = (parent.name, name) in ASKS_SELECTIONS
    return Resolver(field, permissions, None, _caller(field), resolver.is_async, None, selections)


def resolver_for(parent: GraphQLObjectType, name: str, definition: GraphQLField) -> Resolver:
    """The field's resolver, with its batch form when graph.compiled.batches has one."""
    resolver = generic_resolver(parent, name, definition)
    batch = BATCHES.get((parent.name, name))
    return resolver.with_batch(batch) if batch is not None else resolver

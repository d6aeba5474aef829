"""The executors the schema runs operations with.

`OrderedExecutor` is Strawberry's executor with one change: the response's errors follow the
deterministic rule of graph.compiled.errors. `CompiledExecutor` runs a query through its
compiled plan (graph.compiled.plan, .run) when every field of it is covered and falls back on
`OrderedExecutor` otherwise; plans are cached per schema by document, operation and the values
of the variables that @skip/@include read.
"""

import logging
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, ClassVar, Final
from weakref import WeakKeyDictionary

from graphql import (
    BREAK,
    BooleanValueNode,
    DirectiveNode,
    ExecutionResult,
    Node,
    VariableNode,
    Visitor,
    visit,
)
from graphql.execution.values import get_argument_values
from strawberry.permission import PermissionExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.arguments import convert_arguments
from strawberry.types.base import StrawberryMaybe, StrawberryOptional

from graph.authz.recorder import AccessRecorder, OperationReads
from graph.compiled.errors import RecordedErrors, kept_errors
from graph.compiled.info import PlanInfo
from graph.compiled.json_pages import Statements
from graph.compiled.plan import FieldPlan, Plan, compile_plan
from graph.compiled.resolvers import DEFINITION
from graph.compiled.run import Run
from graph.context import Context

log = logging.getLogger("bhxh.compiled")

PLAN_CACHE_SIZE: Final = 256


class OrderedExecutor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.collected_errors = RecordedErrors()
        # The operation's reads are held until its response is complete (graph.authz.recorder).
        self.reads: OperationReads | None = None
        context = self.context_value
        if isinstance(context, Context) and isinstance(context.recorder, AccessRecorder):
            self.reads = context.recorder.operation()
            self.context_value = replace(context, recorder=self.reads)

    def build_response(self, data: dict[str, Any] | None) -> Any:
        result = super().build_response(data)
        recorded = self.collected_errors
        if isinstance(recorded, RecordedErrors):
            if isinstance(result, ExecutionResult):
                result.errors = kept_errors(recorded.recorded, data) or None
            if self.reads is not None:
                self.reads.settle({position for _, position in recorded.recorded})
        return result


class _ShapeVariables(Visitor):
    """Names of the variables @skip/@include read anywhere in a document."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
        if node.name.value in ("skip", "include"):
            for argument in node.arguments or ():
                if isinstance(argument.value, VariableNode):
                    self.names.add(argument.value.name.value)
                elif not isinstance(argument.value, BooleanValueNode):
                    self.names.add("")  # unreachable after validation; refuse to share plans


def shape_variables(definitions: Iterable[Node]) -> tuple[str, ...]:
    visitor = _ShapeVariables()
    for definition in definitions:
        visit(definition, visitor)
    return tuple(sorted(visitor.names))


_IMMUTABLE: Final = (str, int, float, bool, Enum, type(None))


def _immutable(value: object) -> bool:
    if isinstance(value, tuple | frozenset):
        return all(map(_immutable, value))
    return isinstance(value, _IMMUTABLE)


class _NamesVariable(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_variable(self, *_args: Any) -> Any:
        self.found = True
        return BREAK


def _reads_variables(field: FieldPlan) -> bool:
    """Whether the field's arguments (as get_argument_values reads them: on its first node)
    name a variable anywhere, so that their values may differ from one request to the next."""
    visitor = _NamesVariable()
    for argument in field.nodes[0].arguments or ():
        visit(argument.value, visitor)
    return visitor.found


@dataclass
class _Arguments:
    """A plan's arguments that do not depend on the request: those of each field that reads no
    variable, converted on the plan's first run (None: converted per request). Only values no
    resolver can change are kept, since every request that runs the plan gets the same dict.
    `plain`: for a field converted per request, how its values skip Strawberry's conversion
    where it would return them as graphql-core coerced them (`_plain`)."""

    fixed: list[dict[str, Any] | None]
    plain: "list[_Plain | None]"


_PLAIN_TYPES: Final = (str, int, float, bool)


@dataclass(frozen=True)
class _Plain:
    """How a field's per-request arguments skip Strawberry's conversion: their Python names
    by GraphQL name, and those whose value needs the conversion unless it is null."""

    names: dict[str, str]
    converted: tuple[str, ...]

    def kwargs(self, raw: dict[str, Any]) -> dict[str, Any] | None:
        """`raw` under Python names, as `convert_arguments` would give it; None when a value
        needs the conversion."""
        if any(raw.get(name) is not None for name in self.converted):
            return None
        names = self.names
        return {names[k]: v for k, v in raw.items()}


def _plain(field: FieldPlan, converter: Any) -> _Plain | None:
    """None where no value can skip the conversion: a field extension that maps arguments
    (permissions do not), or a `Maybe` argument (null is not itself there). Otherwise a null,
    and a value of a built-in scalar, are what `convert_argument` returns them as."""
    strawberry_field = field.definition.extensions[DEFINITION]
    if any(not isinstance(e, PermissionExtension) for e in strawberry_field.extensions):
        return None
    names: dict[str, str] = {}
    converted: list[str] = []
    for argument in strawberry_field.arguments:
        kind = argument.type
        if isinstance(kind, StrawberryMaybe) or argument.python_name is None:
            return None
        if isinstance(kind, StrawberryOptional):
            kind = kind.of_type
        name = converter.config.name_converter.from_argument(argument)
        names[name] = argument.python_name
        if kind not in _PLAIN_TYPES:
            converted.append(name)
    return _Plain(names, tuple(converted))


class PlanCache:
    """Compiled plans (None: not covered) by document text, operation and shape."""

    def __init__(self, maxsize: int = PLAN_CACHE_SIZE) -> None:
        self.maxsize = maxsize
        self._shapes: dict[str, tuple[str, ...]] = {}
        self._plans: OrderedDict[tuple[Any, ...], Plan | None] = OrderedDict()
        self.arguments: WeakKeyDictionary[Plan, _Arguments] = WeakKeyDictionary()
        self.compiled = 0
        """How many operations ran through a plan: tests check the plan really ran."""
        self.statements = Statements()
        """The statements of its plans' written pages (graph.compiled.json_pages)."""

    def plan(self, executor: "CompiledExecutor") -> Plan | None:
        operation = executor.operation
        if operation.loc is None:
            return None
        text = operation.loc.source.body
        shape = self._shapes.get(text)
        if shape is None:
            if len(self._shapes) >= self.maxsize:
                self._shapes.clear()
            shape = shape_variables([operation, *executor.fragment_definitions.values()])
            self._shapes[text] = shape
        if "" in shape:
            return None
        coerced = executor.variable_values.coerced
        key = (text, operation.loc.start, *(coerced.get(name) for name in shape))
        if key in self._plans:
            self._plans.move_to_end(key)
            return self._plans[key]
        try:
            plan = compile_plan(
                executor.schema,
                executor.fragments,
                executor.variable_values,
                operation,
                executor.hide_suggestions,
                self.statements,
            )
        except Exception:
            # A fault of the compiler must not fail requests Strawberry's executor can answer.
            log.exception(
                "no plan for operation %s", operation.name.value if operation.name else ""
            )
            plan = None
        self._plans[key] = plan
        while len(self._plans) > self.maxsize:
            self._plans.popitem(last=False)
        return plan


class CompiledExecutor(OrderedExecutor):
    plans: ClassVar[PlanCache]

    def execute_operation(self, serially: bool | None = None) -> Any:
        plan = self._runnable_plan()
        if plan is None:
            return super().execute_operation(serially)
        arguments = self._arguments(plan)
        if arguments is None:
            return super().execute_operation(serially)
        self.plans.compiled += 1
        return self._execute(plan, arguments)

    def _runnable_plan(self) -> Plan | None:
        if self.middleware_manager is not None and self.middleware_manager.middlewares:
            return None  # an extension resolves fields itself: it must see every field
        if self.abort_signal is not None or self.error_propagation is False:
            return None
        return self.plans.plan(self)

    def _arguments(self, plan: Plan) -> list[dict[str, Any]] | None:
        """Each field's arguments, converted as Strawberry converts them; None when one cannot
        be read (graphql-core would report it at every position: the fallback does). Those that
        read no variable are the same on every request: converted once per plan."""
        known = self.plans.arguments.get(plan)
        if known is not None:
            arguments: list[dict[str, Any]] = []
            try:
                for field, same, plain in zip(plan.fields, known.fixed, known.plain, strict=True):
                    if same is not None:
                        arguments.append(same)
                        continue
                    raw = self._raw(field)
                    kwargs = plain.kwargs(raw) if plain is not None else None
                    arguments.append(self._convert(field, raw) if kwargs is None else kwargs)
            except Exception:
                return None
            return arguments
        try:
            arguments = [self._convert(field) for field in plan.fields]
        except Exception:
            return None
        fixed: list[dict[str, Any] | None] = [
            kwargs
            if not _reads_variables(field) and all(map(_immutable, kwargs.values()))
            else None
            for field, kwargs in zip(plan.fields, arguments, strict=True)
        ]
        converter = self.context_value_schema_converter()
        plains: list[_Plain | None] = [
            _plain(field, converter) if kwargs is None else None
            for field, kwargs in zip(plan.fields, fixed, strict=True)
        ]
        self.plans.arguments[plan] = _Arguments(fixed, plains)
        return arguments

    def _raw(self, field: FieldPlan) -> dict[str, Any]:
        """The field's arguments as graphql-core coerces them (GraphQL names)."""
        return get_argument_values(
            field.definition,
            field.nodes[0],
            self.variable_values,
            field.details[0].fragment_variable_values,
            self.hide_suggestions,
        )

    def _convert(self, field: FieldPlan, raw: dict[str, Any] | None = None) -> dict[str, Any]:
        schema_converter = self.context_value_schema_converter()
        if raw is None:
            raw = self._raw(field)
        strawberry_field = field.definition.extensions[DEFINITION]
        kwargs: dict[str, Any] = convert_arguments(
            raw,
            strawberry_field.arguments,
            scalar_registry=schema_converter.scalar_registry,
            config=schema_converter.config,
        )
        for extension in strawberry_field.extensions:
            kwargs = extension.map_arguments(kwargs)
        return kwargs

    def context_value_schema_converter(self) -> Any:
        return self.schema._strawberry_schema.schema_converter  # type: ignore[attr-defined]

    async def _execute(self, plan: Plan, arguments: list[dict[str, Any]]) -> Any:
        info = PlanInfo(
            self.context_value,
            self.operation,
            fragments=self.fragment_definitions,
            variable_values=self.variable_values.coerced,
        )
        run = Run(plan, info, arguments, self.collected_errors, self.root_value)
        data = await run.execute()
        return self.build_response(data)


def compiled_executor(plans: PlanCache | None = None) -> type[CompiledExecutor]:
    """A CompiledExecutor class with a plan cache of its own (one per schema)."""
    cache = plans or PlanCache()
    return type("CompiledExecutor", (CompiledExecutor,), {"plans": cache})

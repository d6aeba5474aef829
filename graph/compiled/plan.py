"""A query's plan: its selections walked once into a tree of fields that know how to get and
complete their values, or None when some field is not covered (Strawberry's executor runs it).

Fields are collected with graphql-core's own `collect_fields`/`collect_subfields` (fragments,
inline fragments, aliases, merged response keys, @skip/@include), so a plan holds exactly the
fields graphql-core would execute, in its order; a plan is valid for the values of the
variables that @skip/@include read (see `shape_variables`).
"""

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationDefinitionNode,
    OperationType,
)
from graphql.execution.collect_fields import (
    FieldDetails,
    FragmentDetails,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues

from graph.compiled.json_pages import Statements, written_page
from graph.compiled.leaves import Completer, completer
from graph.compiled.resolvers import NotCoveredField, Resolver, resolver_for
from graph.compiled.writers import Writer, writable, writer


@dataclass(eq=False)
class ObjectPlan:
    """The selections on one object type: `fields` in response order."""

    type_name: str
    fields: list["FieldPlan"]
    template: dict[str, Any]
    """The response object before its fields complete: every key in order, `__typename` set."""
    write: Writer | None = None
    """Writes the fields read from the object itself (graph.compiled.writers)."""
    rest: list["FieldPlan"] = field(default_factory=list)
    """The other fields, resolved one by one (graph.compiled.run)."""


@dataclass(eq=False)
class FieldPlan:
    key: str
    parent_type: str
    field_name: str
    details: list[FieldDetails]
    nodes: list[FieldNode]
    definition: GraphQLField
    nonnull: bool
    is_list: bool
    item_nonnull: bool
    leaf: GraphQLLeafType | None
    child: dict[str, ObjectPlan]
    """Object plans by runtime type name (one entry unless the field is a union)."""
    resolver: Resolver
    coerce: Completer | None = None
    """`leaf`'s completion of a value (graph.compiled.leaves)."""
    single: ObjectPlan | None = None
    """The one entry of `child` when there is one (the field's type is an object type)."""
    index: int = -1
    """This field's slot in a request's argument list (`Plan.fields`)."""
    written: bool = False
    """The value arrives written as JSON (graph.compiled.json_pages): it is not completed."""


@dataclass(eq=False)
class Plan:
    root: ObjectPlan
    fields: list[FieldPlan] = field(default_factory=list)
    """Every field of the plan that takes arguments, indexed by `FieldPlan.index`."""


NotCovered = NotCoveredField
"""Some part of the operation has no compiled form."""


def _unwrap(type_: GraphQLOutputType) -> tuple[bool, bool, bool, GraphQLOutputType]:
    nonnull = isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if not isinstance(inner, GraphQLList):
        return nonnull, False, False, inner
    item = inner.of_type
    item_nonnull = isinstance(item, GraphQLNonNull)
    named = item.of_type if isinstance(item, GraphQLNonNull) else item
    if isinstance(named, GraphQLList | GraphQLNonNull):
        raise NotCovered("lists of lists")
    return nonnull, True, item_nonnull, named


class _Compiler:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDetails],
        variables: VariableValues,
        operation: OperationDefinitionNode,
        hide_suggestions: bool,
        statements: Statements,
    ) -> None:
        self.schema = schema
        self.statements = statements
        self.fragments = fragments
        self.variables = variables
        self.operation = operation
        self.hide_suggestions = hide_suggestions
        self.with_arguments: list[FieldPlan] = []
        self.completers: dict[str, Completer] = {}

    def object(
        self, type_: GraphQLObjectType, grouped: dict[str, list[FieldDetails]]
    ) -> ObjectPlan:
        fields: list[FieldPlan] = []
        template: dict[str, Any] = {}
        for key, details in grouped.items():
            name = details[0].node.name.value
            if any(d.defer_usage is not None or d.fragment_variable_values for d in details):
                raise NotCovered("@defer or fragment arguments")
            if name == "__typename":
                template[key] = type_.name
                continue
            template[key] = None
            fields.append(self.field(type_, key, name, details))
        plan = ObjectPlan(type_.name, fields, template)
        own: list[FieldPlan] = []
        for f in fields:
            (own if writable(f) else plan.rest).append(f)
        plan.write = writer(plan, own) if own else None
        return plan

    def field(
        self, parent: GraphQLObjectType, key: str, name: str, details: list[FieldDetails]
    ) -> FieldPlan:
        definition = parent.fields.get(name)
        if definition is None:
            raise NotCovered(f"{parent.name}.{name}")
        nonnull, is_list, item_nonnull, named = _unwrap(definition.type)
        nodes = [d.node for d in details]
        child: dict[str, ObjectPlan] = {}
        leaf: GraphQLLeafType | None = None
        if isinstance(named, GraphQLObjectType):
            child[named.name] = self.subfields(named, details)
        elif isinstance(named, GraphQLUnionType):
            for possible in self.schema.get_possible_types(named):
                child[possible.name] = self.subfields(possible, details)
        elif isinstance(named, GraphQLLeafType):
            leaf = named
        else:
            raise NotCovered(f"{parent.name}.{name}: {named}")
        plan = FieldPlan(
            key=key,
            parent_type=parent.name,
            field_name=name,
            details=details,
            nodes=nodes,
            definition=definition,
            nonnull=nonnull,
            is_list=is_list,
            item_nonnull=item_nonnull,
            leaf=leaf,
            child=child,
            resolver=resolver_for(parent, name, definition),
            coerce=None if leaf is None else self.completer(leaf),
            single=next(iter(child.values())) if len(child) == 1 else None,
        )
        if definition.args or nodes[0].arguments:
            plan.index = len(self.with_arguments)
            self.with_arguments.append(plan)
        written = written_page(plan, self.statements)
        if written is not None:
            plan.resolver = plan.resolver.with_batch(written)
            plan.written = True
        return plan

    def completer(self, type_: GraphQLLeafType) -> Completer:
        found = self.completers.get(type_.name)
        if found is None:
            found = self.completers[type_.name] = completer(type_)
        return found

    def subfields(self, type_: GraphQLObjectType, details: list[FieldDetails]) -> ObjectPlan:
        collected = collect_subfields(
            self.schema,
            self.fragments,
            self.variables,
            self.operation,
            type_,
            details,
            self.hide_suggestions,
        )
        if collected.new_defer_usages:
            raise NotCovered("@defer")
        return self.object(type_, collected.grouped_field_set)


def compile_plan(
    schema: GraphQLSchema,
    fragments: dict[str, FragmentDetails],
    variables: VariableValues,
    operation: OperationDefinitionNode,
    hide_suggestions: bool,
    statements: Statements,
) -> Plan | None:
    """The operation's plan for these @skip/@include values, or None if it is not covered;
    its written pages use (and add to) `statements`."""
    if operation.operation is not OperationType.QUERY:
        return None
    if any(f.variable_signatures for f in fragments.values()):
        return None
    root = schema.query_type
    if root is None:
        return None
    compiler = _Compiler(schema, fragments, variables, operation, hide_suggestions, statements)
    try:
        collected = collect_fields(schema, fragments, variables, root, operation, hide_suggestions)
        if collected.new_defer_usages:
            return None
        plan = compiler.object(root, collected.grouped_field_set)
    except (NotCovered, RecursionError):
        return None
    return Plan(plan, compiler.with_arguments)

"""Abuse limits, all checked before any resolver runs (so before any SQL).

- Tokens: at most `MAX_TOKENS` lexer tokens per document (comments included), enforced by the
  parser itself through Strawberry's `MaxTokensLimiter`: `QUERY_TOO_LARGE`.
- Depth: at most `MAX_DEPTH` nested object fields, fragments expanded: `QUERY_TOO_DEEP`.
- Aliases: at most `MAX_ALIASES` aliased fields, fragments expanded: `TOO_MANY_ALIASES`.
- Cost: at most `MAX_COST`, by the static model below: `QUERY_TOO_COMPLEX` (with `cost`, `limit`).
- Representations: at most `MAX_REPRESENTATIONS` `_entities` representations per operation, all
  `_entities` fields together, literal or from variables: `TOO_MANY_REPRESENTATIONS` (with
  `representations`, `limit`). A batch of operations holds at most `MAX_BATCH` of them.
- Batches: at most `MAX_BATCH` operations per HTTP request (Strawberry's `batching_config`).

Depth and aliases are measured here rather than by Strawberry's `QueryDepthLimiter` and
`MaxAliasesLimiter`: those re-expand a fragment at every spread, so a few hundred tokens of
fragments that each spread the next twice keep the server busy for seconds per request (doubling
with every fragment) before any limit answers. This walk expands each fragment once.

Cost model (an upper bound of the rows and objects a query may make us load, per operation):

- a scalar or enum field costs 0: it comes with its parent's row;
- an object field costs 1 plus the cost of its selections;
- a list of objects multiplies that by its assumed length:
  - the `edges` of a connection (a field with a `first` argument): `first`, resolved from the
    literal, the variables or the operation's and then the schema's default (20), and clamped to
    0..100 (`graph.pagination` refuses anything else before any SQL anyway);
  - `_entities`: the number of representations;
  - any other list (relatives, household members, decisions, totals): `LIST_SIZE`, 10;
- `__typename` and introspection cost 0 (introspection is refused in production).

So `persons(first: 50) { edges { node { fullName } } }` costs 1 + 50 × (1 + 1) = 101, and fragments on
several types of a union (`_entities`) add up. The whole e-book costs about 1,800 per person; the
limit admits it for a page of 100 persons or 100 representations, and refuses pages nested in pages
(persons → contribution periods → employer → employees is millions).
"""

from collections import OrderedDict
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from graphql import (
    SKIP,
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    TypeInfo,
    ValidationContext,
    VariableNode,
    Visitor,
    VisitorAction,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    type_from_ast,
    value_from_ast_untyped,
    visit,
)
from strawberry.extensions import MaxTokensLimiter, SchemaExtension
from strawberry.schema.config import BatchingConfig

from graph.pagination import DEFAULT_PAGE, MAX_PAGE
from graph.request_rules import DocumentFacts, RequestRule, RequestVisitor

MAX_TOKENS: Final = 2_000
MAX_DEPTH: Final = 12
MAX_ALIASES: Final = 20
MAX_COST: Final = 250_000
MAX_BATCH: Final = 10
MAX_REPRESENTATIONS: Final = 100
"""`_entities` representations per operation: a gateway's batch of one page of entities. Each
costs a resolver call even when it selects nothing but `__typename`, which the cost cannot see."""
LIST_SIZE: Final = 10
"""Assumed length of a list of objects that has no `first` (relatives, household members…)."""

BATCHING: Final = BatchingConfig(max_operations=MAX_BATCH)

_SATURATION: Final = 10**15
"""Measures stop growing here: fragment fan-out can describe astronomically large queries."""
SHAPES_PER_DOCUMENT: Final = 64
"""Verdicts kept per cached document, one per shape of its variables (least recently used go)."""
_SHAPE_ARGUMENTS: Final = frozenset({"first", "representations"})


@dataclass(frozen=True)
class Measure:
    cost: int = 0
    depth: int = 0
    aliases: int = 0
    representations: int = 0

    def __add__(self, other: "Measure") -> "Measure":
        """Siblings: costs, aliases and representations add up, depth is the deepest."""
        return Measure(
            cost=min(self.cost + other.cost, _SATURATION),
            depth=max(self.depth, other.depth),
            aliases=min(self.aliases + other.aliases, _SATURATION),
            representations=min(self.representations + other.representations, _SATURATION),
        )


class _Walk:
    """Measures an operation, each fragment once per page size (a fragment spread directly into a
    connection sees its `edges` as `first` long)."""

    def __init__(self, context: ValidationContext, variables: dict[str, Any]) -> None:
        self.context = context
        self.variables = variables
        self.fragments: dict[tuple[str, int | None], Measure] = {}
        self.expanding: set[str] = set()

    def operation(self, node: OperationDefinitionNode) -> Measure:
        root = self.context.schema.get_root_type(node.operation)
        return self.selections(node.selection_set, root, None)

    def selections(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None, page: int | None
    ) -> Measure:
        total = Measure()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = type_from_ast(self.context.schema, condition) if condition else parent
                total += self.selections(selection.selection_set, inner, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, page)
        return total

    def fragment(self, name: str, page: int | None) -> Measure:
        if (name, page) in self.fragments:
            return self.fragments[(name, page)]
        definition = self.context.get_fragment(name)
        if definition is None or name in self.expanding:
            return Measure()  # unknown or cyclic: graphql-core's own rules report these
        self.expanding.add(name)
        try:
            condition = type_from_ast(self.context.schema, definition.type_condition)
            measure = self.selections(definition.selection_set, condition, page)
        finally:
            self.expanding.discard(name)
        self.fragments[(name, page)] = measure
        return measure

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, page: int | None) -> Measure:
        alias = Measure(aliases=1 if node.alias else 0)
        name = node.name.value
        if node.selection_set is None or name.startswith("__"):
            return alias
        definition = (
            parent.fields.get(name)
            if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
            else None
        )
        if definition is None:  # unknown: measure the shape, graphql-core reports the field
            inner = self.selections(node.selection_set, None, None)
            return alias + Measure(
                depth=1 + inner.depth,
                aliases=inner.aliases,
                representations=inner.representations,
            )
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return alias
        arguments = {
            argument.name.value: value_from_ast_untyped(argument.value, self.variables)
            for argument in node.arguments or ()
        }
        first = _first(definition, arguments) if "first" in definition.args else None
        inner = self.selections(node.selection_set, named, first)
        size = _list_size(definition, arguments, page)
        own = size if "representations" in definition.args else 0
        return alias + Measure(
            cost=min(size * (1 + inner.cost), _SATURATION),
            depth=1 + inner.depth,
            aliases=inner.aliases,
            representations=min(own + inner.representations, _SATURATION),
        )


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _first(definition: GraphQLField, arguments: Mapping[str, Any]) -> int:
    """The page size asked for (a variable may be missing or of the wrong type: then the default)."""
    candidates = (arguments.get("first"), definition.args["first"].default_value)
    value = next((v for v in map(_int, candidates) if v is not None), None)
    return _clamp(DEFAULT_PAGE if value is None else value)


def _clamp(first: int) -> int:
    return max(0, min(first, MAX_PAGE))


def _list_size(definition: GraphQLField, arguments: Mapping[str, Any], page: int | None) -> int:
    if not is_list_type(get_nullable_type(definition.type)):
        return 1
    if "representations" in definition.args:
        # A list, or one value that coercion turns into a list of one; missing: coercion refuses.
        representations = arguments.get("representations")
        return len(representations) if isinstance(representations, list) else 1
    return page if page is not None else LIST_SIZE


def measure_operation(
    context: ValidationContext, operation: OperationDefinitionNode, variables: Mapping[str, Any]
) -> Measure:
    """The operation's measure, its variables resolved (defaults first, then the request's)."""
    values = {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }
    values.update(variables)
    return _Walk(context, values).operation(operation)


def _errors(name: str, measure: Measure, node: OperationDefinitionNode) -> Iterator[GraphQLError]:
    if measure.depth > MAX_DEPTH:
        yield GraphQLError(
            f"{name} is {measure.depth} levels deep; the limit is {MAX_DEPTH}",
            node,
            extensions={"code": "QUERY_TOO_DEEP", "depth": measure.depth, "limit": MAX_DEPTH},
        )
    if measure.aliases > MAX_ALIASES:
        yield GraphQLError(
            f"{name} uses {measure.aliases} aliases; the limit is {MAX_ALIASES}",
            node,
            extensions={
                "code": "TOO_MANY_ALIASES",
                "aliases": measure.aliases,
                "limit": MAX_ALIASES,
            },
        )
    if measure.representations > MAX_REPRESENTATIONS:
        yield GraphQLError(
            f"{name} resolves {measure.representations} entity representations; the limit is"
            f" {MAX_REPRESENTATIONS}: split them into several requests",
            node,
            extensions={
                "code": "TOO_MANY_REPRESENTATIONS",
                "representations": measure.representations,
                "limit": MAX_REPRESENTATIONS,
            },
        )
    if measure.cost > MAX_COST:
        yield GraphQLError(
            f"{name} costs {measure.cost}, over the limit of {MAX_COST}: ask for fewer items"
            " (smaller `first`, fewer representations) or split it into several queries",
            node,
            extensions={"code": "QUERY_TOO_COMPLEX", "cost": measure.cost, "limit": MAX_COST},
        )


# --- once per document shape -------------------------------------------------------------------
#
# A measure reads the variables through two arguments only: `first` (an int, clamped, or the
# default) and `representations` (a list's length, or 1). A variable that is the whole value of
# one of them is all the shape there is; anything nested in a list literal leaves its length alone.
# So the measures, hence the verdict, of a document are a function of `Shapes.shape(variables)`.

_ABSENT: Final = object()


@dataclass
class Shapes:
    """The variables a document's measures depend on, and the verdict per shape of them."""

    schema: GraphQLSchema
    document: DocumentNode
    variables: tuple[str, ...]
    verdicts: OrderedDict[tuple[Hashable, ...], bool] = field(default_factory=OrderedDict)
    measured: int = 0
    """How many shapes were measured (tests count it)."""

    def shape(self, values: Mapping[str, Any]) -> tuple[Hashable, ...]:
        return tuple(_variable_shape(values.get(name, _ABSENT)) for name in self.variables)

    def within_limits(self, values: Mapping[str, Any]) -> bool:
        key = self.shape(values)
        verdict = self.verdicts.get(key)
        if verdict is None:
            self.measured += 1
            verdict = self.verdicts[key] = not any(self._errors(values))
            while len(self.verdicts) > SHAPES_PER_DOCUMENT:
                self.verdicts.popitem(last=False)
        else:
            self.verdicts.move_to_end(key)
        return verdict

    def _errors(self, values: Mapping[str, Any]) -> Iterator[GraphQLError]:
        context = ValidationContext(self.schema, self.document, TypeInfo(self.schema), _ignore)
        for node in self.document.definitions:
            if isinstance(node, OperationDefinitionNode):
                yield from _errors("", measure_operation(context, node, values), node)


def _variable_shape(value: object) -> Hashable:
    """What of one variable's value a measure can see (see `_first` and `_list_size`)."""
    if value is _ABSENT:
        return _ABSENT  # the operation's default applies
    first = _int(value)
    return (
        None if first is None else _clamp(first),
        len(value) if isinstance(value, list) else 1,
    )


def _ignore(_error: GraphQLError) -> None:
    return None


def shapes(schema: GraphQLSchema, document: DocumentNode) -> Shapes:
    """A `DocumentFacts` fact: the variables that are the whole value of a `first` or
    `representations` argument anywhere in the document."""
    names: dict[str, None] = {}

    class Collect(Visitor):
        def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
            if node.name.value in _SHAPE_ARGUMENTS and isinstance(node.value, VariableNode):
                names[node.value.name.value] = None

    visit(document, Collect())
    return Shapes(schema, document, tuple(names))


class LimitsRule(RequestVisitor[Mapping[str, Any]]):
    """Checks depth, aliases and cost of each operation of the document, for the request's
    variables (`data`)."""

    @classmethod
    def quiet(cls, facts: DocumentFacts, data: Mapping[str, Any]) -> bool:
        return facts.get(shapes).within_limits(data)

    def enter_operation_definition(
        self, node: OperationDefinitionNode, *_args: Any
    ) -> VisitorAction:
        name = f"Operation '{node.name.value}'" if node.name else "The operation"
        for error in _errors(name, measure_operation(self.context, node, self.data), node):
            self.report_error(error)
        return SKIP

    def enter_fragment_definition(
        self, _node: FragmentDefinitionNode, *_args: Any
    ) -> VisitorAction:
        return SKIP  # measured where spread


class QueryLimits(SchemaExtension):
    """Adds the depth, aliases and cost rule, bound to this request's variables."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        RequestRule(LimitsRule, context.variables or {}).add_to(context)
        yield


class TokenLimiter(MaxTokensLimiter):
    """Strawberry's token limit (the parser stops at the limit), its error given a code."""

    def __init__(self) -> None:
        super().__init__(max_token_count=MAX_TOKENS)

    def on_parse(self) -> Iterator[None]:
        yield
        marker = f"Document contains more than {self.max_token_count} tokens"
        for error in self.execution_context.pre_execution_errors or ():
            if isinstance(error, GraphQLSyntaxError) and marker in error.message:
                error.extensions = {"code": "QUERY_TOO_LARGE", "limit": self.max_token_count}


LIMITS: Final = (TokenLimiter, QueryLimits)
"""The schema extensions enforcing the limits; classes, so each request gets fresh instances."""

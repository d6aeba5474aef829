"""Generated documents for the differential test.

hypothesis-graphql draws valid queries over the root Query fields; it writes every argument as a
literal, wraps only abstract types' selections in inline fragments and never uses aliases,
directives, named fragments or variables. `documents` rewrites each drawn query so that it does:
random aliases, @include/@skip (literal or from a Boolean variable), slices of a selection set
moved into inline fragments (with or without a type condition) or named fragments, repeated
fields that must merge, `__typename` here and there, and arguments that are either literals or
variables (a nullable one sometimes left out of the variables). Key arguments are drawn from the
seeded world's real keys and a few invalid ones, `first` from small counts, 0 and too many,
`after` from real cursors and garbage."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import graphql
import hypothesis_graphql
from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLInputType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NamedTypeNode,
    NameNode,
    NullValueNode,
    ObjectFieldNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
)
from hypothesis import strategies as st
from hypothesis_graphql import nodes

Json = Any
MAX_ALIASES = 8  # below graph.limits.MAX_ALIASES: a document refused for its aliases tests little


@dataclass(frozen=True)
class Keys:
    """What the seeded database holds, for arguments that find something."""

    identification_numbers: list[str]
    bhxh_codes: list[str]
    tax_codes: list[str]
    card_codes: list[str]
    household_ids: list[str]
    cursors: list[str]
    representations: list[dict[str, Json]]


@dataclass(frozen=True)
class Generated:
    document: str
    variables: dict[str, Json]


def argument_values(keys: Keys) -> dict[str, st.SearchStrategy[Json]]:
    """Values of the arguments that name something, by argument name."""
    return {
        "identificationNumber": st.sampled_from(
            [*keys.identification_numbers, "000000000000", "12345", "01208800000x"]
        ),
        "bhxhCode": st.sampled_from([*keys.bhxh_codes, "0000000000", "12", "01208800000x"]),
        "taxCode": st.sampled_from([*keys.tax_codes, "0100000000", "abc"]),
        "code": st.sampled_from([*keys.card_codes, "DN4010000000000", "not-a-card"]),
        "id": st.sampled_from([*keys.household_ids, "999999", "-1", "x"]),
        "first": st.sampled_from([0, 1, 2, 3, 5, 20, 100, 101, -1]),
        "after": st.one_of(
            st.none(),
            st.sampled_from(keys.cursors),
            st.sampled_from(["garbage", "W10=", "", "WyJ4IiwxXQ=="]),
        ),
        "representations": st.lists(st.sampled_from(keys.representations), min_size=1, max_size=5),
    }


def literal(value: Json) -> ValueNode:
    """`value` (JSON) written in the document."""
    if value is None:
        return NullValueNode()
    if isinstance(value, bool):
        return BooleanValueNode(value=value)
    if isinstance(value, int):
        return IntValueNode(value=str(value))
    if isinstance(value, str):
        return StringValueNode(value=value)
    if isinstance(value, list):
        return ListValueNode(values=tuple(literal(v) for v in value))
    return ObjectValueNode(
        fields=tuple(
            ObjectFieldNode(name=NameNode(value=k), value=literal(v)) for k, v in value.items()
        )
    )


def documents(schema: GraphQLSchema, keys: Keys) -> st.SearchStrategy[Generated]:
    queries = hypothesis_graphql.queries(
        schema,
        custom_scalars={
            # Representations are replaced by argument_values; dates come from a short list.
            "_Any": st.just(nodes.Object([])),
            "Date": st.sampled_from(["1900-01-01", "1988-05-17", "2030-12-31"]).map(nodes.String),
        },
        print_ast=lambda document: document,
        allow_x00=False,
    )
    values = argument_values(keys)

    @st.composite
    def rewritten(draw: st.DrawFn) -> Generated:
        drawn = draw(queries)
        assert isinstance(drawn, DocumentNode)
        return _Rewriter(draw, schema, values).document(drawn)

    return rewritten()


@dataclass
class _Rewriter:
    draw: Callable[[st.SearchStrategy[Any]], Any]
    schema: GraphQLSchema
    values: dict[str, st.SearchStrategy[Json]]
    definitions: list[VariableDefinitionNode] = field(default_factory=list)
    variables: dict[str, Json] = field(default_factory=dict)
    fragments: list[FragmentDefinitionNode] = field(default_factory=list)
    aliases: int = 0

    def document(self, drawn: DocumentNode) -> Generated:
        (operation,) = drawn.definitions
        assert isinstance(operation, OperationDefinitionNode)
        query = self.schema.query_type
        assert query is not None
        selection_set = self.selection_set(operation.selection_set, query)
        name = self.draw(st.sampled_from([None, "Generated", "Book"]))
        rewritten = OperationDefinitionNode(
            operation=OperationType.QUERY,
            name=NameNode(value=name) if name else None,
            variable_definitions=tuple(self.definitions),
            directives=(),
            selection_set=selection_set,
        )
        text = graphql.print_ast(DocumentNode(definitions=(rewritten, *self.fragments)))
        return Generated(text, self.variables)

    def variable(self, type_: GraphQLInputType, value: Json, *, omit: bool = False) -> VariableNode:
        node = VariableNode(name=NameNode(value=f"v{len(self.definitions)}"))
        self.definitions.append(
            VariableDefinitionNode(
                variable=node, type=graphql.parse_type(str(type_)), directives=()
            )
        )
        if not omit:
            self.variables[node.name.value] = value
        return node

    def argument(self, node: ArgumentNode, definition: GraphQLArgument) -> ArgumentNode:
        strategy = self.values.get(node.name.value)
        if strategy is None:
            return node  # hypothesis-graphql's literal (a filter): valid, if rarely matching
        value = self.draw(strategy)
        if not self.draw(st.booleans()):
            return ArgumentNode(name=node.name, value=literal(value))
        omit = value is None and self.draw(st.booleans())  # a nullable variable left out
        return ArgumentNode(name=node.name, value=self.variable(definition.type, value, omit=omit))

    def directives(self) -> tuple[DirectiveNode, ...]:
        # Each decision shrinks towards the plain document: 0 is "no directive", "no alias"...
        choice = self.draw(st.integers(0, 9))
        if choice < 8:
            return ()
        value = self.draw(st.booleans())
        condition: ValueNode = (
            self.variable(GraphQLNonNull(GraphQLBoolean), value)
            if self.draw(st.booleans())
            else BooleanValueNode(value=value)
        )
        argument = ArgumentNode(name=NameNode(value="if"), value=condition)
        name = "include" if choice == 8 else "skip"
        return (DirectiveNode(name=NameNode(value=name), arguments=(argument,)),)

    def field(self, node: FieldNode, parent: GraphQLNamedType) -> FieldNode:
        alias = node.alias
        if self.aliases < MAX_ALIASES and self.draw(st.integers(0, 7)) == 7:
            self.aliases += 1
            alias = NameNode(value=f"a{self.aliases}")
        if node.name.value == "__typename":
            return FieldNode(
                alias=alias, name=node.name, arguments=(), directives=self.directives()
            )
        assert isinstance(parent, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType)
        definition = parent.fields[node.name.value]
        arguments = tuple(
            self.argument(a, definition.args[a.name.value]) for a in node.arguments or ()
        )
        selection_set = (
            self.selection_set(node.selection_set, graphql.get_named_type(definition.type))
            if node.selection_set
            else None
        )
        return FieldNode(
            alias=alias,
            name=node.name,
            arguments=arguments,
            directives=self.directives(),
            selection_set=selection_set,
        )

    def selection_set(self, node: SelectionSetNode, parent: GraphQLNamedType) -> SelectionSetNode:
        selections: list[SelectionNode] = []
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                selections.append(self.field(selection, parent))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                assert inner is not None
                selections.append(
                    InlineFragmentNode(
                        type_condition=condition,
                        directives=self.directives(),
                        selection_set=self.selection_set(selection.selection_set, inner),
                    )
                )
        if self.draw(st.integers(0, 4)) == 4:
            typename = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())
            selections.insert(self.draw(st.integers(0, len(selections))), typename)
        fields = [s for s in selections if isinstance(s, FieldNode)]
        if fields and self.draw(st.integers(0, 4)) == 4:
            # The same field again, its directives dropped: the two must merge into one entry.
            twin = self.draw(st.sampled_from(fields))
            selections.append(
                FieldNode(
                    alias=twin.alias,
                    name=twin.name,
                    arguments=twin.arguments,
                    directives=(),
                    selection_set=twin.selection_set,
                )
            )
        return SelectionSetNode(selections=tuple(self.grouped(selections, parent)))

    def grouped(
        self, selections: list[SelectionNode], parent: GraphQLNamedType
    ) -> list[SelectionNode]:
        """A slice of `selections` moved into an inline or a named fragment on `parent`."""
        how = self.draw(st.sampled_from(["as is", "as is", "inline", "untyped inline", "named"]))
        if how == "as is" or not selections:
            return selections
        start = self.draw(st.integers(0, len(selections) - 1))
        end = self.draw(st.integers(start + 1, len(selections)))
        inner = SelectionSetNode(selections=tuple(selections[start:end]))
        on = NamedTypeNode(name=NameNode(value=parent.name))
        wrapper: SelectionNode
        if how == "named":
            name = NameNode(value=f"F{len(self.fragments)}")
            self.fragments.append(
                FragmentDefinitionNode(
                    name=name, type_condition=on, directives=(), selection_set=inner
                )
            )
            wrapper = FragmentSpreadNode(name=name, directives=self.directives())
        else:
            wrapper = InlineFragmentNode(
                type_condition=on if how == "inline" else None,
                directives=self.directives(),
                selection_set=inner,
            )
        return [*selections[:start], wrapper, *selections[end:]]

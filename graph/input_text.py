"""Every string a caller sends is text PostgreSQL can store and a person could have typed.

One check for every argument of the schema, before execution: each string in an argument —
literal, from a variable (whole or nested: input objects, lists, `_Any` representations, their
keys too) or a variable's default — must be free of control characters other than tab, line feed
and carriage return, and of lone surrogates. PostgreSQL refuses NUL in text (a database error,
not the caller's), and none of these belongs in a personal ID, a tax code, a purpose or a code.
A failure is `BAD_USER_INPUT` whose `argument` is the path inside the argument
(`input.purpose`, `representations[3].identificationNumber`), and nothing runs.

Format checks where a format exists (personal IDs, tax codes, card codes, agency codes) stay in
the resolvers (graph.validation); this is the floor under all of them.
"""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    ListValueNode,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    visit,
)
from strawberry.extensions import SchemaExtension

from graph.request_rules import DocumentFacts, RequestRule, RequestVisitor

_REFUSED: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def refused_character(text: str) -> str | None:
    """The first refused character as `U+XXXX`, or None when the text is clean."""
    match = _REFUSED.search(text)
    return f"U+{ord(match.group()):04X}" if match else None


def _raw(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(path, text) of every string in a JSON value; iterative, so any depth is safe."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, list):
            stack.extend((v, f"{where}[{i}]") for i, v in reversed(list(enumerate(item))))
        elif isinstance(item, dict):
            for key, v in reversed(list(item.items())):
                yield where, str(key)
                stack.append((v, f"{where}.{key}"))


def _literal(node: ValueNode, path: str, variables: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    stack: list[tuple[ValueNode, str]] = [(node, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, StringValueNode):
            yield where, item.value
        elif isinstance(item, ListValueNode):
            stack.extend((v, f"{where}[{i}]") for i, v in reversed(list(enumerate(item.values))))
        elif isinstance(item, ObjectValueNode):
            stack.extend((f.value, f"{where}.{f.name.value}") for f in reversed(item.fields))
        elif isinstance(item, VariableNode) and item.name.value in variables:
            yield from _raw(variables[item.name.value], where)


def _clean(value: Any) -> bool:
    """Whether every string of a JSON value (keys too) is clean: `_raw` without the paths."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _REFUSED.search(item):
                return False
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if any(_REFUSED.search(str(key)) for key in item):
                return False
            stack.extend(item.values())
    return True


def _variables_in(node: ValueNode) -> Iterator[str]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, VariableNode):
            yield item.name.value
        elif isinstance(item, ListValueNode):
            stack.extend(item.values)
        elif isinstance(item, ObjectValueNode):
            stack.extend(f.value for f in item.fields)


@dataclass(frozen=True)
class TextFacts:
    """What the rule sees of a document before the variables: whether its literal strings are
    clean, which variables its arguments read, and whether each variable's default is clean."""

    literals_clean: bool
    variables: frozenset[str]
    defaults_clean: Mapping[str, bool]

    def clean(self, variables: Mapping[str, Any]) -> bool:
        """Whether the rule would report nothing for these variables."""
        if not self.literals_clean:
            return False
        for name, clean in self.defaults_clean.items():
            if not clean and name not in variables:
                return False
        return all(_clean(variables[name]) for name in self.variables if name in variables)


def text_facts(_schema: GraphQLSchema, document: DocumentNode) -> TextFacts:
    """A `DocumentFacts` fact, gathered on the nodes the rule visits."""
    literals_clean = True
    names: set[str] = set()
    defaults: dict[str, bool] = {}

    class Collect(Visitor):
        def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
            nonlocal literals_clean
            literals_clean = literals_clean and not any(
                refused_character(text) for _, text in _literal(node.value, "", {})
            )
            names.update(_variables_in(node.value))

        def enter_variable_definition(self, node: VariableDefinitionNode, *_args: Any) -> None:
            if node.default_value is not None:
                name = node.variable.name.value
                strings = _literal(node.default_value, "", {})
                clean = not any(refused_character(text) for _, text in strings)
                defaults[name] = defaults.get(name, True) and clean

    visit(document, Collect())
    return TextFacts(literals_clean, frozenset(names), defaults)


def _error(path: str, character: str) -> GraphQLError:
    return GraphQLError(
        f"{path}: must not contain control characters (found {character})",
        extensions={"code": "BAD_USER_INPUT", "argument": path},
    )


class TextRule(RequestVisitor[Mapping[str, Any]]):
    """Checks every string of the arguments, for the request's variables (`data`)."""

    @classmethod
    def quiet(cls, facts: DocumentFacts, data: Mapping[str, Any]) -> bool:
        return facts.get(text_facts).clean(data)

    def _check(self, strings: Iterator[tuple[str, str]]) -> None:
        for path, text in strings:
            if (character := refused_character(text)) is not None:
                self.report_error(_error(path, character))
                return  # one error per argument is enough to fix it

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self._check(_literal(node.value, node.name.value, self.data))

    def enter_variable_definition(self, node: VariableDefinitionNode, *_args: Any) -> None:
        if node.default_value is not None and node.variable.name.value not in self.data:
            self._check(_literal(node.default_value, f"${node.variable.name.value}", {}))


class InputText(SchemaExtension):
    """Adds the rule, bound to this request's variables (validated documents are cached; this
    rule's verdict is not)."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        RequestRule(TextRule, context.variables or {}).add_to(context)
        yield

"""The breaking-change gate: `bhxh schema --check BASE.graphql`.

Compares a base SDL (CI: `schema.graphql` of the previous commit) with the current one using
graphql-core's schema diff. Breaking changes fail the check, except the removal of a field,
argument or enum value that the base already marked `@deprecated`: that is the announced end of
a deprecation, and passes with a note. Dangerous changes (an enum value or optional argument
added, a default changed…) are printed and pass: clients with exhaustive enum switches or
persisted documents should look at them.

The subgraph's SDL uses federation directives (`@link`, `@key`, `@authenticated`…) without
declaring them, as subgraph SDL does. Both documents get the same declarations for every
directive either uses and does not declare (arguments of an opaque scalar), so SDL validation
still runs in full and the stand-ins never show up as changes.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

from graphql import (
    BreakingChangeType,
    DangerousChangeType,
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    Visitor,
    build_ast_schema,
    concat_ast,
    find_schema_changes,
    parse,
    specified_directives,
    visit,
)

Severity = Literal["breaking", "dangerous", "deprecated-removal"]

_STAND_IN_SCALAR: Final = "_SchemaCheckOpaque"
_TYPE_SYSTEM_LOCATIONS: Final = (
    "SCHEMA | SCALAR | OBJECT | FIELD_DEFINITION | ARGUMENT_DEFINITION | INTERFACE | UNION | ENUM"
    " | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
)


class SchemaCheckError(ValueError):
    """A document that is not a schema."""


@dataclass(frozen=True)
class Change:
    severity: Severity
    kind: str
    description: str
    note: str = ""

    def __str__(self) -> str:
        label = {
            "breaking": "BREAKING",
            "dangerous": "DANGEROUS",
            "deprecated-removal": "ALLOWED",
        }[self.severity]
        return f"{label:<10} {self.kind}: {self.description}" + (
            f" ({self.note})" if self.note else ""
        )


@dataclass(frozen=True)
class Report:
    changes: tuple[Change, ...]

    @property
    def breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.severity == "breaking")

    def summary(self) -> str:
        counts = {
            severity: sum(1 for c in self.changes if c.severity == severity)
            for severity in ("breaking", "dangerous", "deprecated-removal")
        }
        if not self.changes:
            return "schema check: no breaking or dangerous changes"
        line = (
            f"schema check: {counts['breaking']} breaking, {counts['dangerous']} dangerous,"
            f" {counts['deprecated-removal']} removal(s) of deprecated elements"
        )
        if counts["breaking"]:
            line += (
                "\nClients built against the base schema would break. Deprecate first"
                ' (@deprecated(reason: "use …")), and remove in a later change.'
            )
        return line


def compare(base_sdl: str, current_sdl: str) -> Report:
    """The changes from `base_sdl` to `current_sdl`, classified."""
    base_document = _parse(base_sdl, "the base schema")
    current_document = _parse(current_sdl, "the current schema")
    used = _directives_used(base_document, current_document)
    base = _build(base_document, used, "the base schema")
    current = _build(current_document, used, "the current schema")
    changes = []
    for change in find_schema_changes(base, current):
        if isinstance(change.type, BreakingChangeType):
            reason = _deprecation_of_removed(base, change.type, change.description)
            if reason is None:
                changes.append(Change("breaking", change.type.name, change.description))
            else:
                note = f"deprecated in the base: {reason!r}"
                changes.append(
                    Change("deprecated-removal", change.type.name, change.description, note)
                )
        elif isinstance(change.type, DangerousChangeType):
            changes.append(Change("dangerous", change.type.name, change.description))
    return Report(tuple(changes))


def _parse(sdl: str, name: str) -> DocumentNode:
    try:
        return parse(sdl)
    except GraphQLError as exc:
        raise SchemaCheckError(f"{name} does not parse: {exc}") from exc


def _directives_used(*documents: DocumentNode) -> dict[str, set[str]]:
    """Every directive applied in the documents, with the argument names it is given."""
    used: dict[str, set[str]] = {}

    class Collect(Visitor):
        def enter_directive(self, node: DirectiveNode, *_: object) -> None:
            arguments = used.setdefault(node.name.value, set())
            arguments.update(argument.name.value for argument in node.arguments or ())

    for document in documents:
        visit(document, Collect())
    return used


def _build(document: DocumentNode, used: dict[str, set[str]], name: str) -> GraphQLSchema:
    declared = {
        d.name.value for d in document.definitions if isinstance(d, DirectiveDefinitionNode)
    }
    declared.update(d.name for d in specified_directives)
    stand_ins = [
        f"directive @{directive}"
        + (f"({', '.join(f'{a}: {_STAND_IN_SCALAR}' for a in sorted(args))})" if args else "")
        + f" repeatable on {_TYPE_SYSTEM_LOCATIONS}"
        for directive, args in sorted(used.items())
        if directive not in declared
    ]
    if stand_ins:
        stand_ins.insert(0, f"scalar {_STAND_IN_SCALAR}")
        document = concat_ast([parse("\n".join(stand_ins)), document])
    try:
        return build_ast_schema(document)
    except (GraphQLError, TypeError) as exc:
        raise SchemaCheckError(f"{name} is not a valid schema: {exc}") from exc


_REMOVALS: Final[dict[BreakingChangeType, re.Pattern[str]]] = {
    BreakingChangeType.FIELD_REMOVED: re.compile(r"^Field (\w+)\.(\w+) was removed\.$"),
    BreakingChangeType.ARG_REMOVED: re.compile(r"^Argument (\w+)\.(\w+)\((\w+):\) was removed\.$"),
    BreakingChangeType.VALUE_REMOVED_FROM_ENUM: re.compile(
        r"^Enum value (\w+)\.(\w+) was removed\.$"
    ),
}


def _deprecation_of_removed(
    base: GraphQLSchema, kind: BreakingChangeType, description: str
) -> str | None:
    """The base's deprecation reason of the element a removal names, if it had one."""
    pattern = _REMOVALS.get(kind)
    match = pattern.match(description) if pattern else None
    if match is None:
        return None
    type_ = base.type_map.get(match.group(1))
    lookups: dict[BreakingChangeType, Callable[[], str | None]] = {
        BreakingChangeType.FIELD_REMOVED: lambda: _field_deprecation(type_, match.group(2)),
        BreakingChangeType.ARG_REMOVED: lambda: _argument_deprecation(
            type_, match.group(2), match.group(3)
        ),
        BreakingChangeType.VALUE_REMOVED_FROM_ENUM: lambda: _value_deprecation(
            type_, match.group(2)
        ),
    }
    return lookups[kind]()


def _field_deprecation(type_: object, field: str) -> str | None:
    if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
        definition = type_.fields.get(field)
        return definition.deprecation_reason if definition else None
    return None


def _argument_deprecation(type_: object, field: str, argument: str) -> str | None:
    if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
        definition = type_.fields.get(field)
        arg = definition.args.get(argument) if definition else None
        return arg.deprecation_reason if arg else None
    return None


def _value_deprecation(type_: object, value: str) -> str | None:
    if isinstance(type_, GraphQLEnumType):
        definition = type_.values.get(value)
        return definition.deprecation_reason if definition else None
    return None

"""Deny by default, proven on the schema: every field of Person names its data group, and every
type reached under a guarded field belongs to that group (or is a public reference list)."""

from typing import cast

from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLType
from strawberry.types.base import StrawberryObjectDefinition

from graph.authz.permissions import _GroupPermission
from graph.authz.policy import PERSON_FIELDS, PERSON_KEY_FIELDS, PUBLIC, ROOT, TYPE_RULES
from graph.schema import schema

FEDERATION = {"Query", "Mutation", "_Service", "Person"}


def _named(type_: GraphQLType) -> GraphQLType:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _person_field_groups() -> dict[str, str | None]:
    definition = schema.get_type_by_name("Person")
    assert definition is not None
    groups: dict[str, str | None] = {}
    for field in cast(StrawberryObjectDefinition, definition).fields:  # Person: an object type
        guards = [p for p in field.permission_classes if issubclass(p, _GroupPermission)]
        groups[schema.config.name_converter.get_graphql_name(field)] = (
            guards[0].group.value if guards else None
        )
    return groups


def test_every_person_field_names_its_group() -> None:
    unguarded = [
        f for f, g in _person_field_groups().items() if g is None and f not in PERSON_KEY_FIELDS
    ]
    assert unguarded == []


def test_the_guards_are_the_table() -> None:
    """Each field's guard checks the group the policy's table names, and the table names no
    field the schema lacks."""
    groups = _person_field_groups()
    assert {f: g for f, g in groups.items() if g is not None} == {
        f: g.value for f, g in PERSON_FIELDS.items()
    }


def test_every_object_type_has_a_rule() -> None:
    object_types = {
        name
        for name, t in schema._schema.type_map.items()
        if isinstance(t, GraphQLObjectType) and not name.startswith("__")
    }
    assert object_types - FEDERATION - set(TYPE_RULES) == set()


def test_types_under_a_guarded_field_belong_to_its_group() -> None:
    person = schema._schema.type_map["Person"]
    assert isinstance(person, GraphQLObjectType)
    violations = []
    for field_name, group in _person_field_groups().items():
        if group is None:
            continue
        stack = [(_named(person.fields[field_name].type), f"Person.{field_name}")]
        seen: set[str] = set()
        while stack:
            type_, path = stack.pop()
            if (
                not isinstance(type_, GraphQLObjectType)
                or type_.name in seen
                or type_.name == "Person"
            ):
                continue
            seen.add(type_.name)
            rules = TYPE_RULES.get(type_.name, frozenset())
            if group not in rules and PUBLIC not in rules:
                violations.append(f"{path} → {type_.name}")
            if ROOT in rules and group not in rules:
                continue  # an entry point that decides for itself (Employer → employees)
            for name, field in type_.fields.items():
                stack.append((_named(field.type), f"{path}.{name}"))
    assert violations == []

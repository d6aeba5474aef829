"""The published schema: committed, equal to the code, and every element described."""

from pathlib import Path

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType

from graph.schema import schema

ROOT = Path(__file__).resolve().parents[2]


def test_schema_file_equals_the_code() -> None:
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == schema.as_str() + "\n", "run `bhxh schema > schema.graphql` and commit it"


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    missing = []
    for name, type_ in schema._schema.type_map.items():
        if (
            name.startswith("__")
            or name.startswith(("_", "link__"))
            or name in {"Query", "String", "Int", "Float", "Boolean", "ID"}
        ):
            continue
        if not type_.description and not isinstance(type_, GraphQLEnumType):
            missing.append(name)
        if isinstance(type_, GraphQLObjectType | GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description and not field_name.startswith("_"):
                        missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(type_, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in type_.values.items() if not value.description]
    query = schema._schema.query_type
    assert query is not None
    for field_name, field in query.fields.items():
        if not field_name.startswith("_") and not field.description:
            missing.append(f"Query.{field_name}")
    assert missing == []

"""The plan's leaf completers answer exactly as graphql-core's `complete_leaf_value`: the same
value, or the same error, for every leaf type of the schema and values of every kind."""

import math
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from graphql import GraphQLEnumType, GraphQLLeafType, GraphQLScalarType
from graphql.execution.executor import Executor

from graph.compiled.leaves import completer
from graph.schema import schema

_LEAVES = [
    t
    for t in schema._schema.type_map.values()
    if isinstance(t, GraphQLScalarType | GraphQLEnumType) and not t.name.startswith("__")
]

_VALUES: list[Any] = [
    "text",
    "",
    0,
    1,
    -(2**31),
    2**31 - 1,
    2**31,
    -(2**31) - 1,
    2**40,
    True,
    False,
    1.5,
    2.0,
    math.inf,
    math.nan,
    Decimal("1.5"),
    date(2024, 7, 1),
    date(987, 1, 15),
    datetime(2024, 7, 1, 8, 30, tzinfo=UTC),
    datetime(2024, 7, 1, 8, 30),
    time(8, 30),
    {"a": 1},
    [1],
    object(),
]


def _answer(complete: Any, value: Any) -> tuple[str, Any]:
    try:
        return ("value", complete(value))
    except Exception as error:
        return (type(error).__name__, str(error))


def _values(type_: GraphQLLeafType) -> list[Any]:
    enum = getattr(type_, "wrapped_cls", None)
    members: list[Any] = list(enum) if isinstance(enum, type) and issubclass(enum, Enum) else []
    texts = [m.value for m in members] + [m.name for m in members]
    return [*_VALUES, *members, *texts]


@pytest.mark.parametrize("type_", _LEAVES, ids=lambda t: t.name)
def test_completers_answer_as_complete_leaf_value(type_: GraphQLLeafType) -> None:
    complete = completer(type_)
    for value in _values(type_):
        expected = _answer(lambda v: Executor.complete_leaf_value(type_, v), value)
        got = _answer(complete, value)
        assert got == expected or (
            # NaN is not equal to itself; a value passed through is the same object.
            got[0] == expected[0] == "value" and got[1] is expected[1]
        ), (type_.name, value)
        assert type(got[1]) is type(expected[1])


def test_enum_members_are_named_as_strawberry_names_them() -> None:
    enums = [t for t in _LEAVES if isinstance(t, GraphQLEnumType)]
    assert any(hasattr(t, "wrapped_cls") for t in enums)
    for type_ in enums:
        complete = completer(type_)
        for member in getattr(type_, "wrapped_cls", ()):
            assert complete(member) == type_.coerce_output_value(member)

"""Leaf completion: graphql-core's `Executor.complete_leaf_value` for one leaf type, with the
answer for the values a book is made of known without the type's machinery.

A completer answers at once only where the type's `coerce_output_value` is known to return the
value unchanged or a known pure function of it, for values of exactly the Python type it
expects; any other value (a subclass, a bool for Int, a float that is not finite, an
unexpected type) goes through `complete_leaf_value` itself, with its result or its error.

- String and ID return a str unchanged; Int an int within 32 bits; Boolean a bool; Float a
  finite float.
- A Strawberry enum (`CustomGraphQLEnumType`) names a member of its Python enum by the first
  GraphQL value whose value equals the member's: that name, asked once per member of the type.
- Strawberry's Date, DateTime and Time are `isoformat()`; the book's YearMonth is
  `graph.types.scalars.year_month_text` (a few hundred months in all: remembered), Vnd is
  `int` (an int is itself).
"""

from collections.abc import Callable
from datetime import date, datetime, time
from enum import Enum
from functools import lru_cache, partial
from math import isfinite
from typing import Any, cast

from graphql import (
    GraphQLBoolean,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLScalarType,
    GraphQLString,
)
from graphql.execution.executor import Executor
from strawberry.schema.schema_converter import CustomGraphQLEnumType
from strawberry.schema.types.base_scalars import isoformat

from graph.types.scalars import year_month_text

Completer = Callable[[Any], Any]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1

_YEAR_MONTH_TEXT = lru_cache(maxsize=4096)(year_month_text)


def completer(type_: GraphQLLeafType) -> Completer:
    """`complete_leaf_value(type_, value)` as a function of the value."""
    slow: Completer = partial(Executor.complete_leaf_value, type_)
    if type_ is GraphQLString or type_ is GraphQLID:
        return lambda value: value if type(value) is str else slow(value)
    if type_ is GraphQLInt:
        return lambda value: (
            value if type(value) is int and _INT_MIN <= value <= _INT_MAX else slow(value)
        )
    if type_ is GraphQLBoolean:
        return lambda value: value if type(value) is bool else slow(value)
    if type_ is GraphQLFloat:
        return lambda value: value if type(value) is float and isfinite(value) else slow(value)
    if isinstance(type_, CustomGraphQLEnumType):
        return _enum(type_, slow)
    if isinstance(type_, GraphQLScalarType):
        return _scalar(type_, slow)
    return slow


def _enum(type_: CustomGraphQLEnumType, slow: Completer) -> Completer:
    enum = cast(type[Enum], type_.wrapped_cls)
    names: dict[Any, str] = {}
    for member in enum:
        try:
            name = type_.coerce_output_value(member)
        except Exception:
            continue  # left to `slow`, which raises the same error each time
        if isinstance(name, str):
            names[member] = name

    def complete(value: Any) -> Any:
        # The exact type first: a StrEnum member and its text are equal keys of `names`.
        if type(value) is enum:
            name = names.get(value)
            if name is not None:
                return name
        return slow(value)

    return complete


def _scalar(type_: GraphQLScalarType, slow: Completer) -> Completer:
    coerce = type_.coerce_output_value
    if coerce is isoformat:
        kinds = (date, datetime, time)
        return lambda value: value.isoformat() if type(value) in kinds else slow(value)
    if coerce is year_month_text:
        return lambda value: _YEAR_MONTH_TEXT(value) if type(value) is date else slow(value)
    if coerce is int:
        return lambda value: value if type(value) is int else slow(value)
    return slow

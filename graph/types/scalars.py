"""Scalars of the insurance book: calendar months, VND amounts, a change's field values.

Declared as NewTypes (so mypy sees a `date` and an `int`) mapped to their GraphQL definitions in
the schema's `scalar_map`.
"""

from datetime import date
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

YearMonth = NewType("YearMonth", date)
Vnd = NewType("Vnd", int)
FieldValues = NewType("FieldValues", object)


def _parse_year_month(value: object) -> date:
    if not isinstance(value, str):
        raise ValueError("YearMonth must be a string YYYY-MM")
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise ValueError(f"YearMonth must look like 2025-07, not {value[:10]!r}") from None


def _parse_vnd(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("Vnd must be a whole number of đồng")
    return value


def year_month_text(value: date) -> str:
    """YearMonth's output: the month of a date as `YYYY-MM`."""
    return f"{value.year:04d}-{value.month:02d}"


def _refuse_field_values(value: object) -> object:
    raise ValueError("FieldValues is output only")


SCALARS: dict[object, ScalarDefinition] = {
    YearMonth: strawberry.scalar(
        name="YearMonth",
        description="A calendar month, `YYYY-MM` (tháng/năm): the book's histories run by month.",
        serialize=year_month_text,
        parse_value=_parse_year_month,
    ),
    Vnd: strawberry.scalar(
        name="Vnd",
        description="An amount in Vietnamese đồng (VND), a whole number that may exceed 32 bits.",
        serialize=int,
        parse_value=_parse_vnd,
    ),
    FieldValues: strawberry.scalar(
        name="FieldValues",
        description=(
            "Giá trị các trường — a JSON object of a record's fields (database column names) to"
            " their values; output only."
        ),
        serialize=lambda v: v,
        parse_value=_refuse_field_values,
    ),
}

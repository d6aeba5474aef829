"""Argument checks shared by resolvers: each failure names its argument (BAD_USER_INPUT)."""

from collections.abc import Callable
from datetime import date

from db.identifiers import (
    InvalidIdentifier,
    validate_bhyt_code,
    validate_personal_id,
    validate_tax_code,
)
from graph.errors import BadUserInput


def date_range(
    start: date | None, end: date | None, argument: str = "fromMonth"
) -> tuple[date | None, date | None]:
    """`argument` names the range's start argument (fromMonth or fromDate) in the error."""
    if start is not None and end is not None and start > end:
        other = argument.replace("from", "to")
        raise BadUserInput(argument, f"must not be after {other}")
    return start, end


def _identifier(validate: Callable[[str], str], value: str, argument: str) -> str:
    try:
        return str(validate(value))
    except InvalidIdentifier as exc:
        raise BadUserInput(argument, exc.reason) from None


def personal_id(value: str, argument: str = "identificationNumber") -> str:
    return _identifier(validate_personal_id, value, argument)


def tax_code(value: str, argument: str = "taxCode") -> str:
    return _identifier(validate_tax_code, value, argument)


def bhyt_code(value: str, argument: str = "code") -> str:
    return _identifier(validate_bhyt_code, value.strip().upper(), argument)


MAX_HOUSEHOLD_ID_DIGITS = 18
"""Every 18-digit number fits a bigint (the ID's column); 19 digits may not."""


def household_id(value: str, argument: str = "id") -> str:
    if not (value.isascii() and value.isdigit()) or len(value) > MAX_HOUSEHOLD_ID_DIGITS:
        raise BadUserInput(
            argument, f"must be a household ID: 1 to {MAX_HOUSEHOLD_ID_DIGITS} digits"
        )
    return value

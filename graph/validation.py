"""Argument checks shared by resolvers: each failure names its argument (BAD_USER_INPUT)."""

import re
from collections.abc import Callable
from datetime import date

from db.identifiers import (
    InvalidIdentifier,
    validate_bhxh_code,
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


def bhxh_code(value: str, argument: str = "bhxhCode") -> str:
    return _identifier(validate_bhxh_code, value, argument)


def tax_code(value: str, argument: str = "taxCode") -> str:
    return _identifier(validate_tax_code, value, argument)


def bhyt_code(value: str, argument: str = "code") -> str:
    return _identifier(validate_bhyt_code, value.strip().upper(), argument)


# Household ids are PostgreSQL bigints written in ASCII digits (str.isdigit would let '٣' or '²'
# through, and a 30-digit number overflow the column).
_HOUSEHOLD_ID = re.compile(r"[0-9]{1,19}")
_BIGINT_MAX = 2**63 - 1


def household_key(value: str) -> int | None:
    """The household id as the database's key, or None when `value` cannot be one."""
    if not _HOUSEHOLD_ID.fullmatch(value) or int(value) > _BIGINT_MAX:
        return None
    return int(value)


def household_id(value: str, argument: str = "id") -> int:
    if (key := household_key(value)) is None:
        raise BadUserInput(argument, "must be a household ID: a number of up to 19 ASCII digits")
    return key

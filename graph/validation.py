"""Argument checks shared by resolvers: each failure names its argument (BAD_USER_INPUT)."""

import re
from collections.abc import Callable
from datetime import date

from db.identifiers import (
    BHXH_CODE_LENGTH,
    PERSONAL_ID_LENGTH,
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


PERSON_KEY_DESCRIPTION = (
    "Số định danh cá nhân hoặc mã số BHXH — the person's 12-digit personal ID or 10-digit BHXH"
    " code (a foreign worker known by passport only has the code alone)"
)
"""How a write's argument naming a person says what `person_key` accepts."""


def person_key(value: str, argument: str) -> str:
    """A write's name for a person, checked as the key its length says it is: a 12-digit
    personal ID or a 10-digit BHXH code (the only key of a person known by passport only,
    README "Persons known by passport only"). Load it with Loaders.person_by_key."""
    if len(value) == BHXH_CODE_LENGTH:
        return bhxh_code(value, argument)
    if len(value) == PERSONAL_ID_LENGTH:
        return personal_id(value, argument)
    raise BadUserInput(argument, "must be a 12-digit personal ID or a 10-digit BHXH code")


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

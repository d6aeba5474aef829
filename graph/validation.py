"""Argument checks shared by resolvers: each failure names its argument (BAD_USER_INPUT)."""

from datetime import date

from db.identifiers import InvalidIdentifier, validate_personal_id
from graph.errors import BadUserInput


def month_range(start: date | None, end: date | None) -> tuple[date | None, date | None]:
    if start is not None and end is not None and start > end:
        raise BadUserInput("fromMonth", "must not be after toMonth")
    return start, end


def personal_id(value: str, argument: str = "identificationNumber") -> str:
    try:
        return str(validate_personal_id(value))
    except InvalidIdentifier as exc:
        raise BadUserInput(argument, exc.reason) from None

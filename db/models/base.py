"""The declarative base: one MetaData with a naming convention so migrations name constraints stably."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def enum_check(column: str, values: type) -> str:
    """A CHECK expression restricting a text column to a StrEnum's values."""
    members = ", ".join(f"'{v.value}'" for v in values)  # type: ignore[attr-defined]
    return f"{column} IN ({members})"

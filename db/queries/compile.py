"""Statements are built with SQLAlchemy Core and compiled once, at import, to psycopg SQL:
the hot path pays neither SQLAlchemy's execution layer nor a compile per request."""

from collections.abc import Hashable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ARRAY, BigInteger, ColumnElement, Label, Text, any_, bindparam, cast
from sqlalchemy.dialects.postgresql import psycopg
from sqlalchemy.sql.elements import ClauseElement, SQLCoreOperations

from db.session import Query, Row

_DIALECT = psycopg.dialect()  # type: ignore[no-untyped-call]

K = TypeVar("K", bound=Hashable)


def compile_query(
    name: str,
    statement: ClauseElement,
    *,
    inline_values: bool = False,
    keyed_by: tuple[str, ...] = (),
) -> Query:
    """`inline_values` renders the statement's constant values into the SQL (no parameters);
    `keyed_by` is `Query.keyed_by`."""
    kwargs = {"literal_binds": True} if inline_values else {}
    sql = str(statement.compile(dialect=_DIALECT, compile_kwargs=kwargs))
    return Query(name=name, sql=sql, keyed_by=keyed_by)


def int_keys(column: SQLCoreOperations[int], name: str = "keys") -> ColumnElement[bool]:
    """`column = ANY(%(keys)s::bigint[])`: one statement for a whole batch of keys."""
    return column == any_(cast(bindparam(name), ARRAY(BigInteger)))


def text_keys(column: SQLCoreOperations[str], name: str = "keys") -> ColumnElement[bool]:
    return column == any_(cast(bindparam(name), ARRAY(Text)))


def align_one(keys: Sequence[K], rows: list[Row], key: str) -> list[Row | None]:
    """The row for each key, in key order (the DataLoader contract), None where none exists."""
    by_key = {row[key]: row for row in rows}
    return [by_key.get(k) for k in keys]


def align_many(keys: Sequence[K], rows: list[Row], key: str) -> list[list[Row]]:
    """All rows for each key, in key order, keeping the statement's row order within a key."""
    grouped: dict[Any, list[Row]] = {k: [] for k in keys}
    for row in rows:
        grouped[row[key]].append(row)
    return [grouped[k] for k in keys]


def carry(prefix: str, columns: Sequence[ColumnElement[Any]]) -> list[Label[Any]]:
    """Another table's row in the same statement, each column named `prefix` + its name: a
    relation's statement that carries the related row saves the related loader its statement."""
    return [column.label(prefix + str(column.name)) for column in columns]


def carried(rows: list[Row], prefix: str, key: str = "id") -> list[Row]:
    """The rows `carry(prefix, …)` brought, one per distinct `key` (none where an outer join
    found nothing), named as their table's own statement names them. The carrying rows keep
    the prefixed columns: nothing reads them by those names, and leaving them costs nothing."""
    if not rows:
        return []
    names = [(name, name[len(prefix) :]) for name in rows[0] if name.startswith(prefix)]
    probe = prefix + key
    found: dict[Any, Row] = {}
    for row in rows:
        k = row[probe]
        if k is not None and k not in found:
            found[k] = {plain: row[name] for name, plain in names}
    return list(found.values())

"""Parameters reach the server untyped (db.adapters): lists too, ints written in one step."""

from datetime import date
from typing import Any

import psycopg
import pytest
from psycopg.adapt import PyFormat, Transformer

from db.adapters import ADAPTERS
from db.urls import libpq_conninfo

LISTS: list[tuple[list[Any], str]] = [
    ([], "bigint[]"),
    ([7], "bigint[]"),
    ([1, -2, 2**62, 0], "bigint[]"),
    ([None, 3], "bigint[]"),
    ([True, False], "boolean[]"),
    (["a", 'qu"ote', "back\\slash", "com,ma", "", "NULL"], "text[]"),
    ([date(2024, 7, 1)], "date[]"),
    ([[1, 2], [3, 4]], "bigint[]"),
]


def _dumped(value: list[Any]) -> tuple[int, bytes | None]:
    tx = Transformer(ADAPTERS)
    dumper = tx.get_dumper(value, PyFormat.AUTO)
    dumped = dumper.dump(value)
    return dumper.oid, None if dumped is None else bytes(dumped)


def test_a_list_of_ints_is_the_text_of_an_array_of_unknown_type() -> None:
    assert _dumped([1, -2, 2**62]) == (0, b"{1,-2,4611686018427387904}")
    assert _dumped([]) == (0, b"{}")


@pytest.mark.parametrize(("value", "sql_type"), LISTS)
def test_every_list_reads_back_as_itself(
    database_url: str, value: list[Any], sql_type: str
) -> None:
    with psycopg.connect(libpq_conninfo(database_url), context=ADAPTERS) as conn:
        cursor = psycopg.RawCursor(conn)
        row = cursor.execute(f"SELECT CAST($1 AS {sql_type})", [value]).fetchone()
    assert row is not None and row[0] == value

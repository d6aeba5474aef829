"""How the API's connections turn Python values into parameters and JSON into Python values.

Parameters reach the server untyped, so the SQL's casts and context decide every parameter's
type: psycopg would otherwise type a Python int by its value (smallint, integer or bigint, and
arrays of them) and send None untyped, and one SQL text became several prepared statements as the
keys of a batch crossed 32,767 or a cursor went from None to a value (db.session).
"""

import json
from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

import orjson
import psycopg
from psycopg.abc import Buffer
from psycopg.adapt import AdaptersMap, Dumper, PyFormat
from psycopg.types.array import BaseListDumper, ListDumper
from psycopg.types.bool import BoolDumper
from psycopg.types.datetime import DateDumper, DatetimeDumper
from psycopg.types.json import set_json_loads
from psycopg.types.numeric import Int8Dumper
from psycopg.types.uuid import UUIDDumper


class _UntypedInt(Int8Dumper):
    oid = 0  # "unknown": the server gives the parameter the type its context asks for


class _UntypedBool(BoolDumper):
    oid = 0


class _UntypedDate(DateDumper):
    oid = 0


class _UntypedUUID(UUIDDumper):
    oid = 0


class _UntypedDatetime(DatetimeDumper):
    oid = 0

    def upgrade(self, obj: Any, format: PyFormat) -> Dumper:
        return self  # naive or aware, the text is parsed as the context's type


def _ints(values: list[Any]) -> bool:
    return all(type(v) is int for v in values)


class _UntypedList(ListDumper):
    """A list of ints — a batch's keys, which nearly every statement takes — written as the text of
    an array in one step: psycopg's list dumper looks for the list's element type and size and
    dumps the elements one by one in Python at every run (~10 µs a list). Any other list is
    psycopg's to dump; both are of unknown type, as the elements are."""

    def get_key(self, obj: list[Any], format: PyFormat) -> Any:
        return self.cls if _ints(obj) else super().get_key(obj, format)

    def upgrade(self, obj: list[Any], format: PyFormat) -> BaseListDumper:
        return self if _ints(obj) else super().upgrade(obj, format)

    def dump(self, obj: list[Any]) -> Buffer | None:
        if self.sub_dumper is None and _ints(obj):
            return ("{" + ",".join(map(str, obj)) + "}").encode()
        return super().dump(obj)


_DIGITS_ONLY: Final = bytes(ord("0") if ord("0") <= i <= ord("9") else ord(" ") for i in range(256))
_LONG_DIGITS: Final = b"0" * 19


def _json_loads(data: str | bytes) -> Any:
    """orjson reads a value as the standard library does, several times faster, except that it
    turns an integer beyond 64 bits into a float (silently) and refuses what Python's own reader
    takes (infinities such as 1e400, lone surrogates). PostgreSQL's JSON may hold those: a text
    with 19 digits in a row (the shortest integer that might not fit; found by mapping every digit
    to 0, cheaper than a regular expression), or one orjson refuses, goes to the standard library."""
    raw = data.encode() if isinstance(data, str) else data  # psycopg passes bytes
    if _LONG_DIGITS not in raw.translate(_DIGITS_ONLY):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw)


def _untyped_adapters() -> AdaptersMap:
    """psycopg's adapters, except that ints, bools, dates, timestamps and UUIDs, alone or in lists,
    are sent as text of unknown type, as psycopg already sends strings and None: a parameter's
    type no longer depends on its value, so each statement text is one prepared statement.
    json and jsonb are read with orjson (`_json_loads`)."""
    adapters = AdaptersMap(psycopg.adapters)
    for cls, dumper in (
        (int, _UntypedInt),
        (bool, _UntypedBool),
        (date, _UntypedDate),
        (datetime, _UntypedDatetime),
        (UUID, _UntypedUUID),
        (list, _UntypedList),
    ):
        adapters.register_dumper(cls, dumper)
    set_json_loads(_json_loads, adapters)
    return adapters


ADAPTERS: Final = _untyped_adapters()

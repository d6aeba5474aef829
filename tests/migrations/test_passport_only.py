"""Migrations 0015 and 0017 on a populated database: up keeps every person and relative as they
were; down refuses, naming the row, while a person known by passport only or a foreign relative
exists (it deletes no one)."""

import psycopg
import pytest

from db import migrate
from db.enums import RelativeKind
from db.seed import seed_database
from db.urls import libpq_conninfo
from tests.factories.person import person, relative

_PERSONS = "SELECT id, identification_number, passport_number, nationality FROM person ORDER BY id"


def test_up_keeps_everyone_and_down_refuses_passport_only_persons(empty_database: str) -> None:
    previous = migrate.revision_before("0015")
    migrate.upgrade(empty_database)
    seed_database(libpq_conninfo(empty_database), persons=60, seed=3, progress=False)
    with psycopg.connect(libpq_conninfo(empty_database)) as conn:
        seeded = conn.execute(_PERSONS).fetchall()
    assert all(number is not None for _, number, _, _ in seeded)
    migrate.downgrade(empty_database, previous)
    migrate.upgrade(empty_database)
    with psycopg.connect(libpq_conninfo(empty_database), autocommit=True) as conn:
        assert conn.execute(_PERSONS).fetchall() == seeded
        person(conn, identification_number=None, passport_number="E12345678", nationality="CN")
    with pytest.raises(Exception, match="is known by a foreign passport"):
        migrate.downgrade(empty_database, previous)
    assert migrate.current(empty_database) == migrate.head()


_RELATIVES = "SELECT id, passport_number, nationality FROM relative ORDER BY id"


def test_up_keeps_every_relative_and_down_refuses_a_foreign_one(empty_database: str) -> None:
    """Migration 0017: relatives are Vietnamese until a foreign one is recorded."""
    previous = migrate.revision_before("0017")
    migrate.upgrade(empty_database)
    seed_database(libpq_conninfo(empty_database), persons=60, seed=3, progress=False)
    with psycopg.connect(libpq_conninfo(empty_database)) as conn:
        seeded = conn.execute(_RELATIVES).fetchall()
    assert {nationality for _, _, nationality in seeded} == {"VN"}
    migrate.downgrade(empty_database, previous)
    migrate.upgrade(empty_database)
    with psycopg.connect(libpq_conninfo(empty_database), autocommit=True) as conn:
        assert conn.execute(_RELATIVES).fetchall() == seeded
        child = person(conn)
        relative(conn, child, RelativeKind.MOTHER, full_name="LI NA")
        conn.execute(
            "UPDATE relative SET nationality = 'CN', passport_number = 'E12345678'"
            " WHERE person_id = %s",
            [child["id"]],
        )
    with pytest.raises(Exception, match="is of a foreign nationality"):
        migrate.downgrade(empty_database, previous)
    assert migrate.current(empty_database) == migrate.head()

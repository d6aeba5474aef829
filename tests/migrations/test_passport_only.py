"""Migration 0015 on a populated database: up keeps every person as they were; down refuses,
naming the row, while a person known by passport only exists (it deletes no one)."""

import psycopg
import pytest
from alembic.script import ScriptDirectory

from db import migrate
from db.seed import seed_database
from db.urls import libpq_conninfo
from tests.factories.person import person

_PERSONS = "SELECT id, identification_number, passport_number, nationality FROM person ORDER BY id"


def test_up_keeps_everyone_and_down_refuses_passport_only_persons(empty_database: str) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config(empty_database))
    previous = script.get_revision("0015").down_revision
    assert isinstance(previous, str)
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

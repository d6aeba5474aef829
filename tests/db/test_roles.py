"""The runtime role (db/roles.py) on the real PostgreSQL: it can do what the API does, its
privileges are exactly `WRITES` plus reading, and nothing it can do rewrites the access log."""

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import psycopg
import pytest
from psycopg import errors

from db import migrate, roles
from db.models import Base
from db.queries import access_log
from db.queries.access_log import RECORD_READS, Actor, Read
from db.roles import DEFAULT_RUNTIME_ROLE, WRITES, RoleError, RuntimeRole, Write
from db.session import Database, Query
from db.urls import libpq_conninfo, with_user
from db.writes import consent, idempotency
from tests.conftest import create_database, drop_database
from tests.factories.book import book

RUNTIME = DEFAULT_RUNTIME_ROLE
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


@pytest.fixture
def runtime(runtime_url: str, conn: psycopg.Connection) -> Iterator[psycopg.Connection]:
    """The runtime role, in autocommit; `conn` (the owner) empties the tables afterwards."""
    with psycopg.connect(libpq_conninfo(runtime_url), autocommit=True) as connection:
        yield connection


def _log_a_read(runtime: psycopg.Connection, person_id: int) -> None:
    read = {
        "person_id": person_id,
        "request_id": "req-1",
        "operation_name": None,
        "actor_role": "OFFICER",
        "actor_subject": "officer-1",
        "actor_org": None,
        "data_groups": ["IDENTITY"],
        "grounds": ["scope:identity"],
    }
    runtime.execute(RECORD_READS.sql.encode(), {"reads": orjson.dumps([read]).decode()})


def _log(conn: psycopg.Connection) -> list[tuple[object, ...]]:
    return conn.execute("SELECT * FROM access_log ORDER BY id").fetchall()


def _triggers(conn: psycopg.Connection) -> set[tuple[str, str]]:
    rows = conn.execute(
        "SELECT tgname::text, tgenabled::text FROM pg_trigger"
        " WHERE tgrelid = 'access_log'::regclass AND NOT tgisinternal"
    ).fetchall()
    return {(name, enabled) for name, enabled in rows}


REFUSED = [
    # rewriting or emptying the log
    "UPDATE access_log SET actor_role = 'CITIZEN'",
    "DELETE FROM access_log",
    "TRUNCATE access_log",
    "TRUNCATE person CASCADE",
    # taking its guards away: only the owner may
    "ALTER TABLE access_log DISABLE TRIGGER access_log_append_only",
    "ALTER TABLE access_log DISABLE TRIGGER ALL",
    "DROP TRIGGER access_log_no_truncate ON access_log",
    "CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql"
    " AS $$ BEGIN RETURN NULL; END $$",
    "ALTER TABLE access_log RENAME TO access_log_old",
    "DROP TABLE access_log",
    "LOCK TABLE access_log IN ACCESS EXCLUSIVE MODE",  # would stall every request's insert
    # no DDL, no roles
    "CREATE TABLE shadow_log (id int)",
    "CREATE SCHEMA shadow",
    "ALTER TABLE person ADD COLUMN note text",
    "CREATE ROLE intruder",
    "SET ROLE postgres",
    # writing or rewriting the change log (only the audited tables' triggers write it)
    "INSERT INTO change_log (request_id, operation, actor_role, actor_subject, grounds,"
    " record_table, record_id, action) VALUES ('r', 'x', 'OFFICER', 'o', '{}', 'person', '1',"
    " 'UPDATE')",
    "UPDATE change_log SET actor_subject = 'someone else'",
    "DELETE FROM change_log",
    "TRUNCATE change_log",
    "ALTER TABLE consent DISABLE TRIGGER consent_change_insert",
    # a write of the API's without an actor: the change log would miss it
    "UPDATE consent SET revoked_at = now()",
    # writes the API does not make
    "UPDATE consent SET purpose = 'other', valid_until = now() + interval '99 years'",
    "DELETE FROM consent",
    "UPDATE person SET full_name = 'X'",
    "DELETE FROM person",
    "INSERT INTO partner_agency (code, name) VALUES ('FAKE', 'Fake agency')",
]


@pytest.mark.parametrize("statement", REFUSED)
def test_the_runtime_role_cannot_rewrite_the_log_or_change_the_schema(
    runtime: psycopg.Connection, conn: psycopg.Connection, statement: str
) -> None:
    b = book(conn)
    _log_a_read(runtime, b.person["id"])
    before, triggers = _log(conn), _triggers(conn)
    assert triggers == {("access_log_append_only", "O"), ("access_log_no_truncate", "O")}
    with pytest.raises(errors.InsufficientPrivilege), runtime.transaction():
        runtime.execute(statement)
    assert (_log(conn), _triggers(conn)) == (before, triggers)


async def test_the_runtime_role_can_do_everything_the_api_does(
    runtime_url: str, conn: psycopg.Connection
) -> None:
    b = book(conn)
    database = Database(libpq_conninfo(runtime_url), min_size=1, max_size=1)
    await database.open()
    try:
        async with database.reader() as db:
            for table in Base.metadata.tables:  # reads every table
                await db.fetch(Query(f"read_{table}", f'SELECT * FROM "{table}" LIMIT 1'), {})
            await access_log.record_reads(
                db,
                [Read(b.person["id"], ["IDENTITY"], ["scope:identity"])],
                actor=Actor("OFFICER", "officer-1", None),
                request_id="req-1",
                operation_name="ReadBook",
            )
            subject = b.person["identification_number"]
            scope = idempotency.Scope("CITIZEN", subject, None)
            actor = {
                "role": "CITIZEN",
                "subject": subject,
                "grounds": ["self"],
                "request_id": "req-2",
                "operation": "grantConsent",
            }
            async with db.transaction() as tx:
                assert (
                    await idempotency.claim(
                        tx, scope, "key-1", operation="grantConsent", fingerprint="f", actor=actor
                    )
                    is None
                )
                granted = await consent.grant(
                    tx,
                    person_id=b.person["id"],
                    grantee_code="BYT",
                    data_groups=["HEALTH_INSURANCE"],
                    purpose="Xét hưởng chế độ",
                    valid_until=datetime.now(UTC) + timedelta(days=30),
                    granted_by=subject,
                )
                assert granted is not None
                await idempotency.store(tx, scope, "key-1", str(granted))
                revoked_before = await consent.revoke(tx, granted)
    finally:
        await database.close()
    assert revoked_before is None
    assert len(_log(conn)) == 1
    changes = conn.execute(
        "SELECT record_table, action, actor_subject, grounds FROM change_log ORDER BY id"
    ).fetchall()
    assert changes == [
        ("consent", "INSERT", subject, ["self"]),
        ("consent", "UPDATE", subject, ["self"]),
    ]


def _privileges(conn: psycopg.Connection, role: str) -> dict[str, set[str]]:
    """What `role` holds on every table and column of the schema, by table: `UPDATE(col)` for a
    column-only privilege."""
    found: dict[str, set[str]] = {}
    tables = conn.execute(
        "SELECT c.oid, c.relname::text FROM pg_class c"
        " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v')"
    ).fetchall()
    for oid, table in tables:
        held = found.setdefault(table, set())
        for privilege in TABLE_PRIVILEGES:
            if conn.execute(
                "SELECT has_table_privilege(%s, %s, %s)", [role, oid, privilege]
            ).fetchone() == (True,):
                held.add(privilege)
        columns = conn.execute(
            "SELECT attname::text FROM pg_attribute WHERE attrelid = %s AND attnum > 0"
            " AND NOT attisdropped",
            [oid],
        ).fetchall()
        for (column,) in columns:
            for privilege in ("INSERT", "UPDATE"):
                if privilege not in held and conn.execute(
                    "SELECT has_column_privilege(%s, %s, %s, %s)", [role, oid, column, privilege]
                ).fetchone() == (True,):
                    held.add(f"{privilege}({column})")
    return found


def _expected(tables: set[str]) -> dict[str, set[str]]:
    expected = {table: {"SELECT"} for table in tables}
    for table, writes in roles.WRITES.items():
        for write in writes:
            if write.columns:
                expected[table] |= {f"{write.privilege}({c})" for c in write.columns}
            else:
                expected[table].add(write.privilege)
    return expected


def test_the_runtime_roles_privileges_are_exactly_the_table(conn: psycopg.Connection) -> None:
    held = _privileges(conn, RUNTIME)
    assert held == _expected(set(held))
    assert set(WRITES) <= set(Base.metadata.tables)  # no line of the table names nothing
    assert WRITES["access_log"] == (Write("INSERT"),)  # append-only: never more


def test_the_runtime_role_is_nothing_more(runtime_url: str, conn: psycopg.Connection) -> None:
    attributes = conn.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin,"
        " (SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid)"
        " FROM pg_roles r WHERE rolname = %s",
        [RUNTIME],
    ).fetchone()
    assert attributes == (False, False, False, False, False, True, 0)
    assert roles.runtime_problems(libpq_conninfo(runtime_url)) is None
    sequences = conn.execute(
        "SELECT c.relname::text FROM pg_class c WHERE CASE WHEN c.relkind = 'S'"
        " THEN has_sequence_privilege(%s, c.oid, 'USAGE') END",
        [RUNTIME],
    ).fetchall()
    # Only behind a table it inserts into (each write path adds its own).
    behind = conn.execute(
        "SELECT s.relname::text, t.relname::text FROM pg_class s JOIN pg_depend d"
        " ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')"
        " JOIN pg_class t ON t.oid = d.refobjid"
        " WHERE CASE WHEN s.relkind = 'S' THEN has_sequence_privilege(%s, s.oid, 'USAGE') END",
        [RUNTIME],
    ).fetchall()
    inserts = {table for table, writes in WRITES.items() if Write("INSERT") in writes}
    assert len(behind) == len(sequences)
    assert {table for _, table in behind} <= inserts
    assert ("access_log_id_seq", "access_log") in behind


def test_the_owner_is_flagged(database_url: str) -> None:
    problems = roles.runtime_problems(libpq_conninfo(database_url))
    assert problems is not None
    assert "superuser" in problems or "owns" in problems


def test_truncate_is_refused_even_to_the_owner(conn: psycopg.Connection) -> None:
    b = book(conn)
    with psycopg.connect(conn.info.dsn, autocommit=True) as owner:
        _log_a_read(owner, b.person["id"])
        with pytest.raises(errors.InsufficientPrivilege, match="append-only: TRUNCATE"):
            owner.execute("TRUNCATE access_log")
        # Nor does emptying the persons reach it: it names them without a key (migration 0020).
        owner.execute("TRUNCATE person CASCADE")
    assert len(_log(conn)) == 1


def test_every_upgrade_grants_afresh_and_covers_later_tables(
    scratch_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime_url = with_user(scratch_database, RUNTIME)
    with psycopg.connect(libpq_conninfo(scratch_database), autocommit=True) as owner:
        # Privileges granted by hand, and a table a later revision adds with a serial key.
        owner.execute(f"GRANT DELETE, TRUNCATE ON access_log TO {RUNTIME}")
        owner.execute(f"GRANT UPDATE (purpose) ON consent TO {RUNTIME}")
        owner.execute("CREATE TABLE later (id serial PRIMARY KEY, note text)")
        before = _privileges(owner, RUNTIME)
        # Readable at once (default privileges), writable only once the table says so.
        assert before["later"] == {"SELECT"}
        assert {"DELETE", "TRUNCATE"} <= before["access_log"]

        monkeypatch.setattr(roles, "WRITES", {**WRITES, "later": (Write("INSERT"),)})
        migrate.upgrade(scratch_database)  # at head: only the grants run
        after = _privileges(owner, RUNTIME)
        assert after == _expected(set(after))
        assert after["later"] == {"SELECT", "INSERT"}
    with psycopg.connect(libpq_conninfo(runtime_url), autocommit=True) as runtime:
        runtime.execute("INSERT INTO later (note) VALUES ('serial default: nextval')")


def test_a_role_that_owns_anything_is_refused(
    scratch_database: str, role_name: str, server_url: str
) -> None:
    with psycopg.connect(libpq_conninfo(scratch_database), autocommit=True) as owner:
        owner.execute(f"CREATE ROLE {role_name} LOGIN")
        owner.execute(f"ALTER TABLE consent OWNER TO {role_name}")
    with pytest.raises(RoleError, match="owns consent"):
        migrate.upgrade(scratch_database, runtime=RuntimeRole(role_name))
    problems = roles.runtime_problems(libpq_conninfo(with_user(scratch_database, role_name)))
    assert problems == f"database user {role_name!r} owns consent"
    drop_database(server_url, scratch_database)  # before the role: it owns a table there


def test_the_migrating_user_cannot_be_the_runtime_role(scratch_database: str) -> None:
    with psycopg.connect(libpq_conninfo(scratch_database)) as owner:
        user = owner.execute("SELECT current_user::text").fetchone()[0]  # type: ignore[index]
    with pytest.raises(RoleError, match=r"migrating user|superuser"):
        migrate.upgrade(scratch_database, runtime=RuntimeRole(user))


def test_concurrent_creations_of_one_role_all_succeed(server_url: str, role_name: str) -> None:
    """Two test runs (or replicas) on one server create the cluster-wide role at once."""
    conninfo = libpq_conninfo(server_url)
    threads, barrier = 8, threading.Barrier(8)
    created: list[bool] = []
    failures: list[BaseException] = []

    def create() -> None:
        barrier.wait()
        try:
            created.append(roles.ensure_role(conninfo, RuntimeRole(role_name)))
        except BaseException as exc:
            failures.append(exc)

    workers = [threading.Thread(target=create) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert failures == []
    assert sorted(created) == [False] * (threads - 1) + [True]


def test_a_new_roles_password_is_stored_hashed(server_url: str, role_name: str) -> None:
    assert roles.ensure_role(libpq_conninfo(server_url), RuntimeRole(role_name, "s3cret pw"))
    with psycopg.connect(libpq_conninfo(server_url)) as conn:
        stored = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", [role_name]
        ).fetchone()
    assert stored is not None and stored[0] is not None
    assert "s3cret" not in stored[0] and stored[0].startswith(("SCRAM-SHA-256$", "md5"))
    # An existing role keeps its own password: a second run changes nothing.
    assert not roles.ensure_role(libpq_conninfo(server_url), RuntimeRole(role_name, "other"))


def test_replicas_migrating_one_database_at_once_all_succeed(
    server_url: str, tmp_path: Path
) -> None:
    """Every start re-grants: without the migration lock, concurrent GRANTs on one table fail
    with "tuple concurrently updated", and concurrent first migrations collide on CREATE TABLE.
    Processes, as replicas are (alembic's context is process-global)."""
    url = create_database(server_url)
    env = {**os.environ, "DATABASE_URL": url, "BHXH_ENV": "dev", "BHXH_DATA_DIR": str(tmp_path)}
    bhxh = Path(sys.executable).parent / "bhxh"
    try:
        starts = [
            subprocess.Popen(
                [bhxh, "db", "upgrade"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            for _ in range(4)
        ]
        outputs = [start.communicate(timeout=120)[0].decode() for start in starts]
        assert [start.returncode for start in starts] == [0] * 4, outputs
        assert migrate.current(url) == migrate.head()
    finally:
        drop_database(server_url, url)

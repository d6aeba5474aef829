"""The database side of seeding: refusing a non-empty database, reference rows, and loading
without per-row foreign-key checks or index maintenance.

Foreign keys are checked by a trigger per inserted row, which costs COPY more than half its
speed, and secondary indexes cost as much again (measured: 75,000 rows/s with both, 380,000
without). So the load drops them and recreates them afterwards from their own catalogue
definitions, as pg_restore does. Everything happens in one transaction: recreating a foreign key
validates all rows at once, and any failure rolls the whole seed back, constraints included.
Constraint triggers (a row rule checked at commit, per row) are disabled likewise and their rule
checked over all rows at once afterwards: per row, without the indexes, they would scan the table
once per row, and their pending events would block the index builds.
"""

from dataclasses import dataclass

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from db.seed.copy import COLUMNS, DATA_TABLES
from db.seed.reference import REFERENCE_ROWS


class SeedError(Exception):
    """The database cannot be seeded as asked (it is not empty)."""


def refuse_unless_empty(conn: psycopg.Connection[TupleRow]) -> None:
    row = conn.execute("SELECT count(*) FROM person").fetchone()
    persons = int(row[0]) if row else 0
    if persons:
        raise SeedError(f"database already holds {persons} persons; seed into an empty database")
    for table in DATA_TABLES:
        found = conn.execute(
            sql.SQL("SELECT EXISTS (SELECT FROM {})").format(sql.Identifier(table))
        ).fetchone()
        if found and found[0]:
            raise SeedError(f"database already holds {table} rows; seed into an empty database")


def insert_reference_rows(conn: psycopg.Connection[TupleRow]) -> None:
    """Reference lists and the synthetic offices and facilities; rows already there win."""
    with conn.cursor() as cursor:
        for table, columns, rows in REFERENCE_ROWS:
            statement = sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT DO NOTHING").format(
                sql.Identifier(table),
                sql.SQL(", ").join(map(sql.Identifier, columns)),
                sql.SQL(", ").join(sql.Placeholder() * len(columns)),
            )
            cursor.executemany(statement, rows)


@dataclass(frozen=True)
class Deferred:
    """Constraints and indexes dropped for the load, with the statements that restore them."""

    foreign_keys: tuple[tuple[str, str, str], ...]  # (table, constraint, definition)
    indexes: tuple[str, ...]  # CREATE INDEX statements
    triggers: tuple[tuple[str, str], ...] = ()  # (table, constraint trigger)


_AFTER_DEATH = (
    "SELECT id FROM contribution_rows_after_death() AS id"
    " UNION ALL SELECT id FROM cards_after_death() AS id"
)
# Each constraint trigger's rule over the whole table: a statement returning the offending rows'
# ids (migration 0011). A constraint trigger missing here fails the seed rather than going
# unchecked.
TRIGGER_RULES = {
    "contribution_period_bhtn_needs_bhxh": "SELECT id FROM bhtn_rows_without_bhxh() AS id",
    "contribution_period_bhxh_under_bhtn": "SELECT id FROM bhtn_rows_without_bhxh() AS id",
    # Migration 0013: nothing contributed or carded after death.
    "contribution_period_not_after_death": _AFTER_DEATH,
    "health_insurance_card_not_after_death": _AFTER_DEATH,
    "person_died_on_bounds": _AFTER_DEATH,
}


def defer_constraints(conn: psycopg.Connection[TupleRow]) -> Deferred:
    tables = list(DATA_TABLES)
    foreign_keys = conn.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
        [tables],
    ).fetchall()
    # Indexes that back no primary-key, unique or exclusion constraint.
    indexes = conn.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS (SELECT FROM pg_constraint c"
        " WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')) ORDER BY 1",
        [tables],
    ).fetchall()
    triggers = conn.execute(
        "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgconstraint <> 0"
        " AND NOT tgisinternal AND tgenabled <> 'D' AND tgrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
        [tables],
    ).fetchall()
    for table, name in triggers:
        if name not in TRIGGER_RULES:
            raise SeedError(f"constraint trigger {name} on {table} has no whole-table rule")
        conn.execute(
            sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(
                sql.SQL(str(table)), sql.Identifier(str(name))
            )
        )
    for table, name, _ in foreign_keys:
        conn.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.SQL(str(table)), sql.Identifier(str(name))
            )
        )
    for name, _ in indexes:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.SQL(str(name))))
    return Deferred(
        tuple((str(t), str(n), str(d)) for t, n, d in foreign_keys),
        tuple(str(d) for _, d in indexes),
        tuple((str(t), str(n)) for t, n in triggers),
    )


def restore_constraints(conn: psycopg.Connection[TupleRow], deferred: Deferred) -> None:
    # Index builds sort in memory when they can: far faster than spilling to disk.
    conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
    for statement in deferred.indexes:
        conn.execute(sql.SQL(statement))
    for table, name, definition in deferred.foreign_keys:
        conn.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                sql.SQL(table),
                sql.Identifier(name),
                sql.SQL(definition),
            )
        )
    for table, name in deferred.triggers:
        conn.execute(
            sql.SQL("ALTER TABLE {} ENABLE TRIGGER {}").format(sql.SQL(table), sql.Identifier(name))
        )
    for rule in dict.fromkeys(TRIGGER_RULES[name] for _, name in deferred.triggers):
        offending = conn.execute(sql.SQL(rule + " LIMIT 1")).fetchone()
        if offending is not None:
            raise SeedError(f"seed row {offending[0]} breaks a rule the database keeps: {rule}")


def reset_sequences(conn: psycopg.Connection[TupleRow]) -> None:
    """Identity sequences continue after the ids the seed assigned."""
    for table in DATA_TABLES:
        if COLUMNS[table][0] != "id":
            continue
        conn.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence({}, 'id'), coalesce(max(id), 0) + 1, false) FROM {}"
            ).format(sql.Literal(table), sql.Identifier(table))
        )


def analyze(conn: psycopg.Connection[TupleRow]) -> None:
    tables = [*(table for table, _, _ in REFERENCE_ROWS), *DATA_TABLES]
    conn.execute(sql.SQL("ANALYZE {}").format(sql.SQL(", ").join(map(sql.Identifier, tables))))

"""The benchmark's database: created and seeded when missing, and the persons it samples."""

import os
import subprocess
from collections.abc import Mapping

import psycopg
from sqlalchemy.engine import make_url

from bench.sidebyside.workloads import ROOT
from db.queries.health_insurance import five_year_sql
from db.roles import DEFAULT_RUNTIME_ROLE
from db.urls import libpq_conninfo, with_user


def url_of(server_url: str, database: str) -> str:
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


def runtime_url(owner_url: str) -> str:
    """The runtime role the API serves as, password-less on a server that trusts local
    connections (what `bhxh seed` creates); the peers connect as it too, so all three read
    with the same grants and the same session defaults."""
    return with_user(owner_url, DEFAULT_RUNTIME_ROLE)


def _without_roles(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment without a second URL: the seed migrates and loads as the owner alone."""
    return {k: v for k, v in environ.items() if k not in ("BHXH_MIGRATION_URL", "BHXH_ENV")}


def person_count(owner_url: str) -> int | None:
    """Persons in the database; None when it has no person table yet."""
    with psycopg.connect(libpq_conninfo(owner_url)) as conn:
        if conn.execute("SELECT to_regclass('public.person')").fetchone() == (None,):
            return None
        row = conn.execute("SELECT count(*) FROM person").fetchone()
        return int(row[0]) if row else 0


def ensure(server_url: str, database: str, persons: int, seed: int) -> str:
    """The owner's URL of `database`, created and seeded with `bhxh seed` when missing or
    empty. An existing database of another size is refused rather than silently measured."""
    with psycopg.connect(libpq_conninfo(server_url), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    owner = url_of(server_url, database)
    found = person_count(owner)
    if not found:
        print(f"seeding {persons:,} persons into {database} (bhxh seed --seed {seed})", flush=True)
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "bhxh"), "seed", "--persons", str(persons), "--seed", str(seed)],
            env={**_without_roles(os.environ), "DATABASE_URL": owner}, check=True,
        )  # fmt: skip
        found = person_count(owner)
    if found != persons:
        raise SystemExit(
            f"{database} holds {found:,} persons, not {persons:,}: name another --database"
        )
    prepare_for_peers(owner)
    return owner


def prepare_for_peers(owner_url: str) -> None:
    """What the peers need of the database beyond its tables, none of which this project reads:
    - what this project derives when it reads, offered as computed columns (PostGraphile serves
      `<table>_<name>(row)` as the field `name`) with this project's own SQL, so that all three
      compute the same values: the card's five-year date;
    - a name for the backward side of each self-referencing unique foreign key (a declaration
      that replaces another): PostGraphile v4 names both sides alike and refuses to start."""
    with psycopg.connect(libpq_conninfo(owner_url), autocommit=True) as conn:
        conn.execute(
            "CREATE OR REPLACE FUNCTION health_insurance_card_five_year_date("
            "c health_insurance_card) RETURNS date LANGUAGE sql STABLE AS"
            f" $$ SELECT {five_year_sql('c')} $$"
        )
        self_referencing = conn.execute(
            "SELECT conname, conrelid::regclass::text FROM pg_constraint"
            " WHERE contype = 'f' AND conrelid = confrelid"
        ).fetchall()
        for name, table in self_referencing:
            conn.execute(
                f'COMMENT ON CONSTRAINT "{name}" ON {table}'
                f" IS '@foreignSingleFieldName {name}_inverse'"
            )


def sample(
    owner_url: str, *, finance: int, ministry: int, seed: int, salt: str
) -> tuple[list[str], list[str]]:
    """Random persons (repeatable for a seed): `finance` whom an officer may read, and
    `ministry` managed by Defence or Public Security, whom this project must hide."""
    order = "md5(id::text || %(salt)s)"
    with psycopg.connect(libpq_conninfo(owner_url)) as conn:
        params = {"salt": f"{salt}:{seed}"}
        readable = conn.execute(
            f"SELECT identification_number FROM person WHERE managing_authority = 'FINANCE'"
            f" AND identification_number IS NOT NULL ORDER BY {order} LIMIT {int(finance)}",
            params,
        ).fetchall()
        hidden = conn.execute(
            f"SELECT identification_number FROM person WHERE managing_authority <> 'FINANCE'"
            f" AND identification_number IS NOT NULL ORDER BY {order} LIMIT {int(ministry)}",
            params,
        ).fetchall()
    return [r[0] for r in readable], [r[0] for r in hidden]

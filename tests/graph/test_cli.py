"""The `bhxh` commands that need no server process: token, schema, db."""

from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from db import migrate, roles
from db.roles import DEFAULT_RUNTIME_ROLE
from db.urls import libpq_conninfo, sqlalchemy_url, with_user
from graph.authz import tokens
from graph.authz.principal import Role
from graph.cli import main
from tests.conftest import drop_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {"BHXH_DATA_DIR": str(tmp_path), "DATABASE_URL": database_url, "BHXH_ENV": "dev"}


def test_token_mints_a_verifiable_token(env: dict[str, str], tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["token", "--role", "citizen", "--person", "001088012345"], env=env
    )
    assert result.exit_code == 0, result.output
    key = tokens.load_or_create_dev_key(tmp_path / "dev-signing-key.json")
    principal = tokens.dev_verifier(key).verify(result.output.strip())
    assert (principal.role, principal.subject) == (Role.CITIZEN, "001088012345")


def test_officer_token_defaults_to_every_scope_but_medical(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = CliRunner().invoke(main, ["token", "--role", "OFFICER"], env=env)
    key = tokens.load_or_create_dev_key(tmp_path / "dev-signing-key.json")
    scopes = tokens.dev_verifier(key).verify(result.output.strip()).scopes
    assert "medical" not in scopes and "social_insurance" in scopes


def test_citizen_token_needs_a_person(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["token", "--role", "CITIZEN"], env=env)
    assert result.exit_code == 2
    assert "--person" in result.output


def test_no_dev_tokens_in_prod(env: dict[str, str]) -> None:
    result = CliRunner().invoke(
        main, ["token", "--role", "OFFICER"], env={**env, "BHXH_ENV": "prod"}
    )
    assert result.exit_code == 1
    assert "refused in prod" in result.output


def test_schema_prints_the_committed_sdl(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["schema"], env=env)
    assert result.output == (ROOT / "schema.graphql").read_text()


def test_db_current_reports_head(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["db", "current"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == migrate.head()


@pytest.mark.parametrize("scope", ["consents", "access_log", "identiy", "everything", ""])
def test_token_refuses_scopes_that_do_not_exist(env: dict[str, str], scope: str) -> None:
    """A misspelt scope would mint a token that reads nothing and counts what it cannot read."""
    result = CliRunner().invoke(main, ["token", "--role", "OFFICER", "--scope", scope], env=env)
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--scope'" in result.output
    assert "social_insurance" in result.output  # the usage error lists the scopes that exist


def test_token_accepts_every_data_group_scope(env: dict[str, str], tmp_path: Path) -> None:
    from graph.authz.policy import BOOK

    scopes = sorted(g.value.lower() for g in BOOK)
    args = ["token", "--role", "officer"] + [a for s in scopes for a in ("--scope", s.upper())]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    key = tokens.load_or_create_dev_key(tmp_path / "dev-signing-key.json")
    assert tokens.dev_verifier(key).verify(result.output.strip()).scopes == frozenset(scopes)


@pytest.mark.parametrize(
    ("args", "needs"),
    [
        (["--role", "CITIZEN", "--person", "001088012345", "--scope", "identity"], "--scope"),
        (["--role", "EMPLOYER"], "--org"),
        (["--role", "HEALTH_FACILITY"], "--org"),
        (["--role", "PARTNER_AGENCY"], "--org"),
        (["--role", "MINISTRY"], "--org"),
    ],
)
def test_token_refuses_what_the_api_would_refuse(
    env: dict[str, str], args: list[str], needs: str
) -> None:
    result = CliRunner().invoke(main, ["token", *args], env=env)
    assert result.exit_code == 2, result.output
    assert needs in result.output


# --- the database roles: the owner migrates, the runtime role serves -----------------------------


def test_db_upgrade_creates_and_grants_the_runtime_role(
    tmp_path: Path, empty_database: str, role_name: str, server_url: str
) -> None:
    runtime_url = sqlalchemy_url(empty_database).set(username=role_name, password="s3cret")
    env = {
        "BHXH_DATA_DIR": str(tmp_path),
        "BHXH_ENV": "prod",  # `db` needs no identity provider
        "BHXH_MIGRATION_URL": empty_database,
        "DATABASE_URL": runtime_url.render_as_string(hide_password=False),
    }
    for _ in range(2):  # the second run finds the role and grants afresh
        result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
        assert result.exit_code == 0, result.output
    with psycopg.connect(libpq_conninfo(server_url)) as conn:
        role = conn.execute(
            "SELECT rolcanlogin, rolsuper, rolpassword LIKE 'SCRAM-SHA-256$%%'"
            " FROM pg_authid WHERE rolname = %s",
            [role_name],
        ).fetchone()
    assert role == (True, False, True)
    as_runtime = libpq_conninfo(with_user(empty_database, role_name))
    assert roles.runtime_problems(as_runtime) is None
    with psycopg.connect(as_runtime) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            migrate.head(),
        )
        assert conn.execute(
            "SELECT has_table_privilege('access_log', 'INSERT'),"
            " has_table_privilege('access_log', 'UPDATE'),"
            " has_table_privilege('access_log', 'TRUNCATE')"
        ).fetchone() == (True, False, False)
    drop_database(server_url, empty_database)  # its grants name the role: before the role goes


@pytest.mark.parametrize(
    ("urls", "message"),
    [
        ({"BHXH_MIGRATION_URL": "postgresql://owner@db/bhxh"}, "needs DATABASE_URL"),
        (
            {
                "BHXH_MIGRATION_URL": "postgresql://owner@db/bhxh",
                "DATABASE_URL": "postgresql://owner:other@db/bhxh",
            },
            "both log in as 'owner'",
        ),
        (
            {"BHXH_MIGRATION_URL": "postgresql://owner@db/bhxh", "DATABASE_URL": "postgresql:///x"},
            "must name the runtime role's user",
        ),
    ],
)
def test_two_urls_name_two_users(tmp_path: Path, urls: dict[str, str], message: str) -> None:
    env = {"BHXH_DATA_DIR": str(tmp_path), "DATABASE_URL": "", **urls}
    result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    assert result.exit_code == 1
    assert message in result.output


def test_dev_serve_with_one_url_migrates_as_it_and_serves_as_the_runtime_role(
    env: dict[str, str], served_as: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("db.demo.person_count", lambda conninfo: 1)  # no demo seeding here
    monkeypatch.setattr("db.demo.richest_book", lambda conninfo: None)
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 0, result.output
    assert served_as == [DEFAULT_RUNTIME_ROLE]

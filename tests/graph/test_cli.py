"""The `bhxh` commands that need no server process: token, schema, db."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.authz import tokens
from graph.authz.principal import Role
from graph.cli import main

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
    assert result.output.strip() == "0003"


@pytest.mark.parametrize("scope", ["consents", "bogus", "IDENTITY", "access_log"])
def test_token_refuses_scopes_that_do_not_exist(env: dict[str, str], scope: str) -> None:
    result = CliRunner().invoke(main, ["token", "--role", "OFFICER", "--scope", scope], env=env)
    assert result.exit_code == 2
    assert "--scope" in result.output and scope in result.output

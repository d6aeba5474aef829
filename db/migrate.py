"""Alembic, driven from code: the CLI, the server's start-up and the tests migrate through here.

`url` is the owner's (the migration role's). Upgrades and downgrades also create the runtime
role when it is missing and re-apply its grants (db/roles.py); `runtime=None` leaves roles alone.
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from db import roles
from db.roles import RuntimeRole
from db.urls import libpq_conninfo, sqlalchemy_url

_ROOT = Path(__file__).resolve().parent.parent
_RUNTIME = RuntimeRole()


def alembic_config(url: str) -> Config:
    config = Config(str(_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(_ROOT / "migrations"))
    # `%` in a URL would be read as interpolation by alembic's ConfigParser.
    rendered = sqlalchemy_url(url).render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def upgrade(url: str, revision: str = "head", *, runtime: RuntimeRole | None = _RUNTIME) -> None:
    command.upgrade(_config(url, runtime), revision)


def downgrade(url: str, revision: str, *, runtime: RuntimeRole | None = _RUNTIME) -> None:
    command.downgrade(_config(url, runtime), revision)


def current(url: str) -> str | None:
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head() -> str | None:
    """The revision this code expects the database at."""
    return ScriptDirectory.from_config(alembic_config("postgresql://")).get_current_head()


def revision_before(revision: str) -> str:
    """The revision `revision` follows: read from the chain, not written down, since revisions
    made on parallel branches are re-chained when they merge."""
    found = ScriptDirectory.from_config(alembic_config("postgresql://")).get_revision(revision)
    if found is None or not isinstance(found.down_revision, str):
        raise ValueError(f"revision {revision} has no single revision before it")
    return found.down_revision


def _config(url: str, runtime: RuntimeRole | None) -> Config:
    config = alembic_config(url)
    if runtime is not None:
        # Before the migration's transaction: a role is cluster-wide, and holding its creation
        # uncommitted for a whole migration would block every other database's.
        roles.ensure_role(libpq_conninfo(url), runtime)
        config.attributes["runtime_role"] = runtime.name
    return config

"""`bhxh`: serve the API, migrate, seed, mint development tokens, print the schema."""

import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from graph.authz.policy import OFFICER_DEFAULT_SCOPES, OFFICER_SCOPES
from graph.authz.principal import Role
from graph.config import ConfigError, Settings

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from graph.persisted import PersistedQueries

DEMO_PERSONS = 3000


@contextmanager
def _database(settings: Settings) -> Iterator[str]:
    """The configured server, or the embedded cluster under the data directory (stopped on exit
    only if this process started it)."""
    if settings.database_url:
        yield settings.database_url
        return
    from db.embedded import EmbeddedPostgres, EmbeddedPostgresError

    try:
        with EmbeddedPostgres(settings.data_dir / "pg") as embedded:
            yield embedded.url
    except EmbeddedPostgresError as exc:
        raise click.ClickException(str(exc)) from exc


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _run(app: "ASGIApp", host: str, port: int) -> None:
    """Serve until SIGINT or SIGTERM, then return so that callers' cleanup (stopping the
    embedded PostgreSQL) runs: uvicorn re-raises the signal after its graceful shutdown, and
    with SIGTERM's default action the process would die before any `finally` or `with` exit."""
    import uvicorn

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)


def _persisted(settings: Settings) -> "PersistedQueries":
    from graph.persisted import PersistedQueries

    try:
        return PersistedQueries.from_settings(settings)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def main() -> None:
    """bhxh-graph: the National Insurance Database as a GraphQL subgraph."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Migrate, seed demo data into an empty database, and serve GraphQL (GraphiQL in dev).

    In prod (BHXH_ENV=prod): migrate and serve only, with tokens from the identity provider."""

    from db import demo, migrate
    from db.seed import seed_database
    from db.session import Database
    from db.urls import libpq_conninfo
    from graph.app import create_app
    from graph.authz import tokens

    settings = _settings()
    if not settings.dev:
        _serve_prod(settings, host, port)
        return
    key = tokens.load_or_create_dev_key(settings.dev_key_path)
    with _database(settings) as url:
        migrate.upgrade(url)
        conninfo = libpq_conninfo(url)
        if demo.person_count(conninfo) == 0:
            click.echo(f"Empty database: seeding {DEMO_PERSONS} demo persons…", err=True)
            seed_database(conninfo, persons=DEMO_PERSONS, seed=1)
        citizen = demo.richest_book(conninfo)
        app = create_app(
            database=Database(conninfo),
            verifier=tokens.dev_verifier(key),
            dev=settings.dev,
            graphiql=settings.graphiql,
            persisted=_persisted(settings),
        )
        base = f"http://{host}:{port}"
        click.echo(f"\nGraphiQL: {base}/graphql\n")
        if citizen:
            token = tokens.mint(key, role=Role.CITIZEN, subject=citizen, ttl_seconds=8 * 3600)
            click.echo(
                f'Citizen {citizen} (header for GraphiQL):\n{{"Authorization": "Bearer {token}"}}\n'
            )
        officer = tokens.mint(
            key,
            role=Role.OFFICER,
            subject="demo-officer",
            scopes=sorted(OFFICER_DEFAULT_SCOPES),
            ttl_seconds=8 * 3600,
        )
        click.echo(f'Insurance officer:\n{{"Authorization": "Bearer {officer}"}}\n')
        _run(app, host, port)


def _serve_prod(settings: Settings, host: str, port: int) -> None:
    """Only the identity provider's tokens (never the development key), the configured database
    (never the embedded one), no demo data and no tokens printed."""
    import asyncio

    from db import migrate
    from db.session import Database
    from db.urls import libpq_conninfo
    from graph.app import create_app
    from graph.authz.jwks import IdentityProviderUnavailable, JwksVerifier

    try:
        provider = settings.identity_provider()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if not settings.database_url:
        raise click.ClickException(
            "BHXH_ENV=prod needs DATABASE_URL; the embedded database is for development only"
        )
    verifier = JwksVerifier(
        jwks_url=provider.jwks_url, issuer=provider.issuer, audience=provider.audience
    )
    try:
        # Before anything else: a wrong URL should stop the start, not fail every request.
        asyncio.run(verifier.refresh())
    except IdentityProviderUnavailable as exc:
        raise click.ClickException(str(exc)) from exc
    migrate.upgrade(settings.database_url)
    app = create_app(
        database=Database(libpq_conninfo(settings.database_url)),
        verifier=verifier,
        dev=False,
        graphiql=settings.graphiql,
        persisted=_persisted(settings),
    )
    _run(app, host, port)


@main.group()
def db() -> None:
    """Database migrations (alembic)."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Upgrade to REVISION (default: head)."""
    from db import migrate

    with _database(_settings()) as url:
        migrate.upgrade(url, revision)


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Downgrade to REVISION (`base` empties the schema)."""
    from db import migrate

    with _database(_settings()) as url:
        migrate.downgrade(url, revision)


@db.command()
def current() -> None:
    """Print the database's current revision."""
    from db import migrate

    with _database(_settings()) as url:
        click.echo(migrate.current(url) or "(empty)")


@main.command()
@click.option("--persons", required=True, type=click.IntRange(min=1), help="Number of persons.")
@click.option("--seed", "seed_value", default=1, show_default=True, type=int, help="Random seed.")
def seed(persons: int, seed_value: int) -> None:
    """Load deterministic synthetic data (COPY) into an empty, migrated database."""
    from db import migrate
    from db.seed import SeedError, seed_database
    from db.urls import libpq_conninfo

    with _database(_settings()) as url:
        migrate.upgrade(url)
        try:
            summary = seed_database(libpq_conninfo(url), persons=persons, seed=seed_value)
        except SeedError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Seeded in {summary.elapsed_seconds:.1f} s", err=True)


@main.command()
@click.option(
    "--role",
    required=True,
    type=click.Choice(
        [r.value for r in __import__("graph.authz.principal", fromlist=["Role"]).Role],
        case_sensitive=False,
    ),
)
@click.option("--person", help="Personal ID of the citizen (the token's subject).")
@click.option("--org", help="Organisation: tax code, facility code, agency code or ministry.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    # A scope that names no data group grants nothing: refuse it rather than mint a token that
    # silently reads nobody.
    type=click.Choice(sorted(OFFICER_SCOPES)),
    help="Scope (repeatable); officers default to all but medical.",
)
@click.option(
    "--ttl",
    default=3600,
    show_default=True,
    type=click.IntRange(min=1),
    help="Lifetime in seconds.",
)
def token(
    role: str, person: str | None, org: str | None, scopes: tuple[str, ...], ttl: int
) -> None:
    """Print a development token signed with the key under the data directory."""
    from graph.authz import tokens

    settings = _settings()
    if not settings.dev:
        raise click.ClickException(
            "development tokens are refused in prod; use the identity provider"
        )
    principal_role = Role(role.upper())
    if principal_role is Role.CITIZEN and not person:
        raise click.UsageError("--person is required for a citizen token")
    if principal_role is Role.OFFICER and not scopes:
        scopes = tuple(sorted(OFFICER_DEFAULT_SCOPES))
    key = tokens.load_or_create_dev_key(settings.dev_key_path)
    subject = person or f"{principal_role.value.lower()}:{org or 'dev'}"
    click.echo(
        tokens.mint(
            key, role=principal_role, subject=subject, org=org, scopes=scopes, ttl_seconds=ttl
        )
    )


@main.command()
@click.option(
    "--check",
    "base",
    type=click.Path(exists=True, dir_okay=False),
    help="Compare with the SDL in BASE instead of printing: list breaking and dangerous changes,"
    " exit 1 on a breaking one (removing what BASE had deprecated is allowed).",
    metavar="BASE",
)
def schema(base: str | None) -> None:
    """Print the federation SDL (schema.graphql must equal it), or check it against BASE."""
    from graph.schema import schema as graphql_schema

    if base is None:
        sys.stdout.write(graphql_schema.as_str() + "\n")
        return
    from pathlib import Path

    from graph.schema_check import SchemaCheckError, compare

    try:
        report = compare(Path(base).read_text(encoding="utf-8"), graphql_schema.as_str())
    except SchemaCheckError as exc:
        raise click.ClickException(str(exc)) from exc
    for change in report.changes:
        click.echo(str(change))
    click.echo(report.summary())
    if report.breaking:
        sys.exit(1)

"""`bhxh`: serve the API, migrate, seed, mint development tokens, print the schema."""

import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import click

from graph.authz.policy import OFFICER_DEFAULT_SCOPES, OFFICER_SCOPES
from graph.authz.principal import Role
from graph.config import ConfigError, Settings
from graph.serving import configure_logging, default_workers

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from db.roles import RuntimeRole
    from graph.authz.tokens import TokenVerifier
    from graph.serving import AppSpec

DEMO_PERSONS = 3000
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Databases:
    """Who migrates and who serves (README: Database roles)."""

    migration: str
    """The owner's URL: migrates (creating and granting `role`) and seeds."""
    runtime: str
    """What the API serves as."""
    role: "RuntimeRole"
    """The runtime role migrations create when missing and grant."""


def _configured(settings: Settings) -> Databases:
    from db.roles import DEFAULT_RUNTIME_ROLE, RuntimeRole
    from db.urls import password_of, user_of, with_user

    url = settings.database_url
    assert url is not None
    if settings.migration_url:  # user and password checked by Settings
        role = RuntimeRole(user_of(url) or DEFAULT_RUNTIME_ROLE, password_of(url))
        return Databases(migration=settings.migration_url, runtime=url, role=role)
    # One URL, the owner's. Dev serves as the runtime role on the same server, password-less as
    # a development server's trusted local connections allow; prod serves as the URL says, which
    # the start refuses when that user could rewrite the access log (`_check_runtime`).
    runtime = with_user(url, DEFAULT_RUNTIME_ROLE) if settings.dev else url
    return Databases(migration=url, runtime=runtime, role=RuntimeRole())


@contextmanager
def _database(settings: Settings) -> Iterator[Databases]:
    """The configured server, or the embedded cluster under the data directory (stopped on exit
    only if this process started it): its superuser migrates, the runtime role serves, both
    over the cluster's trusted unix socket."""
    if settings.database_url:
        yield _configured(settings)
        return
    from db.embedded import EmbeddedPostgres, EmbeddedPostgresError
    from db.roles import DEFAULT_RUNTIME_ROLE, RuntimeRole
    from db.urls import with_user

    try:
        with EmbeddedPostgres(settings.data_dir / "pg") as embedded:
            runtime = with_user(embedded.url, DEFAULT_RUNTIME_ROLE)
            yield Databases(migration=embedded.url, runtime=runtime, role=RuntimeRole())
    except EmbeddedPostgresError as exc:
        raise click.ClickException(str(exc)) from exc


def _migrate(url: str, revision: str = "head", role: "RuntimeRole | None" = None) -> None:
    from db import migrate
    from db.roles import RoleError

    try:
        migrate.upgrade(url, revision, runtime=role)
    except RoleError as exc:
        raise click.ClickException(str(exc)) from exc


def _check_runtime(settings: Settings, url: str) -> bool:
    """Whether `url`'s user could rewrite the access log (owner, superuser…): prod refuses to
    serve as it unless BHXH_ALLOW_PRIVILEGED_RUNTIME=1, dev warns."""
    import psycopg

    from db.roles import runtime_problems
    from db.urls import libpq_conninfo

    try:
        problems = runtime_problems(libpq_conninfo(url))
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise click.ClickException(
            f"cannot connect as the runtime role ({reason}); set DATABASE_URL to the runtime"
            " role's URL and BHXH_MIGRATION_URL to the owner's (README: Database roles)"
        ) from exc
    if problems is None:
        return False
    message = f"{problems}, so the service could rewrite the access log"
    if settings.dev or settings.allow_privileged_runtime:
        log.warning("serving all the same: %s", message)
        return True
    raise click.ClickException(
        f"refusing to serve: {message}; set DATABASE_URL to the runtime role (`bhxh db upgrade`"
        " with BHXH_MIGRATION_URL creates it), or BHXH_ALLOW_PRIVILEGED_RUNTIME=1 to accept this"
    )


def _require_head(url: str) -> None:
    """Serving without the owner's URL migrates nothing: the database must be there already."""
    from db import migrate

    found, needed = migrate.current(url), migrate.head()
    if found != needed:
        raise click.ClickException(
            f"the database is at revision {found or '(empty)'} and this release needs {needed}:"
            " run `bhxh db upgrade` with BHXH_MIGRATION_URL (the owner's URL) first"
        )


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _run(app: "ASGIApp", host: str, port: int, *, grace: int) -> None:
    """Serve until SIGINT or SIGTERM. On SIGTERM uvicorn stops accepting, gives in-flight
    requests `grace` seconds to finish (then cancels them), closes the pool, and re-raises the
    signal: here that ends the process with status 0 (a requested stop is a success), after the
    callers' cleanup (stopping the embedded PostgreSQL) — with SIGTERM's default action the
    process would die before any `finally` or `with` exit."""
    import uvicorn

    from graph.serving import UVICORN_HTTP, UVICORN_LOOP

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, terminate)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=grace,
        loop=UVICORN_LOOP,
        http=UVICORN_HTTP,
    )


def _wait_for_database(url: str, settings: Settings) -> None:
    """An orchestrator may start us before the database: wait for it (BHXH_DB_WAIT seconds),
    then stop with one line that says what is missing."""
    from db.session import DatabaseUnavailable, wait_until_reachable
    from db.urls import libpq_conninfo

    try:
        wait_until_reachable(libpq_conninfo(url), seconds=settings.database_wait)
    except DatabaseUnavailable as exc:
        raise click.ClickException(f"{exc}; check DATABASE_URL or raise BHXH_DB_WAIT") from None


def _serve(spec: "AppSpec", host: str, port: int, workers: int, verifier: "TokenVerifier") -> None:
    """Serve the prepared database: in this process with one worker, else under a supervisor
    of `workers` processes (graph.workers), each building its own app from `spec`."""
    from graph.serving import build_app, check_manifests

    grace = spec.settings.shutdown_grace
    if workers == 1:
        try:
            app = build_app(spec, verifier)
        except (OSError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        _run(app, host, port, grace=grace)
        return
    from graph.workers import PortUnavailable, WorkersFailed, supervise

    try:
        check_manifests(spec.settings)  # once here, rather than N times at the workers' start
        supervise(spec, host=host, port=port, workers=workers, grace=grace)
    except (OSError, ValueError, PortUnavailable, WorkersFailed) as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def main() -> None:
    """bhxh-graph: the National Insurance Database as a GraphQL subgraph."""
    configure_logging()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=default_workers,
    show_default="the usable cores",
    help="Worker processes. Each listens on the port with a socket of its own (SO_REUSEPORT),"
    " so the kernel spreads connections over them, keep-alive ones included; where it does not"
    " balance (not Linux) they share one socket. The database is prepared once, before they"
    " start; a worker that dies is restarted. Each has its own pool (BHXH_DB_POOL_SIZE)."
    " /metrics answers for all of them. Persisted queries registered by clients are shared"
    " through REDIS_URL; without it each worker keeps its own (a client may have to send a"
    " document once per worker); trusted documents load in every worker. 1: one process, no"
    " supervisor.",
)
def serve(host: str, port: int, workers: int) -> None:
    """Migrate, seed demo data into an empty database, and serve GraphQL (GraphiQL in dev).

    In prod (BHXH_ENV=prod): migrate and serve only, with tokens from the identity provider."""

    from db import demo
    from db.seed import seed_database
    from db.urls import libpq_conninfo
    from graph.authz import tokens
    from graph.serving import AppSpec

    settings = _settings()
    if not settings.dev:
        _serve_prod(settings, host, port, workers)
        return
    key = tokens.load_or_create_dev_key(settings.dev_key_path)
    with _database(settings) as databases:
        _wait_for_database(databases.migration, settings)
        _migrate(databases.migration, role=databases.role)
        conninfo = libpq_conninfo(databases.migration)
        if demo.person_count(conninfo) == 0:
            click.echo(f"Empty database: seeding {DEMO_PERSONS} demo persons…", err=True)
            seed_database(conninfo, persons=DEMO_PERSONS, seed=1)
        citizen = demo.richest_book(conninfo)
        _check_runtime(settings, databases.runtime)
        spec = AppSpec(settings=settings, runtime_conninfo=libpq_conninfo(databases.runtime))
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
        _serve(spec, host, port, workers, tokens.dev_verifier(key))


def _serve_prod(settings: Settings, host: str, port: int, workers: int) -> None:
    """Only the identity provider's tokens (never the development key), the configured database
    (never the embedded one), no demo data and no tokens printed. Serves as DATABASE_URL's user;
    migrates first with BHXH_MIGRATION_URL when given, else expects a migrated database."""
    import asyncio

    from db.urls import libpq_conninfo
    from graph.authz.jwks import IdentityProviderUnavailable, JwksVerifier
    from graph.serving import AppSpec

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
    databases = _configured(settings)
    # The first connection of the start: wait for the server, as the user that connects first.
    _wait_for_database(settings.migration_url or databases.runtime, settings)
    if settings.migration_url:
        _migrate(databases.migration, role=databases.role)
    privileged = _check_runtime(settings, databases.runtime)
    if not settings.migration_url:
        if privileged:  # allowed by BHXH_ALLOW_PRIVILEGED_RUNTIME: one URL, as before the roles
            _migrate(databases.runtime)
        else:
            _require_head(databases.runtime)
    spec = AppSpec(settings=settings, runtime_conninfo=libpq_conninfo(databases.runtime))
    _serve(spec, host, port, workers, verifier)


@main.group()
def db() -> None:
    """Database migrations (alembic)."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Upgrade to REVISION (default: head) as the owner (BHXH_MIGRATION_URL, else DATABASE_URL),
    creating the runtime role when missing and granting it what the API needs."""
    with _database(_settings()) as databases:
        _migrate(databases.migration, revision, databases.role)


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Downgrade to REVISION (`base` empties the schema)."""
    from db import migrate
    from db.roles import RoleError

    with _database(_settings()) as databases:
        try:
            migrate.downgrade(databases.migration, revision, runtime=databases.role)
        except RoleError as exc:
            raise click.ClickException(str(exc)) from exc


@db.command()
def current() -> None:
    """Print the database's current revision."""
    from db import migrate

    with _database(_settings()) as databases:
        click.echo(migrate.current(databases.migration) or "(empty)")


@main.command()
@click.option("--persons", required=True, type=click.IntRange(min=1), help="Number of persons.")
@click.option("--seed", "seed_value", default=1, show_default=True, type=int, help="Random seed.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The seed's today (YYYY-MM-DD): nothing is dated after it. Default: today in Vietnam.",
)
def seed(persons: int, seed_value: int, today: datetime | None) -> None:
    """Load deterministic synthetic data (COPY) into an empty, migrated database."""
    from db.seed import SeedError, seed_database
    from db.urls import libpq_conninfo

    with _database(_settings()) as databases:
        _migrate(databases.migration, role=databases.role)
        try:
            summary = seed_database(
                libpq_conninfo(databases.migration),
                persons=persons,
                seed=seed_value,
                today=today.date() if today else None,
            )
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
@click.option(
    "--person",
    help="Personal ID of the citizen, or the BHXH code of one without it (the token's subject).",
)
@click.option("--org", help="Organisation: tax code, facility code, agency code or ministry.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    # Only scopes that exist: a misspelt one would mint a token that silently reads nothing.
    type=click.Choice(sorted(OFFICER_SCOPES), case_sensitive=False),
    help="Officer scope, a data group in lower case (repeatable); default all but medical.",
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
    from graph.authz.organisations import REQUIRES_ORGANISATION

    settings = _settings()
    if not settings.dev:
        raise click.ClickException(
            "development tokens are refused in prod; use the identity provider"
        )
    principal_role = Role(role.upper())
    if principal_role is Role.CITIZEN and not person:
        raise click.UsageError("--person is required for a citizen token")
    if scopes and principal_role is not Role.OFFICER:
        raise click.UsageError("--scope is for officer tokens only")
    if principal_role in REQUIRES_ORGANISATION and not org:
        raise click.UsageError(f"--org is required for a {principal_role.value} token")
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

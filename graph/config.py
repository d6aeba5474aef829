"""Settings, read once from the environment at the edge (CLI/app) and passed inward."""

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from graph.authz.tokens import AUDIENCE, DEV_ISSUER


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class IdentityProvider:
    """Who issues production tokens, for whom, and where its public keys are published."""

    issuer: str
    audience: str
    jwks_url: str


@dataclass(frozen=True)
class Settings:
    env: Literal["dev", "prod"]
    database_url: str | None
    """What the API serves as (the runtime role); None selects the embedded PostgreSQL under
    `data_dir`."""
    data_dir: Path
    graphiql: bool
    token_issuer: str | None = None
    token_audience: str = AUDIENCE
    jwks_url: str | None = None
    """The three token settings are for prod; dev verifies with the development key instead."""
    redis_url: str | None = None
    """Where registered persisted queries are shared between replicas (else: in process)."""
    trusted_documents: tuple[Path, ...] = ()
    """Front ends' trusted-document manifests (`graph.persisted`), beside the examples."""
    trusted_clients: frozenset[str] = frozenset()
    """Client names (lower case) that may run trusted documents only."""
    federation_subjects: frozenset[str] = frozenset()
    """Token subjects (the gateway's service account) that may read `_service { sdl }` in prod."""
    migration_url: str | None = None
    """The owner's URL, which migrates and seeds; None: `database_url` does both (see
    `graph.cli.Databases`)."""
    allow_privileged_runtime: bool = False
    """Serve in prod even when `database_url`'s user could rewrite the access log."""
    statement_timeout: float = 5.0
    """Seconds: the server cancels any statement of the API's connections running longer."""
    lock_timeout: float = 2.0
    """Seconds a statement may wait for a lock before the server gives up on it."""
    checkout_timeout: float = 2.0
    """Seconds a request may wait for a pooled connection (and to open one)."""
    pool_size: int = 10
    """Connections per process, at most."""
    request_timeout: float = 10.0
    """Seconds from a request's arrival to its response; past it, its query is cancelled."""
    max_in_flight: int = 64
    """GraphQL requests in progress per process; beyond it, 503 at once."""
    max_body_bytes: int = 1 << 20
    database_wait: float = 30.0
    """Seconds `serve` waits for the database to answer before giving up."""
    shutdown_grace: int = 15
    """Seconds in-flight requests get to finish after SIGTERM."""
    compiled_execution: bool = True
    """Queries run through compiled plans where they cover them (graph.compiled); off: every
    operation through Strawberry's executor (the operator's escape hatch)."""

    @property
    def dev(self) -> bool:
        return self.env == "dev"

    @property
    def dev_key_path(self) -> Path:
        return self.data_dir / "dev-signing-key.json"

    def identity_provider(self) -> IdentityProvider:
        """The production token issuer, checked when a command needs it rather than in
        `from_env`, so that prod commands that verify no tokens (migrations, the refusal of
        `bhxh token`) don't need it configured."""
        issuer, jwks_url = self.token_issuer, self.jwks_url
        if not issuer or not jwks_url:
            missing = [
                name
                for name, value in (("BHXH_TOKEN_ISSUER", issuer), ("BHXH_JWKS_URL", jwks_url))
                if not value
            ]
            raise ConfigError(
                f"BHXH_ENV=prod verifies tokens from an identity provider: set {' and '.join(missing)}"
                " (the issuer's `iss` value and the URL of its JWKS)"
            )
        if issuer == DEV_ISSUER:
            raise ConfigError(
                f"BHXH_TOKEN_ISSUER={DEV_ISSUER!r} is the development issuer; "
                "prod accepts only the identity provider's tokens"
            )
        if not self.token_audience:
            raise ConfigError("BHXH_TOKEN_AUDIENCE must not be empty")
        _check_jwks_url(jwks_url)
        return IdentityProvider(issuer=issuer, audience=self.token_audience, jwks_url=jwks_url)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        env = environ.get("BHXH_ENV", "dev")
        if env not in ("dev", "prod"):
            raise ConfigError(f"BHXH_ENV must be dev or prod, not {env!r}")
        graphiql = environ.get("BHXH_GRAPHIQL", "1" if env == "dev" else "0")
        database_url = environ.get("DATABASE_URL") or None
        migration_url = environ.get("BHXH_MIGRATION_URL") or None
        if migration_url:
            _check_two_urls(database_url, migration_url)
        return cls(
            env=env,  # type: ignore[arg-type]
            database_url=database_url,
            migration_url=migration_url,
            allow_privileged_runtime=_flag(environ.get("BHXH_ALLOW_PRIVILEGED_RUNTIME", "0")),
            data_dir=Path(environ.get("BHXH_DATA_DIR", ".data")).resolve(),
            graphiql=_flag(graphiql),
            token_issuer=environ.get("BHXH_TOKEN_ISSUER") or None,
            token_audience=environ.get("BHXH_TOKEN_AUDIENCE", AUDIENCE),
            jwks_url=environ.get("BHXH_JWKS_URL") or None,
            redis_url=environ.get("REDIS_URL") or None,
            trusted_documents=tuple(
                Path(p.strip()).resolve()
                for p in environ.get("BHXH_TRUSTED_DOCUMENTS", "").split(",")
                if p.strip()
            ),
            trusted_clients=frozenset(
                c.strip().lower()
                for c in environ.get("BHXH_TRUSTED_CLIENTS", "").split(",")
                if c.strip()
            ),
            federation_subjects=frozenset(
                s.strip()
                for s in environ.get("BHXH_FEDERATION_SUBJECTS", "").split(",")
                if s.strip()
            ),
            statement_timeout=_seconds(environ, "BHXH_STATEMENT_TIMEOUT", cls.statement_timeout),
            lock_timeout=_seconds(environ, "BHXH_LOCK_TIMEOUT", cls.lock_timeout),
            checkout_timeout=_seconds(environ, "BHXH_DB_CHECKOUT_TIMEOUT", cls.checkout_timeout),
            pool_size=_count(environ, "BHXH_DB_POOL_SIZE", cls.pool_size),
            request_timeout=_seconds(environ, "BHXH_REQUEST_TIMEOUT", cls.request_timeout),
            max_in_flight=_count(environ, "BHXH_MAX_IN_FLIGHT", cls.max_in_flight),
            max_body_bytes=_count(environ, "BHXH_MAX_BODY_BYTES", cls.max_body_bytes),
            database_wait=_seconds(environ, "BHXH_DB_WAIT", cls.database_wait, zero=True),
            shutdown_grace=_count(environ, "BHXH_SHUTDOWN_GRACE", cls.shutdown_grace, least=0),
            compiled_execution=_flag(environ.get("BHXH_COMPILED_EXECUTION", "1")),
        )


def _flag(value: str) -> bool:
    return value.lower() in ("1", "true", "yes", "on")


def _check_two_urls(database_url: str | None, migration_url: str) -> None:
    """With BHXH_MIGRATION_URL, DATABASE_URL names the runtime role, another user than the
    owner: `bhxh db upgrade` creates and grants the role by that name."""
    if not database_url:
        raise ConfigError(
            "BHXH_MIGRATION_URL (the owner) needs DATABASE_URL (the runtime role the API serves as)"
        )
    runtime, owner = (
        unquote(urlsplit(url).username or "") for url in (database_url, migration_url)
    )
    if not runtime:
        raise ConfigError("with BHXH_MIGRATION_URL, DATABASE_URL must name the runtime role's user")
    if runtime == owner:
        raise ConfigError(
            f"DATABASE_URL and BHXH_MIGRATION_URL both log in as {runtime!r}: the runtime role"
            " must be another user than the owner"
        )


def _seconds(environ: Mapping[str, str], name: str, default: float, *, zero: bool = False) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not (value >= 0 if zero else value > 0) or value == float("inf"):
        least = "0 or more" if zero else "more than 0"
        raise ConfigError(f"{name} must be a number of seconds, {least}, not {raw!r}")
    return value


def _count(environ: Mapping[str, str], name: str, default: int, *, least: int = 1) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < least:
        raise ConfigError(f"{name} must be a whole number, {least} or more, not {raw!r}")
    return int(raw)


def _check_jwks_url(url: str) -> None:
    """Whoever can change the key set in transit can sign any token, so the JWKS comes over
    HTTPS; plain HTTP only to this machine (a local sidecar or a test provider)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return
    raise ConfigError(
        f"BHXH_JWKS_URL must be an https:// URL (http:// only to a loopback address), not {url!r}"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

"""What one serving process builds: the app from the settings and the runtime role's conninfo.

`bhxh serve` prepares the database once (migrations, demo data, role checks) and then either
builds the app in its own process (`--workers 1`) or hands an `AppSpec` to each worker process
(`graph.workers`), which builds its own: pools, persisted-query stores and caches are per process.
"""

import asyncio
import gc
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from graph.config import Settings

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from db.session import Database
    from graph.authz.tokens import TokenVerifier
    from graph.http.edge import EdgeLimits

METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
"""Set by the supervisor of several workers (and read by prometheus-client at import): where the
workers' metric files are, so that any worker's `/metrics` answers for all of them."""

UVICORN_LOOP = "uvloop"
UVICORN_HTTP = "httptools"
"""Every server's event loop and HTTP parser, named rather than left to uvicorn's "auto" (which
takes them when installed and silently falls back to asyncio's loop and pure-Python h11 when not):
together they take ~10 % of the server's CPU per request off an e-book (bench.ebook, wrk)."""


@dataclass(frozen=True)
class AppSpec:
    """Everything a process needs to build the app; picklable, so it crosses to the workers."""

    settings: Settings
    runtime_conninfo: str
    """libpq conninfo of the runtime role (the API's connections)."""
    metrics_dir: str | None = None
    """With several workers, the directory of their metric files (`METRICS_DIR_VARIABLE`)."""


def configure_logging() -> None:
    """The CLI's and every worker's logging (a spawned worker starts with none)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin


def default_workers() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def check_manifests(settings: Settings) -> None:
    """Raises what a worker's start would (`ConfigError`) for a trusted-document manifest that
    cannot be read or whose hashes do not match."""
    from graph.persisted import load_manifest

    for path in settings.trusted_documents:
        load_manifest(path)


def verifier_of(settings: Settings) -> "TokenVerifier":
    """The development key's verifier in dev; the identity provider's JWKS in prod, fetched now
    (raises `IdentityProviderUnavailable`)."""
    from graph.authz import tokens

    if settings.dev:
        return tokens.dev_verifier(tokens.load_or_create_dev_key(settings.dev_key_path))
    from graph.authz.jwks import JwksVerifier

    provider = settings.identity_provider()
    verifier = JwksVerifier(
        jwks_url=provider.jwks_url, issuer=provider.issuer, audience=provider.audience
    )
    asyncio.run(verifier.refresh())
    return verifier


def api_database(conninfo: str, settings: Settings) -> "Database":
    from db.session import Database, Timeouts

    timeouts = Timeouts(
        statement=settings.statement_timeout,
        lock=settings.lock_timeout,
        checkout=settings.checkout_timeout,
        connect=settings.checkout_timeout,
    )
    return Database(conninfo, max_size=settings.pool_size, timeouts=timeouts)


def edge_limits(settings: Settings) -> "EdgeLimits":
    from graph.http.edge import EdgeLimits

    return EdgeLimits(
        request_timeout=settings.request_timeout,
        max_in_flight=settings.max_in_flight,
        max_body_bytes=settings.max_body_bytes,
    )


def build_app(spec: AppSpec, verifier: "TokenVerifier | None" = None) -> "Starlette":
    """The app of one serving process. Raises `OSError`/`ValueError` for a manifest that cannot
    be read and `IdentityProviderUnavailable` when prod's JWKS cannot be fetched."""
    from graph.app import create_app
    from graph.persisted import PersistedQueries

    settings = spec.settings
    app = create_app(
        database=api_database(spec.runtime_conninfo, settings),
        verifier=verifier or verifier_of(settings),
        dev=settings.dev,
        graphiql=settings.graphiql,
        persisted=PersistedQueries.from_settings(settings),
        federation_subjects=frozenset() if settings.dev else settings.federation_subjects,
        limits=edge_limits(settings),
        metrics_dir=spec.metrics_dir,
        compiled=settings.compiled_execution,
    )
    # The modules, the schema and the app live as long as the process: out of the collector's
    # reach, a full collection no longer walks them. Under load these walks were 40-80 ms
    # pauses, the tail of the latency (bench/results/side-by-side-2026-11-30.md).
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])
    return app


YOUNG_COLLECTION_THRESHOLD: Final = 10_000
"""Net new container objects between two young collections (Python's default: 700). An e-book
request holds ~1,500 of them at its peak, all freed by reference counting when it ends: at 700 the
collector ran twice a request, in its middle, over objects still alive (~0.45 ms of ~10 ms per
book; bench/results/ebook.md, "Where a book's cost lies, and the collector"). At 10,000 it runs
once the garbage that reference counting cannot free (cycles) has piled up: every ~60 books,
~5 ms a pass."""

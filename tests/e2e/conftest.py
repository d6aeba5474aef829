"""The real app served over HTTP (uvicorn on 127.0.0.1, an ephemeral port) for end-to-end checks.

`serve(app)` runs any ASGI app in a background thread on a socket bound before the server starts
(no port race) and stops it cleanly; `live_server` is our app, prod-like (`dev=False`), against
the test database, counting every request's statements like the graph tests do.
"""

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from joserfc.jwk import ECKey

from db.urls import libpq_conninfo
from graph.app import create_app
from graph.authz import tokens
from graph.authz.policy import OFFICER_DEFAULT_SCOPES
from graph.authz.principal import Role
from tests.graph.conftest import CountingDatabase

ROOT = Path(__file__).resolve().parents[2]
NODE_BIN = ROOT / "node_modules" / ".bin"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def node_tool(name: str) -> Path:
    """A Node CLI from the project's node_modules (installed from package-lock.json)."""
    path = NODE_BIN / name
    if shutil.which("node") is None or not path.exists():
        pytest.fail(f"{path} is missing: run `npm ci` in {ROOT}")
    return path


def free_port() -> int:
    """A port for a program that insists on being given one (prefer `serve`'s bound socket)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.failure: BaseException | None = None


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve an ASGI app on 127.0.0.1 in a thread; yields its base URL (http://127.0.0.1:N)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        lifespan="on",
        ws="none",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    server = _Server(config)

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported by the test thread
            server.failure = exc

    thread = threading.Thread(target=run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on port {port} did not start") from server.failure
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT)
        if thread.is_alive():
            server.force_exit = True
            thread.join(STOP_TIMEOUT)
        sock.close()
    if server.failure is not None:
        raise RuntimeError(f"server on port {port} failed") from server.failure


@contextmanager
def run_process(
    args: Sequence[str | os.PathLike[str]],
    *,
    ready_url: str,
    log: Path,
    cwd: Path,
    env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server program until `ready_url` answers 200; stop it (SIGTERM, then SIGKILL)."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [os.fspath(a) for a in args],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                if process.poll() is not None:
                    pytest.fail(f"{args[0]} exited with {process.returncode}:\n{tail(log)}")
                try:
                    if httpx.get(ready_url, timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"{args[0]} not ready after {START_TIMEOUT}s:\n{tail(log)}")
                time.sleep(0.1)
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(STOP_TIMEOUT)


def tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class LiveServer:
    url: str
    database: CountingDatabase
    key: ECKey

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def token(self, role: Role = Role.CITIZEN, subject: str = "x", **kwargs: Any) -> str:
        return tokens.mint(self.key, role=role, subject=subject, **kwargs)

    def citizen(self, person: dict[str, Any]) -> str:
        return self.token(Role.CITIZEN, person["identification_number"])

    def officer(self, scopes: frozenset[str] = OFFICER_DEFAULT_SCOPES) -> str:
        return self.token(Role.OFFICER, "officer-1", scopes=sorted(scopes))

    def statements(self, action: Callable[[], object]) -> tuple[int, int]:
        """Run `action` (HTTP calls that reach this server); return (requests, statements) it
        caused here. Every request's reader is counted once its response has been sent."""
        before = len(self.database.readers)
        action()
        readers = self.database.readers[before:]
        return len(readers), sum(r.statements for r in readers)


@pytest.fixture(scope="session")
def dev_key(tmp_path_factory: pytest.TempPathFactory) -> ECKey:
    return tokens.load_or_create_dev_key(tmp_path_factory.mktemp("e2e-keys") / "key.json")


@pytest.fixture(scope="session")
def live_server(runtime_url: str, dev_key: ECKey) -> Iterator[LiveServer]:
    """Our app over real HTTP, as deployed (`dev=False`), on the session's test database."""
    database = CountingDatabase(libpq_conninfo(runtime_url))
    app = create_app(
        database=database, verifier=tokens.dev_verifier(dev_key), dev=False, graphiql=False
    )
    with serve(app) as url:
        yield LiveServer(url=url, database=database, key=dev_key)

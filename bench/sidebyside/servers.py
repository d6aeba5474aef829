"""The three servers, each with the same number of processes, and the identity provider this
project's production mode needs (a JWKS served by the harness on loopback, as graph/config.py
allows for a local provider)."""

import json
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from joserfc import jwt
from joserfc.jwk import ECKey

from bench.sidebyside.workloads import ROOT, Server
from graph.authz.principal import Role
from graph.authz.tokens import AUDIENCE

ISSUER = "bhxh-bench-identity-provider"
PEERS = ROOT / "bench" / "peers"
NODE = PEERS / "v5" / "node_modules" / ".bin" / "node"
"""The npm registry's Node (>= 22), which both peers run on; the system's Node is not touched."""


class IdentityProvider:
    """Signs the benchmark's tokens and publishes the public key at /jwks.json."""

    def __init__(self, port: int) -> None:
        self.key = ECKey.generate_key("P-256", private=True, auto_kid=True)
        jwks = json.dumps({"keys": [self.key.as_dict(private=False)]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200 if self.path == "/jwks.json" else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(jwks if self.path == "/jwks.json" else b"{}")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{port}/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def mint(
        self, role: Role, subject: str, *, scopes: Iterable[str] = (), ttl_seconds: int = 6 * 3600
    ) -> str:
        now = int(time.time())
        claims: dict[str, object] = {
            "iss": ISSUER, "aud": AUDIENCE, "sub": subject, "role": role.value,
            "iat": now, "nbf": now, "exp": now + ttl_seconds, "jti": uuid.uuid4().hex,
        }  # fmt: skip
        if scope := " ".join(scopes):
            claims["scope"] = scope
        return jwt.encode({"alg": "ES256", "kid": self.key.kid}, claims, self.key)

    def close(self) -> None:
        self.server.shutdown()


@dataclass
class Process:
    server: Server
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """SIGTERM to this process's own group (it was started in a session of its own), then
        SIGKILL if it is still there after 20 s."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def supports_workers() -> bool:
    """`bhxh serve --workers N` where this checkout has it; else one process is all it runs."""
    help_text = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "bhxh"), "serve", "--help"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return "--workers" in help_text


def _start(
    server: Server, command: list[str], env: dict[str, str], cwd: Path, log: Path, url: str
) -> Process:
    with log.open("wb") as out:  # the child keeps its own descriptor
        process = subprocess.Popen(
            command, cwd=cwd, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    return Process(server, url, process, log)


def start_ours(
    *, port: int, workers: int | None, owner_url: str, runtime_url: str, provider: IdentityProvider,
    data_dir: Path, log: Path,
) -> Process:  # fmt: skip
    """As a production deployment runs it: BHXH_ENV=prod (limits on, errors masked, the access
    log written), tokens from the identity provider, migrating as the owner and serving as the
    runtime role."""
    command = [
        str(ROOT / ".venv" / "bin" / "bhxh"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    if workers is not None:
        command += ["--workers", str(workers)]
    env = {
        "BHXH_ENV": "prod",
        "DATABASE_URL": runtime_url,
        "BHXH_MIGRATION_URL": owner_url,
        "BHXH_TOKEN_ISSUER": ISSUER,
        "BHXH_JWKS_URL": provider.url,
        "BHXH_DATA_DIR": str(data_dir),
    }
    return _start("ours", command, env, ROOT, log, f"http://127.0.0.1:{port}/graphql")


def start_peer(server: Server, *, port: int, workers: int, database_url: str, log: Path) -> Process:
    script = "server.mjs" if server == "v5" else "server.cjs"
    env = {
        "NODE_ENV": "production",
        "PEER_PORT": str(port),
        "PEER_WORKERS": str(workers),
        "PEER_DATABASE_URL": database_url,
    }
    return _start(
        server, [str(NODE), script], env, PEERS / server, log, f"http://127.0.0.1:{port}/graphql"
    )


def wait_ready(process: Process, seconds: float = 180.0) -> None:
    """Until the server answers a GraphQL request (any HTTP answer from the GraphQL endpoint:
    ours refuses anonymous callers in prod, which still proves it serves)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.process.poll() is not None:
            raise RuntimeError(f"{process.server} exited; see {process.log}")
        try:
            response = httpx.post(process.url, json={"query": "{ __typename }"}, timeout=5)
            if response.status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1.0)
    raise RuntimeError(f"{process.server} not ready after {seconds:.0f} s; see {process.log}")


def peer_version(server: Server) -> str:
    package = PEERS / server / "node_modules" / "postgraphile" / "package.json"
    return str(json.loads(package.read_text())["version"])


def node_version() -> str:
    return subprocess.run(
        [str(NODE), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()


def have_wrk() -> bool:
    return shutil.which("wrk") is not None

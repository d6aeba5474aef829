"""`bhxh serve` on the embedded default: migrates, seeds, serves, and stops its cluster on SIGTERM."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from db.embedded import EmbeddedPostgres
from tests.e2e.conftest import ROOT, free_port


@pytest.mark.e2e
def test_serve_on_the_embedded_database_and_stop_cleanly(pg_bindir: Path) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="bhxh-serve-"))
    data_dir.chmod(0o755)  # the postgres user must reach the cluster under it
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"BHXH_DATA_DIR": str(data_dir), "BHXH_ENV": "dev"}
    bhxh = Path(sys.executable).parent / "bhxh"
    process = subprocess.Popen(
        [bhxh, "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    assert r.read() == b"ready"
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read().decode()[-2000:]  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "serve did not become ready"
                time.sleep(0.5)
        assert EmbeddedPostgres(data_dir / "pg").running()
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=60)[0].decode()
    assert "GraphiQL: http://127.0.0.1:" in output
    assert "Authorization" in output  # the demo tokens
    stopped = not EmbeddedPostgres(data_dir / "pg").running()
    if stopped:
        shutil.rmtree(data_dir, ignore_errors=True)
    assert stopped, output[-2000:]

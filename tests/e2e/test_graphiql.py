"""GraphiQL in a real browser with no network but the app: the page and all its assets come from
the app (integrity hashes hold), the e-book example runs with a citizen's token typed into the
header editor, and the result pane shows the person. The screenshot is left in artifacts/."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from joserfc.jwk import ECKey

from db.urls import libpq_conninfo
from graph.app import create_app
from graph.authz import tokens
from graph.authz.principal import Role
from tests.e2e.conftest import ROOT, serve
from tests.factories.book import book
from tests.graph.conftest import CountingDatabase

pytestmark = pytest.mark.e2e

BROWSER_SCRIPT = Path(__file__).with_name("graphiql_browser.mjs")
ARTIFACTS = Path(__file__).with_name("artifacts")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FULL_NAME = "Nguyễn Thị Lan"


def test_graphiql_runs_the_ebook_offline(
    runtime_url: str, dev_key: ECKey, conn: psycopg.Connection
) -> None:
    if shutil.which("node") is None or not (ROOT / "node_modules" / "playwright-core").is_dir():
        pytest.fail(f"node and playwright-core are needed: run scripts/setup in {ROOT}")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (scripts/test does)")
    holder = book(conn, full_name=FULL_NAME).person
    token = tokens.mint(dev_key, role=Role.CITIZEN, subject=holder["identification_number"])
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "graphiql.png"
    screenshot.unlink(missing_ok=True)

    # As deployed for partner agencies: prod (no introspection, no anonymous operations), with
    # GraphiQL switched on.
    database = CountingDatabase(libpq_conninfo(runtime_url))
    app = create_app(
        database=database, verifier=tokens.dev_verifier(dev_key), dev=False, graphiql=True
    )
    with serve(app) as url:
        result = subprocess.run(
            [
                "node",
                str(BROWSER_SCRIPT),
                f"--url={url}/graphql",
                f"--token={token}",
                f"--expect={FULL_NAME}",
                f"--screenshot={screenshot}",
                f"--chromium={CHROMIUM}",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
    lines = result.stdout.strip().splitlines()
    assert lines, f"no report from the browser script (exit {result.returncode}):\n{result.stderr}"
    report = json.loads(lines[-1])
    assert report["ok"] and result.returncode == 0, (
        f"GraphiQL check failed: {report['failure']}\n"
        f"response pane: {report['response']}\n{result.stderr[-2000:]}"
    )
    assert report["blocked"] == [], f"requests to other hosts: {report['blocked']}"
    assert len(report["assets"]) == 7 and set(report["assets"].values()) == {200}, report["assets"]
    assert report["consoleErrors"] == []
    assert screenshot.is_file() and screenshot.stat().st_size > 10_000
    # The query went through the real server, authenticated as the citizen.
    assert database.readers, "the app served no GraphQL request"

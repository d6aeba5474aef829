"""Typed clients from the published schema and the example operations.

TypeScript: GraphQL Code Generator's client preset (tests/e2e/codegen.ts), then `tsc --noEmit` on
the output and a file that uses the e-book document's types. Python: ariadne-codegen
(tests/e2e/client/ariadne-codegen.toml) in its own environment, whose client then reads a seeded
citizen's e-book from the live server.
"""

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import psycopg
import pytest

from tests.e2e.conftest import ROOT, LiveServer, node_tool
from tests.factories.book import book

pytestmark = pytest.mark.e2e

E2E = Path(__file__).resolve().parent
CLIENT = E2E / "client"

USAGE_TS = """\
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';

import { useFragment } from './gql/fragment-masking';
import {
  EBookFragmentDoc,
  MyBookDocument,
  type CardStatus,
  type EBookFragment,
  type MyBookQuery,
} from './gql/graphql';

export type MyBook = ResultOf<typeof MyBookDocument>;
export const sameType: MyBook extends MyBookQuery ? true : false = true;
export const noVariables: VariablesOf<typeof MyBookDocument> = {};

export function summary(data: MyBook): string {
  const book: EBookFragment | null | undefined = useFragment(EBookFragmentDoc, data.me);
  if (!book) return 'no book';
  const periods = book.socialInsurance?.contributionPeriods.edges.map((e) => e.node) ?? [];
  const months: string[] = periods.map((p) => p.fromMonth);
  const salaries: number[] = periods.map((p) => p.salaryVnd ?? 0);
  const status: CardStatus | undefined = book.healthInsurance?.currentCard?.status;
  return `${book.fullName ?? ''} ${months.join(',')} ${salaries.join(',')} ${status ?? ''}`;
}

// The types are real ones, not `any`: misuse does not compile.
// @ts-expect-error fullName is a string
export const notANumber: number = ({} as EBookFragment).fullName;
// @ts-expect-error the e-book's fields are masked until useFragment unmasks them
export const masked = ({} as MyBook).me?.fullName;
"""


def run(
    args: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [os.fspath(a) for a in args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_typescript_client_generates_and_typechecks(tmp_path: Path) -> None:
    generated = run(
        [node_tool("graphql-codegen"), "--config", E2E / "codegen.ts"],
        cwd=tmp_path,  # the config finds the schema and operations from anywhere
        env={"CODEGEN_OUT": str(tmp_path / "gql")},
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    types = (tmp_path / "gql" / "graphql.ts").read_text()
    assert "export const MyBookDocument" in types
    assert "export type EBookFragment" in types

    (tmp_path / "usage.ts").write_text(USAGE_TS)
    tsconfig = {
        "extends": str(E2E / "tsconfig.json"),
        "files": ["usage.ts"],
        "include": ["gql/**/*.ts"],
    }
    (tmp_path / "tsconfig.json").write_text(json.dumps(tsconfig))
    checked = run([node_tool("tsc"), "--noEmit", "-p", tmp_path / "tsconfig.json"], cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_codegen_config_itself_typechecks() -> None:
    checked = run([node_tool("tsc"), "--noEmit", "-p", E2E / "tsconfig.json"], cwd=E2E)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.fixture(scope="session")
def ariadne_codegen_python() -> Path:
    """A Python with ariadne-codegen, in an environment of its own (see client/requirements.txt),
    made once per requirements under ~/.cache/bhxh-graph (or BHXH_TOOLS_DIR)."""
    requirements = CLIENT / "requirements.txt"
    digest = hashlib.sha256(requirements.read_bytes() + sys.version.encode()).hexdigest()[:12]
    cache = Path(
        os.environ.get("BHXH_TOOLS_DIR")
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "bhxh-graph"
    )
    venv = cache / f"ariadne-codegen-{digest}"
    python = venv / "bin" / "python"
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / f"{venv.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one installer at a time
        if not (venv / ".complete").exists():
            shutil.rmtree(venv, ignore_errors=True)
            pip: list[str | os.PathLike[str]] = [
                python,
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
            ]
            steps: tuple[list[str | os.PathLike[str]], ...] = (
                [sys.executable, "-m", "venv", venv],
                [*pip, "-r", requirements],
            )
            for step in steps:
                done = run(step, cwd=cache, timeout=600)
                assert done.returncode == 0, f"{step}: {done.stdout}{done.stderr}"
            (venv / ".complete").touch()
    return python


def generate_python_client(python: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """Runs ariadne-codegen with the committed config, writing the package under `out`."""
    text = (CLIENT / "ariadne-codegen.toml").read_text()
    config, replaced = re.subn(
        r"^target_package_path = .*$",
        f"target_package_path = {json.dumps(str(out))}",
        text,
        flags=re.M,
    )
    assert replaced == 1
    (out / "ariadne-codegen.toml").write_text(config)
    return run(
        [python, "-m", "ariadne_codegen", "--config", out / "ariadne-codegen.toml"], cwd=ROOT
    )


def test_python_client_reads_an_ebook(
    ariadne_codegen_python: Path,
    tmp_path: Path,
    live_server: LiveServer,
    conn: psycopg.Connection,
) -> None:
    generated = generate_python_client(ariadne_codegen_python, tmp_path)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    package = tmp_path / "bhxh_client"
    assert {"client.py", "my_book.py", "fragments.py", "enums.py"} <= {
        p.name for p in package.iterdir()
    }
    fragments = (package / "fragments.py").read_text()
    assert "valid_from: date" in fragments  # the scalar mapping took
    assert "salary_vnd: Optional[int]" in fragments

    b = book(conn, periods=3, cards=2, visits=2)
    called = run(
        [ariadne_codegen_python, CLIENT / "run_my_book.py", live_server.graphql_url],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "BHXH_TOKEN": live_server.citizen(b.person)},
        timeout=60,
    )
    assert called.returncode == 0, called.stdout + called.stderr
    result = json.loads(called.stdout)

    assert all(result["checks"].values()), result["checks"]
    assert result["identification_number"] == b.person["identification_number"]
    assert result["full_name"] == b.person["full_name"]
    assert result["bhxh_code"] == b.bhxh_code
    assert result["from_months"] == ["2008-01", "2008-05", "2008-09"]
    assert result["salaries_vnd"] == [8_000_000, 8_250_000, 8_500_000]
    assert result["card_status"] == "ACTIVE"
    assert result["card_code"].endswith(b.bhxh_code)
    assert result["visits"] == 2

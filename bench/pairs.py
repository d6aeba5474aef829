"""A change's effect on a request's CPU, measured against a base revision at the same time.

    python -m bench.pairs --database-url postgresql://… --base REV [--document ebook|floor]
                          [--requests 1500] [--rounds 6]

On a shared machine the same tree's CPU per request varies by ±20 % from one minute to the
next, so before/after runs in turn cannot see a change of a few per cent. Here each round runs
the base revision (a git worktree of REV) and this checkout *at the same time*, each in its own
process (bench/pair_worker.py: the app called in-process, the e-book through `person`): the
machine's noise falls on both, and A against A stays within ±5 %. Each round prints both
figures and their ratio; the median of the ratios is the answer. Needs a seeded database
(`bhxh seed`) on a PostgreSQL server on this machine (its backends' CPU is read from /proc).
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORKER = Path(__file__).with_name("pair_worker.py")


def _start(tree: Path, args: argparse.Namespace) -> "subprocess.Popen[str]":
    command = [sys.executable, str(WORKER), str(tree), args.database_url, args.document]
    return subprocess.Popen([*command, str(args.requests)], stdout=subprocess.PIPE, text=True)


def _result(process: "subprocess.Popen[str]") -> dict[str, Any]:
    out, _ = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"a worker failed ({process.returncode})")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--base", required=True, help="the revision to compare with")
    parser.add_argument("--document", choices=["ebook", "floor"], default="ebook")
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    ratios: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-pairs-") as scratch:
        base = Path(scratch) / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.base],
            check=True,
        )
        try:
            for round_ in range(1, args.rounds + 1):
                # Base first in odd rounds, this checkout in even ones: neither always starts first.
                if round_ % 2:
                    before, after = _start(base, args), _start(ROOT, args)
                else:
                    after, before = _start(ROOT, args), _start(base, args)
                b, a = _result(before), _result(after)
                ratios.append(a["cpu_us"] / b["cpu_us"])
                print(
                    f"round {round_}: base {b['cpu_us']:7.0f} µs (database {b['database_us']:5.0f})"
                    f"  this {a['cpu_us']:7.0f} µs (database {a['database_us']:5.0f})"
                    f"  ratio {ratios[-1]:.3f}",
                    flush=True,
                )
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False
            )
    print(
        f"this process's CPU per request, this checkout / {args.base}: median"
        f" {statistics.median(ratios):.3f} (from {min(ratios):.3f} to {max(ratios):.3f},"
        f" {len(ratios)} rounds)"
    )


if __name__ == "__main__":
    main()

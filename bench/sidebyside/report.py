"""The results file: machine, configuration, the check before timing, every run, the ratios per
round, medians, and the issue's targets met or missed by how much."""

import os
import platform
import statistics
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.sidebyside.load import Run
from bench.sidebyside.workloads import ROOT


def machine(pg_version: str, node: str, peers: dict[str, str], workers: str) -> dict[str, str]:
    cpu_model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "CPUs (nproc)": str(os.cpu_count()),
        "CPU model": cpu_model,
        "Memory": f"{mem_kb / 2**20:.1f} GiB",
        "PostgreSQL": pg_version,
        "Python": (
            f"{platform.python_version()}; strawberry-graphql {metadata.version('strawberry-graphql')},"
            f" graphql-core {metadata.version('graphql-core')}, psycopg {metadata.version('psycopg')}"
        ),
        "this project": f"commit {commit or '?'}; {workers}",
        "Node (peers)": f"{node} (the npm registry's `node` package, bench/peers/v5)",
        "PostGraphile": f"v4 {peers['v4']}, v5 {peers['v5']}",
        "load generator": (wrk[0].split(" [")[0] if wrk else "wrk"),
        "load average at start": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
    }


def _ms(value: float) -> str:
    return f"{value:,.1f}"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "–"


@dataclass(frozen=True)
class Group:
    entry: str
    connections: int
    ours: list[Run]
    v5: list[Run]
    v4: list[Run]


def groups(runs: Sequence[Run]) -> list[Group]:
    keys = []
    for run in runs:
        if (run.entry, run.connections) not in keys:
            keys.append((run.entry, run.connections))

    def of(entry: str, c: int, server: str) -> list[Run]:
        return [r for r in runs if r.entry == entry and r.connections == c and r.server == server]

    return [Group(e, c, of(e, c, "ours"), of(e, c, "v5"), of(e, c, "v4")) for e, c in keys]


def _median(runs: list[Run], attribute: str) -> float:
    values = [float(getattr(r, attribute)) for r in runs if r.valid]
    return statistics.median(values) if values else 0.0


def _statements(runs: list[Run], attribute: str = "statements_per_request") -> str:
    values = [v for r in runs if (v := getattr(r, attribute)) is not None]
    return f"{statistics.median(values):.1f}" if values else "–"


def _rss(runs: list[Run]) -> float:
    return max((mb for r in runs for mb in r.rss_mb.values()), default=0.0)


def targets(all_groups: list[Group]) -> list[str]:
    """Issue 10 §2, checked on the medians against the faster peer of each entry point and
    concurrency (by books/s)."""
    lines = []
    for g in all_groups:
        ours, v5, v4 = (_median(x, "books_per_s") for x in (g.ours, g.v5, g.v4))
        peer, best, peer_runs = ("v5", v5, g.v5) if v5 >= v4 else ("v4", v4, g.v4)
        if not best:
            continue
        at = f"{g.entry} at c={g.connections}"
        if g.connections in (8, 32):
            verdict = "met" if ours >= best else f"missed: {ours / best:.2f}×"
            lines.append(f"books/s, {at}: {ours:,.0f} vs {peer} {best:,.0f} — {verdict}")
        if g.connections == 8:
            mine, theirs = _median(g.ours, "cpu_ms_per_book"), _median(peer_runs, "cpu_ms_per_book")
            verdict = "met" if mine <= theirs else f"missed: {mine / theirs:.1f}×"
            lines.append(f"CPU per book, {at}: {mine:.1f} ms vs {peer} {theirs:.1f} ms — {verdict}")
            mine, theirs = _median(g.ours, "p99_ms"), _median(peer_runs, "p99_ms")
            verdict = "met" if mine <= theirs else f"missed: {mine / theirs:.1f}×"
            lines.append(f"p99, {at}: {mine:,.1f} ms vs {peer} {theirs:,.1f} ms — {verdict}")
    fifty = [g for g in all_groups if g.entry == "entities50"]
    if fifty:
        g = min(fifty, key=lambda x: x.connections)
        ours = _median(g.ours, "p50_ms")
        peers = [x for x in (_median(g.v5, "p50_ms"), _median(g.v4, "p50_ms")) if x]
        if ours and peers:
            verdict = "met" if ours <= min(peers) else f"missed: {ours / min(peers):.1f}×"
            lines.append(
                f"50 books in one request (p50 at c={g.connections}): {ours:,.0f} ms vs the"
                f" faster peer's {min(peers):,.0f} ms — {verdict}"
            )
    rss = max((_rss(g.ours) for g in all_groups), default=0.0)
    verdict = "met" if rss <= 300 else "missed"
    lines.append(f"RSS per process under load: at most {rss:,.0f} MB (≤ 300 MB: {verdict})")
    return lines


def markdown(
    *, title: str, label: str, command: str, config: dict[str, Any], machine_info: dict[str, str],
    verification: dict[str, Any], runs: Sequence[Run], notes: Sequence[str],
) -> str:  # fmt: skip
    out = [f"# {title}", "", f"**{label}**", "", f"Command: `{command}`", ""]
    out += ["| setting | value |", "| --- | --- |"]
    out += [f"| {k} | {v} |" for k, v in config.items()]
    out += ["", "## Machine", "", "| | |", "| --- | --- |"]
    out += [f"| {k} | {v} |" for k, v in machine_info.items()]
    rows = verification["rows"]
    out += [
        "", "## The same rows, checked before timing", "",
        f"- v4 and v5, whole responses for {verification['persons']} persons:"
        f" {len(verification['peers_differences'])} differences"
        " (v5's `rowId` read as `id`, cursors opaque, timestamps as instants).",
        f"- This project (`person` as an officer with every scope) against v5's row keys for"
        f" {rows['compared']} persons: {len(rows['differences'])} differences;"
        f" {len(rows['hidden_persons'])} persons hidden by the ministry rule, as they must be"
        f" ({', '.join(rows['hidden_persons']) or 'none'}), and {rows['hidden_links']}"
        " relatives or households hidden for holding such a person.",
        f"- `_entities` and `me` against `person`: {len(verification['entry_point_differences'])}"
        f" differences; every workload's request answered without errors:"
        f" {'yes' if not verification['workload_failures'] else 'no'}.",
    ]  # fmt: skip
    all_groups = groups(runs)
    out += [
        "", "## Summary (medians over rounds; valid runs only)", "",
        "| entry point (peers: their equivalent) | c | books/s ours | v5 | v4 | ours/v5 | ours/v4"
        " | CPU ms/book ours | v5 | v4 | p50 ms ours | v5 | v4 | p99 ms ours | v5 | v4"
        " | SQL statements per request ours | of them, run by PostgreSQL |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]  # fmt: skip
    for g in all_groups:
        b = [_median(x, "books_per_s") for x in (g.ours, g.v5, g.v4)]
        cpu = [_median(x, "cpu_ms_per_book") for x in (g.ours, g.v5, g.v4)]
        p50 = [_median(x, "p50_ms") for x in (g.ours, g.v5, g.v4)]
        p99 = [_median(x, "p99_ms") for x in (g.ours, g.v5, g.v4)]
        out.append(
            f"| {g.entry} | {g.connections} | {b[0]:,.0f} | {b[1]:,.0f} | {b[2]:,.0f}"
            f" | {_ratio(b[0], b[1])} | {_ratio(b[0], b[2])}"
            f" | {cpu[0]:.1f} | {cpu[1]:.1f} | {cpu[2]:.1f}"
            f" | {_ms(p50[0])} | {_ms(p50[1])} | {_ms(p50[2])} | {_ms(p99[0])} | {_ms(p99[1])} | {_ms(p99[2])}"
            f" | {_statements(g.ours)} | {_statements(g.ours, 'sent_per_request')} |"
        )
    out += ["", "## Targets (issue 10 §2)", ""] + [f"- {line}" for line in targets(all_groups)]
    out += [
        "", "## Every run, in the order run", "",
        "Ratios are this project's run against the peer runs that followed it in the same round.", "",
        "| round | c | entry point | server | books/s | p50 ms | p90 ms | p99 ms | CPU s server | CPU s PG"
        " | CPU ms/book | peak RSS MB per process | SQL statements per request | run by PostgreSQL"
        " | errors | ours/v5 | ours/v4 |",
        "| ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]  # fmt: skip
    for run in runs:
        ratio5 = ratio4 = ""
        if run.server == "ours":
            paired = {
                r.server: r for r in runs
                if r.round == run.round and r.connections == run.connections and r.entry == run.entry
            }  # fmt: skip
            ratio5 = _ratio(run.books_per_s, paired["v5"].books_per_s) if "v5" in paired else "–"
            ratio4 = _ratio(run.books_per_s, paired["v4"].books_per_s) if "v4" in paired else "–"
        rss = ", ".join(f"{mb:.0f}" for mb in run.rss_mb.values())
        statements, sent = (
            "" if value is None else f"{value:.1f}"
            for value in (run.statements_per_request, run.sent_per_request)
        )
        errors = "0"
        if not run.valid:
            errors = (
                f"**{run.errors} (invalid)**"
                if run.errors
                else "**no request completed (invalid)**"
            )
        out.append(
            f"| {run.round} | {run.connections} | {run.entry} | {run.server} ({run.workload})"
            f" | {run.books_per_s:,.1f} | {_ms(run.p50_ms)} | {_ms(run.p90_ms)} | {_ms(run.p99_ms)}"
            f" | {run.server_cpu_s:.1f} | {run.pg_cpu_s:.1f} | {run.cpu_ms_per_book:.2f} | {rss}"
            f" | {statements} | {sent} | {errors} | {ratio5} | {ratio4} |"
        )
    bad = [r for r in runs if r.bad_sample]
    if bad:
        out += ["", "Samples of bad responses:", ""]
        out += [
            f"- {r.server} {r.entry} c={r.connections}: `{r.bad_sample[:300]}`" for r in bad[:10]
        ]
    out += ["", "## How it was measured", ""] + [f"- {n}" for n in notes]
    return "\n".join(out) + "\n"

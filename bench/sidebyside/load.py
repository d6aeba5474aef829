"""One timed run: wrk against a server, with the CPU it cost the server and PostgreSQL."""

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg

from bench.sidebyside import cpu
from bench.sidebyside.workloads import LUA


@dataclass(frozen=True)
class WrkResult:
    requests: int
    duration_us: int
    connect_errors: int
    read_errors: int
    write_errors: int
    status_errors: int
    timeouts: int
    bad_bodies: int
    latency_us: dict[str, float]
    bad_sample: str

    @property
    def errors(self) -> int:
        return (
            self.connect_errors + self.read_errors + self.write_errors
            + self.status_errors + self.timeouts + self.bad_bodies
        )  # fmt: skip


def parse_wrk(output: str) -> WrkResult:
    """The line the Lua script's `done` writes (and its sample of a bad response, if any)."""
    found, sample = None, ""
    for line in output.splitlines():
        if line.startswith("WRK_JSON "):
            found = json.loads(line.removeprefix("WRK_JSON "))
        elif line.startswith("WRK_BAD_SAMPLE "):
            sample = line.removeprefix("WRK_BAD_SAMPLE ")
    if found is None:
        raise RuntimeError(f"wrk printed no result:\n{output[-2000:]}")
    found.pop("bytes", None)
    return WrkResult(bad_sample=sample, **found)


@dataclass(frozen=True)
class Run:
    """A timed run's figures; `books` counts books, not requests (50 per `entities50` request)."""

    round: int
    connections: int
    entry: str
    server: str
    workload: str
    books_per_request: int
    seconds: float
    requests: int
    errors: int
    bad_sample: str
    p50_ms: float
    p90_ms: float
    p99_ms: float
    server_cpu_s: float
    pg_cpu_s: float
    rss_mb: dict[str, float]
    """Peak resident memory of each serving process during the run, by pid."""
    statements_per_request: float | None = None
    """This project's SQL statements per request (its /metrics), the access-log insert included."""
    sent_per_request: float | None = None
    """Of them, what PostgreSQL ran per request: the lanes merge one statement's reads (and
    access-log inserts) of the requests in flight into one (db/lane.py)."""

    @property
    def books(self) -> int:
        return self.requests * self.books_per_request

    @property
    def books_per_s(self) -> float:
        return self.books / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_book(self) -> float:
        return (self.server_cpu_s + self.pg_cpu_s) * 1000 / self.books if self.books else 0.0

    @property
    def valid(self) -> bool:
        return self.errors == 0 and self.requests > 0

    def as_json(self) -> dict[str, object]:
        return {
            **asdict(self),
            "books": self.books,
            "books_per_s": round(self.books_per_s, 2),
            "cpu_ms_per_book": round(self.cpu_ms_per_book, 3),
            "valid": self.valid,
        }


class Backends:
    """PostgreSQL's backends on the benchmark database (all servers' pools; idle ones cost
    nothing), found through a connection of the harness's own, which it leaves out."""

    def __init__(self, conninfo: str, database: str) -> None:
        self.conn = psycopg.connect(conninfo, autocommit=True)
        self.database = database

    def pids(self) -> list[int]:
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (self.database,),
        ).fetchall()
        return [int(r[0]) for r in rows]

    def close(self) -> None:
        self.conn.close()


def wrk(
    url: str, workload_path: Path, keys_path: Path, *, connections: int, seconds: float, seed: int,
    threads: int, tick: Callable[[], None] | None = None,
) -> WrkResult:  # fmt: skip
    """Run wrk to the end, calling `tick` about once a second meanwhile (RSS sampling)."""
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
        "--latency", "--timeout", "30s", "-s", str(LUA), url,
        "--", str(workload_path), str(keys_path), str(seed),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    while process.poll() is None:
        if tick is not None:
            tick()
        time.sleep(1.0)
    output = process.stdout.read() if process.stdout else ""
    if process.returncode != 0:
        raise RuntimeError(f"wrk exited with {process.returncode}:\n{output[-2000:]}")
    return parse_wrk(output)


class RssSampler:
    """Samples the serving processes' resident memory; keeps each pid's peak."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak: dict[int, int] = {}

    def __call__(self) -> None:
        processes = cpu.tree(self.root, cpu.all_stats())
        for pid in cpu.workers(processes, self.root):
            self.peak[pid] = max(self.peak.get(pid, 0), processes[pid].rss_bytes)


def timed_run(
    *, url: str, root: int, backends: Backends, workload_path: Path, keys_path: Path,
    connections: int, seconds: float, seed: int, threads: int,
) -> tuple[WrkResult, float, float, dict[str, float]]:  # fmt: skip
    """wrk's figures, the server's and PostgreSQL's CPU seconds, and peak RSS (MB) per worker."""
    server_before = cpu.tree(root, cpu.all_stats())
    pg_before = cpu.stats_of(backends.pids())
    sampler = RssSampler(root)
    result = wrk(
        url, workload_path, keys_path, connections=connections, seconds=seconds, seed=seed,
        threads=threads, tick=sampler,
    )  # fmt: skip
    server_after = cpu.tree(root, cpu.all_stats())
    pg_after = cpu.stats_of(set(backends.pids()) | set(pg_before))
    server_cpu = cpu.cpu_between(server_before, server_after)
    pg_cpu = cpu.cpu_between(pg_before, pg_after)
    rss = {str(pid): round(peak / 2**20, 1) for pid, peak in sorted(sampler.peak.items())}
    return result, server_cpu, pg_cpu, rss

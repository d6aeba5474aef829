"""The e-book side by side with PostGraphile v4 and v5, on one seeded database, in one run.

    scripts/bench [--database bhxh_bench_100k] [--persons 100000] [--rounds 3] [--duration 15]
                  [--warmup 5] [--concurrency 1 8 32] [--entry-points person me entities1 entities50]
                  [--label …] [--out bench/results/side-by-side-DATE.md]

(scripts/bench installs wrk, the peers and the venv, then runs `python -m bench.side_by_side`.)
Creates and seeds the database when missing, starts this project (`bhxh serve`, BHXH_ENV=prod,
2 workers), PostGraphile v5 and v4 (2 node cluster workers each), checks that they return the
same rows for a sample of persons, then runs wrk against each entry point and its peer
equivalents, interleaved (ours, v5, v4, ours, v5, v4 …) for R rounds, accounting CPU for the
servers' processes and PostgreSQL's backends. Writes a markdown file and the raw JSON beside it.
"""

import argparse
import json
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench.sidebyside import database, load, metrics, report, servers, verify
from bench.sidebyside.workloads import (
    ENTRY_POINTS,
    ROOT,
    Workload,
    keys_file,
    ours,
    peer,
    workload_file,
)
from db.urls import libpq_conninfo
from graph.authz.policy import OFFICER_SCOPES
from graph.authz.principal import Role

LOCAL = "postgresql://postgres@127.0.0.1:5432/postgres"

NOTES = [
    "Each server runs 2 processes: this project `bhxh serve --workers 2` (SO_REUSEPORT listeners),"
    " or one process where this checkout's `bhxh serve` has no `--workers` (the configuration says"
    " which); each peer a node cluster of 2 workers. This project serves as in production:"
    " BHXH_ENV=prod (limits on, errors masked, the access log written), tokens signed by a key"
    " whose JWKS the harness serves on loopback.",
    "All three connect as the runtime role `bhxh_runtime` (reads every table); the peers with"
    " PostgreSQL's defaults, this project with its own session settings (JIT off, timeouts).",
    "Peers: PostGraphile v5 with the amber preset, PgIndexBehaviorsPlugin off (conditions on every"
    " column, as v4's default) and no GraphiQL; v4 in library mode, no GraphiQL or query log."
    " Their documents are bench/peers/queries/ebook.v*.graphql: the same rows and columns;"
    " what this project derives from them (scheme totals, months, current card) they do not.",
    "Load: wrk with bench/wrk/ebook.lua, one thread, a random person per request (50 per"
    " 50-book request) from a sample of Finance-managed persons; `me` uses each person's own"
    " citizen token; `person`, `_entities` an officer with every scope. Every run is preceded by"
    " an untimed warm-up of the same workload. A response other than HTTP 200, or with `errors`,"
    " makes the run invalid (excluded from the medians, flagged in the table).",
    "CPU: utime+stime from /proc/<pid>/stat of the server's whole process tree, and of the"
    " PostgreSQL backends connected to the benchmark database, before and after each timed run;"
    " CPU ms per book = (server + PostgreSQL) / books. WAL writer, checkpointer and wrk itself"
    " are not counted; wrk shares the two cores with the servers and PostgreSQL.",
    "The peer runs paired with an entry point are that round's runs of the peers' equivalent"
    " (one book: personByIdentificationNumber; 50 books: 50 aliased ones), run right after it.",
    "wrk counts the requests that complete within a run: at the end up to c requests are cut"
    " off, which weighs on the 50-book runs (hence their longer duration) alike for each server.",
    "SQL statements per request: this project's own `bhxh_graphql_sql_statements` histogram on"
    " /metrics, before and after the run (the access-log insert included). The peers are not"
    " instrumented; v5 and v4 send one statement per root field.",
]


@dataclass(frozen=True)
class Ports:
    ours: int
    v5: int
    v4: int
    jwks: int


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--server-url", default=LOCAL, help="a PostgreSQL server URL as its superuser (trust auth)"
    )
    parser.add_argument("--database", default=None, help="default: bhxh_bench_<persons>")
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per timed run")
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="seconds of untimed load before each run"
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument(
        "--concurrency-50",
        type=int,
        nargs="+",
        default=[1, 8],
        help="concurrency of the 50-book requests (at 32, 1,600 books are in flight at once)",
    )
    parser.add_argument(
        "--duration-50",
        type=float,
        default=30.0,
        help="seconds per timed 50-book run: a request takes seconds under load, and wrk counts"
        " only the requests that complete in the run",
    )
    parser.add_argument(
        "--entry-points", nargs="+", choices=list(ENTRY_POINTS), default=list(ENTRY_POINTS)
    )
    parser.add_argument("--workers", type=int, default=2, help="processes per server")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument(
        "--load-persons", type=int, default=2000, help="persons the load picks from"
    )
    parser.add_argument(
        "--verify-persons", type=int, default=40, help="persons compared before timing"
    )
    parser.add_argument("--port-base", type=int, default=18400)
    parser.add_argument("--label", default="Full run")
    parser.add_argument(
        "--out", type=Path, default=None, help="markdown file; the JSON goes beside it"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = _args(argv)
    name = args.database or f"bhxh_bench_{args.persons}"
    date = time.strftime("%Y-%m-%d")
    out = args.out or ROOT / "bench" / "results" / f"side-by-side-{date}.md"
    work = ROOT / "bench" / "out" / time.strftime("%Y%m%d-%H%M%S")
    work.mkdir(parents=True, exist_ok=True)
    ports = Ports(args.port_base, args.port_base + 5, args.port_base + 4, args.port_base + 9)
    if not servers.have_wrk():
        raise SystemExit("wrk is missing: scripts/bench installs it")

    owner = database.ensure(args.server_url, name, args.persons, args.seed)
    runtime = database.runtime_url(owner)
    ministry = max(2, args.verify_persons // 10)
    check_finance, check_hidden = database.sample(
        owner,
        finance=args.verify_persons - ministry,
        ministry=ministry,
        seed=args.seed,
        salt="verify",
    )
    load_persons, _ = database.sample(
        owner, finance=args.load_persons, ministry=0, seed=args.seed, salt="load"
    )

    provider = servers.IdentityProvider(ports.jwks)
    officer = provider.mint(Role.OFFICER, "bench-officer", scopes=sorted(OFFICER_SCOPES))
    tokens = {p: provider.mint(Role.CITIZEN, p) for p in {*load_persons, *check_finance}}
    keys_path = work / "persons.tsv"
    keys_path.write_text(keys_file((p, tokens[p]) for p in load_persons))

    workers = args.workers if servers.supports_workers() else None
    workers_note = (
        f"`bhxh serve --workers {workers}`"
        if workers
        else "`bhxh serve` (no --workers in this checkout: ONE process)"
    )
    processes = {
        "ours": servers.start_ours(
            port=ports.ours, workers=workers, owner_url=owner, runtime_url=runtime,
            provider=provider, data_dir=work / "data", log=work / "ours.log",
        ),
        "v5": servers.start_peer("v5", port=ports.v5, workers=args.workers, database_url=runtime, log=work / "v5.log"),
        "v4": servers.start_peer("v4", port=ports.v4, workers=args.workers, database_url=runtime, log=work / "v4.log"),
    }  # fmt: skip
    backends = load.Backends(libpq_conninfo(args.server_url), name)
    try:
        for process in processes.values():
            servers.wait_ready(process)
        urls = {s: p.url for s, p in processes.items()}
        # Every entry point's workload is checked before timing, whichever ones are timed.
        workloads: dict[tuple[str, str], Workload] = {}
        for entry in ENTRY_POINTS:
            workloads[("ours", entry)] = ours(ENTRY_POINTS[entry], officer)
        for books in sorted({e.books for e in ENTRY_POINTS.values()}):
            for server in ("v5", "v4"):
                workloads[(server, f"book{books}")] = peer(server, books)
        for (server, wname), workload in workloads.items():
            (work / f"{server}-{wname}.workload").write_text(workload_file(workload))

        print(f"checking rows for {args.verify_persons} persons …", flush=True)
        checked = verify.verify(
            urls=urls, sample=check_finance + check_hidden, finance=check_finance,
            workloads=list(workloads.values()), tokens=tokens,
        )  # fmt: skip
        (work / "verify.json").write_text(
            json.dumps(checked.as_json(), indent=1, ensure_ascii=False)
        )
        if not checked.ok:
            print(
                json.dumps(checked.as_json(), indent=1, ensure_ascii=False)[:6000], file=sys.stderr
            )
            raise SystemExit(f"the servers disagree: nothing timed; see {work / 'verify.json'}")

        print(f"reading the {len(load_persons)} load persons' books once …", flush=True)
        verify.warm(urls["v5"], workloads[("v5", "book50")], load_persons, tokens)

        runs: list[load.Run] = []
        for round_ in range(1, args.rounds + 1):
            for connections in sorted({*args.concurrency, *args.concurrency_50}):
                for entry in _entries_at(args, connections):
                    books = ENTRY_POINTS[entry].books
                    for server, wname in (
                        ("ours", entry),
                        ("v5", f"book{books}"),
                        ("v4", f"book{books}"),
                    ):
                        run = _run(
                            args, work, processes[server], backends, keys_path,
                            server, wname, entry, books, connections, round_,
                        )  # fmt: skip
                        runs.append(run)
                        print(
                            f"round {round_} c={connections} {entry:<10} {server:<4} {run.books_per_s:8.1f} books/s"
                            f"  p50 {run.p50_ms:7.1f} ms  p99 {run.p99_ms:7.1f} ms"
                            f"  cpu {run.cpu_ms_per_book:6.2f} ms/book  errors {run.errors}"
                            + ("" if run.valid else "  INVALID"),
                            flush=True,
                        )
    finally:
        for process in processes.values():
            process.stop()
        backends.close()
        provider.close()

    with psycopg.connect(libpq_conninfo(owner)) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    machine = report.machine(
        str(row[0]) if row else "?", servers.node_version(),
        {s: servers.peer_version(s) for s in ("v4", "v5")}, workers_note,
    )  # fmt: skip
    config = {
        "date": date,
        "database": f"{name}: {args.persons:,} persons (`bhxh seed --persons {args.persons} --seed {args.seed}`)",
        "rounds": args.rounds,
        "timed seconds per run": (
            f"{args.duration:g}; 50-book runs {args.duration_50:g} (each after {args.warmup:g} s of warm-up)"
        ),
        "concurrency (wrk connections)": (
            f"{', '.join(map(str, args.concurrency))}; 50-book requests"
            f" {', '.join(map(str, args.concurrency_50))}"
        ),
        "entry points": ", ".join(args.entry_points),
        "processes per server": f"{args.workers} (this project: {workers_note})",
        "persons the load picks from": f"{len(load_persons):,} Finance-managed, at random",
    }
    command = "scripts/bench " + shlex.join(argv if argv is not None else sys.argv[1:])
    title = "The e-book side by side: this project, PostGraphile v5 and v4"
    text = report.markdown(
        title=title, label=args.label, command=command, config=config, machine_info=machine,
        verification=checked.as_json(), runs=runs, notes=NOTES,
    )  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    raw = {
        "label": args.label, "command": command, "config": config, "machine": machine,
        "verification": checked.as_json(), "runs": [r.as_json() for r in runs],
    }  # fmt: skip
    out.with_suffix(".json").write_text(json.dumps(raw, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {out} and {out.with_suffix('.json').name}")


def _entries_at(args: argparse.Namespace, connections: int) -> list[str]:
    """The entry points timed at this concurrency: 50-book requests at --concurrency-50's."""
    return [
        e
        for e in args.entry_points
        if connections in (args.concurrency_50 if ENTRY_POINTS[e].books > 1 else args.concurrency)
    ]


def _seconds(args: argparse.Namespace, books: int) -> float:
    return float(args.duration_50 if books > 1 else args.duration)


def _run(
    args: argparse.Namespace, work: Path, process: servers.Process, backends: load.Backends,
    keys_path: Path, server: str, wname: str, entry: str, books: int, connections: int, round_: int,
) -> load.Run:  # fmt: skip
    workload_path = work / f"{server}-{wname}.workload"
    if args.warmup > 0:
        load.wrk(
            process.url, workload_path, keys_path, connections=connections, seconds=args.warmup,
            seed=round_ * 7919 + connections, threads=args.wrk_threads,
        )  # fmt: skip
    before = metrics.scrape(process.url) if server == "ours" else None
    result, server_cpu, pg_cpu, rss = load.timed_run(
        url=process.url, root=process.pid, backends=backends, workload_path=workload_path,
        keys_path=keys_path, connections=connections, seconds=_seconds(args, books),
        seed=round_ * 104729 + connections, threads=args.wrk_threads,
    )  # fmt: skip
    after = metrics.scrape(process.url) if server == "ours" else None
    statements = metrics.per_request(before, after)
    latency = result.latency_us
    return load.Run(
        round=round_, connections=connections, entry=entry, server=server, workload=wname,
        books_per_request=books, seconds=result.duration_us / 1e6, requests=result.requests,
        errors=result.errors, bad_sample=result.bad_sample,
        p50_ms=latency["p50"] / 1000, p90_ms=latency["p90"] / 1000, p99_ms=latency["p99"] / 1000,
        server_cpu_s=round(server_cpu, 3), pg_cpu_s=round(pg_cpu, 3), rss_mb=rss,
        statements_per_request=statements[0] if statements else None,
        sent_per_request=statements[1] if statements else None,
    )  # fmt: skip


if __name__ == "__main__":
    main()

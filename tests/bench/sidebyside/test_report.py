"""The results file: the medians, the ratio per round, and the targets met or missed."""

from bench.sidebyside import report
from bench.sidebyside.load import Run


def _run(server: str, round_: int, requests: int, *, entry: str = "person", errors: int = 0) -> Run:
    books = 50 if entry == "entities50" else 1
    return Run(
        round=round_, connections=8, entry=entry, server=server,
        workload=entry if server == "ours" else f"book{books}", books_per_request=books,
        seconds=10.0, requests=requests, errors=errors, bad_sample="", p50_ms=20.0, p90_ms=30.0,
        p99_ms=40.0 if server == "ours" else 50.0, server_cpu_s=requests * books * 0.004,
        pg_cpu_s=requests * books * 0.001, rss_mb={"11": 150.0},
        statements_per_request=19.0 if server == "ours" else None,
        sent_per_request=4.5 if server == "ours" else None,
    )  # fmt: skip


RUNS = [
    _run("ours", 1, 1000), _run("v5", 1, 2000), _run("v4", 1, 1500),
    _run("ours", 2, 1100), _run("v5", 2, 1000), _run("v4", 2, 1200, errors=3),
]  # fmt: skip


def test_targets_compare_the_medians_with_the_faster_peer() -> None:
    lines = report.targets(report.groups(RUNS))

    # ours 105 books/s, v5 150, v4 150 (its invalid run left out): v5 is taken on a tie.
    assert lines[0] == "books/s, person at c=8: 105 vs v5 150 — missed: 0.70×"
    assert lines[1] == "CPU per book, person at c=8: 5.0 ms vs v5 5.0 ms — met"
    assert lines[2] == "p99, person at c=8: 40.0 ms vs v5 50.0 ms — met"
    assert lines[-1] == "RSS per process under load: at most 150 MB (≤ 300 MB: met)"


def test_the_markdown_has_a_ratio_per_round_and_flags_an_invalid_run() -> None:
    text = report.markdown(
        title="T", label="Smoke run", command="scripts/bench", config={"rounds": 2},
        machine_info={"CPUs (nproc)": "2"},
        verification={
            "persons": 2, "peers_differences": [], "entry_point_differences": [],
            "workload_failures": [],
            "rows": {"compared": 2, "differences": [], "hidden_persons": ["079"], "hidden_links": 0},
        },
        runs=RUNS, notes=["n"],
    )  # fmt: skip

    assert "| 1 | 8 | person | ours (person) | 100.0 |" in text
    assert text.count("0.50× | 0.67× |") == 1  # round 1: 100 against 200 and 150
    assert "**3 (invalid)**" in text
    assert "| 19.0 | 4.5 | 0 | 0.50× | 0.67× |" in text  # asked for, and run by PostgreSQL
    assert text.count("| 19.0 | 4.5 |") == 3  # the summary's median and both rounds
    assert "hidden by the ministry rule, as they must be (079)" in text

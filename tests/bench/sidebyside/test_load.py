"""wrk's result line, and what a run's figures make of it."""

import pytest

from bench.sidebyside import load

LINE = (
    'WRK_JSON {"requests": 300, "duration_us": 10000000, "bytes": 999, "connect_errors": 0,'
    ' "read_errors": 0, "write_errors": 0, "status_errors": 0, "timeouts": 0, "bad_bodies": 0,'
    ' "latency_us": {"mean": 26000.5, "max": 90000, "p50": 25000, "p90": 40000, "p99": 80000}}'
)


def test_reads_the_line_the_lua_script_writes() -> None:
    result = load.parse_wrk("Running 10s test @ http://x\n" + LINE + "\n")

    assert result.requests == 300 and result.errors == 0 and result.bad_sample == ""
    assert result.latency_us["p99"] == 80000


def test_a_bad_response_counts_and_is_sampled() -> None:
    output = (
        LINE.replace('"bad_bodies": 0', '"bad_bodies": 2') + '\nWRK_BAD_SAMPLE 200 {"errors": []}\n'
    )

    result = load.parse_wrk(output)

    assert result.errors == 2 and result.bad_sample == '200 {"errors": []}'


def test_no_result_line_is_an_error() -> None:
    with pytest.raises(RuntimeError):
        load.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def _run(**changes: object) -> load.Run:
    figures: dict[str, object] = {
        "round": 1, "connections": 8, "entry": "entities50", "server": "ours",
        "workload": "entities50", "books_per_request": 50, "seconds": 10.0, "requests": 20,
        "errors": 0, "bad_sample": "", "p50_ms": 400.0, "p90_ms": 450.0, "p99_ms": 500.0,
        "server_cpu_s": 4.0, "pg_cpu_s": 1.0, "rss_mb": {"1": 120.0},
    }  # fmt: skip
    return load.Run(**{**figures, **changes})  # type: ignore[arg-type]


def test_books_and_cpu_per_book_count_every_book_of_a_request() -> None:
    run = _run()

    assert run.books == 1000 and run.books_per_s == pytest.approx(100.0)
    assert run.cpu_ms_per_book == pytest.approx(5.0)
    assert run.valid


def test_a_run_with_errors_is_invalid() -> None:
    assert not _run(errors=1).valid
    assert not _run(requests=0).valid

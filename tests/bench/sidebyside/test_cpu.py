"""CPU and memory accounting from /proc/<pid>/stat lines."""

from pathlib import Path

import pytest

from bench.sidebyside import cpu


def _line(pid: int, comm: str, ppid: int, utime: int, stime: int, rss: int) -> str:
    # Fields 3… of proc(5): state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt,
    # majflt, cmajflt, utime, stime, cutime, cstime, priority, nice, num_threads, itrealvalue,
    # starttime, vsize, rss, …
    rest = [
        "S", ppid, 1, 1, 0, -1, 4194304, 10, 0, 0, 0, utime, stime, 999, 999,
        20, 0, 1, 0, 5000, 123456, rss, 0,
    ]  # fmt: skip
    return f"{pid} ({comm}) " + " ".join(str(v) for v in rest) + "\n"


def test_reads_cpu_ticks_parent_and_rss_after_a_command_name_with_spaces_and_parentheses() -> None:
    stat = cpu.parse_stat(_line(42, "node (worker) 1", 7, 150, 50, 2560))

    assert (stat.pid, stat.ppid, stat.ticks, stat.rss_pages) == (42, 7, 200, 2560)
    # Children's cutime/cstime (999) are not this process's work.
    assert stat.cpu_seconds == pytest.approx(200 / cpu.TICKS_PER_SECOND)
    assert stat.rss_bytes == 2560 * cpu.PAGE_BYTES


def test_reads_this_process_from_proc() -> None:
    import os

    stat = cpu.read_stat(os.getpid())

    assert stat is not None and stat.pid == os.getpid() and stat.ppid == os.getppid()
    assert stat.rss_pages > 0


def test_a_vanished_process_reads_as_none(tmp_path: Path) -> None:
    assert cpu.read_stat(12345, proc=tmp_path) is None


def test_tree_is_the_root_and_its_descendants_only() -> None:
    stats = {
        s.pid: s
        for s in (
            cpu.parse_stat(_line(10, "bhxh", 1, 5, 5, 100)),
            cpu.parse_stat(_line(11, "worker", 10, 100, 20, 300)),
            cpu.parse_stat(_line(12, "worker", 10, 90, 30, 310)),
            cpu.parse_stat(_line(13, "thread-ish", 12, 1, 1, 10)),
            cpu.parse_stat(_line(20, "postgres", 1, 500, 500, 900)),
        )
    }

    found = cpu.tree(10, stats)

    assert sorted(found) == [10, 11, 12, 13]
    assert cpu.workers(found, 10) == [11, 12, 13]
    assert cpu.workers(cpu.tree(20, stats), 20) == [20]


def test_cpu_between_counts_new_processes_from_zero() -> None:
    before = {1: cpu.parse_stat(_line(1, "a", 0, 100, 0, 1))}
    after = {
        1: cpu.parse_stat(_line(1, "a", 0, 160, 40, 1)),
        2: cpu.parse_stat(_line(2, "b", 1, 30, 20, 1)),
    }

    assert cpu.cpu_between(before, after) == pytest.approx(150 / cpu.TICKS_PER_SECOND)

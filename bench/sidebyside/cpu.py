"""CPU seconds and resident memory of processes, from /proc/<pid>/stat.

A server is its process tree (uvicorn workers under `bhxh serve`, node's cluster under its
primary); PostgreSQL's share is the backends connected to the benchmark's database. Both are read
before and after a run: the difference is the CPU the run cost them.
"""

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class ProcStat:
    pid: int
    ppid: int
    ticks: int
    """utime + stime: CPU spent by this process itself (its exited children not included)."""
    rss_pages: int

    @property
    def cpu_seconds(self) -> float:
        return self.ticks / TICKS_PER_SECOND

    @property
    def rss_bytes(self) -> int:
        return self.rss_pages * PAGE_BYTES


def parse_stat(line: str) -> ProcStat:
    """One /proc/<pid>/stat line. The command name (field 2) is in parentheses and may itself
    hold spaces and parentheses, so fields are counted from the last ')'."""
    pid, _, rest = line.partition(" ")
    fields = rest[rest.rindex(")") + 2 :].split()
    # fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15, rss 24.
    return ProcStat(
        pid=int(pid),
        ppid=int(fields[1]),
        ticks=int(fields[11]) + int(fields[12]),
        rss_pages=int(fields[21]),
    )


def read_stat(pid: int, proc: Path = Path("/proc")) -> ProcStat | None:
    try:
        return parse_stat((proc / str(pid) / "stat").read_text())
    except (FileNotFoundError, ProcessLookupError):
        return None


def all_stats(proc: Path = Path("/proc")) -> dict[int, ProcStat]:
    stats = {}
    for entry in proc.iterdir():
        if entry.name.isdigit() and (stat := read_stat(int(entry.name), proc)) is not None:
            stats[stat.pid] = stat
    return stats


def tree(root: int, stats: Mapping[int, ProcStat]) -> dict[int, ProcStat]:
    """`root` and all its descendants among `stats`."""
    children: dict[int, list[int]] = {}
    for stat in stats.values():
        children.setdefault(stat.ppid, []).append(stat.pid)
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in stats and pid not in found:
            found[pid] = stats[pid]
            todo.extend(children.get(pid, ()))
    return found


def cpu_between(before: Mapping[int, ProcStat], after: Mapping[int, ProcStat]) -> float:
    """CPU seconds the processes spent between two readings. A process that appeared in between
    counts from zero; one that vanished is lost (its final CPU went to its parent's cutime)."""
    ticks = 0
    for pid, stat in after.items():
        previous = before.get(pid)
        ticks += stat.ticks - (previous.ticks if previous is not None else 0)
    return ticks / TICKS_PER_SECOND


def workers(processes: Mapping[int, ProcStat], root: int) -> list[int]:
    """The processes that serve: the root's descendants when it has any (a supervisor or cluster
    primary only hands out work), else the root itself."""
    others = [pid for pid in processes if pid != root]
    return sorted(others) if others else [root]


def stats_of(pids: Iterable[int]) -> dict[int, ProcStat]:
    return {s.pid: s for pid in pids if (s := read_stat(pid)) is not None}

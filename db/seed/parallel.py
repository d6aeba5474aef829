"""Chunks built in a pool of worker processes, delivered in chunk order.

Each worker builds a whole chunk on its own, then needs the row counts of all earlier chunks to
number its rows (see chunk.py). Workers publish their counts in shared memory as soon as a chunk
is built and wait only for the counts of earlier chunks, which were handed out first and so are
already being built. The result is the same, byte for byte, as building the chunks one by one.
"""

import multiprocessing
import time
from collections import deque
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import date
from multiprocessing.pool import AsyncResult
from multiprocessing.sharedctypes import SynchronizedArray
from typing import Any

from db.seed import common
from db.seed.chunk import CHUNK_PERSONS, NUMBERED, build_chunk, render
from db.seed.employers import EmployerIndex

# (persons in the chunk, rows per numbered table, COPY payload per table)
ChunkResult = tuple[int, tuple[int, ...], list[tuple[str, bytes]]]

_STRIDE = len(NUMBERED) + 1  # per chunk: a "counts published" flag, then the counts
_WAIT_LIMIT_SECONDS = 600.0


def chunk_sizes(persons: int) -> list[int]:
    full, rest = divmod(persons, CHUNK_PERSONS)
    return [CHUNK_PERSONS] * full + ([rest] if rest else [])


def generate(
    seed: int, persons: int, employers: EmployerIndex, workers: int, today: date
) -> Generator[ChunkResult, None, None]:
    """Chunks built as of `today` (the seed's "today", set in this process and every worker)."""
    sizes = chunk_sizes(persons)
    common.set_today(today)
    if workers <= 1 or len(sizes) <= 1:
        yield from _in_process(seed, sizes, employers)
    else:
        yield from _in_pool(seed, sizes, employers, workers, today)


def _in_process(seed: int, sizes: list[int], employers: EmployerIndex) -> Iterator[ChunkResult]:
    next_ids = [1] * len(NUMBERED)
    for chunk, size in enumerate(sizes):
        rows = build_chunk(seed, chunk, size, employers)
        counts = rows.counts()
        yield size, counts, render(rows, dict(zip(NUMBERED, next_ids, strict=True)))
        next_ids = [i + n for i, n in zip(next_ids, counts, strict=True)]


def _in_pool(
    seed: int, sizes: list[int], employers: EmployerIndex, workers: int, today: date
) -> Iterator[ChunkResult]:
    # spawn, not fork: the parent may hold threads (progress bar) and a database connection.
    context = multiprocessing.get_context("spawn")
    shared = context.RawArray("q", len(sizes) * _STRIDE)
    pool = context.Pool(
        workers, initializer=_start_worker, initargs=(seed, sizes, employers, shared, today)
    )
    try:
        pending: deque[AsyncResult[ChunkResult]] = deque()
        submitted = 0
        # Bounded look-ahead keeps memory flat when the database is slower than the workers.
        while submitted < len(sizes) and len(pending) < 2 * workers:
            pending.append(pool.apply_async(_build, (submitted,)))
            submitted += 1
        while pending:
            result = pending.popleft().get()
            if submitted < len(sizes):
                pending.append(pool.apply_async(_build, (submitted,)))
                submitted += 1
            yield result
        pool.close()
    finally:
        pool.terminate()
        pool.join()


@dataclass(slots=True)
class _Worker:
    seed: int
    sizes: list[int]
    employers: EmployerIndex
    shared: Any  # a RawArray of C long long
    summed: int = 0  # counts of chunks [0, summed) are in `next_ids`
    next_ids: list[int] | None = None

    def first_ids(self, chunk: int) -> list[int]:
        """The first id of each numbered table for `chunk`, once all earlier chunks are counted."""
        if self.next_ids is None or chunk < self.summed:
            self.summed, self.next_ids = 0, [1] * len(NUMBERED)
        deadline = time.monotonic() + _WAIT_LIMIT_SECONDS
        while self.summed < chunk:
            at = self.summed * _STRIDE
            if not self.shared[at]:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"chunk {self.summed} never reported its row counts")
                time.sleep(0.001)
                continue
            for i in range(len(NUMBERED)):
                self.next_ids[i] += self.shared[at + 1 + i]
            self.summed += 1
        return list(self.next_ids)


_worker: _Worker | None = None


def _start_worker(
    seed: int,
    sizes: list[int],
    employers: EmployerIndex,
    shared: "SynchronizedArray[int]",
    today: date,
) -> None:
    global _worker
    common.set_today(today)  # a spawned worker starts from the module's default
    _worker = _Worker(seed, sizes, employers, shared)


def _build(chunk: int) -> ChunkResult:
    worker = _worker
    assert worker is not None, "pool worker not initialised"
    rows = build_chunk(worker.seed, chunk, worker.sizes[chunk], worker.employers)
    counts = rows.counts()
    at = chunk * _STRIDE
    for i, n in enumerate(counts):
        worker.shared[at + 1 + i] = n
    worker.shared[at] = 1  # after the counts: readers trust the counts once they see the flag
    first_ids = worker.first_ids(chunk)
    return worker.sizes[chunk], counts, render(rows, dict(zip(NUMBERED, first_ids, strict=True)))

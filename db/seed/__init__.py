"""Deterministic synthetic data for the National Insurance Database (`bhxh seed`).

The same number of persons, seed and "today" give byte-identical data. Persons are generated in
chunks of 1,000, each from its own random stream, by a pool of worker processes, and streamed
into PostgreSQL with COPY in chunk order; memory stays flat whatever the size. DOMAIN.md §7
describes what the data looks like.
"""

import logging
import os
import sys
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, fields
from datetime import date
from typing import Never

import psycopg
from psycopg.rows import TupleRow
from tqdm import tqdm

from db.bhyt_rules import today as vietnam_today
from db.seed import common, copy, load
from db.seed.chunk import CHUNK_PERSONS
from db.seed.employers import build_employers
from db.seed.identity import MAX_CHUNKS
from db.seed.load import SeedError
from db.seed.parallel import chunk_sizes, generate
from db.seed.reference import FACILITIES, OFFICES

__all__ = ["EARLIEST_TODAY", "SeedError", "SeedSummary", "seed_database"]

# The rate, wage and card timelines the generators follow are coded up to 2026.
EARLIEST_TODAY = date(2026, 1, 1)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SeedSummary:
    """Rows the seed wrote, per table, and how long it took."""

    persons: int
    households: int
    household_members: int
    relatives: int
    employers: int
    social_insurance: int
    contribution_periods: int
    benefits: int
    unemployment_benefits: int
    health_insurance_cards: int
    medical_visits: int
    social_insurance_offices: int
    health_facilities: int
    elapsed_seconds: float

    @property
    def rows(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self) if f.name != "elapsed_seconds")


def seed_database(
    conninfo: str,
    *,
    persons: int,
    seed: int = 1,
    progress: bool = True,
    workers: int | None = None,
    today: date | None = None,
) -> SeedSummary:
    """Fill an empty, migrated database with `persons` synthetic persons and all they own.

    `today` is the seed's "today" (default: today in Vietnam): nothing is dated after it, rows
    and cards in force on it stay open, so demo data is current whenever it is seeded. The same
    seed and `today` give byte-identical data. `workers` processes generate the data (default:
    one per CPU). Raises SeedError when the database already holds data.
    """
    if persons < 1:
        raise ValueError("persons must be at least 1")
    today = today or vietnam_today()
    if today < EARLIEST_TODAY:
        raise ValueError(f"today must be {EARLIEST_TODAY.isoformat()} or later")
    common.set_today(today)
    if len(chunk_sizes(persons)) > MAX_CHUNKS:
        raise SeedError(f"at most {MAX_CHUNKS * CHUNK_PERSONS:,} persons can be seeded")
    started = time.perf_counter()
    workers = workers if workers is not None else os.cpu_count() or 1
    with psycopg.connect(conninfo) as conn:
        load.refuse_unless_empty(conn)
        bar = tqdm(
            total=persons, unit=" persons", file=sys.stderr, disable=not progress, smoothing=0.1
        )
        with bar:
            load.insert_reference_rows(conn)
            deferred = load.defer_constraints(conn)
            rows = _copy_rows(conn, seed, persons, workers, bar, today)
            loaded = time.perf_counter()
            bar.set_postfix_str("indexes and foreign keys")
            load.restore_constraints(conn, deferred)
            load.reset_sequences(conn)
            conn.commit()
            restored = time.perf_counter()
            bar.set_postfix_str("analyze")
            conn.autocommit = True
            load.analyze(conn)
            bar.set_postfix_str("done")
    elapsed = time.perf_counter() - started
    log.info(
        "seeded %d rows in %.1f s: copy %.1f s, indexes and foreign keys %.1f s, analyze %.1f s",
        sum(rows.values()),
        elapsed,
        loaded - started,
        restored - loaded,
        started + elapsed - restored,
    )
    return SeedSummary(
        persons=rows["person"],
        households=rows["household"],
        household_members=rows["household_member"],
        relatives=rows["relative"],
        employers=rows["employer"],
        social_insurance=rows["social_insurance"],
        contribution_periods=rows["contribution_period"],
        benefits=rows["benefit"],
        unemployment_benefits=rows["unemployment_benefit"],
        health_insurance_cards=rows["health_insurance_card"],
        medical_visits=rows["medical_visit"],
        social_insurance_offices=len(OFFICES),
        health_facilities=len(FACILITIES),
        elapsed_seconds=elapsed,
    )


def _copy_rows(
    conn: psycopg.Connection[TupleRow],
    seed: int,
    persons: int,
    workers: int,
    bar: "tqdm[Never]",
    today: date,
) -> Counter[str]:
    """Employers, then every chunk of persons in order; rows written per table."""
    rows: Counter[str] = Counter()
    employer_lines, employers = build_employers(seed, persons)
    with conn.cursor() as cursor:
        copy.write(cursor, "employer", "".join(f"{line}\n" for line in employer_lines).encode())
        rows["employer"] = len(employer_lines)
        with closing(generate(seed, persons, employers, workers, today)) as chunks:
            for size, _, payloads in chunks:
                for table, data in payloads:
                    copy.write(cursor, table, data)
                    rows[table] += data.count(b"\n")
                bar.update(size)
    return rows

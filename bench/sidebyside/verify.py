"""Before anything is timed: the servers return the same rows for a sample of persons.

v4 and v5 must return the same whole response (`rows.same_response`); this project's books, read
by an officer with every scope, must hold the peer's row keys, except where the ministry rule hides
a person (`rows.compare`). This project's three entry points must agree with each other, and
every workload's document must answer without errors before wrk sends it thousands of times.
"""

from dataclasses import dataclass, field
from itertools import cycle, islice
from typing import Any

import httpx

from bench.sidebyside import rows as book_rows
from bench.sidebyside.workloads import KEY, Workload, fill

Json = dict[str, Any]


def post(url: str, authorization: str, body: str) -> tuple[int, Json]:
    headers = {"Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    response = httpx.post(url, content=body.encode(), headers=headers, timeout=60)
    return response.status_code, response.json()


@dataclass
class Verification:
    persons: int = 0
    peers_differences: list[str] = field(default_factory=list)
    rows: book_rows.Comparison = field(default_factory=book_rows.Comparison)
    entry_point_differences: list[str] = field(default_factory=list)
    workload_failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.peers_differences or self.rows.differences
            or self.entry_point_differences or self.workload_failures
        )  # fmt: skip

    def as_json(self) -> Json:
        return {
            "persons": self.persons,
            "ok": self.ok,
            "peers_differences": self.peers_differences[:50],
            "rows": {
                "compared": self.rows.compared,
                "hidden_persons": self.rows.hidden_persons,
                "hidden_links": self.rows.hidden_links,
                "differences": self.rows.differences[:50],
            },
            "entry_point_differences": self.entry_point_differences[:50],
            "workload_failures": self.workload_failures[:50],
        }


def _one(url: str, workload: Workload, person: str, tokens: dict[str, str]) -> tuple[int, Json]:
    authorization, body = fill(workload, [person], tokens)
    return post(url, authorization, body)


def batches(persons: list[str], size: int) -> list[list[str]]:
    """`persons` in batches of `size`, every one of them at least once; the last batch is
    filled up from the start, since a document holds exactly `size` keys."""
    return [list(islice(cycle(persons), i, i + size)) for i in range(0, len(persons), size)]


def warm(url: str, workload: Workload, persons: list[str], tokens: dict[str, str]) -> None:
    """Every person's book read once, `workload`'s number of books a request, before anything is
    timed: whichever server first reads a person not read before pays the reads from disk
    (~100 MB per 2,000 books on the 2-core machine, whose page cache keeps ~1.5 GB) that the
    others then find in memory, which made each round 1 of 50 books a measure of the disk."""
    for chunk in batches(persons, workload.body.count(KEY) or 1):
        authorization, body = fill(workload, chunk, tokens)
        status, answer = post(url, authorization, body)
        if status != 200 or answer.get("errors"):
            raise SystemExit(f"warming the database failed: {status} {answer.get('errors')}")


def verify(
    *, urls: dict[str, str], sample: list[str], finance: list[str], workloads: list[Workload],
    tokens: dict[str, str],
) -> Verification:  # fmt: skip
    """`sample` is every person compared (ministry-managed ones among them), `finance` the ones
    an officer may read; `workloads` holds one single-book workload per server and entry point
    (`person`, `me`, `entities1`, `book1`) and the 50-book ones."""
    result = Verification(persons=len(sample))
    by_name = {(w.server, w.name): w for w in workloads}
    peer_books: dict[str, dict[str, Json | None]] = {"v4": {}, "v5": {}}
    for person in sample:
        answers = {}
        for server in ("v4", "v5"):
            status, answer = _one(urls[server], by_name[(server, "book1")], person, tokens)
            if status != 200 or answer.get("errors"):
                result.peers_differences.append(
                    f"{person}: {server} answered {status} {answer.get('errors')}"
                )
            answers[server] = answer
            peer_books[server][person] = (answer.get("data") or {}).get("book")
        result.peers_differences += [
            f"{person}: {d}" for d in book_rows.same_response(answers["v4"], answers["v5"])
        ]

    ours_books: dict[str, Json | None] = {}
    for person in sample:
        status, answer = _one(urls["ours"], by_name[("ours", "person")], person, tokens)
        book = (answer.get("data") or {}).get("person")
        codes = {(e.get("extensions") or {}).get("code") for e in answer.get("errors") or []}
        if (
            status != 200
            or (book is None and codes != {"NOT_FOUND"})
            or (book is not None and codes)
        ):
            result.entry_point_differences.append(f"{person}: person answered {status} {codes}")
        ours_books[person] = book
    result.rows = book_rows.compare(sample, ours_books, peer_books["v5"])

    # The other entry points give the officer's `person` answer (`me`: the rows; a citizen's
    # view of linked persons is not the officer's).
    readable = [p for p in finance if ours_books.get(p) is not None]
    for person in readable[:10]:
        for name in ("entities1", "me"):
            status, answer = _one(urls["ours"], by_name[("ours", name)], person, tokens)
            data = answer.get("data") or {}
            book = (
                data["_entities"][0]
                if name == "entities1" and data.get("_entities")
                else data.get("me")
            )
            if status != 200 or answer.get("errors") or book is None:
                result.entry_point_differences.append(
                    f"{person}: {name} answered {status} {answer.get('errors')}"
                )
                continue
            if name == "entities1" and book != ours_books[person]:
                result.entry_point_differences.append(f"{person}: _entities differs from person")
            mine, theirs = book_rows.ours(book), book_rows.ours(ours_books[person] or {})
            if (mine.periods, mine.cards, mine.visits, mine.benefits) != (
                theirs.periods, theirs.cards, theirs.visits, theirs.benefits
            ):  # fmt: skip
                result.entry_point_differences.append(f"{person}: {name} holds other rows")

    # Every workload's request, as wrk will send it (the same substitution), once, for readable
    # persons of the sample.
    for workload in workloads:
        persons = (readable * 50)[: max(1, workload.body.count("@@KEY@@"))]
        authorization, body = fill(workload, persons, tokens)
        status, answer = post(urls[workload.server], authorization, body)
        data = answer.get("data") or {}
        if status != 200 or answer.get("errors") or not data:
            result.workload_failures.append(
                f"{workload.server} {workload.name}: {status} {str(answer.get('errors'))[:300]}"
            )
    return result

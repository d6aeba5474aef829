"""What each server is asked: the e-book document per entry point, as wrk's input files.

This project is asked through its three entry points (`person` as an officer with every scope,
`me` as the person's own citizen token, `_entities` with 1 and 50 representations); the peers
have one way to read a book, `personByIdentificationNumber`, and 50 aliased ones for 50 books.
Every document is the same text on every request (persons travel in variables), so each server
may cache its parse and validation, as a client's persisted document would let it.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[2]
FRAGMENT = (ROOT / "examples" / "operations" / "ebook.fragment.graphql").read_text()
PEER_QUERIES = ROOT / "bench" / "peers" / "queries"
LUA = ROOT / "bench" / "wrk" / "ebook.lua"

KEY = "@@KEY@@"
"""Where the load generator puts a random person's personal ID."""
TOKEN = "@@TOKEN@@"
"""Where it puts that person's own token (the citizen's `me`)."""

Server = Literal["ours", "v5", "v4"]
SERVERS: tuple[Server, ...] = ("ours", "v5", "v4")


@dataclass(frozen=True)
class Workload:
    name: str
    server: Server
    books: int
    """Books per request."""
    authorization: str
    """The Authorization header: "" for none, `TOKEN` for each person's own token."""
    body: str
    """The JSON body, with `KEY` where each person's ID goes."""


@dataclass(frozen=True)
class EntryPoint:
    """One of this project's ways in, and the peers' equivalent it is paired with in a round."""

    name: str
    books: int


ENTRY_POINTS = {
    "person": EntryPoint("person", 1),
    "me": EntryPoint("me", 1),
    "entities1": EntryPoint("entities1", 1),
    "entities50": EntryPoint("entities50", 50),
}


def peer_fragment(server: Server) -> str:
    return (PEER_QUERIES / f"ebook.{server}.graphql").read_text()


def _body(query: str, variables: dict[str, object] | None, operation: str) -> str:
    document: dict[str, object] = {"query": query, "operationName": operation}
    if variables is not None:
        document["variables"] = variables
    return json.dumps(document, ensure_ascii=False)


def ours(entry: EntryPoint, officer_token: str) -> Workload:
    officer = f"Bearer {officer_token}"
    if entry.name == "person":
        query = "query Book($id: String!) { person(identificationNumber: $id) { ...EBook } }"
        return Workload(
            "person", "ours", 1, officer, _body(query + "\n" + FRAGMENT, {"id": KEY}, "Book")
        )
    if entry.name == "me":
        query = "query MyBook { me { ...EBook } }"
        # The person is named by the token alone: the body carries no key.
        return Workload(
            "me", "ours", 1, f"Bearer {TOKEN}", _body(query + "\n" + FRAGMENT, None, "MyBook")
        )
    query = (
        "query Books($reps: [_Any!]!) {"
        " _entities(representations: $reps) { ... on Person { ...EBook } } }"
    )
    reps = [{"__typename": "Person", "identificationNumber": KEY} for _ in range(entry.books)]
    return Workload(
        entry.name, "ours", entry.books, officer,
        _body(query + "\n" + FRAGMENT, {"reps": reps}, "Books"),
    )  # fmt: skip


def peer(server: Server, books: int) -> Workload:
    """`books` aliased root fields, each its own person: PostGraphile's way to many books."""
    if books == 1:
        query = (
            "query Book($id: String!) {"
            " book: personByIdentificationNumber(identificationNumber: $id) { ...EBook } }"
        )
        variables: dict[str, object] = {"id": KEY}
        operation = "Book"
    else:
        params = ", ".join(f"$k{i}: String!" for i in range(books))
        fields = " ".join(
            f"b{i}: personByIdentificationNumber(identificationNumber: $k{i}) {{ ...EBook }}"
            for i in range(books)
        )
        query = f"query Books({params}) {{ {fields} }}"
        variables = {f"k{i}": KEY for i in range(books)}
        operation = "Books"
    body = _body(query + "\n" + peer_fragment(server), variables, operation)
    return Workload(f"book{books}", server, books, "", body)


def workload_file(workload: Workload) -> str:
    """What the Lua script reads: the Authorization header on the first line, then the body."""
    assert "\n" not in workload.authorization and "\n" not in workload.body
    return f"{workload.authorization}\n{workload.body}"


def keys_file(keys: Iterable[tuple[str, str]]) -> str:
    """`ID<TAB>token` lines; the token is the person's own, for `me`."""
    lines = []
    for person, token in keys:
        if not person or any(c in person + token for c in "\t\n"):
            raise ValueError(f"unusable person key or token: {person!r}")
        lines.append(f"{person}\t{token}")
    return "\n".join(lines) + "\n"


def fill(workload: Workload, persons: list[str], tokens: dict[str, str]) -> tuple[str, str]:
    """The Authorization header and body the Lua script would send for these persons, in order:
    the same substitution, done in Python, for the harness's checks and the tests."""
    body = workload.body
    assert body.count(KEY) in (0, len(persons)) and (body.count(KEY) or len(persons) == 1)
    for person in persons:
        body = body.replace(KEY, person, 1)
    authorization = workload.authorization.replace(TOKEN, tokens.get(persons[-1], ""))
    return authorization, body

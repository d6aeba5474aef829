"""The documents the graph tests send, built from the published example operations."""

from pathlib import Path

_OPERATIONS = Path(__file__).resolve().parents[2] / "examples" / "operations"
EBOOK_FRAGMENT = (_OPERATIONS / "ebook.fragment.graphql").read_text()

ME = (_OPERATIONS / "me.graphql").read_text() + EBOOK_FRAGMENT
PERSON = "query($id: String!) { person(identificationNumber: $id) { ...EBook } }" + EBOOK_FRAGMENT
PERSONS = (
    "query($first: Int!) { persons(first: $first) { totalCount edges { node { ...EBook } } } }"
    + EBOOK_FRAGMENT
)
ENTITIES = (
    "query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Person { ...EBook } } }"
    + EBOOK_FRAGMENT
)

"""The example operations front-end teams start from are valid against the schema."""

from pathlib import Path

import pytest
from graphql import parse, validate

from graph.schema import schema

OPERATIONS = Path(__file__).resolve().parents[2] / "examples" / "operations"
FRAGMENTS = "".join(p.read_text() for p in OPERATIONS.glob("*.fragment.graphql"))


@pytest.mark.parametrize(
    "path",
    sorted(p for p in OPERATIONS.glob("*.graphql") if ".fragment." not in p.name),
    ids=lambda p: p.stem,
)
def test_example_validates(path: Path) -> None:
    text = path.read_text()
    document = parse(text + (FRAGMENTS if "...EBook" in text else ""))
    assert validate(schema._schema, document) == []

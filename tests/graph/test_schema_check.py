"""`bhxh schema --check BASE`: the breaking-change gate CI runs against the previous commit."""

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from graph.cli import main
from graph.schema_check import SchemaCheckError, compare

ROOT = Path(__file__).resolve().parents[2]

# A small base: a slice of the published schema, as a subgraph prints it (federation directives
# used, not declared).
BASE = """
schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@authenticated", "@key"]) {
  query: Query
}

type Query {
  me: Person @authenticated
  persons(first: Int! = 20): PersonConnection! @authenticated
}

type Person @key(fields: "identificationNumber") @key(fields: "bhxhCode") {
  identificationNumber: String
  bhxhCode: String
  %s
}

type PersonConnection {
  totalCount: Int!
}

enum Role {
  CITIZEN
}
"""


def _check(tmp_path: Path, extra_person_field: str = "") -> Result:
    base = tmp_path / "base.graphql"
    base.write_text(BASE % extra_person_field)
    return CliRunner().invoke(main, ["schema", "--check", str(base)])


def test_removed_field_is_breaking(tmp_path: Path) -> None:
    result = _check(tmp_path, "legacyCode: String")
    assert result.exit_code == 1, result.output
    assert "BREAKING   FIELD_REMOVED: Field Person.legacyCode was removed." in result.output
    assert "1 breaking" in result.output


def test_removing_what_was_deprecated_passes_with_a_note(tmp_path: Path) -> None:
    result = _check(tmp_path, 'legacyCode: String @deprecated(reason: "use identificationNumber")')
    assert result.exit_code == 0, result.output
    assert (
        "ALLOWED    FIELD_REMOVED: Field Person.legacyCode was removed."
        " (deprecated in the base: 'use identificationNumber')"
    ) in result.output


def test_added_optional_arguments_and_enum_values_pass_and_are_printed(tmp_path: Path) -> None:
    """The base's `persons` has no `after` or `filter`, its `Role` only CITIZEN."""
    result = _check(tmp_path)
    assert result.exit_code == 0, result.output
    assert "DANGEROUS  OPTIONAL_ARG_ADDED: An optional argument Query.persons(after:)" in (
        result.output
    )
    assert "DANGEROUS  VALUE_ADDED_TO_ENUM: Enum value Role.OFFICER was added." in result.output
    assert "0 breaking" in result.output


def test_the_committed_schema_checks_clean_against_itself() -> None:
    result = CliRunner().invoke(main, ["schema", "--check", str(ROOT / "schema.graphql")])
    assert result.exit_code == 0, result.output
    assert result.output == "schema check: no breaking or dangerous changes\n"


def test_without_check_the_sdl_is_printed_unchanged() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert result.output == (ROOT / "schema.graphql").read_text()


def test_a_base_that_is_not_a_schema_is_an_error(tmp_path: Path) -> None:
    base = tmp_path / "base.graphql"
    base.write_text("type Query { me: Nope }")
    result = CliRunner().invoke(main, ["schema", "--check", str(base)])
    assert result.exit_code == 1
    assert "the base schema is not a valid schema" in result.output
    base.write_text("type Query {")
    result = CliRunner().invoke(main, ["schema", "--check", str(base)])
    assert result.exit_code == 1
    assert "does not parse" in result.output


# --- the comparison itself, on two small schemas --------------------------------------------

OLD = """
type Query {
  card(code: String!, legacy: Boolean @deprecated(reason: "ignored")): Card @authenticated
  cards(status: Status): [Card!]! @shareable
}
type Card @key(fields: "code") {
  code: String!
  oldStatus: String @deprecated(reason: "use status")
  status: Status
}
enum Status {
  ACTIVE
  SUSPENDED @deprecated(reason: "merged into EXPIRED")
  EXPIRED
}
"""

NEW = """
type Query {
  card(code: String!): Card @authenticated
  cards(status: Status, first: Int): [Card!]!
}
type Card @key(fields: "code", resolvable: true) @tag(name: "cards") {
  code: String!
  status: Status!
}
enum Status {
  ACTIVE
  EXPIRED
}
"""


def test_deprecated_arguments_fields_and_enum_values_may_go() -> None:
    report = compare(OLD, NEW)
    by_kind = {(c.severity, c.kind) for c in report.changes}
    assert by_kind == {
        ("deprecated-removal", "ARG_REMOVED"),
        ("deprecated-removal", "FIELD_REMOVED"),
        ("deprecated-removal", "VALUE_REMOVED_FROM_ENUM"),
        ("dangerous", "OPTIONAL_ARG_ADDED"),
    }
    assert report.breaking == ()


def test_federation_directives_need_no_declaration_and_are_not_changes() -> None:
    """@key, @shareable, @tag are used undeclared and differ between the two: no change."""
    assert compare(NEW, NEW).changes == ()
    assert "DIRECTIVE" not in " ".join(c.kind for c in compare(OLD, NEW).changes)


def test_changing_a_type_is_breaking() -> None:
    new = NEW.replace("code: String!\n  status", "code: Int!\n  status")
    (change,) = compare(NEW, new).breaking
    assert change.kind == "FIELD_CHANGED_KIND"
    assert "Card.code changed type from String! to Int!" in change.description


def test_a_removed_type_is_breaking_even_when_its_fields_were_deprecated() -> None:
    old = NEW + 'type Gone { x: Int @deprecated(reason: "soon") }'
    (change,) = compare(old, NEW).breaking
    assert change.kind == "TYPE_REMOVED"


def test_unparsable_current_schema_is_reported() -> None:
    with pytest.raises(SchemaCheckError, match="the current schema does not parse"):
        compare(NEW, "type {")

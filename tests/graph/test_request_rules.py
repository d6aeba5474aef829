"""A rule bound to the request is quiet exactly when graphql-core's walk of it reports nothing."""

from collections.abc import Iterator, Mapping
from typing import Any, cast

import pytest
from graphql import ASTValidationRule, DocumentNode, GraphQLSchema, parse, specified_rules, validate
from strawberry.extensions import SchemaExtension

from graph.federation import ServiceRule
from graph.input_text import TextRule
from graph.limits import MAX_REPRESENTATIONS, LimitsRule
from graph.request_rules import DocumentFacts, RequestRule
from graph.schema import build_schema
from graph.schema import schema as strawberry_schema
from tests.graph.operations import ENTITIES, PERSON, PERSONS

SCHEMA: GraphQLSchema = strawberry_schema._schema

NESTED = """query($n: Int = 100, $m: Int!) { persons(first: $m) { edges { node {
  socialInsurance { contributionPeriods(first: $n) { edges { node { employer {
    employees(first: $n) { edges { node { fullName } } } } } } } } } } } }"""
LITERAL = '{ person(identificationNumber: "00108801\\u00012345") { fullName } }'
DEFAULT = 'query($id: String! = "\\u0007") { person(identificationNumber: $id) { fullName } }'
NESTED_VARIABLE = "query($r: _Any!) { _entities(representations: [$r, $r]) { __typename } }"
SERVICE = "{ ...F } fragment F on Query { _service { sdl } }"


def _rules(variables: Mapping[str, Any], allowed: bool) -> list[RequestRule[Any]]:
    return [
        RequestRule(LimitsRule, variables),
        RequestRule(TextRule, variables),
        RequestRule(ServiceRule, allowed),
    ]


def _walk(document: DocumentNode, rule: RequestRule[Any]) -> list[Any]:
    """graphql-core's validation by the rule alone (it only calls its rules, typed as classes)."""
    return validate(SCHEMA, document, [cast(type[ASTValidationRule], rule)])


def _rep(number: str = "001088012345") -> dict[str, Any]:
    return {"__typename": "Person", "identificationNumber": number}


CASES: list[tuple[str, dict[str, Any]]] = [
    (PERSON, {"id": "001088012345"}),
    (PERSON, {"id": "0010880\x0012345"}),
    (PERSONS, {"first": 1}),
    (PERSONS, {"first": 100}),
    (PERSONS, {"first": -5}),
    (NESTED, {"m": 2, "n": 2}),
    (NESTED, {"m": 2}),  # the default of 100: too costly
    (NESTED, {"m": 100, "n": 1}),
    (NESTED, {"m": 2, "n": None}),  # null: the schema's default page
    (ENTITIES, {"reps": [_rep()]}),
    (ENTITIES, {"reps": [_rep()] * MAX_REPRESENTATIONS}),
    (ENTITIES, {"reps": [_rep()] * (MAX_REPRESENTATIONS + 1)}),
    (ENTITIES, {"reps": _rep()}),  # one value, coerced to a list of one
    (ENTITIES, {"reps": [_rep(), {"__typename": "Person", "key\x1b": "x"}]}),
    (ENTITIES, {"reps": [_rep("\udc00")]}),
    (LITERAL, {}),
    (DEFAULT, {}),
    (DEFAULT, {"id": "001088012345"}),
    (NESTED_VARIABLE, {"r": _rep()}),
    (NESTED_VARIABLE, {"r": _rep("\x02")}),
    (SERVICE, {}),
    ("{ __typename }", {}),
]


@pytest.mark.parametrize(("text", "variables"), CASES)
@pytest.mark.parametrize("allowed", [True, False])
def test_quiet_exactly_when_the_walk_reports_nothing(
    text: str, variables: dict[str, Any], allowed: bool
) -> None:
    document = parse(text)
    assert validate(SCHEMA, document, specified_rules) == []  # the cache asks valid documents only
    facts = DocumentFacts(SCHEMA, document)
    for rule in _rules(variables, allowed):
        assert rule.quiet(facts) == (_walk(document, rule) == []), rule.visitor.__name__


def test_facts_are_derived_once_per_document() -> None:
    document = parse(NESTED)
    facts = DocumentFacts(SCHEMA, document)
    for n in (1, 2, 1, 2):
        for rule in _rules({"m": 1, "n": n}, False):
            assert rule.quiet(facts)
    assert facts.derived == 3


def test_the_cases_cover_both_answers_of_every_rule() -> None:
    answers: dict[str, set[bool]] = {}
    for text, variables in CASES:
        facts = DocumentFacts(SCHEMA, parse(text))
        for rule in _rules(variables, False):
            answers.setdefault(rule.visitor.__name__, set()).add(rule.quiet(facts))
    assert answers == {name: {True, False} for name in ("LimitsRule", "TextRule", "ServiceRule")}


async def test_a_request_makes_rule_objects_not_classes() -> None:
    """Each request binds its data to the rules defined once: a class made per request would cost
    ~90 µs and leave cyclic garbage for the collector."""
    seen: list[tuple[Any, ...]] = []

    class Record(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            seen.append(self.execution_context.validation_rules)
            yield

    schema = build_schema(dev=False, extra=[Record])
    for first in (1, 2):
        result = await schema.execute("{ __typename }", {"first": first})
        assert result.errors is None
    one, two = seen
    bound = [rule for rule in two if isinstance(rule, RequestRule)]
    assert [(rule.visitor, rule.data) for rule in bound] == [
        (LimitsRule, {"first": 2}),
        (TextRule, {"first": 2}),
        (ServiceRule, False),
    ]
    # Every other rule is a class, the same for both requests: none was made for either.
    assert [rule for rule in one if not isinstance(rule, RequestRule)] == [
        rule for rule in two if not isinstance(rule, RequestRule)
    ]

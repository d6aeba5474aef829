"""Validation rules bound to one request, and what they learn once about a cached document.

Some rules depend on more than the document: the limits on the variables (`first`, the number of
representations), the input-text check on the variables' strings, the `_service` gate on the
caller. graphql-core can only run a rule by walking the whole document with its type information,
and on the e-book that walk costs more than the rules themselves. So a rule bound to a request is
a `RequestRule`: from `DocumentFacts` (derived once per cached document, kept with it) and its own
request data it says whether it is *quiet*, that is certain to report nothing. Only when one is not
quiet does graph.persisted's cache run the visitor, which then reports exactly what it always did.

A `RequestRule` is an object per request, its `RequestVisitor` class is defined once: a class made
per request costs ~90 µs and leaves ~100 objects of cyclic garbage (a class refers to itself
through its MRO, `__dict__` and descriptors), enough to set the pace of the cyclic collector.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLSchema,
    ValidationContext,
    ValidationRule,
)
from strawberry.types import ExecutionContext

T = TypeVar("T")
D = TypeVar("D")

Derive = Callable[[GraphQLSchema, DocumentNode], T]
"""Derives one fact of a document; called once per cached document, on first use."""


class DocumentFacts:
    """The facts rules derived about one document (valid under the schema's fixed rules)."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.document = document
        self._facts: dict[Callable[..., Any], object] = {}
        self.derived = 0
        """How many facts were derived (tests count it)."""

    def get(self, derive: Derive[T]) -> T:
        if derive in self._facts:
            return cast(T, self._facts[derive])
        self.derived += 1
        fact = self._facts[derive] = derive(self.schema, self.document)
        return fact


class RequestVisitor(ValidationRule, Generic[D]):
    """A validation rule reading one request's `data` (its variables, its caller…)."""

    def __init__(self, context: ValidationContext, data: D) -> None:
        super().__init__(context)
        self.data = data

    @classmethod
    def quiet(cls, facts: DocumentFacts, data: D) -> bool:
        """True only if this rule reports nothing on `facts.document` for `data`; False when unsure
        (the visitor then runs). Called for documents that pass the fixed rules only."""
        return False


@dataclass(frozen=True, eq=False, slots=True)  # eq=False: hashed by identity, as classes are
class RequestRule(Generic[D]):
    """A `RequestVisitor` bound to one request's data."""

    visitor: type[RequestVisitor[D]]
    data: D

    def quiet(self, facts: DocumentFacts) -> bool:
        return self.visitor.quiet(facts, self.data)

    def __call__(self, context: ValidationContext) -> RequestVisitor[D]:
        """graphql-core's `validate` calls each of its rules with the context, nothing more."""
        return self.visitor(context, self.data)

    def add_to(self, context: ExecutionContext) -> None:
        """Appends this rule to the request's validation rules, which Strawberry types as classes
        only because graphql-core does (a callable is all `validate` needs)."""
        context.validation_rules = (*context.validation_rules, cast(type[ASTValidationRule], self))

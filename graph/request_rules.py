"""Validation rules bound to one request, and what they learn once about a cached document.

Some rules depend on more than the document: the limits on the variables (`first`, the number of
representations), the input-text check on the variables' strings, the `_service` gate on the
caller. graphql-core can only run a rule by walking the whole document with its type information,
and on the e-book that walk costs more than the rules themselves. So a rule bound to a request is
a `RequestRule`: from `DocumentFacts` (derived once per cached document, kept with it) and its own
request data it says whether it is *quiet*, that is certain to report nothing. Only when one is not
quiet does graph.persisted's cache run the visitor, which then reports exactly what it always did.
"""

from collections.abc import Callable
from typing import Any, TypeVar, cast

from graphql import DocumentNode, GraphQLSchema, ValidationRule

T = TypeVar("T")

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


class RequestRule(ValidationRule):
    """A validation rule bound to one request's data (a class made per request)."""

    @classmethod
    def quiet(cls, facts: DocumentFacts) -> bool:
        """True only if this rule reports nothing on `facts.document`; False when unsure (the
        visitor then runs the rule). Called for documents that pass the fixed rules only."""
        return False

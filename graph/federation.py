"""Who may read the subgraph's SDL (`_service { sdl }`) outside dev.

The SDL is the whole schema: with introspection off in prod, it is what a gateway composes from,
and nothing a front end needs. So in prod only the token subjects named in
`BHXH_FEDERATION_SUBJECTS` (the gateway's or the composition job's service account) may select
`_service`; anyone else gets `FORBIDDEN` before execution. With no subject named, nobody may:
compose from `bhxh schema` (or the published schema.graphql) instead. Dev stays open.
"""

from collections.abc import Iterator
from typing import Any

from graphql import (
    BREAK,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    Visitor,
    VisitorAction,
    visit,
)
from strawberry.extensions import SchemaExtension

from graph.request_rules import DocumentFacts, RequestRule, RequestVisitor

SERVICE_FIELD = "_service"


def selects_service(_schema: GraphQLSchema, document: DocumentNode) -> bool:
    """A `DocumentFacts` fact: whether a field named `_service` appears anywhere."""
    found = False

    class Find(Visitor):
        def enter_field(self, node: FieldNode, *_args: Any) -> VisitorAction:
            nonlocal found
            found = node.name.value == SERVICE_FIELD
            return BREAK if found else None

    visit(document, Find())
    return found


class ServiceRule(RequestVisitor[bool]):
    """Refuses `_service` on the query type unless the caller is allowed (`data`)."""

    @classmethod
    def quiet(cls, facts: DocumentFacts, data: bool) -> bool:
        return data or not facts.get(selects_service)

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if self.data or node.name.value != SERVICE_FIELD:
            return
        parent = self.context.get_parent_type()
        if parent is not None and parent is self.context.schema.query_type:
            self.report_error(
                GraphQLError(
                    "`_service` is for the federation gateway's service account"
                    " (BHXH_FEDERATION_SUBJECTS); compose from the published schema",
                    node,
                    extensions={"code": "FORBIDDEN"},
                )
            )


class FederationSurface(SchemaExtension):
    """Adds the `_service` rule, bound to this request's caller."""

    subjects: frozenset[str] = frozenset()

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        principal = getattr(context.context, "principal", None)
        allowed = principal is not None and principal.subject in self.subjects
        RequestRule(ServiceRule, allowed).add_to(context)
        yield


def federation_surface(subjects: frozenset[str]) -> type[FederationSurface]:
    """The extension class for these allowed subjects (a class: a fresh instance per request)."""
    return type("FederationSurface", (FederationSurface,), {"subjects": subjects})

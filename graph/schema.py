"""The federation schema, composed from per-domain types."""

import logging
from collections.abc import Sequence
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, MaskErrors
from strawberry.federation.schema import FederationAny
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, Info

from graph.errors import BadUserInput, is_expected
from graph.federation import federation_surface
from graph.input_text import InputText
from graph.limits import BATCHING, LIMITS
from graph.persisted import DocumentCache
from graph.representations import checked
from graph.types.mutations import Mutation
from graph.types.queries import Query
from graph.types.scalars import SCALARS

log = logging.getLogger("bhxh.graph")


class Schema(strawberry.federation.Schema):
    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        """Each representation checked (graph.representations) before Strawberry resolves the
        valid ones; a faulty one is a BAD_USER_INPUT error at its own position."""
        checks = [checked(i, r) for i, r in enumerate(representations)]
        valid = [c for c in checks if not isinstance(c, BadUserInput)]
        resolved = iter(super().entities_resolver(info, valid))  # type: ignore[arg-type]
        return [FederationAny(c) if isinstance(c, BadUserInput) else next(resolved) for c in checks]

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log unexpected errors with the request id, never the message's data or variables."""
        request_id = getattr(getattr(execution_context, "context", None), "request_id", None)
        for error in errors:
            if not is_expected(error):
                log.error(
                    "unexpected error in %s (request %s)",
                    ".".join(map(str, error.path or [])) or "operation",
                    request_id,
                    exc_info=error.original_error,
                )


def build_schema(
    *, dev: bool, extra: Sequence[Any] = (), federation_subjects: frozenset[str] = frozenset()
) -> Schema:
    """The schema with the abuse limits (graph.limits); outside dev, errors are masked,
    introspection is refused and `_service` answers only `federation_subjects`
    (graph.federation). `extra` extensions (the app's persisted queries and metrics) come after
    those, and the cache of parsed and validated documents (graph.persisted) last."""
    extensions: list[Any] = [*LIMITS, InputText]
    if not dev:
        extensions.append(DisableIntrospection)
        extensions.append(federation_surface(federation_subjects))
        extensions.append(
            lambda: MaskErrors(
                should_mask_error=lambda e: not is_expected(e),
                error_message="Internal server error; quote the request id to support",
            )
        )
    extensions += [*extra, DocumentCache().extension]
    return Schema(
        query=Query,
        mutation=Mutation,
        federation_version="2.9",
        extensions=extensions,
        config=StrawberryConfig(
            scalar_map=SCALARS, batching_config=BATCHING, disable_field_suggestions=True
        ),
    )


schema = build_schema(dev=True)

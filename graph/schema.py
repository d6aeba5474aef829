"""The federation schema, composed from per-domain types."""

import logging
from collections.abc import Sequence
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.federation.schema import FederationAny
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, Info

from graph.compiled.executor import OrderedExecutor, compiled_executor
from graph.errors import INTERNAL, RETRYABLE_CODES, BadUserInput, code_of
from graph.extension_hooks import CachedHooksRunner
from graph.federation import federation_surface
from graph.input_text import InputText
from graph.limits import BATCHING, LIMITS
from graph.masking import ErrorCodes
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

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return CachedHooksRunner(execution_context, extensions)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log unexpected errors with the request id, never the message's data or variables;
        retryable failures once per operation, with their cause's type only."""
        request_id = getattr(getattr(execution_context, "context", None), "request_id", None)
        retryable: dict[str, str] = {}
        for error in errors:
            code = code_of(error)
            if code == INTERNAL:
                log.error(
                    "unexpected error in %s (request %s)",
                    ".".join(map(str, error.path or [])) or "operation",
                    request_id,
                    exc_info=error.original_error,
                )
            elif code in RETRYABLE_CODES:
                # DatabaseUnavailable's text: the statement's name and the psycopg error's type.
                retryable.setdefault(code, str(error.original_error))
        for code, cause in retryable.items():
            log.warning("%s (request %s): %s", code, request_id, cause)


def build_schema(
    *,
    dev: bool,
    extra: Sequence[Any] = (),
    federation_subjects: frozenset[str] = frozenset(),
    compiled: bool = True,
) -> Schema:
    """The schema with the abuse limits (graph.limits) and the check of every input string
    (graph.input_text); outside dev, errors are masked, introspection is refused and `_service`
    answers only `federation_subjects` (graph.federation). Every error gets its code
    (graph.masking), which runs after the `extra` extensions (the app's persisted queries and
    metrics, which see errors as raised), and the cache of parsed and validated documents
    (graph.persisted) last. `compiled`: queries the compiled plans cover run through them
    (graph.compiled), the rest through Strawberry's executor; both order errors alike."""
    extensions: list[Any] = [*LIMITS, InputText]
    if not dev:
        extensions.append(DisableIntrospection)
        extensions.append(federation_surface(federation_subjects))
    extensions.append(lambda: ErrorCodes(mask=not dev))
    extensions += [*extra, DocumentCache().extension]
    return Schema(
        query=Query,
        mutation=Mutation,
        federation_version="2.9",
        extensions=extensions,
        execution_context_class=compiled_executor() if compiled else OrderedExecutor,
        config=StrawberryConfig(
            scalar_map=SCALARS, batching_config=BATCHING, disable_field_suggestions=True
        ),
    )


schema = build_schema(dev=True)

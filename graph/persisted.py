"""Persisted queries, trusted documents per client, and the cache of parsed and validated documents.

**Automatic persisted queries** (the APQ protocol of Apollo and others): a request's
`extensions.persistedQuery = {"version": 1, "sha256Hash": H}`

- with `query`: H must be the SHA-256 (hex) of the text (`PERSISTED_QUERY_HASH_MISMATCH`); once
  the document has parsed and validated, it is registered under H;
- without `query`: the document registered under H runs; an unknown H answers HTTP 200 with
  `{"errors": [{"message": "PersistedQueryNotFound", "extensions": {"code":
  "PERSISTED_QUERY_NOT_FOUND"}}]}`, and the client sends the text again with the hash.

Registered documents live in a `DocumentStore`: a bounded in-process LRU, or Redis (`REDIS_URL`)
so that every replica knows what one of them learnt.

**Trusted documents**: the manifest (SHA-256 → text) holds the example operations of
`examples/operations` (each operation file followed by the fragment files it spreads, in name
order) and the front ends' manifests named by `BHXH_TRUSTED_DOCUMENTS` (JSON `{hash: text}`, or
an Apollo persisted-query manifest). Any client may run a manifest document by its hash alone.
A client named in `BHXH_TRUSTED_CLIENTS` (by its `graphql-client-name` or
`apollographql-client-name` header) may run nothing else: any other document, by text or by
hash, is refused with `PERSISTED_QUERY_NOT_ALLOWED` before it is parsed, and it registers nothing.
The header is the client's own word: this locks a first-party client to its reviewed documents,
it does not authenticate it.

Both work per operation (so per item of a batch) in a Strawberry extension, before parsing; a
refusal is an ordinary GraphQL error, and no resolver — so no SQL — runs.

**Document cache**: parsing and validating the whole e-book costs ~3 ms, more than executing it.
`DocumentCache` keeps the parsed documents by text (bounded LRU), and remembers which of them
passed the schema's fixed rules (the specification's, Strawberry's, no-introspection). A repeated
document is not walked again: the rules bound to the request (the limits and the input-text check
on its variables, the `_service` gate on its caller) are `graph.request_rules.RequestRule`s that
answer from facts derived once per document (the limits' verdict once per shape of the variables
they read), and only a rule that may report an error runs graphql-core's visitor — so a refused
request gets the very errors it always got, built afresh. An invalid document is validated in
full on every request (its errors are not cached). Strawberry's own `ParserCache` would do for
parsing, but it raises a syntax error from its hook, which skips `graph.limits.TokenLimiter`'s
error code; its `ValidationCache` keys on the rules, and the limits rule is a new object per
request, so it would never hit.
"""

import hashlib
import logging
import re
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Protocol

import orjson
from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    NameNode,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
    specified_rules,
    validate,
)
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from graph.config import ConfigError, Settings
from graph.request_rules import DocumentFacts, RequestRule

log = logging.getLogger("bhxh.persisted")

EXAMPLES: Final = Path(__file__).resolve().parents[1] / "examples" / "operations"
CLIENT_NAME_HEADERS: Final = (b"graphql-client-name", b"apollographql-client-name")
MEMORY_STORE_SIZE: Final = 1_000
"""Registered documents kept in process (the least recently used go first)."""
MAX_REGISTERED_CHARS: Final = 100_000
"""A longer document still runs, but is not registered."""
REDIS_TTL_SECONDS: Final = 7 * 24 * 3600
REDIS_PREFIX: Final = "bhxh:apq:"
DOCUMENT_CACHE_SIZE: Final = 256

_SHA256: Final = re.compile(r"^[0-9a-f]{64}$")
_SPREAD: Final = re.compile(r"\.\.\.\s*(?!on\b)([_A-Za-z][_0-9A-Za-z]*)")
_FRAGMENT: Final = re.compile(r"\bfragment\s+([_A-Za-z][_0-9A-Za-z]*)")

_client: ContextVar[str | None] = ContextVar("bhxh_graphql_client", default=None)


def document_hash(text: str) -> str:
    """The APQ hash of a document: SHA-256 of its UTF-8 text, lower-case hex."""
    return hashlib.sha256(text.encode()).hexdigest()


# --- errors -----------------------------------------------------------------------------------


class PersistedQueryError(GraphQLError):
    code = "PERSISTED_QUERY_INVALID"

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": self.code})


class PersistedQueryNotFound(PersistedQueryError):
    code = "PERSISTED_QUERY_NOT_FOUND"

    def __init__(self) -> None:
        # The message is the protocol's: clients match on it (or on the code) to send the text.
        super().__init__("PersistedQueryNotFound")


class PersistedQueryHashMismatch(PersistedQueryError):
    code = "PERSISTED_QUERY_HASH_MISMATCH"

    def __init__(self) -> None:
        super().__init__(
            "extensions.persistedQuery.sha256Hash is not the SHA-256 of `query`"
            " (hash the exact UTF-8 text you send, lower-case hex)"
        )


class PersistedQueryNotAllowed(PersistedQueryError):
    code = "PERSISTED_QUERY_NOT_ALLOWED"

    def __init__(self, client: str, digest: str | None) -> None:
        which = f"document {digest}" if digest else "this document"
        super().__init__(
            f"client {client!r} runs trusted documents only, and {which} is not in the manifest;"
            " add it to the client's manifest (BHXH_TRUSTED_DOCUMENTS) and deploy"
        )


# --- stores -----------------------------------------------------------------------------------


class DocumentStore(Protocol):
    """Where registered documents are kept, by hash."""

    async def get(self, digest: str) -> str | None: ...

    async def put(self, digest: str, text: str) -> None: ...

    async def close(self) -> None: ...


class MemoryStore:
    """A bounded LRU in this process."""

    def __init__(self, maxsize: int = MEMORY_STORE_SIZE) -> None:
        self.maxsize = maxsize
        self._documents: OrderedDict[str, str] = OrderedDict()

    async def get(self, digest: str) -> str | None:
        text = self._documents.get(digest)
        if text is not None:
            self._documents.move_to_end(digest)
        return text

    async def put(self, digest: str, text: str) -> None:
        self._documents[digest] = text
        self._documents.move_to_end(digest)
        while len(self._documents) > self.maxsize:
            self._documents.popitem(last=False)

    async def close(self) -> None:
        return None

    def __len__(self) -> int:
        return len(self._documents)


class RedisStore:
    """Shared by the replicas; entries expire after `ttl` seconds. Redis being down costs clients
    a round trip (they send the text again), never a failed request."""

    def __init__(
        self, url: str, *, prefix: str = REDIS_PREFIX, ttl: int = REDIS_TTL_SECONDS
    ) -> None:
        from redis.asyncio import Redis

        self.prefix = prefix
        self.ttl = ttl
        self._redis = Redis.from_url(
            url, decode_responses=True, socket_timeout=0.5, socket_connect_timeout=0.5
        )

    async def get(self, digest: str) -> str | None:
        from redis.exceptions import RedisError

        try:
            text = await self._redis.get(self.prefix + digest)
        except RedisError as exc:
            log.warning("persisted query store unavailable: %s", type(exc).__name__)
            return None
        return text if isinstance(text, str) else None

    async def put(self, digest: str, text: str) -> None:
        from redis.exceptions import RedisError

        try:
            await self._redis.set(self.prefix + digest, text, ex=self.ttl)
        except RedisError as exc:
            log.warning("persisted query not registered: %s", type(exc).__name__)

    async def close(self) -> None:
        await self._redis.aclose()


# --- manifests --------------------------------------------------------------------------------


def examples_manifest(directory: Path = EXAMPLES) -> dict[str, str]:
    """The example operations as clients send them: each operation file's text followed by the
    texts of the fragment files (`*.fragment.graphql`) it spreads, transitively, in name order."""
    if not directory.is_dir():
        return {}
    fragment_files = sorted(directory.glob("*.fragment.graphql"))
    defined = {
        name: path for path in fragment_files for name in _FRAGMENT.findall(path.read_text())
    }
    manifest = {}
    for path in sorted(directory.glob("*.graphql")):
        if path in fragment_files:
            continue
        text = path.read_text()
        needed: set[Path] = set()
        pending = list(_SPREAD.findall(text))
        while pending:
            source = defined.get(pending.pop())
            if source is not None and source not in needed:
                needed.add(source)
                pending.extend(_SPREAD.findall(source.read_text()))
        document = text + "".join(p.read_text() for p in fragment_files if p in needed)
        manifest[document_hash(document)] = document
    return manifest


def load_manifest(path: Path) -> dict[str, str]:
    """A front end's manifest: `{sha256: text}` (graphql-codegen's persisted documents with
    `hashAlgorithm: "sha256"`), or an Apollo persisted-query manifest (`operations[].id/body`).
    Every entry's hash is checked against its text."""
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ConfigError(f"BHXH_TRUSTED_DOCUMENTS: cannot read {path}: {exc}") from exc
    entries: Iterable[tuple[object, object]]
    if isinstance(data, dict) and data.get("format") == "apollo-persisted-query-manifest":
        operations = data.get("operations")
        if not isinstance(operations, list):
            raise ConfigError(f"BHXH_TRUSTED_DOCUMENTS: {path} has no `operations` list")
        entries = [
            (op.get("id"), op.get("body")) if isinstance(op, dict) else (None, None)
            for op in operations
        ]
    elif isinstance(data, dict):
        entries = data.items()
    else:
        raise ConfigError(f"BHXH_TRUSTED_DOCUMENTS: {path} is not a JSON object {{hash: text}}")
    manifest = {}
    for digest, text in entries:
        if not isinstance(digest, str) or not isinstance(text, str):
            raise ConfigError(f"BHXH_TRUSTED_DOCUMENTS: {path} has an entry that is not text")
        if document_hash(text) != digest.lower():
            raise ConfigError(
                f"BHXH_TRUSTED_DOCUMENTS: in {path}, {digest[:16]}… is not the SHA-256 of its"
                " document (generate the manifest with SHA-256 hashes of the exact text sent)"
            )
        manifest[digest.lower()] = text
    return manifest


# --- the policy and its extension -------------------------------------------------------------


def client_name(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key in CLIENT_NAME_HEADERS and isinstance(value, bytes):
            name = value.decode("latin-1").strip()
            if name:
                return name
    return None


@dataclass
class PersistedQueries:
    """One app's persisted queries: the store, the manifest and the clients held to it.

    `extension` goes into the schema's extensions (a factory: a fresh instance per operation),
    and the `/graphql` endpoint is wrapped in `ClientScope` so that it knows the client."""

    store: DocumentStore = field(default_factory=MemoryStore)
    manifest: Mapping[str, str] = field(default_factory=examples_manifest)
    trusted_clients: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.trusted_clients = frozenset(c.lower() for c in self.trusted_clients)

    @classmethod
    def from_settings(cls, settings: Settings) -> "PersistedQueries":
        manifest = examples_manifest()
        for path in settings.trusted_documents:
            manifest.update(load_manifest(path))
        store: DocumentStore = (
            RedisStore(settings.redis_url) if settings.redis_url else MemoryStore()
        )
        return cls(store=store, manifest=manifest, trusted_clients=settings.trusted_clients)

    def extension(self) -> SchemaExtension:
        return _PersistedQueriesExtension(self)

    def operation_names(self) -> frozenset[str]:
        """The names of the manifest's operations: reviewed, and as many as the manifest has
        (the metrics label only these)."""
        names: set[str] = set()
        for text in self.manifest.values():
            try:
                document = parse(text)
            except GraphQLError:
                continue
            names.update(
                definition.name.value
                for definition in document.definitions
                if isinstance(definition, OperationDefinitionNode) and definition.name
            )
        return frozenset(names)

    def is_trusted(self, client: str | None) -> bool:
        return client is not None and client.lower() in self.trusted_clients

    async def resolve(self, extensions: object, query: object, client: str | None) -> str | None:
        """The document to run (None: the request's own `query`, unchanged), or a
        `PersistedQueryError`. Registers nothing: see `registration`."""
        trusted = self.is_trusted(client)
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if persisted is None:
            if trusted and not (isinstance(query, str) and document_hash(query) in self.manifest):
                raise PersistedQueryNotAllowed(str(client), None)
            return None
        digest = _requested_hash(persisted)
        if isinstance(query, str) and query:
            if document_hash(query) != digest:
                raise PersistedQueryHashMismatch
            if trusted and digest not in self.manifest:
                raise PersistedQueryNotAllowed(str(client), digest)
            return None
        if query is not None and not isinstance(query, str):
            raise PersistedQueryError("`query` must be a string")
        text = self.manifest.get(digest)
        if text is None and trusted:
            raise PersistedQueryNotAllowed(str(client), digest)
        if text is None:
            text = await self.store.get(digest)
        if text is None:
            raise PersistedQueryNotFound
        return text

    def registration(
        self, extensions: object, query: object, client: str | None
    ) -> tuple[str, str] | None:
        """What to register once the request's document has validated (hash and text)."""
        if self.is_trusted(client) or not isinstance(extensions, dict):
            return None
        if not isinstance(query, str) or not query or len(query) > MAX_REGISTERED_CHARS:
            return None
        if "persistedQuery" not in extensions:
            return None
        digest = document_hash(query)
        return None if digest in self.manifest else (digest, query)


def _requested_hash(persisted: object) -> str:
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise PersistedQueryError(
            "extensions.persistedQuery must be {version: 1, sha256Hash: <hex>}"
        )
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256.match(digest.lower()):
        raise PersistedQueryError("extensions.persistedQuery.sha256Hash must be 64 hex digits")
    return digest.lower()


def _placeholder(operation_name: str | None) -> DocumentNode:
    """A document standing in for a refused one, so that Strawberry answers with the refusal as a
    GraphQL error (the request's operation name kept, so the operation is still found)."""
    name = NameNode(value=operation_name) if operation_name is not None else None
    selection = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())
    return DocumentNode(
        definitions=(
            OperationDefinitionNode(
                operation=OperationType.QUERY,
                name=name,
                variable_definitions=(),
                directives=(),
                selection_set=SelectionSetNode(selections=(selection,)),
            ),
        )
    )


class _PersistedQueriesExtension(SchemaExtension):
    def __init__(self, policy: PersistedQueries) -> None:
        self.policy = policy
        self.refusal: PersistedQueryError | None = None
        self.registration: tuple[str, str] | None = None
        self.validated = False

    async def on_operation(self) -> AsyncIterator[None]:
        context = self.execution_context
        client = _client.get()
        extensions, query = context.operation_extensions, context.query
        try:
            text = await self.policy.resolve(extensions, query, client)
        except PersistedQueryError as refusal:
            self.refusal = refusal
            context.graphql_document = _placeholder(context.operation_name)
        else:
            if text is not None:
                context.query = text
            self.registration = self.policy.registration(extensions, query, client)
        yield
        if self.registration is not None and self.validated:
            await self.policy.store.put(*self.registration)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if self.refusal is not None:
            context.pre_execution_errors = [self.refusal]  # Strawberry's validation is skipped
        yield
        self.validated = self.refusal is None and not context.pre_execution_errors


class ClientScope:
    """ASGI wrapper making the request's client name known to the extension."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _client.set(client_name(scope))
        try:
            await self.app(scope, receive, send)
        finally:
            _client.reset(token)


# --- the document cache -----------------------------------------------------------------------

CACHEABLE_RULES: Final[frozenset[type[ASTValidationRule]]] = frozenset(
    {*specified_rules, NoSchemaIntrospectionCustomRule}
)
"""Rules whose verdict depends on the document and the schema only. Any other rule (the cost
limits, bound to the request's variables) runs on every request, unless it is a `RequestRule`
that can tell from the document's facts that it has nothing to report."""


@dataclass
class _Entry:
    document: DocumentNode
    valid_under: tuple[type[ASTValidationRule], ...] | None = None
    invalid_under: tuple[type[ASTValidationRule], ...] | None = None
    facts: DocumentFacts | None = None


class DocumentCache:
    """Parsed documents by text, whether they passed the fixed rules, and the facts the rules bound
    to a request derived about them; one per schema."""

    def __init__(self, maxsize: int = DOCUMENT_CACHE_SIZE) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[str, int | None], _Entry] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def extension(self) -> SchemaExtension:
        return _DocumentCacheExtension(self)

    def lookup(self, text: str, max_tokens: int | None) -> _Entry | None:
        key = (text, max_tokens)
        entry = self._entries.get(key)
        if entry is not None:
            self.hits += 1
            self._entries.move_to_end(key)
            return entry
        self.misses += 1
        try:
            document = parse(text, max_tokens=max_tokens)
        except GraphQLError:
            return None  # Strawberry parses it again and reports the error in its usual way
        entry = self._entries[key] = _Entry(document)
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return entry

    def validate(
        self,
        entry: _Entry,
        schema: GraphQLSchema,
        rules: tuple[type[ASTValidationRule], ...],
    ) -> list[GraphQLError]:
        """The errors of `rules` on the entry's document, as one graphql-core validation of all of
        them reports them (same errors, same order), with the fixed rules run once per document
        and a quiet `RequestRule` not run at all."""
        fixed = tuple(rule for rule in rules if rule in CACHEABLE_RULES)
        per_request = [rule for rule in rules if rule not in CACHEABLE_RULES]
        if entry.invalid_under == fixed:
            return validate_document(schema, entry.document, rules)
        if entry.valid_under != fixed:
            # First sight under these rules: the fixed ones, and any rule that cannot be quiet,
            # in one walk. Errors: the whole set again, so that they interleave as they always did.
            loud = [rule for rule in per_request if not isinstance(rule, RequestRule)]
            if validate_document(schema, entry.document, (*fixed, *loud)):
                entry.invalid_under = fixed
                return validate_document(schema, entry.document, rules)
            entry.valid_under, entry.facts = fixed, DocumentFacts(schema, entry.document)
        facts = entry.facts
        assert facts is not None
        if all(isinstance(rule, RequestRule) and rule.quiet(facts) for rule in per_request):
            return []
        return validate(schema, entry.document, per_request)

    def __len__(self) -> int:
        return len(self._entries)


class _DocumentCacheExtension(SchemaExtension):
    def __init__(self, cache: DocumentCache) -> None:
        self.cache = cache
        self.entry: _Entry | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and isinstance(context.query, str) and context.query:
            self.entry = self.cache.lookup(context.query, context.parse_options.get("max_tokens"))
            if self.entry is not None:
                context.graphql_document = self.entry.document
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        entry = self.entry
        if (
            entry is not None
            and context.pre_execution_errors is None
            and context.graphql_document is entry.document
        ):
            rules = context.validation_rules
            # Set (even empty): Strawberry's own validation is skipped.
            context.pre_execution_errors = self.cache.validate(entry, context.schema._schema, rules)
        yield

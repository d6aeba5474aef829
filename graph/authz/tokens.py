"""Bearer JWTs: minting development tokens and verifying every request's token.

The development key is an EC P-256 key kept under the data directory. Production tokens come from
an identity provider and are verified against its JWKS (`graph.authz.jwks`); both verifiers satisfy
`TokenVerifier` and share the claim checks and the claims → `Principal` mapping below.
Only asymmetric algorithms are accepted, which also rules out `alg: none` and HS/RS confusion.

Verifying an ES256 signature costs more than the rest of a small request's authorisation, and a
client sends the same token with every request for its lifetime: both verifiers keep the tokens
they accepted in a `VerifiedTokens` cache (below), which only ever answers what verification
would answer now.
"""

import json
import os
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol, TypeGuard

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from graph.authz.principal import Principal, Role

ALGORITHMS = ["ES256"]
DEV_ISSUER = "bhxh-graph-dev"
AUDIENCE = "bhxh-graph"
LEEWAY_SECONDS = 30

# What a claim may hold. Claims reach the access log's grounds (`employment:<org>`), its actor
# columns and the logs: a comma, a space or a control character there could forge a ground or a
# log line, so each is held to a plain charset (and a length) here, once, for every verifier.
SUBJECT: Final = re.compile(r"[A-Za-z0-9._:@|+=/-]{1,128}")
"""Personal IDs, `officer-1`, `employer:0101234567`, an identity provider's user ids."""
ORG: Final = re.compile(r"[A-Za-z0-9._-]{1,64}")
"""Tax codes (with a branch suffix), facility and agency codes, DEFENCE…"""
SCOPE: Final = re.compile(r"[A-Za-z0-9._:/-]{1,64}")
MAX_SCOPES: Final = 32
VERIFIED_TOKENS: Final = 4096
"""Tokens kept verified per process: a few thousand callers' current tokens (~1 KiB each)."""


class InvalidToken(Exception):
    """The token was refused; the message is a plain reason safe to show the caller."""


class TokenVerifier(Protocol):
    """Turns a bearer token into the caller's `Principal`, or raises `InvalidToken`.

    Synchronous and free of I/O: the app calls it on the event loop for every request, so a
    verifier that needs remote keys fetches them ahead of time (see `graph.authz.jwks`).
    """

    def verify(self, token: str) -> Principal: ...


@dataclass(frozen=True)
class Verified:
    """A token that passed every check, and the times between which it still would."""

    principal: Principal
    key: object
    """The key whose signature it carries: the entry holds only while that key is trusted."""
    valid_from: float
    """Epoch seconds: its `nbf` and `iat` less the leeway, as `check_claims` accepts them."""
    valid_until: float
    """Epoch seconds: its `exp`, without the leeway verification grants."""


class VerifiedTokens:
    """The tokens a verifier accepted, by their exact text: a least-recently-used cache of at most
    `size` entries. An entry is answered only between its `valid_from` and `valid_until` on
    `clock` (the wall clock, as the claims are) and is dropped after. Only accepted tokens go in;
    whether the key that verified an entry is still trusted is the verifier's check (`get`'s
    `trusted`), as only it knows its key set."""

    def __init__(self, size: int = VERIFIED_TOKENS, *, clock: Callable[[], float] = time.time):
        self.size = size
        self._clock = clock
        self._entries: OrderedDict[str, Verified] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str, trusted: Callable[[object], bool]) -> Principal | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        now = self._clock()
        if not (entry.valid_from <= now < entry.valid_until) or not trusted(entry.key):
            # Not yet valid (a clock set back) is dropped too: verification will say.
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return entry.principal

    def put(self, token: str, claims: dict[str, Any], key: object, principal: Principal) -> None:
        """Keeps a token that passed every check (`claims` are its validated claims)."""
        times = [claims.get(name) for name in ("nbf", "iat")]
        starts = [t - LEEWAY_SECONDS for t in times if _numeric(t)]
        expires = claims.get("exp")
        if not _numeric(expires) or expires <= self._clock() or self.size <= 0:
            return  # past its exp (accepted within the leeway): verified afresh each time
        self._entries[token] = Verified(principal, key, max(starts, default=0.0), expires)
        self._entries.move_to_end(token)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def retain(self, trusted: Callable[[object], bool]) -> None:
        """Drops every entry whose key is no longer trusted (a key set changed)."""
        for token in [t for t, entry in self._entries.items() if not trusted(entry.key)]:
            del self._entries[token]


def _numeric(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _any_key(key: object) -> bool:
    return True


@dataclass(frozen=True)
class KeySetVerifier:
    """Verifies tokens signed by a fixed key set: the development key."""

    keys: KeySet
    issuer: str
    audience: str
    verified: VerifiedTokens = field(default_factory=VerifiedTokens, compare=False, repr=False)

    def verify(self, token: str) -> Principal:
        # The key set never changes, so every key that verified an entry stays trusted.
        if (principal := self.verified.get(token, _any_key)) is not None:
            return principal
        try:
            decoded = jwt.decode(token, self.keys, algorithms=ALGORITHMS)
        except JoseError as exc:
            raise InvalidToken(f"token rejected: {exc.description or exc.error}") from None
        except ValueError:
            raise InvalidToken("token rejected: malformed") from None
        check_claims(decoded.claims, issuer=self.issuer, audience=self.audience)
        principal = principal_from_claims(decoded.claims)
        self.verified.put(token, decoded.claims, None, principal)
        return principal


def check_claims(claims: dict[str, Any], *, issuer: str, audience: str) -> None:
    """Issuer, audience, subject and expiry are required; `nbf` and `iat`, when present, may not
    be in the future. A small leeway absorbs clock skew between the issuer and us."""
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": audience},
        exp={"essential": True},
        sub={"essential": True},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise InvalidToken(f"token rejected: {exc.description or exc.error}") from None


def principal_from_claims(claims: dict[str, object]) -> Principal:
    """The verified claims reduced to what the policy needs. Every claim must have its shape
    (strings of `SUBJECT`, `ORG`, `SCOPE`'s characters; `scope` space-separated): a claim of
    another type or with other characters refuses the token, as does an unknown role."""
    role = claims.get("role")
    if not isinstance(role, str) or role not in Role.__members__:
        raise InvalidToken("token rejected: unknown role")
    subject = _claim(claims, "sub", SUBJECT)
    org = _claim(claims, "org", ORG) if claims.get("org") is not None else None
    token_id = _claim(claims, "jti", SUBJECT) if claims.get("jti") is not None else None
    scope = claims.get("scope", "")
    if not isinstance(scope, str):
        raise InvalidToken("token rejected: `scope` must be a space-separated string")
    scopes = scope.split(" ")
    if scope and (len(scopes) > MAX_SCOPES or not all(SCOPE.fullmatch(s) for s in scopes)):
        raise InvalidToken("token rejected: `scope` has a malformed scope")
    return Principal(
        role=Role(role),
        subject=subject,
        org=org,
        scopes=frozenset(scopes) if scope else frozenset(),
        token_id=token_id,
    )


def _claim(claims: dict[str, object], name: str, pattern: re.Pattern[str]) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidToken(f"token rejected: `{name}` is malformed")
    return value


def load_or_create_dev_key(path: Path) -> ECKey:
    """The development signing key, created on first use (0600) and reused after."""
    if path.exists():
        key = ECKey.import_key(json.loads(path.read_text()))
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = ECKey.generate_key("P-256", private=True, auto_kid=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(key.as_dict(private=True), out)
    return key


def dev_verifier(key: ECKey) -> KeySetVerifier:
    return KeySetVerifier(keys=KeySet([key]), issuer=DEV_ISSUER, audience=AUDIENCE)


def mint(
    key: ECKey,
    *,
    role: Role,
    subject: str,
    org: str | None = None,
    scopes: Iterable[str] = (),
    ttl_seconds: int = 3600,
    now: int | None = None,
) -> str:
    issued = int(time.time()) if now is None else now
    claims: dict[str, object] = {
        "iss": DEV_ISSUER,
        "aud": AUDIENCE,
        "sub": subject,
        "role": role.value,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    if org is not None:
        claims["org"] = org
    if scope := " ".join(scopes):
        claims["scope"] = scope
    return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)

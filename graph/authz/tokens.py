"""Bearer JWTs: minting development tokens and verifying every request's token.

The development key is an EC P-256 key kept under the data directory. Production tokens come from
an identity provider and are verified against its JWKS (`graph.authz.jwks`); both verifiers satisfy
`TokenVerifier` and share the claim checks and the claims → `Principal` mapping below.
Only asymmetric algorithms are accepted, which also rules out `alg: none` and HS/RS confusion.
"""

import json
import os
import re
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

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


class InvalidToken(Exception):
    """The token was refused; the message is a plain reason safe to show the caller."""


class TokenVerifier(Protocol):
    """Turns a bearer token into the caller's `Principal`, or raises `InvalidToken`.

    Synchronous and free of I/O: the app calls it on the event loop for every request, so a
    verifier that needs remote keys fetches them ahead of time (see `graph.authz.jwks`).
    """

    def verify(self, token: str) -> Principal: ...


@dataclass(frozen=True)
class KeySetVerifier:
    """Verifies tokens signed by a fixed key set: the development key."""

    keys: KeySet
    issuer: str
    audience: str

    def verify(self, token: str) -> Principal:
        try:
            decoded = jwt.decode(token, self.keys, algorithms=ALGORITHMS)
        except JoseError as exc:
            raise InvalidToken(f"token rejected: {exc.description or exc.error}") from None
        except ValueError:
            raise InvalidToken("token rejected: malformed") from None
        check_claims(decoded.claims, issuer=self.issuer, audience=self.audience)
        return principal_from_claims(decoded.claims)


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

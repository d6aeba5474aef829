"""Bearer JWTs: minting development tokens and verifying every request's token.

The development key is an EC P-256 key kept under the data directory. Production tokens come from
an identity provider and are verified against its JWKS (`graph.authz.jwks`); both verifiers satisfy
`TokenVerifier` and share the claim checks and the claims → `Principal` mapping below.
Only asymmetric algorithms are accepted, which also rules out `alg: none` and HS/RS confusion.
"""

import json
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from graph.authz.principal import Principal, Role

ALGORITHMS = ["ES256"]
DEV_ISSUER = "bhxh-graph-dev"
AUDIENCE = "bhxh-graph"
LEEWAY_SECONDS = 30


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
    """The verified claims reduced to what the policy needs; an unknown role is refused."""
    role = claims.get("role")
    if role not in Role.__members__:
        raise InvalidToken("token rejected: unknown role")
    scope = claims.get("scope", "")
    org = claims.get("org")
    return Principal(
        role=Role(str(role)),
        subject=str(claims["sub"]),
        org=str(org) if org is not None else None,
        scopes=frozenset(str(scope).split()),
        token_id=str(claims["jti"]) if "jti" in claims else None,
    )


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

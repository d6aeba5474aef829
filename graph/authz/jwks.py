"""Production tokens, verified against the identity provider's published keys (its JWKS).

How keys are fetched: `verify` stays synchronous and does no I/O, like the development verifier.
The app calls it on the event loop for every request, and no request should wait on the identity
provider, nor be able to make us hammer it. Instead:

- `refresh()` (async) fetches the JWKS. `bhxh serve` awaits it once before serving, so a wrong URL
  or an unreachable provider stops the start instead of failing every request.
- Keys older than `ttl_seconds` are still used, and `verify` schedules a refresh on the running
  loop: providers publish a new key before they sign with it, so that refresh normally finds
  the new key before it is needed.
- A token whose `kid` is not in the set schedules a refresh and is refused ("unknown signing
  key"). A key a provider starts signing with unannounced is accepted once that refresh lands,
  a few milliseconds later: the price of keeping I/O off the request path.
- Scheduled refreshes share one gate: one in flight at a time, at most one attempt per
  `min_refresh_interval_seconds`, so a burst of made-up kids costs the provider one request.
- Keys not refreshed for `max_key_age_seconds` (the provider has been unreachable that long) are
  no longer trusted: a key the provider withdrew, perhaps because it leaked, must not live on.

Accepted tokens are kept (`graph.authz.tokens.VerifiedTokens`) with the key that verified them:
a refresh keeps the key objects of entries it finds unchanged, and a key it drops or changes
takes the tokens it verified with it; stale keys refuse cached tokens as they refuse the others.
"""

import asyncio
import base64
import json
import logging
import time
from collections.abc import Callable, Mapping

import httpx
from joserfc import jwt
from joserfc.errors import JoseError, UnsupportedAlgorithmError
from joserfc.jwa import JWSAlgModel
from joserfc.jwk import ECKey, GuestProtocol, JWKRegistry, Key, OKPKey
from joserfc.jws import JWSRegistry

from graph.authz.principal import Principal
from graph.authz.tokens import (
    InvalidToken,
    VerifiedTokens,
    check_claims,
    principal_from_claims,
)

log = logging.getLogger("bhxh.authz.jwks")

# The accepted algorithms and the key type (and curve) each needs. Anything else is refused before
# a key is looked up: `none`, HS* (an HMAC keyed with a public key is the classic confusion), etc.
KEY_FOR_ALGORITHM: Mapping[str, tuple[str, str | None]] = {
    "RS256": ("RSA", None),
    "PS256": ("RSA", None),
    "ES256": ("EC", "P-256"),
    "EdDSA": ("OKP", "Ed25519"),
    "Ed25519": ("OKP", "Ed25519"),  # RFC 9864's fully specified name for the same thing
}
MIN_RSA_BITS = 2048
MAX_JWKS_BYTES = 256 * 1024


class IdentityProviderUnavailable(Exception):
    """The JWKS could not be fetched or read. The message is for logs and the CLI, not for
    callers: it names the provider's URL."""


class _QuietEdDSARegistry(JWSRegistry):
    """joserfc warns on every use of `EdDSA`, the polymorphic name RFC 9864 deprecates. The curve
    is pinned to Ed25519 by `KEY_FOR_ALGORITHM`, which is what the deprecation is about, so the
    warning would only repeat on every request (and fail tests that treat warnings as errors)."""

    def get_alg(self, name: str) -> JWSAlgModel:
        if name == "EdDSA" and self.allowed and name in self.allowed:
            return self.algorithms[name]
        return super().get_alg(name)


# Not strict about header names: RFC 7515 says to ignore unknown ones (`crit` is still enforced),
# and providers add their own; nothing here acts on any header but `alg` and `kid`.
_REGISTRY = _QuietEdDSARegistry(algorithms=list(KEY_FOR_ALGORITHM), strict_check_header=False)


class JwksVerifier:
    """Verifies the identity provider's tokens; satisfies `graph.authz.tokens.TokenVerifier`."""

    def __init__(
        self,
        *,
        jwks_url: str,
        issuer: str,
        audience: str,
        ttl_seconds: float = 600.0,
        min_refresh_interval_seconds: float = 30.0,
        max_key_age_seconds: float = 3600.0,
        timeout_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        verified: VerifiedTokens | None = None,
    ) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self.ttl_seconds = ttl_seconds
        self.min_refresh_interval_seconds = min_refresh_interval_seconds
        self.max_key_age_seconds = max_key_age_seconds
        self.timeout_seconds = timeout_seconds
        self._clock = clock
        self.verified = VerifiedTokens() if verified is None else verified
        self._keys: dict[str, Key] = {}
        self._fetched_at: float | None = None  # start of the last successful fetch
        self._attempted_at: float | None = None  # start of the last fetch, whatever came of it
        self._refreshing: asyncio.Task[None] | None = None
        # Fetches may overlap (a scheduled one and an explicit `refresh()`): the newest one
        # started wins, whichever finishes last.
        self._started = 0
        self._installed = 0

    def verify(self, token: str) -> Principal:
        now = self._clock()
        if self._fetched_at is None or now - self._fetched_at > self.max_key_age_seconds:
            self._schedule_refresh(now)
            raise InvalidToken("identity provider unavailable")
        if now - self._fetched_at > self.ttl_seconds:
            self._schedule_refresh(now)
        if (principal := self.verified.get(token, self._trusted)) is not None:
            return principal
        try:
            decoded = jwt.decode(token, self._key_for, registry=_REGISTRY)
        except UnsupportedAlgorithmError:
            raise InvalidToken("token rejected: algorithm not allowed") from None
        except JoseError as exc:
            raise InvalidToken(f"token rejected: {exc.description or exc.error}") from None
        except ValueError:
            raise InvalidToken("token rejected: malformed") from None
        check_claims(decoded.claims, issuer=self.issuer, audience=self.audience)
        principal = principal_from_claims(decoded.claims)
        # The key `_key_for` gave joserfc: nothing ran on the loop since, so the set is the same.
        self.verified.put(token, decoded.claims, self._keys[decoded.header["kid"]], principal)
        return principal

    def _trusted(self, key: object) -> bool:
        """Whether `key` is the current key set's key for its kid (a refresh replaces the key
        objects of keys it changed and drops those it no longer finds)."""
        return isinstance(key, Key) and isinstance(key.kid, str) and self._keys.get(key.kid) is key

    async def refresh(self) -> None:
        """Fetch the JWKS now, whatever the gate says; raises `IdentityProviderUnavailable`."""
        started = self._clock()
        self._attempted_at = started
        self._started += 1
        generation = self._started
        keys = await self._fetch()
        if generation < self._installed:
            return
        for kid, key in keys.items():
            if (old := self._keys.get(kid)) is not None and _same(old, key):
                keys[kid] = old  # the tokens it verified stay verified
        self._keys, self._fetched_at, self._installed = keys, started, generation
        self.verified.retain(self._trusted)
        log.info("JWKS refreshed: %d signing keys (%s)", len(keys), ", ".join(sorted(keys)))

    async def idle(self) -> None:
        """Wait for a scheduled refresh to finish, if one is under way."""
        if self._refreshing is not None:
            await self._refreshing

    def _key_for(self, token: GuestProtocol) -> Key:
        """The key for the token's `kid`, called by joserfc after it checked `alg` is allowed."""
        header = token.headers()
        alg, kid = header["alg"], header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("token rejected: no key id (kid)")
        key = self._keys.get(kid)
        if key is None:
            self._schedule_refresh(self._clock())
            raise InvalidToken("token rejected: unknown signing key")
        if not _fits(key, alg):
            raise InvalidToken("token rejected: the key does not match the algorithm")
        return key

    def _schedule_refresh(self, now: float) -> None:
        if self._refreshing is not None and not self._refreshing.done():
            return
        if (
            self._attempted_at is not None
            and now - self._attempted_at < self.min_refresh_interval_seconds
        ):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # verify called outside an event loop (a script): nothing to run it on
        self._refreshing = loop.create_task(self._refresh_logged(), name="jwks-refresh")

    async def _refresh_logged(self) -> None:
        # Nobody awaits a scheduled refresh: its failure is logged, and the keys it would have
        # replaced stay in use until `max_key_age_seconds`.
        try:
            await self.refresh()
        except IdentityProviderUnavailable as exc:
            log.warning("%s", exc)
        except Exception:
            log.exception("JWKS refresh failed")

    async def _fetch(self) -> dict[str, Key]:
        # A client per fetch: fetches are rare, and a client outlives no event loop, so
        # `bhxh serve` can prefetch in its own `asyncio.run` before uvicorn starts its loop.
        # The overall timeout also bounds a provider that drips its answer byte by byte.
        where = f"identity provider unavailable: GET {self.jwks_url}"
        body = bytearray()
        try:
            async with (
                asyncio.timeout(self.timeout_seconds),
                httpx.AsyncClient(follow_redirects=False) as client,
                client.stream("GET", self.jwks_url, headers={"Accept": "application/json"}) as r,
            ):
                if r.status_code != 200:
                    raise IdentityProviderUnavailable(f"{where}: HTTP {r.status_code}")
                async for chunk in r.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_JWKS_BYTES:
                        raise IdentityProviderUnavailable(f"{where}: over {MAX_JWKS_BYTES} bytes")
        except TimeoutError:
            raise IdentityProviderUnavailable(
                f"{where}: no answer in {self.timeout_seconds:g} s"
            ) from None
        except httpx.HTTPError as exc:
            raise IdentityProviderUnavailable(f"{where}: {type(exc).__name__}: {exc}") from None
        try:
            document = json.loads(body)
        except ValueError:
            raise IdentityProviderUnavailable(f"{where}: the answer is not JSON") from None
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise IdentityProviderUnavailable(f"{where}: the answer is not a JWKS")
        return _signing_keys(document["keys"])


def _signing_keys(entries: list[object]) -> dict[str, Key]:
    """The usable signing keys by kid. One odd entry must not take the others down (RFC 7517
    §5 says to ignore keys one does not understand), so unusable entries are skipped and logged."""
    keys: dict[str, Key] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            log.warning("JWKS entry skipped: not a JSON object")
            continue
        kid = entry.get("kid")
        if isinstance(entry.get("d"), str):
            # A published private key lets anyone sign tokens: never trust it, and say so loudly.
            log.error("JWKS key %r skipped: it carries private key material", kid)
            continue
        if not isinstance(kid, str) or not kid:
            log.info("JWKS key skipped: no kid (tokens name their key by kid)")
            continue
        if reason := _unusable(entry):
            log.info("JWKS key %r skipped: %s", kid, reason)
            continue
        if kid in keys:
            log.warning("JWKS key %r skipped: the kid is used twice; the first one stands", kid)
            continue
        try:
            keys[kid] = JWKRegistry.import_key(entry)
        except (JoseError, ValueError, TypeError) as exc:
            log.warning("JWKS key %r skipped: malformed (%s)", kid, exc)
    if not keys:
        log.warning("the JWKS holds no usable signing key: every token will be refused")
    return keys


def _unusable(entry: dict[str, object]) -> str | None:
    kty = entry.get("kty")
    if kty not in ("RSA", "EC", "OKP"):
        return f"key type {kty!r} is not an accepted signing key type"
    if entry.get("use", "sig") != "sig":
        return f"use {entry.get('use')!r} is not `sig`"
    ops = entry.get("key_ops")
    if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
        return "key_ops does not allow `verify`"
    alg = entry.get("alg")
    if alg is not None and alg not in KEY_FOR_ALGORITHM:
        return f"alg {alg!r} is not accepted"
    if kty == "RSA" and _rsa_bits(entry.get("n")) < MIN_RSA_BITS:
        # Checked before import, which would only warn.
        return f"RSA key shorter than {MIN_RSA_BITS} bits"
    return None


def _rsa_bits(modulus: object) -> int:
    if not isinstance(modulus, str):
        return 0
    try:
        raw = base64.urlsafe_b64decode(modulus + "=" * (-len(modulus) % 4))
    except ValueError:
        return 0
    return int.from_bytes(raw, "big").bit_length()


def _same(old: Key, new: Key) -> bool:
    """The same public key with the same constraints (`alg`, `use`, `key_ops`…)."""
    return type(old) is type(new) and old.as_dict(private=False) == new.as_dict(private=False)


def _fits(key: Key, alg: str) -> bool:
    """The key's type and curve are the ones `alg` needs, and the key isn't reserved for
    another algorithm by its own `alg` member."""
    kty, curve = KEY_FOR_ALGORITHM[alg]
    if key.key_type != kty or (key.alg is not None and key.alg != alg):
        return False
    if isinstance(key, ECKey | OKPKey):
        return key.curve_name == curve
    return True

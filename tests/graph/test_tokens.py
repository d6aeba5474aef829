"""Token verification refuses everything but a well-formed, signed, current development token."""

import base64
import json
import time
from typing import cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

from graph.authz import tokens
from graph.authz.principal import Role


@pytest.fixture(scope="module")
def key() -> ECKey:
    return ECKey.generate_key("P-256", private=True, auto_kid=True)


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_valid_token_gives_the_principal(key: ECKey) -> None:
    token = tokens.mint(key, role=Role.OFFICER, subject="o1", scopes=["identity", "medical"])
    principal = tokens.dev_verifier(key).verify(token)
    assert principal.role is Role.OFFICER
    assert principal.scopes == {"identity", "medical"}


def test_ministry_claim(key: ECKey) -> None:
    token = tokens.mint(key, role=Role.MINISTRY, subject="m1", org="DEFENCE")
    assert tokens.dev_verifier(key).verify(token).ministry == "DEFENCE"


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "not_yet_valid",
        "tampered",
        "alg_none",
        "hs256_with_public_key",
        "other_key",
        "wrong_issuer",
        "wrong_audience",
        "unknown_role",
    ],
)
def test_refused(key: ECKey, case: str) -> None:
    now = int(time.time())
    verifier = tokens.dev_verifier(key)
    good = tokens.mint(key, role=Role.CITIZEN, subject="001088012345")
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    match case:
        case "expired":
            token = tokens.mint(key, role=Role.CITIZEN, subject="x", ttl_seconds=10, now=now - 3600)
        case "not_yet_valid":
            token = tokens.mint(key, role=Role.CITIZEN, subject="x", now=now + 3600)
        case "tampered":
            token = ".".join([header, _b64({**claims, "sub": "079188000001"}), signature])
        case "alg_none":
            token = ".".join([_b64({"alg": "none", "typ": "JWT"}), payload, ""])
        case "hs256_with_public_key":
            public = json.dumps(key.as_dict(private=False)).encode()
            token = jwt.encode(
                {"alg": "HS256", "kid": key.kid},
                claims,
                OctKey.import_key(public),
                algorithms=["HS256"],
            )
        case "other_key":
            kid = cast(str, key.kid)  # generated with auto_kid
            other = ECKey.generate_key("P-256", private=True, parameters={"kid": kid})
            token = jwt.encode({"alg": "ES256", "kid": key.kid}, claims, other)
        case "wrong_issuer":
            token = jwt.encode({"alg": "ES256", "kid": key.kid}, {**claims, "iss": "someone"}, key)
        case "wrong_audience":
            token = jwt.encode(
                {"alg": "ES256", "kid": key.kid}, {**claims, "aud": "other-api"}, key
            )
        case "unknown_role":
            token = jwt.encode({"alg": "ES256", "kid": key.kid}, {**claims, "role": "ROOT"}, key)
    with pytest.raises(tokens.InvalidToken) as refused:
        verifier.verify(token)
    assert str(refused.value).startswith("token rejected")


def test_rsa_key_is_not_accepted_for_es256(key: ECKey) -> None:
    rsa = RSAKey.generate_key(2048, private=True, auto_kid=True)
    claims = {
        "iss": tokens.DEV_ISSUER,
        "aud": tokens.AUDIENCE,
        "sub": "x",
        "role": "CITIZEN",
        "exp": int(time.time()) + 60,
    }
    token = jwt.encode({"alg": "RS256", "kid": rsa.kid}, claims, rsa)
    with pytest.raises(tokens.InvalidToken):
        tokens.dev_verifier(key).verify(token)


def signed(key: ECKey, overrides: dict[str, object]) -> str:
    """A development token whose claims are replaced by `overrides` (any shape at all)."""
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": tokens.DEV_ISSUER,
        "aud": tokens.AUDIENCE,
        "sub": "officer-1",
        "role": "OFFICER",
        "iat": now,
        "exp": now + 600,
        **overrides,
    }
    return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)


@pytest.mark.parametrize(
    "overrides",
    [
        {"role": ["OFFICER"]},
        {"role": None},
        {"role": 1},
        {"org": ["BYT"]},
        {"org": {"code": "BYT"}},
        {"org": "BYT,consent:1"},
        {"org": "BYT consent:1"},
        {"org": "BYT\r\nforged log line"},
        {"org": ""},
        {"org": "x" * 65},
        {"sub": ["001088012345"]},
        {"sub": "a,b"},
        {"sub": "tab\there"},
        {"sub": "ünïcode"},
        {"scope": ["identity"]},
        {"scope": "identity,medical"},
        {"scope": "identity\tmedical"},
        {"scope": "identity  medical"},
        {"scope": 7},
        {"jti": ["x"]},
        {"jti": "a,b"},
    ],
)
def test_claims_of_the_wrong_shape_refuse_the_token(
    key: ECKey, overrides: dict[str, object]
) -> None:
    with pytest.raises(tokens.InvalidToken) as refused:
        tokens.dev_verifier(key).verify(signed(key, overrides))
    assert str(refused.value).startswith("token rejected")


def test_plain_claims_still_pass(key: ECKey) -> None:
    principal = tokens.dev_verifier(key).verify(
        signed(
            key,
            {
                "role": "EMPLOYER",
                "sub": "auth0|5f1c:user@example.vn",
                "org": "0101234567-001",
                "scope": "identity social_insurance openid bhxh:read",
                "jti": "b1f0e2c4-aa",
            },
        )
    )
    assert principal.org == "0101234567-001"
    assert principal.scopes == {"identity", "social_insurance", "openid", "bhxh:read"}


_ANY_CLAIM = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=200, deadline=None)
@given(
    name=st.sampled_from(["role", "sub", "org", "scope", "jti"]),
    value=_ANY_CLAIM,
)
def test_any_claim_value_gives_a_principal_of_plain_strings_or_a_refusal(
    key: ECKey, name: str, value: object
) -> None:
    """Never another exception (a 500), and nothing a log line or a ground could split on."""
    try:
        principal = tokens.dev_verifier(key).verify(signed(key, {name: value}))
    except tokens.InvalidToken:
        return
    texts = [principal.subject, principal.org or "", principal.token_id or "", *principal.scopes]
    for text in texts:
        assert isinstance(text, str)
        assert not any(c in text for c in ", \t\r\n\x00;") and text.isascii()


# --- the cache of verified tokens ----------------------------------------------------------------


class Verifications:
    """Counts the signature checks (joserfc's `jwt.decode`) that verifiers make."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        decode = jwt.decode

        def counted(*args: object, **kwargs: object) -> object:
            self.count += 1
            return decode(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(jwt, "decode", counted)


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Verifications:
    return Verifications(monkeypatch)


class WallClock:
    """The cache's clock, moved by hand; verification itself stays on the real clock."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _cached_verifier(key: ECKey, clock: WallClock, size: int = 16) -> tokens.KeySetVerifier:
    return tokens.KeySetVerifier(
        keys=tokens.dev_verifier(key).keys,
        issuer=tokens.DEV_ISSUER,
        audience=tokens.AUDIENCE,
        verified=tokens.VerifiedTokens(size, clock=clock),
    )


def test_a_token_is_verified_once_then_answered_from_the_cache(
    key: ECKey, verifications: Verifications
) -> None:
    verifier = tokens.dev_verifier(key)
    token = tokens.mint(key, role=Role.OFFICER, subject="o1", scopes=["identity"])
    principals = {verifier.verify(token) for _ in range(3)}
    assert verifications.count == 1
    assert principals == {verifier.verify(token)}
    assert len(verifier.verified) == 1


def test_a_cached_token_is_verified_again_from_its_exp_on(
    key: ECKey, verifications: Verifications
) -> None:
    clock = WallClock()
    verifier = _cached_verifier(key, clock)
    token = tokens.mint(key, role=Role.OFFICER, subject="o1", ttl_seconds=60)
    expires = int(json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["exp"])
    verifier.verify(token)
    clock.now = expires - 0.001
    verifier.verify(token)
    assert verifications.count == 1
    clock.now = expires
    verifier.verify(token)  # the real clock is still well before exp: verification accepts it
    assert verifications.count == 2


def test_a_token_within_the_leeway_past_its_exp_is_never_answered_from_the_cache(
    key: ECKey, verifications: Verifications
) -> None:
    verifier = tokens.dev_verifier(key)
    token = tokens.mint(
        key, role=Role.OFFICER, subject="o1", ttl_seconds=10, now=int(time.time()) - 15
    )
    verifier.verify(token)  # accepted: 5 s past exp is within the leeway
    verifier.verify(token)
    assert verifications.count == 2
    assert len(verifier.verified) == 0


def test_a_cached_token_is_not_answered_before_its_nbf(
    key: ECKey, verifications: Verifications
) -> None:
    clock = WallClock()
    verifier = _cached_verifier(key, clock)
    not_before = int(time.time()) + 20  # within the leeway: accepted now
    token = tokens.mint(key, role=Role.OFFICER, subject="o1", now=not_before)
    verifier.verify(token)
    verifier.verify(token)
    assert verifications.count == 1
    clock.now = not_before - tokens.LEEWAY_SECONDS - 1  # the clock set back
    verifier.verify(token)  # verification (on the real clock) decides again
    assert verifications.count == 2


@pytest.mark.parametrize("case", ["not_yet_valid", "expired", "tampered", "unknown_role"])
def test_a_refused_token_is_not_cached(key: ECKey, verifications: Verifications, case: str) -> None:
    verifier = tokens.dev_verifier(key)
    now = int(time.time())
    good = tokens.mint(key, role=Role.CITIZEN, subject="001088012345")
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    match case:
        case "not_yet_valid":
            token = tokens.mint(key, role=Role.CITIZEN, subject="x", now=now + 3600)
        case "expired":
            token = tokens.mint(key, role=Role.CITIZEN, subject="x", ttl_seconds=10, now=now - 3600)
        case "tampered":
            token = ".".join([header, _b64({**claims, "sub": "079188000001"}), signature])
        case "unknown_role":  # a good signature, a claim refused after it
            token = jwt.encode({"alg": "ES256", "kid": key.kid}, {**claims, "role": "ROOT"}, key)
    for _ in range(2):
        with pytest.raises(tokens.InvalidToken):
            verifier.verify(token)
    assert verifications.count == 2
    assert len(verifier.verified) == 0


def test_the_cache_keeps_the_most_recently_used_tokens_up_to_its_size(
    key: ECKey, verifications: Verifications
) -> None:
    verifier = _cached_verifier(key, WallClock(), size=2)
    first, second, third = (tokens.mint(key, role=Role.OFFICER, subject=f"o{i}") for i in range(3))
    verifier.verify(first)
    verifier.verify(second)
    verifier.verify(first)  # now the most recently used
    verifier.verify(third)  # evicts `second`
    assert verifications.count == 3
    assert len(verifier.verified) == 2
    verifier.verify(first)
    verifier.verify(third)
    assert verifications.count == 3
    verifier.verify(second)
    assert verifications.count == 4


def test_a_token_without_exp_is_never_cached() -> None:
    cache = tokens.VerifiedTokens()
    principal = tokens.principal_from_claims({"role": "OFFICER", "sub": "o1"})
    cache.put("t", {"sub": "o1", "exp": None}, None, principal)
    cache.put("u", {"sub": "o1", "exp": True}, None, principal)
    assert len(cache) == 0

"""Token verification refuses everything but a well-formed, signed, current development token."""

import base64
import json
import time

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
            other = ECKey.generate_key("P-256", private=True, parameters={"kid": key.kid})
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

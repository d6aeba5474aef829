"""Production tokens: the identity provider's JWKS, served by a real HTTP server on loopback."""

import asyncio
import base64
import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from click.testing import CliRunner
from joserfc import jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, Key, OctKey, OKPKey, RSAKey

from db import migrate
from db.roles import DEFAULT_RUNTIME_ROLE
from db.session import Database
from db.urls import libpq_conninfo, user_of, with_user
from graph.app import create_app
from graph.authz import tokens
from graph.authz.jwks import IdentityProviderUnavailable, JwksVerifier
from graph.authz.principal import Principal, Role
from graph.cli import main
from graph.config import ConfigError, Settings
from tests.conftest import create_database, drop_database

ISSUER = "https://id.bhxh.example/realms/bhxh"
AUDIENCE = "bhxh-graph"
MIN_INTERVAL = 30.0


# --- a provider on 127.0.0.1 -------------------------------------------------------------------


@dataclass
class Provider:
    url: str
    keys: list[Key] = field(default_factory=list)
    status: int = 200
    body: bytes | None = None
    """Served as is instead of the key set, when set."""
    delays: list[float] = field(default_factory=list)
    """Seconds to hold each next answer, taken one per request (the document is read first)."""
    received: threading.Event = field(default_factory=threading.Event)
    fetches: int = 0

    def publish(self, *keys: Key) -> None:
        self.keys = list(keys)

    def document(self) -> bytes:
        if self.body is not None:
            return self.body
        return json.dumps({"keys": [k.as_dict(private=False) for k in self.keys]}).encode()


class _Server(ThreadingHTTPServer):
    provider: Provider


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        provider = self.server.provider
        provider.fetches += 1
        body = provider.document()
        provider.received.set()
        if provider.delays:
            time.sleep(provider.delays.pop(0))
        self.send_response(provider.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output clean


@pytest.fixture
def provider() -> Iterator[Provider]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.provider = Provider(url=f"http://127.0.0.1:{server.server_address[1]}/jwks.json")
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield server.provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/jwks.json"


class Clock:
    """The verifier's monotonic clock, moved by hand; token times stay on the wall clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def verifier(provider: Provider, clock: Clock) -> AsyncIterator[JwksVerifier]:
    verifier = JwksVerifier(
        jwks_url=provider.url,
        issuer=ISSUER,
        audience=AUDIENCE,
        min_refresh_interval_seconds=MIN_INTERVAL,
        clock=clock,
    )
    yield verifier
    await verifier.idle()  # no refresh left running past the test


# --- keys and tokens ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa() -> RSAKey:
    return RSAKey.generate_key(2048, private=True, auto_kid=True)


@pytest.fixture(scope="module")
def ec() -> ECKey:
    return ECKey.generate_key("P-256", private=True, auto_kid=True)


@pytest.fixture(scope="module")
def ed() -> OKPKey:
    return OKPKey.generate_key("Ed25519", private=True, auto_kid=True)


def _claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "officer-7",
        "role": "OFFICER",
        "org": "BHXH-HN",
        "scope": "identity social_insurance",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": "t-1",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(key: Key, alg: str, *, kid: str | None = "", **claims: object) -> str:
    header = {"alg": alg, "kid": key.kid if kid == "" else kid}
    with warnings.catch_warnings():
        # signing with the deprecated name `EdDSA` warns; providers still use it
        warnings.simplefilter("ignore", SecurityWarning)
        return jwt.encode(
            {k: v for k, v in header.items() if v is not None},
            _claims(**claims),
            key,
            algorithms=[alg],
        )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# --- accepted ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alg", "key_name"),
    [("RS256", "rsa"), ("PS256", "rsa"), ("ES256", "ec"), ("EdDSA", "ed"), ("Ed25519", "ed")],
)
async def test_each_asymmetric_algorithm_gives_the_principal(
    provider: Provider,
    verifier: JwksVerifier,
    alg: str,
    key_name: str,
    request: pytest.FixtureRequest,
) -> None:
    key: Key = request.getfixturevalue(key_name)
    provider.publish(key)
    await verifier.refresh()
    assert verifier.verify(_sign(key, alg)) == Principal(
        role=Role.OFFICER,
        subject="officer-7",
        org="BHXH-HN",
        scopes=frozenset({"identity", "social_insurance"}),
        token_id="t-1",
    )


async def test_clock_skew_within_the_leeway_is_tolerated(
    provider: Provider, verifier: JwksVerifier, ec: ECKey
) -> None:
    provider.publish(ec)
    await verifier.refresh()
    now = int(time.time())
    assert verifier.verify(_sign(ec, "ES256", exp=now - 10)).subject == "officer-7"
    assert verifier.verify(_sign(ec, "ES256", nbf=now + 20, iat=now + 20)).subject == "officer-7"


async def test_an_audience_list_naming_us_is_accepted(
    provider: Provider, verifier: JwksVerifier, ec: ECKey
) -> None:
    provider.publish(ec)
    await verifier.refresh()
    assert verifier.verify(_sign(ec, "ES256", aud=["portal", AUDIENCE])).subject == "officer-7"


# --- refused -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        "alg_none",
        "hs256_with_the_rsa_public_key",
        "rs384",
        "es256_header_on_the_rsa_kid",
        "rs256_header_on_the_ec_kid",
        "signed_by_another_key",
        "tampered",
        "no_kid",
        "wrong_issuer",
        "wrong_audience",
        "no_subject",
        "no_expiry",
        "expired",
        "not_yet_valid",
        "unknown_role",
        "malformed",
    ],
)
async def test_refused(
    provider: Provider, verifier: JwksVerifier, rsa: RSAKey, ec: ECKey, case: str
) -> None:
    provider.publish(rsa, ec)
    await verifier.refresh()
    now = int(time.time())
    good = _sign(rsa, "RS256")
    header, payload, signature = good.split(".")
    match case:
        case "alg_none":
            token = f"{_b64(json.dumps({'alg': 'none', 'kid': rsa.kid}).encode())}.{payload}."
        case "hs256_with_the_rsa_public_key":
            # The classic confusion, built by hand: joserfc itself refuses to make this key.
            head = _b64(json.dumps({"alg": "HS256", "kid": rsa.kid}).encode())
            mac = hmac.new(rsa.as_pem(private=False), f"{head}.{payload}".encode(), hashlib.sha256)
            token = f"{head}.{payload}.{_b64(mac.digest())}"
        case "rs384":
            token = _sign(rsa, "RS384")
        case "es256_header_on_the_rsa_kid":
            token = _sign(ec, "ES256", kid=rsa.kid)
        case "rs256_header_on_the_ec_kid":
            token = _sign(rsa, "RS256", kid=ec.kid)
        case "signed_by_another_key":
            other = RSAKey.generate_key(2048, private=True)
            token = _sign(other, "RS256", kid=rsa.kid)
        case "tampered":
            forged = _b64(json.dumps(_claims(role="AUDITOR")).encode())
            token = f"{header}.{forged}.{signature}"
        case "no_kid":
            token = _sign(rsa, "RS256", kid=None)
        case "wrong_issuer":
            token = _sign(rsa, "RS256", iss="https://evil.example")
        case "wrong_audience":
            token = _sign(rsa, "RS256", aud="another-api")
        case "no_subject":
            token = _sign(rsa, "RS256", sub=None)
        case "no_expiry":
            token = _sign(rsa, "RS256", exp=None)
        case "expired":
            token = _sign(rsa, "RS256", exp=now - 60)
        case "not_yet_valid":
            token = _sign(rsa, "RS256", nbf=now + 120)
        case "unknown_role":
            token = _sign(rsa, "RS256", role="ROOT")
        case "malformed":
            token = "not-a-jwt"
    with pytest.raises(tokens.InvalidToken) as refused:
        verifier.verify(token)
    assert str(refused.value).startswith("token rejected")
    assert provider.fetches == 1  # none of these sends us to the provider


async def test_dev_tokens_are_refused_even_if_the_provider_published_the_dev_key(
    provider: Provider, verifier: JwksVerifier, ec: ECKey
) -> None:
    provider.publish(ec)
    await verifier.refresh()
    dev_token = tokens.mint(ec, role=Role.OFFICER, subject="demo-officer")
    with pytest.raises(tokens.InvalidToken, match="iss"):
        verifier.verify(dev_token)


async def test_keys_that_are_not_public_signing_keys_are_ignored(
    provider: Provider, verifier: JwksVerifier, rsa: RSAKey, ec: ECKey
) -> None:
    private = ECKey.generate_key("P-256", private=True, auto_kid=True)
    encryption = RSAKey.generate_key(2048, private=False, parameters={"kid": "enc", "use": "enc"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        short = RSAKey.generate_key(1024, private=True, auto_kid=True)
    secret = OctKey.generate_key(256, parameters={"kid": "shared"})
    entries: list[object] = [
        private.as_dict(private=True),  # a leaked private key lets anyone sign
        encryption.as_dict(),
        short.as_dict(private=False),
        secret.as_dict(private=True),
        {"kty": "EC", "kid": "broken", "crv": "P-256", "x": "AA", "y": "AA"},
        {**ec.as_dict(private=False), "kid": None},
        "not a key",
        rsa.as_dict(private=False),
    ]
    provider.body = json.dumps({"keys": entries}).encode()
    await verifier.refresh()

    assert verifier.verify(_sign(rsa, "RS256")).subject == "officer-7"
    for token in (_sign(private, "ES256"), _sign(short, "RS256"), _sign(ec, "ES256", kid="broken")):
        with pytest.raises(tokens.InvalidToken, match="unknown signing key"):
            verifier.verify(token)
    hs = _sign(secret, "HS256")
    with pytest.raises(tokens.InvalidToken, match="algorithm not allowed"):
        verifier.verify(hs)


async def test_a_key_reserved_for_one_algorithm_is_not_used_with_another(
    provider: Provider, verifier: JwksVerifier, rsa: RSAKey
) -> None:
    provider.body = json.dumps({"keys": [{**rsa.as_dict(private=False), "alg": "RS256"}]}).encode()
    await verifier.refresh()
    assert verifier.verify(_sign(rsa, "RS256")).subject == "officer-7"
    with pytest.raises(tokens.InvalidToken, match="does not match the algorithm"):
        verifier.verify(_sign(rsa, "PS256"))


# --- fetching: rotation, TTL, rate limit -------------------------------------------------------


async def test_an_unknown_kid_triggers_one_refresh_and_then_succeeds(
    provider: Provider, verifier: JwksVerifier, clock: Clock, rsa: RSAKey, ec: ECKey
) -> None:
    provider.publish(rsa)
    await verifier.refresh()
    clock.now += MIN_INTERVAL
    provider.publish(ec)  # rotated: the new key in, the old one withdrawn
    rotated = _sign(ec, "ES256")

    with pytest.raises(tokens.InvalidToken, match="unknown signing key"):
        verifier.verify(rotated)
    await verifier.idle()
    assert provider.fetches == 2
    assert verifier.verify(rotated).subject == "officer-7"
    with pytest.raises(tokens.InvalidToken, match="unknown signing key"):
        verifier.verify(_sign(rsa, "RS256"))  # the withdrawn key no longer counts
    await verifier.idle()
    assert provider.fetches == 2


async def test_a_burst_of_unknown_kids_costs_at_most_one_fetch(
    provider: Provider, verifier: JwksVerifier, clock: Clock, ec: ECKey
) -> None:
    provider.publish(ec)
    await verifier.refresh()
    clock.now += MIN_INTERVAL

    def burst() -> None:
        for _ in range(50):
            with pytest.raises(tokens.InvalidToken, match="unknown signing key"):
                verifier.verify(_sign(ec, "ES256", kid=uuid.uuid4().hex))

    burst()
    await verifier.idle()
    burst()  # within the interval after that refresh: nothing
    await verifier.idle()
    assert provider.fetches == 2
    clock.now += MIN_INTERVAL
    burst()
    await verifier.idle()
    assert provider.fetches == 3


async def test_keys_past_their_ttl_stay_in_use_while_a_refresh_runs(
    provider: Provider, verifier: JwksVerifier, clock: Clock, ec: ECKey
) -> None:
    provider.publish(ec)
    await verifier.refresh()
    token = _sign(ec, "ES256")
    clock.now += verifier.ttl_seconds - 1
    verifier.verify(token)
    assert provider.fetches == 1
    clock.now += 2
    verifier.verify(token)
    await verifier.idle()
    assert provider.fetches == 2


async def test_overlapping_refreshes_keep_the_newest_key_set(
    provider: Provider, verifier: JwksVerifier, rsa: RSAKey, ec: ECKey
) -> None:
    provider.publish(rsa)
    provider.delays = [0.3]
    slow = asyncio.create_task(verifier.refresh())
    assert await asyncio.to_thread(provider.received.wait, 5)  # the slow one has read [rsa]
    provider.publish(ec)
    await verifier.refresh()
    await slow  # finishes last, with the older set
    assert verifier.verify(_sign(ec, "ES256")).subject == "officer-7"
    with pytest.raises(tokens.InvalidToken, match="unknown signing key"):
        verifier.verify(_sign(rsa, "RS256"))


# --- the provider down -------------------------------------------------------------------------


async def test_unreachable_provider_is_a_clear_refusal(clock: Clock, ec: ECKey) -> None:
    verifier = JwksVerifier(
        jwks_url=_closed_port_url(), issuer=ISSUER, audience=AUDIENCE, clock=clock
    )
    with pytest.raises(IdentityProviderUnavailable, match="identity provider unavailable"):
        await verifier.refresh()
    clock.now += MIN_INTERVAL
    with pytest.raises(tokens.InvalidToken) as refused:
        verifier.verify(_sign(ec, "ES256"))
    assert str(refused.value) == "identity provider unavailable"
    await verifier.idle()


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (503, b"{}", "HTTP 503"),
        (200, b"<html>", "not JSON"),
        (200, b'{"keys": {}}', "not a JWKS"),
        (200, b'{"keys": []' + b" " * 300_000 + b"}", "over"),
    ],
)
async def test_a_bad_answer_is_the_provider_unavailable(
    provider: Provider,
    verifier: JwksVerifier,
    ec: ECKey,
    status: int,
    body: bytes,
    reason: str,
) -> None:
    provider.status, provider.body = status, body
    with pytest.raises(IdentityProviderUnavailable, match=reason):
        await verifier.refresh()
    with pytest.raises(tokens.InvalidToken, match=r"^identity provider unavailable$"):
        verifier.verify(_sign(ec, "ES256"))


async def test_keys_outlive_an_outage_only_up_to_their_max_age(
    provider: Provider, verifier: JwksVerifier, clock: Clock, ec: ECKey
) -> None:
    provider.publish(ec)
    await verifier.refresh()
    provider.status = 503
    token = _sign(ec, "ES256")
    clock.now += verifier.ttl_seconds + 1
    verifier.verify(token)  # stale but trusted; the refresh it starts fails
    await verifier.idle()
    assert provider.fetches == 2
    clock.now = 1000.0 + verifier.max_key_age_seconds + 1
    with pytest.raises(tokens.InvalidToken, match=r"^identity provider unavailable$"):
        verifier.verify(token)
    await verifier.idle()
    provider.status = 200  # back: the refresh the next refusal starts restores service
    clock.now += MIN_INTERVAL
    with pytest.raises(tokens.InvalidToken):
        verifier.verify(token)
    await verifier.idle()
    assert verifier.verify(token).subject == "officer-7"


def test_verify_outside_an_event_loop_schedules_nothing(ec: ECKey) -> None:
    verifier = JwksVerifier(jwks_url=_closed_port_url(), issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(tokens.InvalidToken, match="identity provider unavailable"):
        verifier.verify(_sign(ec, "ES256"))


# --- through the app ---------------------------------------------------------------------------


async def test_the_app_answers_401_with_the_reason(
    provider: Provider, verifier: JwksVerifier, runtime_url: str, rsa: RSAKey
) -> None:
    database = Database(libpq_conninfo(runtime_url), min_size=1, max_size=2)
    app = create_app(database=database, verifier=verifier, dev=False, graphiql=False)
    await database.open()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:

            async def ask(token: str) -> httpx.Response:
                return await client.post(
                    "/graphql",
                    json={"query": "{ __typename }"},
                    headers={"Authorization": f"Bearer {token}"},
                )

            token = _sign(rsa, "RS256")
            down = await ask(token)
            assert down.status_code == 401
            assert down.json()["errors"][0]["message"] == "identity provider unavailable"
            await verifier.idle()
            provider.publish(rsa)
            await verifier.refresh()
            up = await ask(token)
            assert up.status_code == 200, up.text
            assert up.json() == {"data": {"__typename": "Query"}}
    finally:
        await database.close()


# --- configuration -----------------------------------------------------------------------------

PROD = {
    "BHXH_ENV": "prod",
    "BHXH_TOKEN_ISSUER": ISSUER,
    "BHXH_JWKS_URL": "https://id.bhxh.example/realms/bhxh/certs",
}


def test_prod_identity_provider_from_the_environment() -> None:
    provider = Settings.from_env(PROD).identity_provider()
    assert (provider.issuer, provider.audience, provider.jwks_url) == (
        ISSUER,
        "bhxh-graph",
        PROD["BHXH_JWKS_URL"],
    )
    custom = Settings.from_env({**PROD, "BHXH_TOKEN_AUDIENCE": "api://bhxh"})
    assert custom.identity_provider().audience == "api://bhxh"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"BHXH_ENV": "prod"}, "set BHXH_TOKEN_ISSUER and BHXH_JWKS_URL"),
        ({**PROD, "BHXH_TOKEN_ISSUER": ""}, "set BHXH_TOKEN_ISSUER ("),
        ({**PROD, "BHXH_JWKS_URL": ""}, "set BHXH_JWKS_URL ("),
        ({**PROD, "BHXH_JWKS_URL": "http://id.bhxh.example/certs"}, "must be an https:// URL"),
        ({**PROD, "BHXH_JWKS_URL": "file:///etc/jwks.json"}, "must be an https:// URL"),
        ({**PROD, "BHXH_TOKEN_ISSUER": tokens.DEV_ISSUER}, "is the development issuer"),
        ({**PROD, "BHXH_TOKEN_AUDIENCE": ""}, "BHXH_TOKEN_AUDIENCE must not be empty"),
    ],
)
def test_prod_identity_provider_errors(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        Settings.from_env(environ).identity_provider()
    assert message in str(error.value)


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "[::1]", "localhost"])
def test_plain_http_only_to_loopback(host: str) -> None:
    environ = {**PROD, "BHXH_JWKS_URL": f"http://{host}/jwks.json"}
    assert Settings.from_env(environ).identity_provider().jwks_url.startswith("http://")


def test_dev_needs_no_identity_provider() -> None:
    assert Settings.from_env({"BHXH_ENV": "dev"}).dev


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"BHXH_ENV": "prod", "DATABASE_URL": "postgresql://db/bhxh"}, "BHXH_TOKEN_ISSUER"),
        (PROD, "needs DATABASE_URL"),
        (
            {**PROD, "DATABASE_URL": "postgresql://db/bhxh", "BHXH_JWKS_URL": "<closed>"},
            "identity provider unavailable",
        ),
    ],
)
def test_serve_in_prod_refuses_to_start_without_what_it_needs(
    tmp_path: Path, environ: dict[str, str], message: str
) -> None:
    unset: dict[str, str | None] = dict.fromkeys(
        ("DATABASE_URL", "BHXH_TOKEN_ISSUER", "BHXH_TOKEN_AUDIENCE", "BHXH_JWKS_URL")
    )
    env = {**unset, **environ, "BHXH_DATA_DIR": str(tmp_path)}
    if env.get("BHXH_JWKS_URL") == "<closed>":
        env["BHXH_JWKS_URL"] = _closed_port_url()
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert not (tmp_path / "dev-signing-key.json").exists()  # prod never makes a dev key


# --- serve in prod: the database user it serves as ---------------------------------------------


@pytest.fixture
def prod(tmp_path: Path, provider: Provider, ec: ECKey) -> dict[str, str | None]:
    provider.publish(ec)
    return {
        "BHXH_ENV": "prod",
        "BHXH_TOKEN_ISSUER": ISSUER,
        "BHXH_JWKS_URL": provider.url,
        "BHXH_DATA_DIR": str(tmp_path),
        "BHXH_MIGRATION_URL": None,
        "BHXH_ALLOW_PRIVILEGED_RUNTIME": None,
    }


def test_prod_refuses_to_serve_as_a_user_that_could_rewrite_the_log(
    prod: dict[str, str | None], database_url: str, served_as: list[str]
) -> None:
    result = CliRunner().invoke(main, ["serve"], env={**prod, "DATABASE_URL": database_url})
    assert result.exit_code == 1, result.output
    (line,) = result.output.splitlines()  # one clear line, no traceback
    assert line.startswith("Error: refusing to serve: database user ")
    assert "could rewrite the access log" in line
    assert "BHXH_ALLOW_PRIVILEGED_RUNTIME=1" in line
    assert served_as == []


def test_prod_serves_as_the_owner_only_when_told_to(
    prod: dict[str, str | None], database_url: str, served_as: list[str]
) -> None:
    env = {**prod, "DATABASE_URL": database_url, "BHXH_ALLOW_PRIVILEGED_RUNTIME": "1"}
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 0, result.output
    assert served_as == [user_of(database_url)]


def test_prod_migrates_as_the_owner_and_serves_as_the_runtime_role(
    prod: dict[str, str | None], database_url: str, runtime_url: str, served_as: list[str]
) -> None:
    env = {**prod, "DATABASE_URL": runtime_url, "BHXH_MIGRATION_URL": database_url}
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 0, result.output
    assert served_as == [DEFAULT_RUNTIME_ROLE]


def test_prod_without_the_owners_url_serves_a_migrated_database_only(
    prod: dict[str, str | None], runtime_url: str, server_url: str, served_as: list[str]
) -> None:
    result = CliRunner().invoke(main, ["serve"], env={**prod, "DATABASE_URL": runtime_url})
    assert result.exit_code == 0, result.output
    assert served_as == [DEFAULT_RUNTIME_ROLE]

    empty = create_database(server_url)
    try:
        env = {**prod, "DATABASE_URL": with_user(empty, DEFAULT_RUNTIME_ROLE)}
        result = CliRunner().invoke(main, ["serve"], env=env)
    finally:
        drop_database(server_url, empty)
    assert result.exit_code == 1, result.output
    assert f"is at revision (empty) and this release needs {migrate.head()}" in result.output
    assert "run `bhxh db upgrade` with BHXH_MIGRATION_URL" in result.output
    assert served_as == [DEFAULT_RUNTIME_ROLE]


# --- the cache of verified tokens ----------------------------------------------------------------


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """One entry per signature check (joserfc's `jwt.decode`) that the verifier makes."""
    calls: list[str] = []
    decode = jwt.decode

    def counted(value: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(value)
        return decode(value, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counted)
    return calls


async def test_a_refresh_that_keeps_a_key_keeps_the_tokens_it_verified(
    provider: Provider, verifier: JwksVerifier, ec: ECKey, rsa: RSAKey, verifications: list[str]
) -> None:
    provider.publish(ec)
    await verifier.refresh()
    token = _sign(ec, "ES256")
    verifier.verify(token)
    provider.publish(ec, rsa)
    await verifier.refresh()
    verifier.verify(token)
    assert len(verifications) == 1


async def test_a_key_that_leaves_the_set_takes_the_tokens_it_verified(
    provider: Provider, verifier: JwksVerifier, ec: ECKey, rsa: RSAKey, verifications: list[str]
) -> None:
    provider.publish(ec, rsa)
    await verifier.refresh()
    token, other = _sign(ec, "ES256"), _sign(rsa, "RS256")
    verifier.verify(token)
    verifier.verify(other)
    provider.publish(rsa)  # withdrawn, perhaps because it leaked
    await verifier.refresh()
    assert len(verifier.verified) == 1
    with pytest.raises(tokens.InvalidToken, match="unknown signing key"):
        verifier.verify(token)
    verifier.verify(other)
    assert len(verifications) == 3


async def test_a_key_replaced_under_its_kid_takes_the_tokens_it_verified(
    provider: Provider, verifier: JwksVerifier, ec: ECKey
) -> None:
    provider.publish(ec)
    await verifier.refresh()
    token = _sign(ec, "ES256")
    verifier.verify(token)
    kid = cast(str, ec.kid)  # generated with auto_kid
    provider.publish(ECKey.generate_key("P-256", private=True, parameters={"kid": kid}))
    await verifier.refresh()
    with pytest.raises(tokens.InvalidToken, match="token rejected"):
        verifier.verify(token)


async def test_a_key_restricted_to_another_algorithm_takes_the_tokens_it_verified(
    provider: Provider, verifier: JwksVerifier, ec: ECKey
) -> None:
    provider.publish(ec)
    await verifier.refresh()
    token = _sign(ec, "ES256")
    verifier.verify(token)
    restricted = ECKey.import_key({**ec.as_dict(private=False), "alg": "ES384"})
    provider.body = json.dumps({"keys": [restricted.as_dict(private=False)]}).encode()
    await verifier.refresh()
    with pytest.raises(tokens.InvalidToken):
        verifier.verify(token)

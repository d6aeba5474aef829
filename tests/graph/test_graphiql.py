"""GraphiQL is self-hosted: the page names no other host, every asset it loads comes from the app
with the content the page's integrity hash expects, nothing else of node_modules is served, the
example operations are its tabs, and it is not served at all when switched off."""

import base64
import hashlib
import json
import re
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import parse, validate
from joserfc.jwk import ECKey

from graph import graphiql
from graph.schema import schema
from tests.graph.conftest import serving

HTML = {"Accept": "text/html"}
OPERATIONS = Path(__file__).resolve().parents[2] / "examples" / "operations"
_TAG = re.compile(r"<(?:script|link)\b[^>]*>")
_REFERENCE = re.compile(r'\b(?:src|href)="([^"]*)"')
_INTEGRITY = re.compile(r'\bintegrity="([^"]*)"')
_URL = re.compile(r"https?://[^\s\"'<>)]+", re.IGNORECASE)
_CONFIG = re.compile(
    r'<script type="application/json" id="' + graphiql.CONFIG_ELEMENT_ID + r'">(.*?)</script>',
    re.DOTALL,
)

Client = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client(runtime_url: str, dev_key: ECKey) -> Client:
    """A client of the app, prod-like, GraphiQL on (or off), node_modules where given."""

    @asynccontextmanager
    async def make(
        *, graphiql_on: bool = True, node_modules: Path | None = None
    ) -> AsyncIterator[httpx.AsyncClient]:
        if node_modules is not None:
            original, graphiql.NODE_MODULES = graphiql.NODE_MODULES, node_modules
        async with AsyncExitStack() as stack:
            try:  # the page reads node_modules when the app is built
                api = await stack.enter_async_context(
                    serving(runtime_url, dev_key, graphiql=graphiql_on)
                )
            finally:
                if node_modules is not None:
                    graphiql.NODE_MODULES = original
            yield api.client

    return make


def _tags(page: str) -> list[tuple[str, str]]:
    """(path, integrity) of every script and style sheet the page loads."""
    found = []
    for tag in _TAG.findall(page):
        reference = _REFERENCE.search(tag)
        if reference and not reference.group(1).startswith("data:"):
            integrity = _INTEGRITY.search(tag)
            found.append((reference.group(1), integrity.group(1) if integrity else ""))
    return found


def _config(page: str) -> dict[str, Any]:
    match = _CONFIG.search(page)
    assert match, "no GraphiQL configuration block in the page"
    config: dict[str, Any] = json.loads(match.group(1))
    return config


def _strings(value: object, key: str = "") -> list[tuple[str, str]]:
    """(key, string) of every string in a JSON value."""
    if isinstance(value, str):
        return [(key, value)]
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _strings(v, k)]
    if isinstance(value, list):
        return [pair for v in value for pair in _strings(v, key)]
    return []


async def test_page_loads_nothing_from_another_host(client: Client) -> None:
    async with client() as http:
        response = await http.get("/graphql", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text

    references = _REFERENCE.findall(page)
    assert references
    for reference in references:
        assert reference == "data:," or reference.startswith("/graphiql/assets/"), reference
    # No absolute URL anywhere in the markup and scripts. The only ones in the page are inside
    # the embedded schema's descriptions (graphql-core's built-in scalars), which are text.
    config_block = _CONFIG.search(page)
    assert config_block
    markup = page.replace(config_block.group(0), "")
    assert _URL.findall(markup) == []
    assert "//" not in "".join(r for r in references if not r.startswith("/graphiql/"))
    for key, text in _strings(_config(page)):
        if _URL.search(text):
            assert key == "description", (key, text)

    # And the browser is told so: scripts, styles, fonts, images and fetches from the app only.
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    for directive in ("script-src", "style-src", "img-src", "font-src", "connect-src"):
        sources = set(policy[directive].split()) - {"'self'", "'unsafe-inline'", "data:"}
        assert all(s.startswith("'sha256-") for s in sources), (directive, sources)


async def test_every_asset_is_served_with_the_content_its_integrity_hash_names(
    client: Client,
) -> None:
    async with client() as http:
        page = (await http.get("/graphql", headers=HTML)).text
        loaded = _tags(page)
        assert {path for path, _ in loaded} == {
            f"/graphiql/assets/{asset.file}" for asset in graphiql.ASSETS
        }
        assert len(loaded) == 7
        for path, integrity in loaded:
            response = await http.get(path)
            assert response.status_code == 200, path
            expected = "text/css" if path.endswith(".css") else "text/javascript"
            assert response.headers["content-type"].split(";")[0] == expected, path
            assert response.headers["x-content-type-options"] == "nosniff"
            digest = base64.b64encode(hashlib.sha384(response.content).digest()).decode()
            assert integrity == f"sha384-{digest}", path
            # Revalidation works (StaticFiles' ETag).
            again = await http.get(path, headers={"If-None-Match": response.headers["etag"]})
            assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/graphiql/assets/react/package.json",
        "/graphiql/assets/graphiql/graphiql.min.js.map",
        "/graphiql/assets/graphiql/graphiql.js",
        "/graphiql/assets/react/umd/react.development.js",
        "/graphiql/assets/.package-lock.json",
        "/graphiql/assets/../package.json",
        "/graphiql/assets/%2e%2e/package-lock.json",
        "/graphiql/assets/",
    ],
)
async def test_nothing_else_of_node_modules_is_served(client: Client, path: str) -> None:
    async with client() as http:
        response = await http.get(path)
    assert response.status_code == 404, path


async def test_the_examples_are_tabs_and_the_headers_explain_the_token(client: Client) -> None:
    async with client() as http:
        config = _config((await http.get("/graphql", headers=HTML)).text)

    tabs = config["tabs"]
    # The citizen's e-book first, with the fragment it spreads; then every other example.
    assert "query MyBook" in tabs[0]["query"]
    assert "fragment EBook on Person" in tabs[0]["query"]
    examples = [p for p in OPERATIONS.glob("*.graphql") if ".fragment." not in p.name]
    assert len(tabs) == len(examples)
    for path in examples:
        assert any(tab["query"].startswith(path.read_text()) for tab in tabs), path.name
    for tab in tabs:
        assert validate(schema._schema, parse(tab["query"])) == [], tab["query"][:80]
        headers = json.loads(tab["headers"])
        assert list(headers) == ["Authorization"]
        assert headers["Authorization"].startswith("Bearer <token from `bhxh token --role ")
    roles = [json.loads(tab["headers"])["Authorization"].split()[6] for tab in tabs]
    assert roles[0] == "CITIZEN"
    assert {"PARTNER_AGENCY", "HEALTH_FACILITY", "EMPLOYER"} <= set(roles)
    assert "--role CITIZEN --person" in json.loads(config["headers"])["Authorization"]
    # The schema comes with the page: production refuses introspection.
    assert {t["name"] for t in config["schema"]["__schema"]["types"]} >= {"Person", "Query"}


async def test_the_page_does_not_change_operations(client: Client) -> None:
    async with client() as http:
        response = await http.get("/graphql", params={"query": "{ __typename }"})
        assert response.status_code == 401  # prod: no anonymous operations, page or not
        response = await http.post("/graphql", json={"query": "{ __typename }"})
        assert response.status_code == 401


async def test_off_means_not_served(client: Client) -> None:
    async with client(graphiql_on=False) as http:
        page = await http.get("/graphql", headers=HTML)
        assert page.status_code == 404
        assert "GraphiQL is not served here" in page.text
        assert "BHXH_GRAPHIQL" in page.text
        assert "<html" not in page.text
        for asset in graphiql.ASSETS:
            assert (await http.get(f"/graphiql/assets/{asset.file}")).status_code == 404


async def test_without_node_modules_the_page_fails_clearly(client: Client, tmp_path: Path) -> None:
    async with client(node_modules=tmp_path / "node_modules") as http:
        response = await http.get("/graphql", headers=HTML)
    assert response.status_code == 503
    assert "run scripts/setup" in response.text.lower()
    assert "<script" not in response.text


async def test_an_asset_that_differs_from_its_hash_fails_clearly(
    client: Client, tmp_path: Path
) -> None:
    modules = tmp_path / "node_modules"
    for asset in graphiql.ASSETS:
        target = modules / asset.file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(graphiql.NODE_MODULES / asset.file, target)
    with (modules / "graphiql" / "graphiql.min.js").open("a") as script:
        script.write("\n// not the published file\n")
    async with client(node_modules=modules) as http:
        response = await http.get("/graphql", headers=HTML)
    assert response.status_code == 503
    assert "graphiql@3.8.3" in response.text
    assert "scripts/setup" in response.text


def test_the_rewrite_refuses_a_file_it_does_not_serve() -> None:
    page = '<script src="https://cdn.example/graphiql@4.0.0/graphiql.min.js"></script>'
    with pytest.raises(graphiql.GraphiQLUnavailable, match=r"graphiql@4\.0\.0"):
        graphiql.rewrite(page, "/graphiql/assets")
    page = '<script src="https://cdn.example/react@18.2.0/umd/react.production.min.js"></script>'
    assert graphiql.rewrite(page, "/x") == (
        '<script src="/x/react/umd/react.production.min.js"></script>'
    )

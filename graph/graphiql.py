"""GraphiQL on `GET /graphql`, with every asset served by the app itself (no CDN).

Strawberry's GraphiQL page loads React, GraphiQL, js-cookie and the explorer plugin from a public
CDN, each with a subresource-integrity hash. We keep its head (styles, asset tags, integrity
attributes) and rewrite each CDN address to a path of this app, where the same files come from the
npm packages that `scripts/setup` installs from package-lock.json: they are byte-identical, so
the integrity hashes still hold, and the page checks that they do before it is served. The inline
bootstrap is ours: the example operations as tabs, a header placeholder that explains the
Authorization header, and the schema embedded (outside dev the API refuses introspection, and the
schema is published anyway), so partner agencies can explore offline and in production.
"""

import base64
import hashlib
import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import GraphQLSchema, introspection_from_schema
from starlette.datastructures import Headers
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope
from strawberry.http.ides import get_graphql_ide_html

log = logging.getLogger("bhxh.graphiql")

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
"""Where `npm ci` puts the packages; read when a page is made, so tests can point elsewhere."""
EXAMPLES = ROOT / "examples" / "operations"
ASSETS_PREFIX = "/graphiql/assets"


@dataclass(frozen=True)
class Asset:
    package: str
    version: str
    path: str
    """Inside the package; also the asset's path under ASSETS_PREFIX, after the package name."""
    media_type: str

    @property
    def file(self) -> str:
        """The path under node_modules (and under ASSETS_PREFIX)."""
        return f"{self.package}/{self.path}"


_JS = "text/javascript; charset=utf-8"
_CSS = "text/css; charset=utf-8"

# Exactly the files Strawberry's page asks for, at the versions package.json pins: nothing else
# of node_modules is served.
ASSETS = (
    Asset("react", "18.2.0", "umd/react.production.min.js", _JS),
    Asset("react-dom", "18.2.0", "umd/react-dom.production.min.js", _JS),
    Asset("js-cookie", "3.0.5", "dist/js.cookie.min.js", _JS),
    Asset("graphiql", "3.8.3", "graphiql.min.css", _CSS),
    Asset("graphiql", "3.8.3", "graphiql.min.js", _JS),
    Asset("@graphiql/plugin-explorer", "1.0.2", "dist/style.css", _CSS),
    Asset("@graphiql/plugin-explorer", "1.0.2", "dist/index.umd.js", _JS),
)
_BY_FILE = {asset.file: asset for asset in ASSETS}

# A CDN address of an npm file: https://<host>/<package>@<version>/<path>.
_CDN_URL = re.compile(
    r"https://[^/\"'\s]+/(?P<package>(?:@[\w.-]+/)?[\w.-]+)@(?P<version>[\w.+-]+)/(?P<path>[^\"'\s?#]+)"
)
_TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.DOTALL)
_INTEGRITY = re.compile(r'\bintegrity="(sha384-[A-Za-z0-9+/=]+)"')
_REFERENCE = re.compile(r'\b(?:src|href)="([^"]*)"')
_ICON = re.compile(r'<link\s+rel="icon"\s+href="[^"]*"\s*/?>', re.DOTALL)
_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)
_INLINE_SCRIPT = re.compile(r"<script>.*?</script>", re.DOTALL)
_ABSOLUTE_URL = re.compile(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}", re.IGNORECASE)

CONFIG_ELEMENT_ID = "bhxh-graphiql-config"

# Reads the page's configuration (a JSON data block, not code) and mounts GraphiQL with the
# explorer plugin. Static, so the Content-Security-Policy can name it by its hash.
_BOOTSTRAP = """
(function () {
  var config = JSON.parse(document.getElementById("CONFIG_ELEMENT_ID").textContent);
  var fetcher = GraphiQL.createFetcher({ url: window.location.href.split("?")[0] });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      schema: config.schema,
      plugins: [GraphiQLPluginExplorer.explorerPlugin()],
      defaultTabs: config.tabs,
      defaultQuery: config.tabs[0].query,
      defaultHeaders: config.headers,
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      inputValueDeprecation: true,
    }),
  );
})();
""".replace("CONFIG_ELEMENT_ID", CONFIG_ELEMENT_ID)

_NO_EXAMPLES = """# The example operations (examples/operations/*.graphql) were not found beside this
# server. Write a query here and run it with Ctrl-Enter, with your token in the Headers tab.
query MyName {
  me { identificationNumber fullName }
}
"""

_ROLE = re.compile(r"\(token: role ([A-Z_]+)")
_FRAGMENT = re.compile(r"^fragment\s+(\w+)", re.MULTILINE)
_SPREAD = re.compile(r"\.\.\.\s*(?!on\b)(\w+)")


class GraphiQLUnavailable(Exception):
    """The page cannot be served as it must be (offline, with integrity): says what to do."""


def _sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def _headers_placeholder(role: str) -> str:
    who = "--person PERSONAL_ID" if role == "CITIZEN" else "--org CODE"
    token = f"<token from `bhxh token --role {role} {who}`>"
    return json.dumps({"Authorization": f"Bearer {token}"}, indent=2, ensure_ascii=False)


def example_tabs(directory: Path) -> list[dict[str, str]]:
    """The example operations as GraphiQL tabs, the citizen's e-book first; documents that spread
    a fragment get the fragment files appended, as test_examples validates them."""
    files = sorted(directory.glob("*.graphql"), key=lambda p: (p.stem != "me", p.name))
    fragments = {
        name: path.read_text()
        for path in files
        if ".fragment." in path.name
        for name in _FRAGMENT.findall(path.read_text())
    }
    tabs = []
    for path in files:
        if ".fragment." in path.name:
            continue
        text = path.read_text()
        spread = {fragments[n] for n in _SPREAD.findall(text) if n in fragments}
        for fragment in sorted(spread):
            text = text.rstrip("\n") + "\n\n" + fragment
        role = match.group(1) if (match := _ROLE.search(text)) else "CITIZEN"
        tabs.append({"query": text, "headers": _headers_placeholder(role)})
    return tabs


def _json_for_html(value: object) -> str:
    """JSON that cannot end the <script> data block it sits in, nor start markup."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'self' 'sha256-{digest}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


def rewrite(html: str, assets_path: str) -> str:
    """Strawberry's page with each CDN address of an allow-listed file replaced by its path under
    `assets_path`; raises GraphiQLUnavailable for a file that is not on the list (a Strawberry
    upgrade that moved to other versions: update ASSETS and package.json together)."""

    def local(match: re.Match[str]) -> str:
        package, version, path = match.group("package", "version", "path")
        asset = _BY_FILE.get(f"{package}/{path}")
        if asset is None or asset.version != version:
            raise GraphiQLUnavailable(
                f"Strawberry's GraphiQL page asks for {package}@{version}/{path}, which this app "
                "does not serve: add it to graph/graphiql.py ASSETS and package.json"
            )
        return f"{assets_path}/{asset.file}"

    return _CDN_URL.sub(local, html)


class GraphiQLPage:
    """Makes (once per mount path) and serves the page; answers 503 while it cannot be made."""

    def __init__(self, schema: GraphQLSchema, *, node_modules: Path | None = None) -> None:
        self.schema = schema
        self.node_modules = node_modules or NODE_MODULES
        self._pages: dict[str, str] = {}
        self._config: str | None = None
        self.csp = _csp(_BOOTSTRAP)

    def response(self, root_path: str = "") -> Response:
        try:
            html = self.page(root_path)
        except GraphiQLUnavailable as exc:
            log.error("GraphiQL unavailable: %s", exc)
            return PlainTextResponse(f"GraphiQL is unavailable: {exc}", status_code=503)
        return Response(
            html,
            media_type="text/html",
            headers={
                "Content-Security-Policy": self.csp,
                "Cache-Control": "no-cache",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
        )

    def page(self, root_path: str = "") -> str:
        if root_path not in self._pages:
            self._pages[root_path] = self._make(root_path + ASSETS_PREFIX)
        return self._pages[root_path]

    def _make(self, assets_path: str) -> str:
        html = rewrite(get_graphql_ide_html("graphiql"), assets_path)
        self._check_assets(html, assets_path)
        html = _TITLE.sub("<title>BHXH GraphiQL</title>", html, count=1)
        # No icon request, and no namespace URL in the page.
        html = _ICON.sub('<link rel="icon" href="data:," />', html, count=1)
        scripts = _INLINE_SCRIPT.findall(html)
        if len(scripts) != 1:
            raise GraphiQLUnavailable(
                f"Strawberry's GraphiQL page has {len(scripts)} inline scripts where graph/graphiql.py "
                "expects its one bootstrap script: update the rewrite"
            )
        ours = (
            f'<script type="application/json" id="{CONFIG_ELEMENT_ID}">{self._config_json()}'
            f"</script>\n    <script>{_BOOTSTRAP}</script>"
        )
        html = _INLINE_SCRIPT.sub(lambda _: ours, html, count=1)
        markup = html.replace(self._config_json(), "")
        if other := _ABSOLUTE_URL.search(markup):
            raise GraphiQLUnavailable(
                f"the GraphiQL page still refers to another host ({other.group(0)}): "
                "update the rewrite in graph/graphiql.py"
            )
        return html

    def _check_assets(self, html: str, assets_path: str) -> None:
        """Every asset the page loads is installed and matches the page's integrity hash (the
        browser would refuse it otherwise, with nothing on the page to say why)."""
        for tag in _TAG.findall(html):
            reference = _REFERENCE.search(tag)
            if reference is None or not reference.group(1).startswith(assets_path + "/"):
                continue
            file = reference.group(1).removeprefix(assets_path + "/")
            path = self.node_modules / file
            if not path.is_file():
                raise GraphiQLUnavailable(
                    f"its browser assets are not installed ({path} is missing). "
                    "Run scripts/setup (it runs `npm ci` from package-lock.json) and reload."
                )
            integrity = _INTEGRITY.search(tag)
            if integrity is None:
                raise GraphiQLUnavailable(f"the page loads {file} without an integrity hash")
            if _sri(path.read_bytes()) != integrity.group(1):
                asset = _BY_FILE[file]
                raise GraphiQLUnavailable(
                    f"{path} is not {asset.package}@{asset.version} (its hash differs from the "
                    "page's integrity attribute). Run scripts/setup (`npm ci`) and reload."
                )

    def _config_json(self) -> str:
        if self._config is None:
            tabs = example_tabs(EXAMPLES) if EXAMPLES.is_dir() else []
            if not tabs:
                log.warning("no example operations under %s for GraphiQL", EXAMPLES)
                tabs = [{"query": _NO_EXAMPLES, "headers": _headers_placeholder("CITIZEN")}]
            config: Mapping[str, Any] = {
                "tabs": tabs,
                "headers": _headers_placeholder("CITIZEN"),
                "schema": introspection_from_schema(self.schema, input_value_deprecation=True),
            }
            self._config = _json_for_html(config)
        return self._config


GRAPHIQL_OFF = (
    "GraphiQL is not served here (BHXH_GRAPHIQL is off). "
    "Send GraphQL operations with POST /graphql and a bearer token."
)


def graphiql_off() -> Response:
    return PlainTextResponse(GRAPHIQL_OFF, status_code=404)


class AssetFiles(StaticFiles):
    """StaticFiles over node_modules that serves the ASSETS and nothing else."""

    def __init__(self, node_modules: Path | None = None) -> None:
        super().__init__(directory=node_modules or NODE_MODULES, check_dir=False)

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if path.replace(os.sep, "/") not in _BY_FILE:
            return "", None
        return super().lookup_path(path)

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        # lookup_path lets through only ASSETS.
        name = Path(full_path).as_posix()
        asset = next(a for a in ASSETS if name.endswith("/" + a.file))
        response = FileResponse(
            full_path,
            status_code=status_code,
            stat_result=stat_result,
            media_type=asset.media_type,
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
        )
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response


def routes(page: GraphiQLPage | None) -> list[BaseRoute]:
    """The asset mount, when GraphiQL is on."""
    if page is None:
        return []
    return [Mount(ASSETS_PREFIX, app=AssetFiles(page.node_modules), name="graphiql-assets")]

"""STAC Browser 4.0.1, built from its npm package and served on a loopback port.

The npm package ``@radiantearth/stac-browser@4.0.1`` ships the Vue sources only (no ``dist/``), and
no registry package carries a built copy, so the app is built once from that tarball:

1. ``npm pack`` fetches the tarball; its sha512 is checked against the registry's ``dist.integrity``.
2. ``public/index.html`` gets its ``config.js`` script tag uncommented, which is exactly what
   upstream's own Dockerfile does for its runtime-configured image (``DYNAMIC_CONFIG=true``). No
   other file of the app is touched.
3. The package carries no lockfile and its ranges float (``ol-stac ^1.1.0`` now resolves to a
   release that needs a newer ``ol`` and no longer builds), so the direct dependencies are pinned to
   the versions in upstream's ``package-lock.json`` at tag v4.0.1 (:data:`PINS`; their own
   dependencies still resolve within their ranges); ``npm install --ignore-scripts`` fetches them
   from the registry (npm checks each tarball's integrity), and ``npm run build`` writes ``dist/``.

Only ``dist/`` and the tarball are kept, under ``<repo>/.cache/stac-browser-4.0.1/`` (about 6 MB);
a later run reuses them. The first build takes 1-3 minutes and needs ``npm`` and the npm registry.

:func:`serve` serves ``dist/`` from a thread, with ``/config.js`` answering the runtime configuration
(``window.STAC_BROWSER_CONFIG``) for one API, and every other unknown path answering ``index.html``
(history-mode routing, as upstream's nginx ``try_files`` does). ``tests.chromium`` starts headless
Chromium with every host but loopback unresolvable, and :class:`Walk` drives STAC Browser through
the catalogue like a person, returning what went wrong at each step (used by
``tests/e2e/test_stac_browser.py`` and ``bench/stac_browser.py``).
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PACKAGE = "@radiantearth/stac-browser"
VERSION = "4.0.1"
INTEGRITY = "sha512-Nu3pZzkJXfaS8JpsY1SjABMgr8W9swNmVa8RJoRetuDeMQ1+YibBRluC7G9ugzE/QECHD/9n3/8W/Ksz+UAC7w=="
CACHE = Path(__file__).resolve().parents[2] / ".cache" / f"stac-browser-{VERSION}"
CONFIG_TAG = '<script defer="defer" src="/config.js"></script>'

# Direct dependencies as locked in upstream's package-lock.json at tag v4.0.1.
PINS: dict[str, str] = {
    "@apidevtools/json-schema-ref-parser": "14.2.1",
    "@musement/iso-duration": "1.0.0",
    "@radiantearth/stac-fields": "1.5.7",
    "@radiantearth/stac-migrate": "2.0.2",
    "@turf/mask": "7.3.4",
    "ajv-i18n": "4.2.0",
    "axios": "1.13.5",
    "bootstrap-vue": "2.23.1",
    "chart.js": "4.5.1",
    "commonmark": "0.31.2",
    "core-js": "3.48.0",
    "node-polyfill-webpack-plugin": "4.1.0",
    "oidc-client-ts": "3.4.1",
    "ol": "10.6.1",
    "ol-mapbox-style": "13.0.1",
    "ol-stac": "1.1.0",
    "proj4": "2.20.2",
    "remove-markdown": "0.6.3",
    "stac-js": "0.1.9",
    "stac-node-validator": "2.0.0-rc.1",
    "streamsaver-js": "2.0.7",
    "urijs": "1.19.11",
    "v-clipboard": "3.0.0-next.1",
    "vue": "2.7.16",
    "vue-chartjs": "5.3.3",
    "vue-i18n": "8.28.2",
    "vue-multiselect": "2.1.9",
    "vue-read-more-smooth": "0.1.8",
    "vue-router": "3.6.5",
    "vue2-datepicker": "3.11.1",
    "vuex": "3.6.2",
    "yargs": "17.7.2",
    "@babel/plugin-proposal-class-properties": "7.18.6",
    "@babel/plugin-proposal-optional-chaining": "7.21.0",
    "@vue/cli-plugin-babel": "5.0.9",
    "@vue/cli-plugin-eslint": "5.0.9",
    "@vue/cli-plugin-router": "5.0.9",
    "@vue/cli-plugin-vuex": "5.0.9",
    "@vue/cli-service": "5.0.9",
    "babel-eslint": "10.1.0",
    "eslint": "8.57.1",
    "eslint-plugin-vue": "8.7.1",
    "sass": "1.97.3",
    "sass-loader": "13.3.3",
    "vue-cli-plugin-i18n": "2.3.2",
    "vue-template-compiler": "2.7.16",
}


class StacBrowserUnavailable(RuntimeError):
    """STAC Browser could not be fetched or built; the message names the missing piece."""


def _run(args: list[str], cwd: Path, what: str, timeout: float) -> str:
    env = {
        **os.environ,
        "SB_noSourceMaps": "true",
        "npm_config_update_notifier": "false",
        "npm_config_cache": str(CACHE.parent / "npm"),  # npm's cache stays in .cache/ too
    }
    try:
        done = subprocess.run(
            args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as e:
        raise StacBrowserUnavailable(f"{what} took over {timeout:.0f} s: {' '.join(args)}") from e
    if done.returncode != 0:
        tail = (done.stderr or done.stdout)[-3000:]
        raise StacBrowserUnavailable(f"{what} failed ({' '.join(args)}):\n{tail}")
    return done.stdout


def sri(path: Path) -> str:
    """The Subresource Integrity string (``sha512-<base64>``) of a file, as npm records it."""
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def _fetch(cache: Path, npm: str) -> Path:
    tarball = cache / f"radiantearth-stac-browser-{VERSION}.tgz"
    if not tarball.exists():
        _run(
            [
                npm,
                "pack",
                f"{PACKAGE}@{VERSION}",
                "--pack-destination",
                str(cache),
                "--loglevel=error",
            ],
            cache,
            f"fetching {PACKAGE}@{VERSION} from the npm registry",
            timeout=300,
        )
    if sri(tarball) != INTEGRITY:
        bad = tarball.with_suffix(".tgz.rejected")
        tarball.replace(bad)
        raise StacBrowserUnavailable(
            f"{tarball.name} does not match the registry's integrity {INTEGRITY}; kept as {bad}"
        )
    return tarball


def _prepare(tarball: Path, work: Path) -> Path:
    with tarfile.open(tarball) as archive:
        archive.extractall(work, filter="data")
    source = work / "package"
    index = source / "public" / "index.html"
    html = index.read_text()
    commented = f"<!-- {CONFIG_TAG} -->"
    if commented not in html:
        raise StacBrowserUnavailable(f"{index} has no {commented!r} to enable runtime config")
    index.write_text(html.replace(commented, CONFIG_TAG))
    manifest = json.loads((source / "package.json").read_text())
    for section in ("dependencies", "devDependencies", "optionalDependencies"):
        for name in manifest.get(section, {}):
            manifest[section][name] = PINS[name]
    (source / "package.json").write_text(json.dumps(manifest, indent=2))
    return source


def ensure_built(cache: Path = CACHE) -> Path:
    """The built app's folder (``index.html``, ``js/``, ...), fetched and built on first use.

    Raises :class:`StacBrowserUnavailable` naming what is missing (npm, the registry, the build).
    """
    dist = cache / "dist"
    if (dist / "index.html").exists():
        return dist
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise StacBrowserUnavailable(
            "npm and node are needed to build STAC Browser from the npm registry "
            "(Debian: apt-get install nodejs npm)"
        )
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time; the others then reuse it
        if (dist / "index.html").exists():
            return dist
        tarball = _fetch(cache, npm)
        with tempfile.TemporaryDirectory(dir=cache, prefix="build-") as tmp:
            source = _prepare(tarball, Path(tmp))
            _run(
                [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline"],
                source,
                "npm install (from the npm registry)",
                timeout=900,
            )
            _run([npm, "run", "build"], source, "building STAC Browser", timeout=900)
            if not (source / "dist" / "index.html").exists():
                raise StacBrowserUnavailable(f"the build left no {source / 'dist' / 'index.html'}")
            (source / "dist").replace(dist)
    return dist


def config_script(api_url: str, **overrides: Any) -> str:
    """``config.js`` for one API: STAC Browser bound to ``api_url`` and kept off other hosts."""
    config: dict[str, Any] = {
        "catalogUrl": api_url.rstrip("/") + "/",  # must equal the landing page's self href
        "catalogTitle": "astrobench",
        "allowExternalAccess": False,  # no /external/<url> browsing of other hosts
        "detectLocaleFromBrowser": False,
        "storeLocale": False,
        "locale": "en",
        "socialSharing": [],
        **overrides,
    }
    return f"window.STAC_BROWSER_CONFIG = {json.dumps(config, indent=2)};\n"


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, *args: Any, config: bytes, **kwargs: Any) -> None:
        self.config = config
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        path = self.path.split("?")[0].split("#")[0]
        if path == "/config.js":
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(self.config)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(self.config)
            return
        if path != "/" and not Path(self.translate_path(path)).is_file():
            self.path = "/index.html"  # a route of the single-page app
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(dist: Path, api_url: str, config: Mapping[str, Any] | None = None) -> Iterator[str]:
    """Serve ``dist`` on a free loopback port, configured for ``api_url``; yield its URL."""
    script = config_script(api_url, **dict(config or {})).encode()
    handler = partial(_Handler, directory=str(dist), config=script)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


# -- Checks: a person's walk through STAC Browser, and what went wrong on the way ----------------

# Console entries that are not faults of the catalogue, and the only ones ignored: the map of any
# Collection, Item or search result draws OpenStreetMap tiles (``basemaps.config.js``, fixed at
# build time, no runtime switch). The resolver rule in tests.chromium makes them fail offline.
IGNORED_CONSOLE = ("https://tile.openstreetmap.org/",)

_SETTLED = """
const app = document.querySelector('#stac-browser');
return document.readyState === 'complete' && !!app
  && !app.querySelector('.spinner-border')
  && !!app.querySelector('h1, .alert-danger')
  && performance.getEntriesByType('resource').length;
"""


def ignored(entry: Mapping[str, Any]) -> bool:
    """Whether a SEVERE console entry is an expected, offline basemap tile failure."""
    message = str(entry.get("message", ""))
    return entry.get("source") == "network" and message.startswith(IGNORED_CONSOLE)


def _links(record: Mapping[str, Any], *rels: str) -> list[str]:
    return [
        f"{link.get('rel')} -> {link.get('href')}"
        + (f" ({link['title']!r})" if link.get("title") else " (no title)")
        for link in record.get("links", [])
        if not rels or link.get("rel") in rels
    ]


def _kind(document: Any) -> str:
    if isinstance(document, dict) and document.get("type") in ("Catalog", "Collection", "Feature"):
        return f"a STAC {document['type']}"
    keys = sorted(document) if isinstance(document, dict) else type(document).__name__
    return f"not a STAC Catalog, Collection or Item (keys: {keys})"


class Walk:
    """STAC Browser at ``ui`` (configured for the API at ``api``) driven through ``driver``.

    Each check returns its findings, one line each, with the JSON links behind them; an empty
    list means that step works. Screenshots go to ``screenshots/stac-browser-<step>.png``.
    """

    def __init__(self, driver: Any, ui: str, api: str, screenshots: Path | None = None) -> None:
        import httpx

        self.driver, self.ui, self.api = driver, ui.rstrip("/"), api.rstrip("/")
        self.http = httpx.Client(timeout=30, headers={"Accept": "application/json"})
        self.screenshots = screenshots

    # -- plumbing

    def json(self, url: str) -> Any:
        """A document of the API (by absolute URL or path)."""
        response = self.http.get(url if "://" in url else self.api + url)
        try:
            return response.json()
        except ValueError:
            return {"status": response.status_code}

    def datasets(self) -> list[dict[str, Any]]:
        """The API's ``/collections`` entries."""
        return list(self.json("/collections").get("collections", []))

    def settle(self, timeout: float = 20.0) -> bool:
        """Wait until the app has rendered a page (or an error) and its requests have stopped."""
        deadline, last, stable = time.monotonic() + timeout, -1, 0
        while time.monotonic() < deadline:
            count = self.driver.execute_script(_SETTLED)
            stable = stable + 1 if count and count == last else 0
            if stable >= 3:  # no new request for 0.6 s
                return True
            last = count
            time.sleep(0.2)
        return False

    def open(self, path: str) -> list[str]:
        """Load a page by its address in STAC Browser; the problems it shows."""
        self.driver.get_log("browser")  # drop what an earlier step left
        self.driver.get(self.ui + path)
        return self.problems(path)

    def click(self, selector: str, where: str, by: str = "css selector") -> list[str] | None:
        """Click the first element matching ``selector``, then the problems on the page it
        leads to; None when there is no such element."""
        element = self.find(by, selector, timeout=5)
        if element is None:
            return None
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        self.driver.execute_script("arguments[0].click()", element)
        return self.problems(where)

    def problems(self, where: str) -> list[str]:
        """Console errors (less :data:`IGNORED_CONSOLE`) and error boxes on the page now."""
        found = [] if self.settle() else [f"{where}: the page did not finish loading in 20 s"]
        for entry in self.driver.get_log("browser"):
            if entry["level"] == "SEVERE" and not ignored(entry):
                found.append(f"{where}: console error: {entry['message']}")
        for text in self.driver.execute_script(
            "return [...document.querySelectorAll('#stac-browser .alert-danger')]"
            ".map(a => a.innerText.replace(/\\s+/g, ' ').trim())"
        ):
            found.append(f"{where}: page shows error: {text}")
        return found

    def find(self, by: str, selector: str, timeout: float = 10.0) -> Any:
        """The first element matching ``selector`` once it is there; None after ``timeout``."""
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.wait import WebDriverWait

        try:
            return WebDriverWait(self.driver, timeout, 0.1).until(
                lambda d: (d.find_elements(by, selector) or [None])[0]
            )
        except TimeoutException:
            return None

    def path(self) -> str:
        return str(self.driver.execute_script("return location.pathname + location.search"))

    def texts(self, css: str) -> list[list[str]]:
        """``[text, href]`` of the elements matching ``css``."""
        return list(
            self.driver.execute_script(
                "return [...document.querySelectorAll(arguments[0])]"
                ".map(e => [e.innerText.trim(), e.getAttribute('href') || ''])",
                css,
            )
        )

    def shot(self, name: str) -> None:
        if self.screenshots is not None:
            self.screenshots.mkdir(parents=True, exist_ok=True)
            self.driver.save_screenshot(str(self.screenshots / f"stac-browser-{name}.png"))

    # -- checks

    def catalogue(self) -> list[str]:
        """The root page lists every dataset of ``/collections``, each once."""
        found = self.open("/")
        cards = self.texts("#stac-browser section.catalogs .card-title a")
        self.shot("catalogue")
        ids = [
            m.group(1) if (m := re.search(r"/collections/([^/?#]+)", h)) else h for _, h in cards
        ]
        counts = Counter(ids)
        root, listed = self.json("/"), self.datasets()
        for dataset, n in counts.items():
            if n > 1:
                shown = [
                    f"{t!r} -> {h}" for (t, h), i in zip(cards, ids, strict=True) if i == dataset
                ]
                child = [line for line in _links(root, "child") if f"/{dataset}" in line]
                selves = [line for c in listed if c["id"] == dataset for line in _links(c, "self")]
                found.append(
                    f"/: dataset {dataset} listed {n} times ({'; '.join(shown)}): STAC Browser "
                    "merges the root's child links with the /collections entries by href, and "
                    f"they differ: root {child}, /collections entry {selves}"
                )
        for dataset in listed:
            if dataset["id"] not in counts:
                found.append(f"/: dataset {dataset['id']} of /collections is not listed")
        return found

    def collection(self, dataset: str) -> list[str]:
        """A dataset's page renders without errors."""
        found = self.open(f"/collections/{dataset}")
        self.shot(f"collection-{dataset}")
        return found

    def up(self, dataset: str) -> list[str]:
        """The "Up" button of a dataset's page leads to a page that renders."""
        start = f"/collections/{dataset}"
        found = self.open(start)
        clicked = self.click("#stac-browser a.btn[title^='Go to parent']", f"Up from {start}")
        self.shot(f"up-from-{dataset}")
        if clicked is None:
            return [*found, f"{start}: no Up button"]
        if clicked:
            parent = [link for link in self.json(start)["links"] if link["rel"] == "parent"]
            target = self.json(parent[0]["href"]) if parent else {}
            clicked.append(
                f"Up from {start} -> {self.path()}: the collection's links "
                f"{_links(self.json(start), 'parent', 'root')}; the parent serves {_kind(target)}"
            )
        return found + clicked

    def item(self, dataset: str) -> list[str]:
        """An item's page opens from the dataset's item list, and "Up" leads back."""
        start = f"/collections/{dataset}"
        found = self.open(start)
        opened = self.click("#stac-browser section.items .card-title a", f"first item of {start}")
        if opened is None:
            return [*found, f"{start}: no items listed"]
        where = self.path()
        self.shot(f"item-{dataset}")
        back = self.click("#stac-browser a.btn[title^='Go to parent']", f"Up from {where}") or []
        if back:
            item = self.json(where)
            back.append(f"Up from {where}: the item's links {_links(item, 'parent', 'collection')}")
        return found + opened + back

    def items(self, dataset: str) -> list[str]:
        """The dataset's page lists each of its items once (the first page of them)."""
        found = self.open(f"/collections/{dataset}")
        cards = self.texts("#stac-browser section.items .card-title a")
        self.shot(f"items-{dataset}")
        items = [
            lk["href"]
            for lk in self.json(f"/collections/{dataset}")["links"]
            if lk["rel"] == "items"
        ]
        page = self.json(items[0]) if items else {}
        expected = {f["id"] for f in page.get("features", [])}
        hrefs = Counter(h for _, h in cards)
        found += [
            f"/collections/{dataset}: item {h} listed {n} times" for h, n in hrefs.items() if n > 1
        ]
        shown = {h.rstrip("/").rsplit("/", 1)[-1] for h in hrefs}
        if missing := sorted(expected - shown):
            found.append(f"/collections/{dataset}: items of its first page not listed: {missing}")
        return found

    def search(self) -> list[str]:
        """Item search with one additional filter (an enumerated queryable) finds items."""
        queryables = self.json("/queryables").get("properties", {})
        choice = next(((k, v["enum"][0]) for k, v in queryables.items() if v.get("enum")), None)
        if choice is None:
            return ["/queryables: no enumerated queryable to filter on"]
        name, value = choice
        found = self.open("/search")
        tab = self.find(
            "xpath", "//a[contains(@class,'nav-link')][normalize-space()='Search for Items']"
        )
        if tab is None:
            return [*found, "/search: no 'Search for Items' tab"]
        self.driver.execute_script("arguments[0].click()", tab)
        pane = f"//*[@id='{tab.get_attribute('aria-controls')}']"
        for what, target in (
            ("the 'Add filter' button", pane + "//button[normalize-space()='Add filter']"),
            (
                f"{name} under 'Add filter'",
                pane
                + f"//a[contains(@class,'dropdown-item')][.//span[normalize-space()='{name}']]",
            ),
            (
                f"the value {value!r} for {name}",
                pane + f"//div[@class='queryable-group']//select/option[@value='{value}']",
            ),
            ("the Submit button", pane + "//button[normalize-space()='Submit']"),
        ):
            element = self.find("xpath", target)
            if element is None:
                self.shot("search")
                return [*found, f"/search: no {what} ({target})"]
            if element.tag_name == "option":
                from selenium.webdriver.support.ui import Select

                Select(element.find_element("xpath", "..")).select_by_value(value)
            else:
                self.driver.execute_script("arguments[0].click()", element)
        where = f"/search with {name} = {value!r}"
        found += self.problems(where)
        results = self.texts("#stac-browser section.items .card-title a")
        self.shot("search")
        if not results:
            found.append(f"{where}: no items found")
        if found:
            clause = {"op": "=", "args": [{"property": name}, value]}
            body = {"filter-lang": "cql2-json", "filter": {"op": "and", "args": [clause]}}
            post = self.http.post(self.api + "/search", json=body)
            get = self.http.get(
                self.api + "/search",
                params={"filter-lang": "cql2-json", "filter": json.dumps(body["filter"])},
            )
            found.append(
                f"{where}: the API answers the one-clause AND STAC Browser sends "
                f"({json.dumps(body['filter'])}): POST {post.status_code} {post.text[:200]}; "
                f"GET {get.status_code} {get.text[:200]}"
            )
        return found

    def versions(self, dataset: str) -> list[str]:
        """The latest version is not called outdated, version links have titles, and the
        previous and latest version links lead to pages that render."""
        start = f"/collections/{dataset}"
        record = self.json(start)
        found = self.open(start)
        self.shot(f"versions-{dataset}")
        notice = self.texts("#stac-browser .deprecation h3")
        if notice and notice[0][0] == "Outdated":
            found.append(
                f"{start}: the latest version is labelled 'Outdated'; its links "
                f"{_links(record, 'self', 'latest-version', 'successor-version')}"
            )
        rels = ("version", "latest-version", "predecessor-version", "successor-version")
        for text, href in self.texts("#stac-browser a.stac-link"):
            if text == "Show" or text.startswith(("http://", "https://")):
                found.append(f"{start}: link {href} shown as {text!r}, it has no title")
        untitled = [line for line in _links(record, *rels) if line.endswith("(no title)")]
        if untitled:
            found.append(f"{start}: version links without a title: {untitled}")
        previous = self.click("#stac-browser .deprecation li.predecessor a", f"previous of {start}")
        if previous is None:
            return [*found, f"{start}: no previous-version link shown ({_links(record, *rels)})"]
        where = self.path()
        self.shot(f"version-{dataset}-previous")
        found += previous
        latest = self.click("#stac-browser .deprecation li.latest a", f"latest from {where}")
        if latest is None:
            found.append(
                f"{where}: no latest-version link shown ({_links(self.json(where), *rels)})"
            )
        else:
            found += latest
        return found

    def queryables(self, path: str) -> list[str]:
        """The item filter of a dataset (version) page offers its queryables."""
        found = self.open(path)
        show = "//section[contains(@class,'items')]//button[normalize-space()='Show Filters']"
        button = self.click(show, f"item filter of {path}", by="xpath")
        if button is None:
            return [*found, f"{path}: no item filter button"]
        found += button
        if not self.driver.find_elements("css selector", "#itemFilter .queryables"):
            record = self.json(path)
            links = [line for line in _links(record) if "queryables" in line]
            self_href = next((lk["href"] for lk in record["links"] if lk["rel"] == "self"), "")
            probe = self_href.rstrip("/") + "/queryables"
            found.append(
                f"{path}: the item filter offers no additional filters; its queryables links: "
                f"{links or 'none'}; GET {probe} -> {self.http.get(probe).status_code}"
            )
        self.shot("queryables-" + path.strip("/").replace("/", "-"))
        return found

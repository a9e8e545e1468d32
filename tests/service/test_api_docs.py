"""``/api`` in the media type the landing page promises, and ``/api.html`` working with no
internet: Swagger UI served by the service itself, rendered by real headless Chromium."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from selenium.webdriver.support.wait import WebDriverWait

OPENAPI = "application/vnd.oai.openapi+json;version=3.0"


class Assets(HTMLParser):
    """Every script, stylesheet and icon URL a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.urls.append(("script", str(found["src"])))
        elif tag == "link" and found.get("href"):
            self.urls.append((str(found.get("rel")), str(found["href"])))


def test_the_service_desc_link_gets_the_media_type_it_promises(server: str) -> None:
    landing = httpx.get(server + "/").json()
    [desc] = [link for link in landing["links"] if link["rel"] == "service-desc"]
    assert desc["type"] == OPENAPI
    answer = httpx.get(desc["href"], headers={"Accept": desc["type"]})
    assert answer.status_code == 200 and answer.headers["content-type"] == OPENAPI
    assert "Accept" in answer.headers["vary"]
    assert "/search" in answer.json()["paths"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, OPENAPI),
        ("*/*", OPENAPI),
        ("application/json", "application/json"),
        ("application/json;q=0.5, application/vnd.oai.openapi+json;version=3.0", OPENAPI),
    ],
)
def test_api_negotiates_openapi_or_plain_json(
    server: str, accept: str | None, expected: str
) -> None:
    with httpx.Client() as client:
        del client.headers["accept"]  # None: send no Accept header at all
        answer = client.get(server + "/api", headers={"Accept": accept} if accept else None)
    assert answer.status_code == 200 and answer.headers["content-type"] == expected
    assert answer.json()["info"]["title"]


def test_api_refuses_what_it_cannot_offer(server: str) -> None:
    refused = httpx.get(server + "/api", headers={"Accept": "application/yaml"})
    assert refused.status_code == 406
    assert OPENAPI in refused.json()["offered"]


def test_api_html_loads_only_same_origin_assets(server: str) -> None:
    page = httpx.get(server + "/api.html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    parser = Assets()
    parser.feed(page.text)
    kinds = {kind for kind, _ in parser.urls}
    assert {"script", "stylesheet"} <= kinds, parser.urls
    origin = urlsplit(server).netloc
    expected = {"script": "javascript", "stylesheet": "text/css", "shortcut icon": "image/"}
    for kind, url in parser.urls:
        absolute = urljoin(server + "/api.html", url)
        assert urlsplit(absolute).netloc == origin, url
        asset = httpx.get(absolute)
        assert asset.status_code == 200, url
        assert expected[kind] in asset.headers["content-type"], (url, asset.headers)
        assert len(asset.content) > 0


def test_swagger_ui_renders_the_operations_in_chromium(browser: Any, server: str) -> None:
    browser.get(server + "/api.html")
    WebDriverWait(browser, 30).until(
        lambda b: b.execute_script("return document.querySelectorAll('.opblock').length") > 0
    )
    paths = browser.execute_script(
        "return [...document.querySelectorAll('.opblock-summary-path')]"
        ".map(e => e.getAttribute('data-path'))"
    )
    assert "/search" in paths and "/collections/{dataset}/versions" in paths
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == [], errors


def test_the_document_describes_the_answers_the_service_gives(server: str) -> None:
    document = httpx.get(server + "/api").json()
    operations = [op for ops in document["paths"].values() for op in ops.values()]
    statuses = {status for op in operations for status in op["responses"]}
    assert "422" not in statuses  # invalid parameters are 400
    for op in operations:
        for status, response in op["responses"].items():
            if int(status) >= 400 and "content" in response:
                assert list(response["content"]) == ["application/json"], op["summary"]
    asset = document["paths"]["/assets/{path}"]["get"]["responses"]
    assert {"200", "206", "304", "404", "416", "503"} <= set(asset)
    export = document["paths"]["/collections/{dataset}/versions/{version}/export/{name}"]["get"]
    assert "application/x-bibtex" in export["responses"]["200"]["content"]
    publish = document["paths"]["/collections/{dataset}/versions"]["post"]["responses"]
    assert {"200", "201"} <= set(publish)  # a retry answers 200

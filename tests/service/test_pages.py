"""Landing pages: content negotiation and error pages over HTTP, and real headless Chromium
rendering every page at desktop and phone widths, with screenshots kept as test artifacts."""

import json
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from selenium.webdriver.support.wait import WebDriverWait

from astrobench.catalog.records import release_records
from astrobench.catalog.store import Store
from astrobench.catalog.versions import Status
from astrobench.service.app import create_app
from astrobench.service.settings import Settings
from tests.catalog.factories import make_release

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
PAGES = {
    "catalogue": "/",
    "search": "/collections?q=variable",
    "sn-spectra": "/collections/sn-spectra",
    "ogle3-variables": "/collections/ogle3-variables",
    "sn-spectra-1.0.0": "/collections/sn-spectra/versions/1.0.0",
}


def page(server: str, path: str, accept: str = BROWSER_ACCEPT) -> httpx.Response:
    return httpx.get(server + path, headers={"Accept": accept}, timeout=30)


def test_one_url_many_representations(server: str) -> None:
    url = "/collections/ogle3-variables/versions/1.0"
    assert page(server, url, "application/json").json()["type"] == "Collection"
    assert page(server, url, "*/*").json()["type"] == "Collection"  # STAC clients keep JSON
    html = page(server, url)
    assert html.headers["content-type"].startswith("text/html") and "<h1>" in html.text
    datacite = page(server, url, "application/vnd.datacite.datacite+json")
    assert datacite.json()["doi"].endswith("astrobench.ogle3-variables.v1.0.0")
    assert page(server, url, "application/ld+json").json()["@type"] == "Dataset"
    croissant = page(
        server, url, 'application/ld+json; profile="http://mlcommons.org/croissant/1.1"'
    )
    assert croissant.json()["conformsTo"] == "http://mlcommons.org/croissant/1.1"


def test_unsupported_accept_gets_406_listing_what_is_offered(server: str) -> None:
    refused = page(server, "/collections/sn-spectra", "application/xml")
    assert refused.status_code == 406
    body = refused.json()
    assert body["code"] == "NotAcceptable" and "text/html" in body["offered"]
    assert "application/vnd.datacite.datacite+json" in body["description"]


def test_helpful_404_pages(server: str) -> None:
    unknown = page(server, "/collections/sn-spectro")
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("text/html")
    assert 'href="' + server + '/collections/sn-spectra"' in unknown.text  # did you mean
    version = page(server, "/collections/sn-spectra/versions/7")
    assert version.status_code == 404
    assert "/collections/sn-spectra/versions/2.0.0" in version.text  # the versions that exist
    assert (
        page(server, "/collections/sn-spectro", "application/json").json()["code"]
        == "DatasetNotFound"
    )


def test_version_page_shows_what_a_reader_needs(server: str) -> None:
    text = page(server, "/collections/ogle3-variables").text
    for expected in (
        "10.5072/astrobench.ogle3-variables.v2.1.0",  # DOI
        "astrobench.open(&#34;ogle3-variables&#34;, version=&#34;2.1.0&#34;",  # copyable line
        "@misc{astrobench_ogle3_variables_2_1_0",  # copyable BibTeX
        "Blind splits",  # what is blind, and why
        "random-forest",  # baseline scores
        "test-unseen",  # splits
        "Lessons learned",  # the card
        "quicklook.png",  # the quick-look figure
        "sha256",  # downloads with checksums
        "Udalski",  # citation of the source
    ):
        assert expected in text, expected
    embedded = text.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert json.loads(embedded)["@type"] == "Dataset"


def test_deprecated_version_shows_a_banner(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    settings.prepare()
    store = Store(settings.database_url)
    store.create()
    for version in ("1.0.0", "1.1.0"):
        collection, items, assets = release_records(
            make_release(tmp_path / version, version=version)
        )
        store.publish(collection, items, assets)
    store.set_status("toy-spectra", "1.0.0", Status.DEPRECATED, "labels were wrong", "1.1.0")
    store.close()
    with TestClient(create_app(settings)) as client:
        old = client.get("/collections/toy-spectra/versions/1.0.0", headers={"Accept": "text/html"})
        assert old.status_code == 200
        assert "This version is deprecated" in old.text and "labels were wrong" in old.text
        assert "/collections/toy-spectra/versions/1.1.0" in old.text
        new = client.get("/collections/toy-spectra", headers={"Accept": "text/html"})
        assert "This version is" not in new.text and "No baselines" in new.text


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", PAGES)
def test_pages_render_in_chromium(browser, server: str, name: str, size: str) -> None:  # type: ignore[no-untyped-def]
    width, height = SIZES[size]
    browser.set_window_size(width, height)
    browser.get(server + PAGES[name])
    assert browser.title and browser.find_element("tag name", "h1").text
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == [], errors
    browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")  # lazy images load
    WebDriverWait(browser, 20).until(
        lambda b: b.execute_script("return [...document.images].every(i => i.complete)")
    )
    broken = browser.execute_script(
        "return [...document.images].filter(i => i.naturalWidth === 0).map(i => i.src)"
    )
    assert broken == []
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at {size} width"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    full = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(width, min(max(full, height), 8000))
    assert browser.save_screenshot(str(ARTIFACTS / f"{name}-{size}.png"))


@pytest.mark.parametrize("name", PAGES)
def test_links_on_pages_resolve(browser, server: str, name: str) -> None:  # type: ignore[no-untyped-def]
    browser.get(server + PAGES[name])
    targets = browser.execute_script(
        "return [...document.querySelectorAll('a[href], img[src]')].map(e => e.href || e.src)"
    )
    local = sorted({t.split("#")[0] for t in targets if t.startswith(server)})
    assert local
    for target in local:  # doi.org and source sites are outside this machine's reach
        response = httpx.get(target, headers={"Accept": BROWSER_ACCEPT}, timeout=30)
        assert response.status_code == 200, (target, response.status_code)


def test_copy_button_copies(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    browser.get(server + "/collections/sn-spectra")
    button = browser.find_element("css selector", "button[data-copy='open-line']")
    button.click()
    # The handler awaits the clipboard, so its answer comes a moment after the click.
    WebDriverWait(browser, 10).until(lambda _: button.text != "Copy")
    assert button.text in ("Copied", "Select and copy")  # clipboard access may be refused headless

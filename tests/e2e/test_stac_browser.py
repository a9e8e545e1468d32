"""STAC Browser 4.0.1, unmodified, in headless Chromium against a real astrobench server.

The app is built once from its npm package and cached in ``.cache/stac-browser-4.0.1/`` (see
``tests/e2e/stac_browser.py``; the first build takes 1-3 minutes and needs npm and the npm
registry, and the tests fail, never skip, without them). It is served on a loopback port with a
runtime ``config.js`` whose ``catalogUrl`` is the server. Each test walks one part of the site the
way a person does, by loading a page and clicking, and fails on console errors (SEVERE; only the
offline OpenStreetMap basemap tiles are ignored), on error boxes in the page, on a dataset listed
twice and on broken version links; each failure names the JSON links behind it. Screenshots land
in ``test-artifacts/screenshots/stac-browser-*.png``. The same walk runs by hand against any
server: ``python bench/stac_browser.py URL``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.stac_browser import (
    VERSION,
    StacBrowserUnavailable,
    Walk,
    ensure_built,
    serve,
)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DATASETS = ("sn-spectra", "ogle3-variables")


@pytest.fixture(scope="module")
def dist() -> Path:
    try:
        return ensure_built()
    except StacBrowserUnavailable as error:
        pytest.fail(f"STAC Browser {VERSION} is unavailable: {error}")


@pytest.fixture(scope="module")
def walk(browser: Any, server: str, dist: Path) -> Iterator[Walk]:
    browser.set_window_size(1280, 900)
    with serve(dist, server) as ui:
        yield Walk(browser, ui, server, SCREENSHOTS)


def check(findings: list[str]) -> None:
    if findings:
        pytest.fail("\n".join(findings), pytrace=False)


def test_catalogue_lists_each_dataset_once(walk: Walk) -> None:
    check(walk.catalogue())


@pytest.mark.parametrize("dataset", DATASETS)
def test_dataset_page(walk: Walk, dataset: str) -> None:
    check(walk.collection(dataset))


@pytest.mark.parametrize("dataset", DATASETS)
def test_up_from_dataset(walk: Walk, dataset: str) -> None:
    check(walk.up(dataset))


def test_item_page_and_up(walk: Walk) -> None:
    check(walk.item("sn-spectra"))


def test_items_listed_once(walk: Walk) -> None:
    check(walk.items("sn-spectra"))


def test_search_with_one_filter(walk: Walk) -> None:
    check(walk.search())


def test_version_links(walk: Walk) -> None:
    check(walk.versions("sn-spectra"))


@pytest.mark.parametrize(
    "path", ["/collections/sn-spectra", "/collections/sn-spectra/versions/1.2.0"]
)
def test_item_filter_offers_queryables(walk: Walk, path: str) -> None:
    check(walk.queryables(path))

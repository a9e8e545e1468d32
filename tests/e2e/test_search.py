"""pystac-client against a real server: item search and collection search with every extension.

Any warning fails these tests: pystac-client warns when a server lacks a conformance class it
needs and falls back to filtering on the client side.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest
from mocpy import MOC
from pystac_client import Client

import astrobench
from astrobench.catalog import benchmark


@pytest.fixture
def stac(server: str) -> Iterator[Client]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        yield Client.open(server)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_filter_text_and_json(stac: Client, method: str) -> None:
    text = stac.search(
        method=method,
        filter="bench:role = 'robustness' AND bench:modality = 'spectrum'",
        filter_lang="cql2-text",
    )
    as_json = stac.search(
        method=method,
        filter={
            "op": "and",
            "args": [
                {"op": "=", "args": [{"property": "bench:role"}, "robustness"]},
                {"op": "=", "args": [{"property": "bench:modality"}, "spectrum"]},
                {"op": "between", "args": [{"property": "bench:count"}, 10, 400]},
            ],
        },
    )
    expected = ["sn-spectra-2.0.0-test-highz"]
    assert [i["id"] for i in text.items_as_dicts()] == expected
    assert [i["id"] for i in as_json.items_as_dicts()] == expected
    assert text.matched() == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sort_pages_and_fields(stac: Client, method: str) -> None:
    search = stac.search(
        method=method,
        collections=["sn-spectra"],
        sortby="-bench:count",
        fields={"include": ["properties.bench:count"], "exclude": ["assets"]},
        limit=1,
    )
    pages = list(search.pages_as_dicts())
    assert len(pages) == 4  # one item a page, following next links
    features = [page["features"][0] for page in pages]
    counts = [f["properties"][benchmark.COUNT] for f in features]
    assert counts == sorted(counts, reverse=True)
    assert all("assets" not in f and "bench:split" not in f["properties"] for f in features)
    assert all(page["numberMatched"] == 4 and page["numberReturned"] == 1 for page in pages)


def test_free_text_and_sky_search(stac: Client, server: str, sky: Sky) -> None:
    assert httpx.get(server + "/search", params={"q": "highz"}).json()["numberMatched"] == 1
    assert (
        httpx.post(server + "/search", json={"q": ["x-ray", "HIGHZ"]}).json()["numberMatched"] == 1
    )
    assert (
        httpx.get(server + "/search", params={"q": "nothing-like-this"}).json()["numberMatched"]
        == 0
    )
    stripe82 = list(stac.search(filter="sky_cone(0.5, 0.2, 1)", filter_lang="cql2-text").items())
    sky.agrees((0.5, 0.2, 1), {i.collection_id for i in stripe82}, boxes={"sn-spectra"})
    north = stac.search(filter="sky_cone(180, 45, 10)", filter_lang="cql2-text")
    sky.agrees((180, 45, 10), {i.collection_id for i in north.items()}, boxes=set())
    by_get = httpx.get(server + "/search", params={"cone": "10,0,1", "wavelength": "500,600"})
    sky.agrees((10, 0, 1), _collections(by_get.json()), boxes={"sn-spectra"}, band=(500, 600))
    far = httpx.get(server + "/search", params={"cone": "10,60,5"}).json()
    sky.agrees((10, 60, 5), _collections(far), boxes=set())
    infrared = httpx.get(server + "/search", params={"wavelength": "5000,6000"})
    assert infrared.json()["numberMatched"] == 0
    by_post = httpx.post(server + "/search", json={"cone": [10, 60, 5]}).json()
    assert _collections(by_post) == _collections(far)
    assert by_post["numberMatched"] == len(by_post["features"]) == len(far["features"])
    sky.decided()


def _collections(page: dict[str, Any]) -> set[str]:
    assert page["numberMatched"] == len(page["features"])  # every match on one page
    return {f["collection"] for f in page["features"]}


class Sky:
    """What a cone search should find, from the examples' own positions (read through the
    client): each dataset with a MOC is found where it holds an example in the cone, and not
    where it has none within the cone and the MOC's resolution."""

    def __init__(self, server: str) -> None:
        self.positions: dict[str, tuple[np.ndarray, np.ndarray, int]] = {}
        self.bands: dict[str, list[float]] = {}
        self.verdicts: list[bool] = []
        for collection in httpx.get(server + "/collections").json()["collections"]:
            name, footprint = collection["id"], collection.get(benchmark.SKY_FOOTPRINT) or {}
            self.bands[name] = collection[benchmark.WAVELENGTH_RANGE]
            if "moc" not in footprint:
                continue
            parts = [
                astrobench.open(name, split=s["name"], url=server)
                for s in collection[benchmark.SPLITS]
            ]
            ra = np.concatenate([p["ra"].values for p in parts])
            dec = np.concatenate([p["dec"].values for p in parts])
            self.positions[name] = ra, dec, MOC.from_str(footprint["moc"]).max_order

    def agrees(
        self,
        cone: tuple[float, float, float],
        found: set[str],
        boxes: set[str],
        band: tuple[float, float] | None = None,
    ) -> None:
        """``found`` is right: ``boxes`` (datasets without a MOC whose box the cone touches)
        and the datasets with a MOC that hold an example in the cone."""
        assert found - set(self.positions) == boxes, found
        ra0, dec0 = math.radians(cone[0]), math.radians(cone[1])
        for name, (ra, dec, order) in self.positions.items():
            low, high = self.bands[name]
            if band and not (low <= band[1] and high >= band[0]):
                assert name not in found
                continue
            r, d = np.radians(ra), np.radians(dec)
            cos = np.sin(dec0) * np.sin(d) + np.cos(dec0) * np.cos(d) * np.cos(r - ra0)
            nearest = float(np.degrees(np.arccos(np.clip(cos, -1, 1))).min())
            if nearest <= cone[2]:
                assert name in found, (name, cone, nearest)
                self.verdicts.append(True)
            elif nearest > cone[2] + 2 * 58.6 / 2**order + cone[2] / 2:
                assert name not in found, (name, cone, nearest)
                self.verdicts.append(False)

    def decided(self) -> None:
        """The cones asked both questions: some datasets had to be found, some left out."""
        assert True in self.verdicts and False in self.verdicts, self.verdicts


@pytest.fixture(scope="module")
def sky(server: str) -> Sky:
    return Sky(server)


def test_collection_search(stac: Client, server: str, sky: Sky) -> None:
    def found(**kwargs) -> list[str]:  # type: ignore[no-untyped-def]
        return [c["id"] for c in stac.collection_search(**kwargs).collections_as_dicts()]

    assert sorted(found(q="supernova")) == ["slsn-photoz", "sn-spectra"]
    assert sorted(found(q="galaxy")) == [
        "dso-images",
        "galaxy-shear",
        "ngc-morphology",
        "sdss-photoz",
    ]
    assert found(
        filter="bench:task = 'classification' AND bench:modality = 'spectrum' AND "
        "A_CONTAINS(bench:roles, ('robustness'))",
        filter_lang="cql2-text",
    ) == ["sn-spectra"]
    assert found(filter="license = 'CC0-1.0'", filter_lang="cql2-text") == []
    # titles: "Superluminous ...", "SDSS-II supernova ...", "SDSS Main Galaxy ...",
    # "OpenNGC ...", "OGLE-III ...", "Galaxy shear ...", "Deep-sky object images ..."
    by_title = [
        "slsn-photoz",
        "sn-spectra",
        "sdss-photoz",
        "ngc-morphology",
        "ogle3-variables",
        "galaxy-shear",
        "dso-images",
    ]
    assert found(sortby="-title", datetime="2005-01-01T00:00:00Z/..") == by_title
    assert sorted(found(datetime="2019-01-01T00:00:00Z/..")) == [
        "dso-images",
        "galaxy-shear",
        "ngc-morphology",
        "ogle3-variables",
        "slsn-photoz",
    ]
    trimmed = stac.collection_search(fields=["-summaries", "-providers"]).collections_as_dicts()
    assert all("summaries" not in c and "providers" not in c for c in trimmed)

    def by_sky(**params: str) -> set[str]:
        return {
            c["id"] for c in httpx.get(server + "/collections", params=params).json()["collections"]
        }

    found = by_sky(cone="350,0,2", wavelength="300,380")
    sky.agrees((350, 0, 2), found, boxes={"sn-spectra"}, band=(300, 380))
    sky.agrees((80.9, -69.8, 1), by_sky(cone="80.9,-69.8,1"), boxes={"ogle3-variables"})
    sky.agrees((180, 45, 10), by_sky(cone="180,45,10"), boxes=set())
    sky.decided()
    assert (
        httpx.get(server + "/collections", params={"wavelength": "5000,6000"}).json()[
            "numberMatched"
        ]
        == 0
    )


def test_queryables_and_functions(server: str) -> None:
    items = httpx.get(server + "/queryables").json()
    assert {"bench:role", "bench:count", "bench:modality", "datetime"} <= set(items["properties"])
    assert items["properties"]["bench:role"]["enum"] == list(benchmark.ROLES)
    collections = httpx.get(server + "/collections-queryables").json()
    assert {"bench:task", "license", "keywords", "bench:roles"} <= set(collections["properties"])
    assert httpx.get(server + "/collections/sn-spectra/queryables").status_code == 200
    names = [f["name"] for f in httpx.get(server + "/functions").json()["functions"]]
    assert names == ["sky_cone", "wavelength_overlaps"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"filter": "bench:role = "}, "not valid CQL2"),
        ({"filter": "license = 5"}, "license is a string, not 5"),
        ({"filter": "{", "filter-lang": "cql2-json"}, "not valid JSON"),
        ({"filter-lang": "sql", "filter": "x"}, "filter-lang"),
        ({"sortby": "-size"}, "unknown sort field 'size'"),
        ({"limit": "-5"}, "positive integer"),
        ({"cone": "10,0"}, "ra,dec,radius"),
        ({"wavelength": "600,500"}, "0 < min <= max"),
        ({"filter-crs": "EPSG:4326", "filter": "id = 'x'"}, "CRS84"),
    ],
)
def test_bad_search_parameters_are_400(server: str, params: dict[str, str], message: str) -> None:
    for path in ("/search", "/collections"):
        answer = httpx.get(server + path, params=params)
        assert answer.status_code == 400, (path, answer.text)
        assert message in answer.json()["description"]


def test_bad_search_bodies_are_400(server: str) -> None:
    unknown = httpx.post(server + "/search", json={"colections": ["sn-spectra"]})
    assert unknown.status_code == 400 and "colections" in unknown.json()["description"]
    bad_sort = httpx.post(server + "/search", json={"sortby": [{"field": "id", "direction": "up"}]})
    assert bad_sort.status_code == 400
    bad_filter = httpx.post(server + "/search", json={"filter": {"op": "=", "args": [1]}})
    assert (
        bad_filter.status_code == 400 and "= takes 2 arguments" in bad_filter.json()["description"]
    )


def test_openapi_documents_search_and_errors(server: str) -> None:
    spec = httpx.get(server + "/api").json()
    search = spec["paths"]["/search"]
    assert {"filter", "filter-lang", "sortby", "fields", "q", "cone", "wavelength"} <= {
        p["name"] for p in search["get"]["parameters"]
    }
    assert {"400", "404", "503"} <= set(search["post"]["responses"])
    publish = spec["paths"]["/collections/{dataset}/versions"]["post"]["responses"]
    assert {"401", "403", "409", "413", "415"} <= set(publish)
    assert "ErrorBody" in spec["components"]["schemas"]

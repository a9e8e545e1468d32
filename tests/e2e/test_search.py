"""pystac-client against a real server: item search and collection search with every extension.

Any warning fails these tests: pystac-client warns when a server lacks a conformance class it
needs and falls back to filtering on the client side.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import httpx
import pytest
from pystac_client import Client

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


def test_free_text_and_sky_search(stac: Client, server: str) -> None:
    assert httpx.get(server + "/search", params={"q": "highz"}).json()["numberMatched"] == 1
    assert (
        httpx.post(server + "/search", json={"q": ["x-ray", "HIGHZ"]}).json()["numberMatched"] == 1
    )
    assert (
        httpx.get(server + "/search", params={"q": "nothing-like-this"}).json()["numberMatched"]
        == 0
    )
    stripe82 = stac.search(filter="sky_cone(0.5, 0.2, 1)", filter_lang="cql2-text")
    assert stripe82.matched() == 4 + sum(WHOLE_SKY.values())
    north = stac.search(filter="sky_cone(180, 45, 10)", filter_lang="cql2-text")
    assert {i.collection_id for i in north.items()} == set(WHOLE_SKY)
    by_get = httpx.get(server + "/search", params={"cone": "10,0,1", "wavelength": "500,600"})
    assert by_get.json()["numberMatched"] == 4 + sum(WHOLE_SKY.values())
    far = httpx.get(server + "/search", params={"cone": "10,60,5"}).json()
    assert {f["collection"] for f in far["features"]} == set(WHOLE_SKY)
    infrared = httpx.get(server + "/search", params={"wavelength": "5000,6000"})
    assert infrared.json()["numberMatched"] == 0
    by_post = httpx.post(server + "/search", json={"cone": [10, 60, 5]})
    assert by_post.json()["numberMatched"] == sum(WHOLE_SKY.values())


WHOLE_SKY = {"ngc-morphology": 5, "dso-images": 4, "slsn-photoz": 5}
"""Items of the datasets whose objects are all over the sky, so that every cone meets them."""


def test_collection_search(stac: Client, server: str) -> None:
    def found(**kwargs) -> list[str]:  # type: ignore[no-untyped-def]
        return [c["id"] for c in stac.collection_search(**kwargs).collections_as_dicts()]

    assert sorted(found(q="supernova")) == ["slsn-photoz", "sn-spectra"]
    assert sorted(found(q="galaxy")) == ["dso-images", "ngc-morphology", "sdss-photoz"]
    assert found(
        filter="bench:task = 'classification' AND bench:modality = 'spectrum' AND "
        "A_CONTAINS(bench:roles, ('robustness'))",
        filter_lang="cql2-text",
    ) == ["sn-spectra"]
    assert found(filter="license = 'CC0-1.0'", filter_lang="cql2-text") == []
    # titles: "Superluminous ...", "SDSS-II supernova ...", "SDSS Main Galaxy ...",
    # "OpenNGC ...", "OGLE-III ...", "Deep-sky object images ..."
    by_title = [
        "slsn-photoz",
        "sn-spectra",
        "sdss-photoz",
        "ngc-morphology",
        "ogle3-variables",
        "dso-images",
    ]
    assert found(sortby="-title", datetime="2005-01-01T00:00:00Z/..") == by_title
    assert sorted(found(datetime="2019-01-01T00:00:00Z/..")) == [
        "dso-images",
        "ngc-morphology",
        "ogle3-variables",
        "slsn-photoz",
    ]
    trimmed = stac.collection_search(fields=["-summaries", "-providers"]).collections_as_dicts()
    assert all("summaries" not in c and "providers" not in c for c in trimmed)
    by_sky = httpx.get(server + "/collections", params={"cone": "350,0,2", "wavelength": "300,380"})
    assert sorted(c["id"] for c in by_sky.json()["collections"]) == ["slsn-photoz", "sn-spectra"]
    lmc = httpx.get(server + "/collections", params={"cone": "80.9,-69.8,1"})
    assert {c["id"] for c in lmc.json()["collections"]} == {"ogle3-variables", *WHOLE_SKY}
    elsewhere = httpx.get(server + "/collections", params={"cone": "180,45,10"})
    assert {c["id"] for c in elsewhere.json()["collections"]} == set(WHOLE_SKY)
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

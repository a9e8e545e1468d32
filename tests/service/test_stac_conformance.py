"""What STAC clients rely on, over HTTP against a real server: media types, self links, the link
structure STAC Browser navigates, DOIs in the records, intersects, fields, limits and datetimes."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi.testclient import TestClient

from astrobench.catalog.settings import CatalogSettings
from astrobench.ingest.recipe import RECIPES
from astrobench.service.app import create_app
from astrobench.service.settings import Settings

GEOJSON = "application/geo+json"


def get(server: str, path: str, **params: str) -> httpx.Response:
    return httpx.get(server + path, params=params, timeout=30)


def links(record: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {link["rel"]: link for link in record["links"]}


@pytest.mark.parametrize(
    "path",
    [
        "/search?collections=sn-spectra",
        "/collections/sn-spectra/items",
        "/collections/sn-spectra/items/sn-spectra-2.0.0-test",
        "/collections/sn-spectra/versions/1.0.0/items",
        "/collections/sn-spectra/versions/1.0.0/items/sn-spectra-1.0.0-test",
    ],
)
def test_items_are_geojson(server: str, path: str) -> None:
    answer = httpx.get(server + path, timeout=30)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == GEOJSON
    posted = httpx.post(server + "/search", json={"limit": 1}, timeout=30)
    assert posted.headers["content-type"] == GEOJSON


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/collections",
        "/collections?q=supernova",
        "/collections/sn-spectra",
        "/collections/sn-spectra/versions/1.2.0",
        "/collections/sn-spectra/versions/1.2",
        "/collections/sn-spectra/items?limit=2",
        "/collections/sn-spectra/items/sn-spectra-2.0.0-test",
        "/collections/sn-spectra/versions/1.0.0/items/sn-spectra-1.0.0-test",
        "/search?collections=sn-spectra&limit=1",
    ],
)
def test_self_is_the_url_requested(server: str, path: str) -> None:
    record = httpx.get(server + path, timeout=30).json()
    assert links(record)["self"]["href"] == server + path


def test_stac_browser_link_structure(server: str) -> None:
    """One URL per dataset, ``parent`` a Catalog, no ``outdated`` latest version, titled links."""
    root = get(server, "/").json()
    children = sorted(link["href"] for link in root["links"] if link["rel"] == "child")
    listed = get(server, "/collections").json()["collections"]
    assert sorted(links(c)["self"]["href"] for c in listed) == children
    assert all(link.get("title") for link in root["links"])
    for child in children:
        collection = httpx.get(child, timeout=30).json()
        rels = links(collection)
        assert rels["self"]["href"] == child
        assert rels["parent"]["href"] == rels["root"]["href"] == server + "/"
        assert httpx.get(rels["parent"]["href"], timeout=30).json()["type"] == "Catalog"
        assert "latest-version" not in rels and "successor-version" not in rels
        assert all(link.get("title") for link in collection["links"]), collection["links"]
        assert rels["version"]["href"].endswith(f"/versions/{collection['version']}")
        queryables = httpx.get(rels["http://www.opengis.net/def/rel/ogc/1.0/queryables"]["href"])
        assert queryables.status_code == 200 and queryables.json()["properties"]
    old = get(server, "/collections/sn-spectra/versions/1.1.0").json()
    rels = links(old)
    assert rels["latest-version"]["title"] == "sn-spectra 2.0.0"
    assert rels["successor-version"]["title"] == "sn-spectra 1.2.0"
    assert rels["predecessor-version"]["title"] == "sn-spectra 1.0.0"
    assert rels["self"]["href"].endswith("/versions/1.1.0")


def test_only_the_quicklook_is_a_thumbnail(server: str) -> None:
    """STAC Browser shows overview and thumbnail assets as pictures without a download: the
    diagnostic figures are files to open, the quick-look the one picture."""
    assets = get(server, "/collections/sn-spectra").json()["assets"]
    pictures = [key for key, a in assets.items() if {"overview", "thumbnail"} & set(a["roles"])]
    assert pictures == ["quicklook"]
    figures = [a for a in assets.values() if "diagnostics" in a["roles"]]
    assert figures and all(a["type"] == "image/png" and a.get("title") for a in figures)


def test_items_link_to_the_collection_that_lists_them(server: str) -> None:
    latest = get(server, "/search", ids="sn-spectra-2.0.0-test").json()["features"][0]
    assert links(latest)["collection"]["href"] == server + "/collections/sn-spectra"
    assert links(latest)["self"]["href"] == (
        server + "/collections/sn-spectra/items/sn-spectra-2.0.0-test"
    )
    old = get(server, "/search", ids="sn-spectra-1.0.0-test").json()["features"][0]
    assert links(old)["parent"]["href"] == server + "/collections/sn-spectra/versions/1.0.0"
    assert httpx.get(links(old)["self"]["href"], timeout=30).json()["id"] == old["id"]


def test_queryables_for_every_collection_url(server: str) -> None:
    for path in (
        "/queryables",
        "/collections/sn-spectra/queryables",
        "/collections/sn-spectra/versions/1.2.0/queryables",
        "/collections/sn-spectra/versions/latest/queryables",
    ):
        answer = httpx.get(server + path, headers={"Accept": "application/schema+json"})
        assert answer.status_code == 200, path
        assert answer.headers["content-type"] == "application/schema+json"
        document = answer.json()
        assert document["$id"] == server + path and document["additionalProperties"] is True
    assert get(server, "/collections/sn-spectra/versions/9.9.9/queryables").status_code == 404


def test_collections_carry_their_doi(server: str) -> None:
    version = get(server, "/collections/sn-spectra/versions/1.2.0").json()
    assert version["sci:doi"] == "10.5072/astrobench.sn-spectra.v1.2.0"
    assert (
        links(version)["cite-as"]["href"] == "https://doi.org/10.5072/astrobench.sn-spectra.v1.2.0"
    )
    assert version["astrobench:doi_state"] == "reserved"  # no DataCite credentials in tests
    assert (
        "https://stac-extensions.github.io/scientific/v1.0.0/schema.json"
        in (version["stac_extensions"])
    )
    concept = get(server, "/collections/sn-spectra").json()
    assert concept["sci:doi"] == "10.5072/astrobench.sn-spectra"
    assert links(concept)["cite-as"]["href"] == "https://doi.org/10.5072/astrobench.sn-spectra"
    exact = get(server, "/collections/sn-spectra/versions/1.3.0").json()
    assert exact["sci:doi"] == "10.5072/astrobench.sn-spectra.v1.3.0"
    listed = get(server, "/collections").json()["collections"]
    assert {c["sci:doi"] for c in listed} == {f"10.5072/astrobench.{name}" for name in RECIPES}


SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


def test_intersects_get_and_post(server: str) -> None:
    """Sky data has no footprint on Earth: its null geometry intersects nothing."""
    by_get = get(server, "/search", intersects=json.dumps(SQUARE))
    assert by_get.status_code == 200 and by_get.json()["features"] == []
    by_post = httpx.post(server + "/search", json={"intersects": SQUARE}, timeout=30)
    assert by_post.status_code == 200 and by_post.json()["features"] == []
    assert get(server, "/search").json()["features"]  # the same search without it finds items


@pytest.mark.parametrize(
    ("intersects", "says"),
    [
        ("{not json", "not JSON"),
        (json.dumps({"type": "Feature", "geometry": SQUARE}), "type 'Feature'"),
        (json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1]]]}), "[1] in a Polygon"),
        (json.dumps({"type": "Point"}), "no 'coordinates'"),
        (json.dumps({"type": "Point", "coordinates": [True, 0]}), "not a position"),
        (json.dumps({"type": "LineString", "coordinates": [[0, 0]]}), "2 positions or more"),
        (
            json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}),
            "the last",
        ),
        (
            json.dumps({"type": "GeometryCollection", "geometries": [{"type": "Foo"}]}),
            "type 'Foo'",
        ),
        ("[" * 5000 + "]" * 5000, "not JSON"),
        (
            json.dumps(
                {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
            ),
            "Self-intersection",
        ),
        (json.dumps({"type": "Point", "coordinates": [200, 0]}), "outside -180..180"),
    ],
)
def test_malformed_intersects_is_400(server: str, intersects: str, says: str) -> None:
    answer = get(server, "/search", intersects=intersects)
    assert answer.status_code == 400 and says in answer.json()["description"], answer.text
    if not intersects.startswith('{"'):
        return  # a JSON body cannot carry broken JSON
    posted = httpx.post(server + "/search", json={"intersects": json.loads(intersects)})
    assert posted.status_code == 400 and says in posted.json()["description"], posted.text


AREA = {
    "type": "Polygon",
    "coordinates": [[[-10, -10], [10, -10], [10, 10], [-10, 10], [-10, -10]]],
}
MET = ["toy-footprints-1.0.0-tile-04", "toy-footprints-1.0.0-tile-05"]
MET += ["toy-footprints-1.0.0-tile-06", "toy-footprints-1.0.0-tile-07"]
"""The tiles of ``footprints`` (tile i: west -30 + 5i, south -20 + 4i, 4 x 2 degrees) in AREA."""


def follow(first: httpx.Response) -> list[str]:
    """Every item id, following next links (GET, or POST with their body)."""
    found, page = [], first.json()
    while True:
        assert "numberMatched" not in page  # intersects: not counted
        found += [f["id"] for f in page["features"]]
        following = links(page).get("next")
        if following is None:
            return found
        if following.get("method") == "POST":
            page = httpx.post(following["href"], json=following["body"], timeout=30).json()
        else:
            page = httpx.get(following["href"], timeout=30).json()


def test_intersects_finds_the_footprints_it_meets(footprints: str) -> None:
    by_get = get(footprints, "/search", intersects=json.dumps(AREA), limit="3")
    assert follow(by_get) == MET
    by_post = httpx.post(footprints + "/search", json={"intersects": AREA, "limit": 3})
    assert follow(by_post) == MET
    point = {"type": "Point", "coordinates": [-28, -19]}  # inside tile 0 only
    assert follow(get(footprints, "/search", intersects=json.dumps(point))) == [
        "toy-footprints-1.0.0-tile-00"
    ]
    refused = get(footprints, "/collections", intersects=json.dumps(AREA))
    assert refused.status_code == 400 and "item-search" in refused.json()["description"]


def test_bbox_on_the_items_of_a_collection(footprints: str) -> None:
    """OGC API Features: bbox filters /collections/{id}/items; a bbox whose west lies east of
    its east crosses the antimeridian."""
    page = get(footprints, "/collections/toy-footprints/items", bbox="-10,-10,10,10").json()
    assert [f["id"] for f in page["features"]] == MET and page["numberMatched"] == 4
    wrapped = get(footprints, "/collections/toy-footprints/items", bbox="170,-90,-26.5,90")
    assert [f["id"] for f in wrapped.json()["features"]] == ["toy-footprints-1.0.0-tile-00"]


def test_bbox_and_intersects_together_is_400(server: str) -> None:
    answer = get(server, "/search", bbox="0,0,1,1", intersects=json.dumps(SQUARE))
    assert answer.status_code == 400 and "not both" in answer.json()["description"]
    posted = httpx.post(server + "/search", json={"bbox": [0, 0, 1, 1], "intersects": SQUARE})
    assert posted.status_code == 400 and "not both" in posted.json()["description"]


def test_fields_semantics(server: str) -> None:
    """STAC API fields 1.0.0: empty gives the default set, include gives only what it names,
    exclude alone takes from everything, the more specific path wins."""

    def first(**body: object) -> dict:  # type: ignore[type-arg]
        answer = httpx.post(server + "/search", json={"limit": 1, **body}, timeout=30)
        assert answer.status_code == 200, answer.text
        feature: dict = answer.json()["features"][0]  # type: ignore[type-arg]
        return feature

    default = first(fields={})
    assert set(default) == {
        "type",
        "stac_version",
        "id",
        "collection",
        "geometry",
        "links",
        "assets",
        "properties",
    }
    assert set(default["properties"]) == {"datetime", "start_datetime", "end_datetime"}
    assert first(fields={"include": None, "exclude": None}) == default
    only = first(fields={"include": ["properties.bench:split"]})
    assert set(only) == {"type", "stac_version", "id", "collection", "properties"}
    assert set(only["properties"]) == {"bench:split"}
    everything_but = first(fields={"exclude": ["assets"]})
    assert "assets" not in everything_but and "bench:split" in everything_but["properties"]
    default_but = first(fields={"include": [], "exclude": ["assets"]})
    assert "assets" not in default_but and "bench:split" not in default_but["properties"]
    nested = first(fields={"include": ["properties.bench:role"], "exclude": ["properties"]})
    assert set(nested["properties"]) == {"bench:role"}
    both = first(fields={"include": ["assets"], "exclude": ["assets"]})
    assert "assets" in both
    by_get = get(server, "/search", fields="-properties,+properties.bench:count", limit="1")
    assert set(by_get.json()["features"][0]["properties"]) == {"bench:count"}
    body = {"limit": 1, "fields": {"include": None, "exclude": ["assets"]}}
    pages = httpx.post(server + "/search", json=body, timeout=30).json()
    following = links(pages)["next"]
    assert following["body"]["fields"] == {"include": None, "exclude": ["assets"]}
    second = httpx.post(following["href"], json=following["body"], timeout=30).json()
    assert "assets" not in second["features"][0]  # still the default set but assets
    assert set(second["features"][0]["properties"]) <= set(default["properties"])
    null = httpx.post(server + "/search", json={"fields": None}, timeout=30)
    assert null.status_code == 400 and "not null" in null.json()["description"]


def test_limit_above_the_maximum_means_the_maximum(catalogue: CatalogSettings) -> None:
    settings = Settings(data_dir=catalogue.data_dir, max_limit=3)
    with TestClient(create_app(settings)) as client:
        answer = client.get("/search", params={"limit": "1000000"})
        assert answer.status_code == 200 and answer.json()["numberReturned"] == 3


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("1985-04-12T23:20:50.52Z", True),
        ("1996-12-19T16:39:57-08:00", True),
        ("1985-04-12t23:20:50.000z", True),
        ("2020-07-23T00:00:00.012345678Z/..", True),
        ("/1985-04-12T23:20:50.52Z", True),
        ("1985-04-12", False),
        ("1985-12-12T23:20:50.52", False),
        ("1937-01-01T12:00:27.87+0100", False),
        ("1985-04-12T23:20:50,52Z", False),
        ("1990-12-31T23:59:61Z", False),
        ("../..", False),
        ("1990-12-31T23:59:60Z", True),  # a leap second
        ("9999-12-31T23:59:59-01:00", False),  # past year 9999 in UTC
        ("1985-04-12T23:20:50+00:99", False),
        ("\uff12\uff10\uff12\uff10-07-23T00:00:00Z", False),  # full-width digits
    ],
)
def test_datetimes_are_rfc3339(server: str, value: str, valid: bool) -> None:
    answer = get(server, "/search", datetime=value)
    assert answer.status_code == (200 if valid else 400), answer.text


def test_links_behind_a_path_prefix(catalogue: CatalogSettings) -> None:
    """Served under a root path (a proxy's /stac), links keep the prefix once."""
    with TestClient(create_app(Settings(data_dir=catalogue.data_dir)), root_path="/stac") as client:
        record = client.get("/stac/collections/sn-spectra").json()
        assert links(record)["self"]["href"] == "http://testserver/stac/collections/sn-spectra"
        assert record["sci:doi"] == "10.5072/astrobench.sn-spectra"  # the concept DOI
        queryables = client.get("/stac/collections/sn-spectra/queryables").json()
        assert queryables["$id"] == "http://testserver/stac/collections/sn-spectra/queryables"

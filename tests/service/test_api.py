"""The STAC API, read side, over HTTP against a real server process."""

import httpx
import pytest

from astrobench.catalog import benchmark
from astrobench.catalog.validate import validate
from astrobench.ingest.recipe import RECIPES


def get(server: str, path: str, **params):  # type: ignore[no-untyped-def]
    return httpx.get(server + path, params=params, timeout=10)


def test_landing_and_conformance(server: str) -> None:
    landing = get(server, "/").json()
    rels = {link["rel"] for link in landing["links"]}
    assert {"self", "root", "conformance", "data", "search", "service-desc", "child"} <= rels
    assert (
        "https://api.stacspec.org/v1.0.0/item-search"
        in get(server, "/conformance").json()["conformsTo"]
    )
    assert get(server, "/api").json()["paths"]["/search"]


def test_unversioned_collection_is_latest_with_version_links(server: str, validator) -> None:  # type: ignore[no-untyped-def]
    collection = get(server, "/collections/sn-spectra").json()
    assert collection["version"] == "2.0.0"
    rels = {link["rel"]: link["href"] for link in collection["links"]}
    assert rels["predecessor-version"].endswith("/collections/sn-spectra/versions/1.3.0")
    assert rels["version"].endswith("/collections/sn-spectra/versions/2.0.0")
    assert "latest-version" not in rels and "successor-version" not in rels
    validate(collection, validator)
    listed = [c["id"] for c in get(server, "/collections").json()["collections"]]
    assert sorted(listed) == sorted(RECIPES)


def test_versions_and_resolution(server: str, validator) -> None:  # type: ignore[no-untyped-def]
    history = get(server, "/collections/sn-spectra/versions").json()
    assert [v["version"] for v in history["versions"]] == [
        "1.0.0",
        "1.1.0",
        "1.2.0",
        "1.3.0",
        "2.0.0",
    ]
    assert all(v["release_notes"] for v in history["versions"])
    for request, exact in [
        ("1.2", "1.2.0"),
        ("1", "1.3.0"),
        ("2", "2.0.0"),
        ("1.0.0", "1.0.0"),
        ("latest", "2.0.0"),
    ]:
        collection = get(server, f"/collections/sn-spectra/versions/{request}").json()
        assert collection["version"] == exact
        validate(collection, validator)
    old = get(server, "/collections/sn-spectra/versions/1.0.0/items").json()
    assert {f["properties"][benchmark.SPLIT] for f in old["features"]} == {"train", "test"}


def test_items_of_latest_version_validate(server: str, validator) -> None:  # type: ignore[no-untyped-def]
    page = get(server, "/collections/sn-spectra/items").json()
    assert {f["properties"][benchmark.ROLE] for f in page["features"]} == {
        "train",
        "validation",
        "test",
        "robustness",
    }
    for feature in page["features"]:
        validate(feature, validator)
        assert feature["assets"]["data"]["href"].startswith(server + "/assets/sn-spectra/2.0.0/")
        assert feature["assets"]["predictions-snid-templates"]["type"] == "text/csv"
    one = get(server, "/collections/sn-spectra/items/sn-spectra-2.0.0-train").json()
    assert one["properties"][benchmark.COUNT] > 300


def test_search_get_and_post_with_paging(server: str) -> None:
    first = get(server, "/search", collections="sn-spectra", limit=3).json()
    assert first["numberMatched"] == 4 and first["numberReturned"] == 3
    following = next(link for link in first["links"] if link["rel"] == "next")
    rest = httpx.get(following["href"], timeout=10).json()
    ids = [f["id"] for f in first["features"] + rest["features"]]
    assert len(set(ids)) == 4 and not any(link["rel"] == "next" for link in rest["links"])

    posted = httpx.post(server + "/search", json={"collections": ["sn-spectra"], "limit": 2}).json()
    next_post = next(link for link in posted["links"] if link["rel"] == "next")
    assert next_post["method"] == "POST" and next_post["body"]["token"]
    by_id = httpx.post(server + "/search", json={"ids": ["sn-spectra-1.0.0-test"]}).json()
    assert [f["id"] for f in by_id["features"]] == ["sn-spectra-1.0.0-test"]
    dated = get(server, "/search", datetime="2006-01-01T00:00:00Z/2010-01-01T00:00:00Z").json()
    # the latest sn-spectra (2005-2008), sdss-photoz (2000-2008), ngc-morphology (1950-2026),
    # dso-images (1990-2022) and slsn-photoz (1991-2024), not ogle3-variables (2018-)
    assert dated["numberMatched"] == 4 + 5 + 5 + 4 + 5
    assert get(server, "/search", datetime="../1949-12-31T00:00:00Z").json()["numberMatched"] == 0


def test_benchmark_schema_is_served(server: str) -> None:
    served = get(server, benchmark.SCHEMA_PATH)
    assert served.headers["content-type"].startswith("application/schema+json")
    assert served.json() == benchmark.schema()
    first = get(server, "/stac-extensions/benchmark/v1.0.0/schema.json").json()
    assert first["$id"].endswith("/v1.0.0/schema.json") and "bench:card" not in str(first)
    missing = get(server, "/stac-extensions/benchmark/v9.0.0/schema.json")
    assert missing.status_code == 404 and "v1.1.0" in missing.json()["description"]


@pytest.mark.parametrize(
    ("path", "params", "status", "says"),
    [
        ("/collections/sn-spectrum", {}, 404, "did you mean: sn-spectra"),
        (
            "/collections/sn-spectra/versions/3.0",
            {},
            404,
            "published versions: 1.0.0, 1.1.0, 1.2.0",
        ),
        ("/collections/sn-spectra/versions/one", {}, 400, "MAJOR.MINOR.PATCH"),
        ("/collections/sn-spectra/items/nope", {}, 404, "no item 'nope'"),
        ("/search", {"bbox": "1,2,3"}, 400, "4 numbers"),
        ("/search", {"bbox": "0,10,5,-10"}, 400, "south <= north"),
        ("/search", {"bbox": "a,b,c,d"}, 400, "not numeric"),
        ("/search", {"datetime": "last tuesday"}, 400, "RFC 3339"),
        ("/search", {"datetime": "2007-01-01T00:00:00Z/2006-01-01T00:00:00Z"}, 400, "starts after"),
        ("/search", {"limit": "0"}, 400, "positive integer"),
        ("/search", {"limit": "ten"}, 400, "positive integer"),
        ("/search", {"token": "garbage!"}, 400, "token"),
        ("/search", {"collections": "no-such-set"}, 404, "does not exist"),
        ("/assets/sn-spectra/9.9.9/x.nc", {}, 404, "no published asset"),
    ],
)
def test_bad_input_gets_a_clear_json_error(
    server: str, path: str, params: dict[str, str], status: int, says: str
) -> None:
    response = get(server, path, **params)
    assert response.status_code == status
    body = response.json()
    assert set(body) >= {"code", "description"} and says in body["description"]


def test_bad_post_bodies(server: str) -> None:
    wrong_type = httpx.post(server + "/search", json={"limit": "many"})
    assert wrong_type.status_code == 400 and "limit" in wrong_type.json()["description"]
    unknown = httpx.post(server + "/search", json={"colections": ["sn-spectra"]})
    assert unknown.status_code == 400 and "colections" in unknown.json()["description"]
    version_error = get(server, "/collections/sn-spectra/versions/3").json()
    assert version_error["available"] == ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "2.0.0"]

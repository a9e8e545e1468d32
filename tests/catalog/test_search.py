"""Search on both databases: CQL2, sorting with pagination, free text, sky and wavelength."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from sqlalchemy import literal, select

from astrobench.catalog import cql2
from astrobench.catalog.errors import InvalidParameter
from astrobench.catalog.sky import Band, Cone, cone_condition
from astrobench.catalog.store import SearchQuery, Store
from tests.catalog.factories import records

STRIPE82 = {"frame": "icrs", "ra_min": 300.0, "ra_max": 60.0, "dec_min": -1.25, "dec_max": 1.25}
LMC = {"frame": "icrs", "ra_min": 70.0, "ra_max": 90.0, "dec_min": -72.0, "dec_max": -66.0}


@pytest.fixture
def catalogue(store: Store, tmp_path: Path) -> Store:
    """Three datasets that differ in every searchable way."""
    spectra = {"sky_footprint": STRIPE82, "wavelength_range": [380.0, 920.0]}
    for version, splits in (
        ("1.0.0", ("train", "test")),
        ("1.1.0", ("train", "test", "test-highz")),
    ):
        collection, items, assets = records(
            tmp_path / version,
            version=version,
            splits=splits,
            roles={"test-highz": "robustness"},
            counts={"train": 700, "test": 150, "test-highz": 40},
            keywords=("toy", "supernova"),
            **spectra,
        )
        store.publish(collection, items, assets)
    collection, items, assets = records(
        tmp_path / "lc",
        dataset="toy-lightcurves",
        splits=("train", "validation", "test"),
        counts={"train": 5000, "validation": 1000, "test": 1000},
        license="CC0-1.0",
        keywords=("variable stars", "OGLE"),
        modality="light-curve",
        provenance="observed",
        sky_footprint=LMC,
        wavelength_range=[400.0, 700.0],
    )
    store.publish(collection, items, assets)
    collection, items, assets = records(
        tmp_path / "img",
        dataset="toy-images",
        version="2.0.0",
        modality="image",
        counts={"train": 90, "test": 10},
    )
    store.publish(collection, items, assets)
    return store


def ids(page) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(record["id"] for record in page.items)


def items(store: Store, text: str | dict, **kwargs) -> list[str]:  # type: ignore[type-arg]
    return ids(store.search(SearchQuery(filter=cql2.parse(text), limit=100, **kwargs)))


def collections(store: Store, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    if "filter" in kwargs:
        kwargs["filter"] = cql2.parse(kwargs["filter"])
    return ids(store.search_collections(SearchQuery(limit=100, **kwargs)))


def test_cql2_text_and_json_select_the_same_items(catalogue: Store) -> None:
    text = "bench:modality = 'spectrum' AND bench:role = 'robustness'"
    as_json = {
        "op": "and",
        "args": [
            {"op": "=", "args": [{"property": "bench:modality"}, "spectrum"]},
            {"op": "=", "args": [{"property": "properties.bench:role"}, "robustness"]},
        ],
    }
    assert items(catalogue, text) == items(catalogue, as_json) == ["toy-spectra-1.1.0-test-highz"]


def test_cql2_operators(catalogue: Store) -> None:
    assert items(catalogue, "bench:count >= 1000 AND collection = 'toy-lightcurves'") == [
        "toy-lightcurves-1.0.0-test",
        "toy-lightcurves-1.0.0-train",
        "toy-lightcurves-1.0.0-validation",
    ]
    assert items(catalogue, "bench:count BETWEEN 100 AND 200") == ["toy-spectra-1.1.0-test"]
    assert items(catalogue, "bench:split IN ('validation', 'test-highz')") == [
        "toy-lightcurves-1.0.0-validation",
        "toy-spectra-1.1.0-test-highz",
    ]
    assert items(catalogue, "title LIKE 'Toy spectra%highz'") == ["toy-spectra-1.1.0-test-highz"]
    assert items(catalogue, "CASEI(bench:split) = CASEI('TRAIN') AND license = 'CC0-1.0'") == [
        "toy-lightcurves-1.0.0-train"
    ]
    assert items(catalogue, "NOT (bench:role = 'train') AND bench:modality = 'image'") == [
        "toy-images-2.0.0-test"
    ]
    assert items(catalogue, "sci:doi IS NULL AND bench:count < 20") == ["toy-images-2.0.0-test"]
    assert items(catalogue, "T_INTERSECTS(datetime, INTERVAL('2005-06-01', '2005-07-01'))") != []
    assert items(catalogue, "T_AFTER(datetime, TIMESTAMP('2007-01-01T00:00:00Z'))") == []


def test_collection_search_by_task_licence_keywords_and_roles(catalogue: Store) -> None:
    assert collections(
        catalogue, filter="license = 'CC-BY-4.0' AND A_CONTAINS(bench:roles, ('robustness'))"
    ) == ["toy-spectra"]
    assert collections(catalogue, filter="A_OVERLAPS(keywords, ('OGLE', 'nothing'))") == [
        "toy-lightcurves"
    ]
    assert collections(catalogue, filter="bench:provenance = 'simulated'") == [
        "toy-images",
        "toy-spectra",
    ]
    assert collections(catalogue, filter="bench:task = 'classification'") == [
        "toy-images",
        "toy-lightcurves",
        "toy-spectra",
    ]
    latest = catalogue.search_collections(SearchQuery(ids=["toy-spectra"]))
    assert [c["version"] for c in latest.items] == ["1.1.0"]  # only the latest version


def test_free_text(catalogue: Store) -> None:
    assert collections(catalogue, q=["variable"]) == ["toy-lightcurves"]
    assert collections(catalogue, q=["SUPERNOVA", "ogle"]) == ["toy-lightcurves", "toy-spectra"]
    assert ids(catalogue.search(SearchQuery(q=["highz"]))) == ["toy-spectra-1.1.0-test-highz"]
    assert collections(catalogue, q=["100%"]) == []  # wildcards in terms are literal


def test_sort_pages_without_gaps_or_repeats(catalogue: Store) -> None:
    seen, counts, token = [], [], None
    for _ in range(10):
        page = catalogue.search(SearchQuery(sortby=[("bench:count", True)], limit=2, token=token))
        seen += [i["id"] for i in page.items]
        counts += [i["properties"]["bench:count"] for i in page.items]
        token = page.next_token
        if token is None:
            break
    assert page.matched == len(seen) == len(set(seen)) == 8
    assert counts == sorted(counts, reverse=True)
    ascending = catalogue.search_collections(SearchQuery(sortby=[("title", False), ("id", True)]))
    titles = [c["title"] for c in ascending.items]
    assert titles == sorted(titles)
    with pytest.raises(InvalidParameter, match="different sortby"):
        catalogue.search(
            SearchQuery(sortby=[("id", False)], token=token or _first_token(catalogue))
        )


def _first_token(store: Store) -> str:
    token = store.search(SearchQuery(sortby=[("bench:count", True)], limit=1)).next_token
    assert token is not None
    return token


@pytest.mark.parametrize(
    ("cone", "expected"),
    [
        ((0.0, 0.0, 1.0), ["toy-spectra"]),  # inside a box that wraps through RA 0
        ((359.0, 1.0, 0.5), ["toy-spectra"]),
        ((62.0, 0.0, 2.5), ["toy-spectra"]),  # 2 degrees east of its RA edge
        ((62.0, 0.0, 1.5), []),
        ((80.0, -69.0, 1.0), ["toy-lightcurves"]),
        ((200.0, -90.0, 17.5), []),  # the LMC box ends 18 degrees from the pole
        ((200.0, -90.0, 18.5), ["toy-lightcurves"]),
        ((180.0, 0.0, 5.0), []),
    ],
)
def test_cone_search(
    catalogue: Store, cone: tuple[float, float, float], expected: list[str]
) -> None:
    assert collections(catalogue, cone=Cone(*cone)) == expected
    function = "sky_cone({}, {}, {})".format(*cone)
    assert collections(catalogue, filter=function) == expected
    found = {
        i["collection"] for i in catalogue.search(SearchQuery(cone=Cone(*cone), limit=100)).items
    }
    assert sorted(found) == expected


def test_wavelength_overlap(catalogue: Store) -> None:
    assert collections(catalogue, band=Band(350.0, 390.0)) == ["toy-spectra"]
    assert collections(catalogue, band=Band(650.0, 650.0)) == ["toy-lightcurves", "toy-spectra"]
    assert collections(catalogue, filter="wavelength_overlaps(1000, 2000)") == []


def _box_distance(box: dict[str, float], ra: float, dec: float) -> float:
    """Brute force: the smallest great-circle distance from (ra, dec) to a dense grid on the box."""
    width = (box["ra_max"] - box["ra_min"]) % 360
    ras = np.radians(box["ra_min"] + np.linspace(0, width, 721))
    decs = np.radians(np.linspace(box["dec_min"], box["dec_max"], 721))
    grid_ra, grid_dec = np.meshgrid(ras, decs)
    ra0, dec0 = math.radians(ra), math.radians(dec)
    cos_d = np.sin(dec0) * np.sin(grid_dec) + np.cos(dec0) * np.cos(grid_dec) * np.cos(
        grid_ra - ra0
    )
    return float(np.degrees(np.arccos(np.clip(cos_d, -1, 1))).min())


def test_cone_formula_matches_brute_force(store: Store) -> None:
    rng = np.random.default_rng(7)
    checked = 0
    with store.session() as session:
        while checked < 150:
            ra_min, ra_max = rng.uniform(0, 360, 2)
            dec_min, dec_max = sorted(rng.uniform(-90, 90, 2))
            box = {"ra_min": ra_min, "ra_max": ra_max, "dec_min": dec_min, "dec_max": dec_max}
            cone = Cone(rng.uniform(0, 360), rng.uniform(-90, 90), rng.uniform(0.5, 60))
            truth = _box_distance(box, cone.ra, cone.dec)
            if abs(truth - cone.radius) < 0.6:  # within the grid's resolution: undecidable here
                continue
            table = SimpleNamespace(**{k: literal(v) for k, v in box.items()})
            touched = session.scalar(select(cone_condition(table, cone)))
            assert bool(touched) == (truth <= cone.radius), (box, cone, truth)
            checked += 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bench:count = 'many'", "bench:count is a number"),
        ("bench:colour = 'red'; DROP TABLE items", "not valid CQL2"),
        ("bench:role = ", "not valid CQL2"),
        ("keywords = 'toy'", "is an array"),
        ("S_INTERSECTS(geometry, BBOX(0, 0, 1, 1))", "not supported"),
        ("sky_cone(10, 0)", "sky_cone takes 3 arguments, not 2"),
        ("sky_cone(10, 95, 1)", "out of range"),
    ],
)
def test_bad_filters_say_what_is_wrong(catalogue: Store, text: str, message: str) -> None:
    with pytest.raises(InvalidParameter, match=message):
        catalogue.search(SearchQuery(filter=cql2.parse(text)))


def test_bad_sort_fields(catalogue: Store) -> None:
    with pytest.raises(InvalidParameter, match="unknown sort field 'size'"):
        catalogue.search(SearchQuery(sortby=[("size", False)]))
    with pytest.raises(InvalidParameter, match="cannot be sorted"):
        catalogue.search_collections(SearchQuery(sortby=[("keywords", False)]))


def test_properties_not_advertised_are_read_from_the_records(
    catalogue: Store, tmp_path: Path
) -> None:
    """The queryables allow additional properties: a record without one holds null there, and
    a value of another JSON type never compares (a string is not a number)."""
    collection, stored, assets = records(
        tmp_path / "x", dataset="toy-extra", version="1.0.0", splits=("a", "b", "c")
    )
    stored[0]["properties"] |= {"instrument": "BOSS", "seeing": 1.4, "calibrated": True}
    stored[1]["properties"] |= {"instrument": "SDSS", "seeing": 0.9, "quality": {"grade": "A"}}
    stored[2]["properties"] |= {"instrument": 7, "seeing": "good", "NULL": "x", "calibrated": 1}
    catalogue.publish(collection, stored, assets)
    first, second, third = (item["id"] for item in stored)
    assert items(catalogue, "instrument = 'BOSS'") == [first]
    assert items(catalogue, "properties.seeing < 1") == [second]
    assert items(catalogue, "seeing BETWEEN 1 AND 2") == [first]
    assert items(catalogue, "seeing = 'good'") == [third]
    assert items(catalogue, "instrument LIKE 'S%'") == [second]
    assert items(catalogue, "instrument > 5") == [third]
    assert items(catalogue, "instrument IN ('BOSS', 'SDSS')") == [first, second]
    assert items(catalogue, {"op": "=", "args": [{"property": "calibrated"}, True]}) == [first]
    assert items(catalogue, "quality.grade = 'A'") == [second]  # a nested property
    assert items(catalogue, {"op": "=", "args": [{"property": "NULL"}, "x"]}) == [third]
    assert items(catalogue, "eo:cloud_cover < 10") == []
    everything = set(ids(catalogue.search(SearchQuery(limit=100))))
    assert set(items(catalogue, "seeing IS NULL")) == everything - {first, second, third}
    assert set(items(catalogue, "eo:cloud_cover IS NULL")) == everything
    assert collections(catalogue, filter="bench:target = 'label'")  # advertised: unchanged
    assert collections(catalogue, filter="sci:citation = 'Toy spectra.'") == sorted(
        ["toy-spectra", "toy-lightcurves", "toy-images", "toy-extra"]
    )
    with pytest.raises(InvalidParameter, match="unknown sort field 'seeing'"):
        catalogue.search(SearchQuery(sortby=[("seeing", False)]))


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("seeing IN (1, 'a')", "mix types"),
        ("observed < TIMESTAMP('2006-01-01T00:00:00Z')", "no time type"),
        ({"op": "=", "args": [{"property": "a\"'),1=1--"}, "x"]}, "unknown queryable"),
        ({"op": "=", "args": [{"property": "a b"}, "x"]}, "unknown queryable"),
        ({"op": "=", "args": [{"property": "a..b"}, "x"]}, "unknown queryable"),
        ({"op": "=", "args": [{"property": "seeing\n"}, "x"]}, "unknown queryable"),
    ],
)
def test_properties_not_advertised_refuse_what_cannot_mean_anything(
    catalogue: Store,
    expression: str | dict,
    message: str,  # type: ignore[type-arg]
) -> None:
    with pytest.raises(InvalidParameter, match=message):
        catalogue.search(SearchQuery(filter=cql2.parse(expression)))


def test_filters_in_the_forms_stac_clients_send(catalogue: Store) -> None:
    """``and``/``or`` of one clause (STAC Browser) and ``between`` with a [low, high] list (the
    CQL2 drafts) mean what they say."""
    clause = {"op": "=", "args": [{"property": "bench:role"}, "robustness"]}
    expected = items(catalogue, clause)
    assert expected
    assert items(catalogue, {"op": "and", "args": [clause]}) == expected
    assert items(catalogue, {"op": "or", "args": [{"op": "and", "args": [clause]}]}) == expected
    legacy = {"op": "between", "args": [{"property": "bench:count"}, [100, 800]]}
    assert items(catalogue, legacy) == items(catalogue, "bench:count BETWEEN 100 AND 800")
    assert items(catalogue, legacy)


def test_intersects_matches_item_geometries_exactly(store: Store, tmp_path: Path) -> None:
    """Items with a footprint on Earth: the exact shape decides, not its bounding box; an item
    with null geometry never intersects anything; footprints may cross the antimeridian; pages
    skip the candidates that only the bounding box lets through."""
    from shapely.geometry import box, shape

    splits = ("a", "b", "c", "d", "e", "f")
    collection, stored, assets = records(tmp_path, dataset="toy-sites", splits=splits)
    triangle = {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [0, 10], [0, 0]]]}
    stored[0] |= {"geometry": triangle, "bbox": [0, 0, 10, 10]}
    stored[1] |= {"geometry": {"type": "Point", "coordinates": [-70.7, -29.0]}}
    stored[1]["bbox"] = [-70.7, -29.0, -70.7, -29.0]
    far_corner = {"type": "Polygon", "coordinates": [[[9, 9], [10, 9], [10, 10], [9, 9]]]}
    stored[2] |= {"geometry": far_corner, "bbox": [9, 9, 10, 10]}
    stored[3] |= {"geometry": {"type": "Point", "coordinates": [20, 20]}, "bbox": [20, 20, 20, 20]}
    pacific = [[[170, -10], [180, -10], [180, 10], [170, 10], [170, -10]]]
    pacific_east = [[[-180, -10], [-170, -10], [-170, 10], [-180, 10], [-180, -10]]]
    stored[4] |= {
        "geometry": {"type": "MultiPolygon", "coordinates": [pacific, pacific_east]},
        "bbox": [170, -10, -170, 10],  # RFC 7946: west > east crosses the antimeridian
    }
    store.publish(collection, stored, assets)

    def found(geometry: object, **kwargs: object) -> list[str]:
        page = store.search(SearchQuery(intersects=geometry, limit=100, **kwargs))
        assert page.matched is None  # counting would mean testing every candidate
        return ids(page)

    a, b, c, d, e, _ = (item["id"] for item in stored)
    assert found(box(6, 6, 9.5, 9.5)) == [c]  # in the triangle's bbox, outside the triangle
    assert found(box(1, 1, 2, 2)) == [a]
    assert found(box(-180, -90, 180, 90)) == sorted([a, b, c, d, e])  # never the null geometry
    assert found(shape({"type": "Point", "coordinates": [-70.7, -29.0]})) == [b]
    assert found(box(-175, -5, -172, 5)) == [e] == found(box(172, -5, 175, 5))
    assert found(box(-180, -90, 180, 90), collections=["toy-sites"], ids=[b, d]) == [b, d]
    whole = SearchQuery(intersects=box(0, 0, 10, 10), limit=1)  # a and c; b, d, e outside
    pages = [store.search(whole)]
    while pages[-1].next_token:
        pages.append(store.search(dataclasses.replace(whole, token=pages[-1].next_token)))
    assert [ids(p) for p in pages] == [[a], [c]]
    by_bbox = store.search(SearchQuery(bbox=(175, -5, -175, 5), limit=100))  # wraps too
    assert ids(by_bbox) == [e] and by_bbox.matched == 1
    assert ids(store.items("toy-sites", "1.0.0", SearchQuery(bbox=(15, 15, 25, 25)))) == [d]

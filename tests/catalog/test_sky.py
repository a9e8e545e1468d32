"""Sky coverage maps (MOC, extension v1.4.0): a footprint whose box is the whole sky still finds
its benchmark only where it holds examples, on both databases, and never misses one that does."""

from __future__ import annotations

import math
from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from mocpy import MOC

from astrobench.catalog import benchmark, sky
from astrobench.catalog.errors import InvalidParameter
from astrobench.catalog.search import SearchQuery
from astrobench.catalog.sky import Cone
from astrobench.catalog.store import Store
from astrobench.catalog.validate import check
from tests.catalog.factories import records


def _clumps(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Objects in a few tight groups spread over the sky: their box is nearly all of it."""
    centres = [(10.0, 60.0), (150.0, -30.0), (300.0, 5.0), (230.0, 75.0)]
    ra = np.concatenate([c[0] + rng.normal(0, 1.5, 200) for c in centres]) % 360
    dec = np.concatenate([np.clip(c[1] + rng.normal(0, 1.5, 200), -89, 89) for c in centres])
    return ra, dec


def _separation(ra: np.ndarray, dec: np.ndarray, cone: Cone) -> np.ndarray:
    ra0, dec0 = math.radians(cone.ra), math.radians(cone.dec)
    r, d = np.radians(ra), np.radians(dec)
    cos = np.sin(dec0) * np.sin(d) + np.cos(dec0) * np.cos(d) * np.cos(r - ra0)
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def test_a_moc_holds_every_position_and_stays_small() -> None:
    ra, dec = _clumps(np.random.default_rng(1))
    text = sky.moc_of(ra, dec)
    moc = MOC.from_str(text)
    assert moc.contains_lonlat(ra * u.deg, dec * u.deg).all()
    assert len(text) <= sky.MOC_CHARACTERS and moc.sky_fraction < 0.01
    everywhere = np.random.default_rng(2)
    spread = sky.moc_of(everywhere.uniform(0, 360, 20000), everywhere.uniform(-90, 90, 20000))
    assert len(spread) <= sky.MOC_CHARACTERS  # coarsened until it fits
    assert sky.moc_of(np.array([10.0, np.nan]), np.array([np.nan, 20.0])) in ("", "8/")


def test_cone_search_follows_the_moc(store: Store, tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    ra, dec = _clumps(rng)
    footprint = sky.footprint(ra, dec)
    collection, items, assets = records(
        tmp_path / "clumps", dataset="toy-clumps", sky_footprint=footprint
    )
    collection["stac_extensions"] = [benchmark.schema_uri("v1.4.0")]
    store.publish(collection, items, assets)
    everywhere = {"frame": "icrs", "ra_min": 0, "ra_max": 360, "dec_min": -90, "dec_max": 90}
    collection, items, assets = records(
        tmp_path / "box", dataset="toy-box", sky_footprint=everywhere
    )
    store.publish(collection, items, assets)
    order = MOC.from_str(footprint["moc"]).max_order
    checked = {True: 0, False: 0}
    while min(checked.values()) < 25:
        if rng.uniform() < 0.5:  # anywhere
            cone = Cone(rng.uniform(0, 360), rng.uniform(-85, 85), rng.uniform(0.2, 8))
        else:  # near an object, to test edges of the coverage too
            i = rng.integers(len(ra))
            near = (ra[i] + rng.normal(0, 4)) % 360, np.clip(dec[i] + rng.normal(0, 4), -89, 89)
            cone = Cone(*near, rng.uniform(0.2, 8))
        nearest = float(_separation(ra, dec, cone).min())
        margin = 2 * 58.6 / 2**order + cone.radius / 2  # a coverage cell and a cone cell
        if cone.radius < nearest <= cone.radius + margin:
            continue  # the MOC's resolution decides: either answer is right
        found = [c["id"] for c in store.search_collections(SearchQuery(cone=cone)).items]
        holds = nearest <= cone.radius
        assert ("toy-clumps" in found) == holds, (cone, nearest)
        assert "toy-box" in found  # without a MOC, a whole-sky box matches everywhere
        items_found = {i["collection"] for i in store.search(SearchQuery(cone=cone)).items}
        assert ("toy-clumps" in items_found) == holds
        checked[holds] += 1


def test_a_malformed_moc_is_refused_and_nothing_is_stored(store: Store, tmp_path: Path) -> None:
    footprint = {**sky.box_around(np.array([1.0, 2.0]), np.array([3.0, 4.0])), "moc": "9/x"}
    collection, items, assets = records(tmp_path, dataset="toy-bad", sky_footprint=footprint)
    collection["stac_extensions"] = [benchmark.schema_uri("v1.4.0")]
    with pytest.raises(InvalidParameter, match=r"sky_footprint\.moc"):
        check(collection)
    with pytest.raises(InvalidParameter, match="not an IVOA MOC in ASCII form"):
        store.publish(collection, items, assets)
    assert "toy-bad" not in store.dataset_ids()

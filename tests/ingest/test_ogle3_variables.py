"""The ogle3-variables recipe: class rules, light-curve synthesis, features and splits."""

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from astrobench.catalog.records import release_records
from astrobench.catalog.settings import CatalogSettings
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.ingest import lightcurves as lc
from astrobench.ingest.recipe import get_recipe
from astrobench.ingest.recipes import ogle3_variables as o


@pytest.mark.parametrize(
    ("kind", "subtype", "label"),
    [
        ("RRLyr", "RRab", "RRab"),
        ("RRLyr", "RRe", None),  # second overtone: disputed, dropped
        ("Cep", "F", "Cep-F"),
        ("Cep", "1", "Cep-1O"),
        ("Cep", "F1", None),  # multi-mode Cepheids are dropped
        ("T2Cep", "RVTau", "T2Cep"),  # every type II Cepheid subtype merges
        ("T2Cep", "BLHer", "T2Cep"),
        ("DSCT", "S", "DSCT"),
        ("LPV", "OSARG", "OSARG"),
        ("aCep", "F", "aCep"),  # kept here, dropped later by MIN_STARS
    ],
)
def test_class_rules(kind: str, subtype: str, label: str | None) -> None:
    assert o.class_of(kind, subtype) == label


def test_synthesis_reproduces_the_catalogue_amplitude_and_period() -> None:
    term = lc.Pulsation(
        period=0.55, amplitude=0.8, epoch=58000.0, ratios=(0.45, 0.3), phases=(4.1, 2.0)
    )
    times = np.linspace(58000, 58000 + 2 * 0.55, 4001)
    curve = lc.magnitudes(18.5, [term], times)
    assert np.ptp(curve) == pytest.approx(0.8, rel=1e-3)
    rng = np.random.default_rng(1)
    cadence = np.sort(rng.uniform(58000, 59400, 200))
    mag, err = lc.observe(lc.magnitudes(18.5, [term], cadence), np.full(200, 20.7), rng)
    features = lc.features(cadence, mag, err)
    assert features["period"] == pytest.approx(0.55, rel=1e-3)
    assert features["amplitude"] == pytest.approx(0.8, abs=0.08)
    assert features["r21"] == pytest.approx(0.45, abs=0.1)


def test_noise_grows_towards_the_survey_depth() -> None:
    depth = np.full(3, 20.5)
    errors = lc.error(np.array([15.0, 19.0, 20.5]), depth)
    assert errors[0] == pytest.approx(lc.FLOOR_MAG, rel=0.05)
    assert errors[0] < errors[1] < errors[2]
    assert errors[2] == pytest.approx(np.hypot(2.5 / np.log(10) / 5, lc.FLOOR_MAG))


def test_too_short_light_curves_give_nan_features() -> None:
    features = lc.features(np.arange(4.0), np.ones(4), np.full(4, 0.1))
    assert features["n_obs"] == 4 and np.isnan(features["period"])


@pytest.fixture(scope="module")
def published(catalogue: CatalogSettings) -> dict[str, xr.Dataset]:
    store = Store(catalogue.database_url)
    try:
        items = store.items("ogle3-variables", "1.0.0").items
    finally:
        store.close()
    storage = AssetStorage(catalogue.storage_url)
    found = {}
    for item in items:
        key = item["assets"]["data"]["href"].removeprefix("/assets/")
        with storage.open(key) as handle:
            found[item["properties"]["bench:split"]] = xr.open_dataset(
                handle, engine="h5netcdf"
            ).load()
    return found


def test_splits_keep_stars_apart_and_shift_what_they_say(published: dict[str, xr.Dataset]) -> None:
    ids = {name: set(ds.star.values.tolist()) for name, ds in published.items()}
    assert not ids["train"] & ids["validation"] and not ids["train"] & ids["test"]
    assert not ids["validation"] & ids["test"]
    assert ids["test-sparse"] == ids["test"] == ids["test-noisy"]
    for name in ("train", "validation", "test"):
        assert set(published[name].field.values) == {"LMC"}
        assert o.UNSEEN not in set(published[name].label.values)
    assert set(published["test-smc"].field.values) == {"SMC"}
    assert set(published["test-bulge"].field.values) == {"BLG"}
    unseen = published["test-unseen"]
    assert o.UNSEEN in set(unseen.label.values) and ids["test"] <= set(unseen.star.values.tolist())
    n_obs = {name: float(np.median(published[name].n_obs)) for name in ("test", "test-sparse")}
    assert n_obs["test-sparse"] < 0.3 * n_obs["test"]
    noise = {n: float(np.nanmedian(published[n].mag_err)) for n in ("test", "test-noisy")}
    assert noise["test-noisy"] > 2 * noise["test"]
    train = published["train"]
    assert set(train.label.values) == set(o.KNOWN)
    assert np.isfinite(train.mag.values).any(axis=1).all()
    assert set(lc.FEATURES) <= set(train.data_vars)


def test_rebuild_gives_the_published_checksums(
    catalogue: CatalogSettings, source_dir: Path, tmp_path: Path
) -> None:
    recipe = get_recipe("ogle3-variables")
    sources = {s.name: s.fetch(source_dir) for s in recipe.sources}
    _, _, rebuilt = release_records(recipe.build("1.0.0", sources, tmp_path))
    store = Store(catalogue.database_url)
    try:
        published = {a.path: a.sha256 for a in store.version_assets("ogle3-variables", "1.0.0")}
    finally:
        store.close()
    assert {a.path: a.sha256 for a in rebuilt}.items() <= published.items()

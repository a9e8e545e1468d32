"""The real sn-spectra recipe, on the real source packages."""

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from astrobench.catalog.records import release_records
from astrobench.catalog.settings import CatalogSettings
from astrobench.catalog.store import SearchQuery, Store
from astrobench.catalog.versions import Status
from astrobench.ingest.recipe import RECIPES, get_recipe
from astrobench.ingest.recipes.sn_spectra import GRID, HIGHZ_CUT, consensus_claim, first_claim
from astrobench.ingest.sources import PackageSource, SourceError


def open_split(catalogue: CatalogSettings, version: str, split: str) -> xr.Dataset:
    path = Path(catalogue.storage_url) / "sn-spectra" / version / f"sn-spectra-{version}-{split}.nc"
    return xr.open_dataset(path, engine="h5netcdf")


def test_label_mapping_fix_between_versions() -> None:
    assert first_claim(("II", "Ia")) == "II"  # 1.0.0 took the first claim
    assert consensus_claim(("II", "Ia")) is None  # 1.1.0 drops conflicting claims
    assert first_claim(("IIb",)) == "II"
    assert consensus_claim(("IIb",)) == "Ibc"
    assert consensus_claim(("Ia?", "Ia")) == "Ia"  # uncertain claims are ignored
    assert consensus_claim(("AGN", "II")) is None


@pytest.mark.parametrize(
    ("version", "splits"),
    [
        ("1.0.0", ["train", "test"]),
        ("1.1.0", ["train", "validation", "test"]),
        ("1.2.0", ["train", "validation", "test", "test-highz"]),
    ],
)
def test_splits_are_disjoint_by_object(
    catalogue: CatalogSettings, version: str, splits: list[str]
) -> None:
    objects = {}
    for split in splits:
        with open_split(catalogue, version, split) as ds:
            assert ds.sizes["wavelength"] == GRID.size
            assert ds.wavelength.attrs["units"] == "angstrom"
            assert set(np.unique(ds.label.values)) <= {"Ia", "II", "Ibc"}
            assert np.isfinite(ds.flux.values).any(axis=1).all()  # every spectrum has data
            objects[split] = set(ds.object_id.values.tolist())
    for i, a in enumerate(splits):
        for b in splits[i + 1 :]:
            assert not objects[a] & objects[b], f"{a} and {b} share supernovae"
    assert sum(len(o) for o in objects.values()) > 600  # real data, most of the sample


def test_highz_robustness_split(catalogue: CatalogSettings) -> None:
    with open_split(catalogue, "1.2.0", "test-highz") as ds:
        assert (ds.redshift.values > HIGHZ_CUT).all()
    for split in ("train", "validation", "test"):
        with open_split(catalogue, "1.2.0", split) as ds:
            assert not (ds.redshift.values > HIGHZ_CUT).any()


def test_rebuild_gives_identical_files(
    catalogue: CatalogSettings, source_dir: Path, tmp_path: Path
) -> None:
    recipe = get_recipe("sn-spectra")
    sources = {s.name: s.fetch(source_dir) for s in recipe.sources}
    _, _, rebuilt = release_records(recipe.build("1.2.0", sources, tmp_path))
    store = Store(catalogue.database_url)
    try:
        assert sorted(rebuilt) == sorted(store.version_assets("sn-spectra", "1.2.0"))
    finally:
        store.close()


def test_published_records_validate(catalogue: CatalogSettings, validator) -> None:  # type: ignore[no-untyped-def]
    """Every record of every shipped dataset, against STAC core and every declared extension."""
    from astrobench.catalog.records import render, with_item_links, with_version_links
    from astrobench.catalog.validate import validate

    store = Store(catalogue.database_url)
    try:
        assert sorted(store.dataset_ids()) == sorted(RECIPES)
        for dataset in store.dataset_ids():
            history = store.history(dataset)
            latest = store.resolve(dataset, None, history)
            for summary in history:
                collection = store.collection(dataset, summary.version)
                validate(
                    render(with_version_links(collection, history, latest), "http://h"), validator
                )
                for item in store.items(dataset, summary.version, SearchQuery(limit=100)).items:
                    validate(render(with_item_links(item), "http://h"), validator)
    finally:
        store.close()


def test_source_with_wrong_checksum_is_refused(tmp_path: Path) -> None:
    source = PackageSource(
        name="six",
        version="1.16.0",
        filename="six-1.16.0-py2.py3-none-any.whl",
        sha256="0" * 64,
        license="MIT",
        acknowledgement="",
    )
    with pytest.raises(SourceError, match="refusing to build"):
        source.fetch(tmp_path)
    assert not (tmp_path / source.filename).exists()


def test_version_2_scores_each_supernova_once_and_ranks_methods(
    catalogue: CatalogSettings,
) -> None:
    """2.0.0: Ia versus non-Ia, evaluation splits with one spectrum (the first) per supernova,
    enough non-Ia to rank methods, a high-redshift test that answering 'Ia' cannot win, and
    a domain reference that recovers redshifts; 1.3.0 deprecated in its favour."""
    from astrobench.catalog.lint import lint

    store = Store(catalogue.database_url)
    try:
        collection = store.collection("sn-spectra", "2.0.0")
        history = {entry.version: entry for entry in store.history("sn-spectra")}
    finally:
        store.close()
    assert lint(collection) == []
    assert history["1.3.0"].status is Status.DEPRECATED and history["1.3.0"].successor == "2.0.0"
    objects = {}
    for split in ("train", "validation", "test", "test-highz"):
        with open_split(catalogue, "2.0.0", split) as ds:
            assert set(np.unique(ds.label.values)) == {"Ia", "non-Ia"}
            assert set(np.unique(ds.type.values)) <= {"Ia", "II", "Ibc"}
            assert ((ds.type.values == "Ia") == (ds.label.values == "Ia")).all()
            ids = ds.object_id.values.tolist()
            objects[split] = set(ids)
            if split != "train":  # one spectrum per supernova, its first
                assert len(ids) == len(set(ids))
            else:
                assert len(ids) > len(set(ids))
    assert sum(len(o) for o in objects.values()) == 653
    assert not any(objects[a] & objects[b] for a in objects for b in objects if a < b)
    entries = {s["name"]: s for s in collection["bench:splits"]}
    assert entries["test"]["class_objects"]["non-Ia"] >= 25
    assert entries["test-highz"]["criteria"]["primary"] == "roc_auc"
    assert [n for n, s in entries.items() if s["model_selection"]] == ["train", "validation"]
    baselines = {b["kind"]: b for b in collection["bench:baselines"]}
    reference, trivial = baselines["domain-reference"], baselines["trivial"]
    low, high = reference["intervals"]["test"]["macro_f1"]
    assert high - low <= 0.2
    assert reference["versus"]["test-highz"][trivial["name"]][0] > 0  # beats 'Ia' for all
    recovery = reference["diagnostics"]
    assert recovery["test"]["redshift_recovered"] > 0.6
    assert recovery["test"]["redshift_recovered"] > recovery["test-highz"]["redshift_recovered"]


def test_template_matching_works_as_snid_does() -> None:
    """The pieces of the domain reference: the bandpass, the telluric mask, the redshift of a
    match (free and at the host's), and 'no match' for noise."""
    from astrobench.ingest.baselines import spectra as s

    band = s.bandpass()
    assert band[0] == 0 and band[2 * 50] == pytest.approx(1) and band[-1] == 0
    grid = np.arange(3800.0, 9200.0, 5.0)
    assert np.isnan(s.masked(grid, np.ones_like(grid))[np.abs(grid - 7600) < 20]).all()
    rng = np.random.default_rng(2)
    rest = np.arange(2600.0, 9000.0, 2.0)
    lines = sum(
        a * np.exp(-0.5 * ((rest - c) / w) ** 2)
        for a, c, w in (
            (-0.6, 3700, 60),
            (-0.5, 4100, 50),
            (-0.7, 5000, 80),
            (-0.4, 5750, 70),
            (-0.8, 6150, 60),
        )
    )
    train = _toy(rest * 1.05, 1 + lines, z=0.05, label="Ia", obj=1)
    train = xr.concat(
        [train, _toy(rest * 1.05, 1 + lines[::-1] * 0.5, 0.05, "non-Ia", 2)], "spectrum"
    )
    matcher = s.SnidTemplates(["Ia", "non-Ia"], "unknown")
    matcher.fit(train, train)
    observed = 1 + np.interp(grid / 1.12, rest, lines) + rng.normal(0, 0.02, grid.size)
    flat, span = s.flatten(grid, s.masked(grid, observed))
    for z in (np.nan, 0.12):
        rlap, _, found = matcher._matches(flat, np.array(span), z, own=99)
        assert found[0] == pytest.approx(0.12, abs=0.005) and rlap[0] > s.RLAP_MIN
    target = _toy(grid, observed, 0.12, "Ia", 3)
    assert matcher.predict(target).labels[0] == "Ia"
    assert matcher.diagnostics(target)["redshift_recovered"] == 1.0
    noise = _toy(grid, 1 + rng.normal(0, 0.3, grid.size), 0.12, "Ia", 4)
    guess = matcher.predict(noise)
    assert guess.labels[0] == "unknown" and guess.scores is not None
    assert guess.scores.sum() == pytest.approx(1.0)  # one ranking, whichever class is scored


def _toy(wavelength: np.ndarray, flux: np.ndarray, z: float, label: str, obj: int) -> xr.Dataset:
    """One spectrum as a split file holds it: on the observed grid, with its host redshift."""
    grid = np.arange(3800.0, 9200.0, 5.0)
    on_grid = np.interp(grid, wavelength, flux, left=np.nan, right=np.nan)
    return xr.Dataset(
        {
            "flux": (("spectrum", "wavelength"), on_grid[None]),
            "redshift": ("spectrum", [z]),
            "label": ("spectrum", [label]),
            "object_id": ("spectrum", [obj]),
        },
        coords={"wavelength": grid},
    )

"""The real sn-spectra recipe, on the real source packages."""

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from astrobench.catalog.records import release_records
from astrobench.catalog.settings import CatalogSettings
from astrobench.catalog.store import SearchQuery, Store
from astrobench.ingest.recipe import get_recipe
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
        assert sorted(store.dataset_ids()) == ["ogle3-variables", "sn-spectra"]
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

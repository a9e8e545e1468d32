"""sdss-photoz: the synthetic photometry against the physics it claims, the template fit on
galaxies of known redshift, and the published version against its own card."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from astrobench.catalog import benchmark, validate
from astrobench.catalog.lint import lint
from astrobench.catalog.settings import CatalogSettings
from astrobench.ingest import photometry
from astrobench.ingest.pins import DESC_BPZ, MLZ, SPECLITE
from astrobench.ingest.recipes import sdss_photoz as p
from tests.ingest import published as published_records

PIVOTS = {"u": 3557, "g": 4702, "r": 6175, "i": 7491, "z": 8946}
"""SDSS effective wavelengths (Angstrom) of the 2.5 m camera at airmass 1.3 (Doi et al. 2010)."""


@pytest.fixture(scope="module")
def filters(source_dir: Path) -> list[photometry.Curve]:
    return photometry.sdss_filters(SPECLITE.fetch(source_dir))


def test_the_filter_curves_are_sdss_ugriz(filters: list[photometry.Curve]) -> None:
    for band, (wave, response) in zip(photometry.BANDS, filters, strict=True):
        pivot = np.sqrt(np.trapezoid(response * wave, wave) / np.trapezoid(response / wave, wave))
        assert abs(pivot / PIVOTS[band] - 1) < 0.015, (band, pivot)


def test_a_flat_spectrum_in_frequency_has_zero_ab_colours(filters: list[photometry.Curve]) -> None:
    """AB magnitudes are defined so that f_nu = constant (f_lambda ~ lambda^-2) has the same
    magnitude in every band, at every redshift."""
    wave = np.linspace(500.0, 20000.0, 50000)
    flat = [(wave, wave**-2.0)]
    models = photometry.model_fluxes(flat, filters, np.array([0.0, 0.1, 0.3]))
    colours = -2.5 * np.log10(models[0] / models[0][:, :1])
    assert np.abs(colours).max() < 1e-3


def test_the_template_fit_finds_the_redshift_of_a_template_galaxy(
    filters: list[photometry.Curve], source_dir: Path
) -> None:
    seds = photometry.templates(DESC_BPZ.fetch(source_dir))
    zgrid = np.round(np.arange(0.0, 0.6005, 0.001), 6)
    models = photometry.interpolated(photometry.model_fluxes(seds, filters, zgrid))
    truth = np.array([0.03, 0.08, 0.15, 0.25])
    sbc = photometry.model_fluxes(seds[1:2], filters, truth)[0]  # an Sbc galaxy at each z
    mag = -2.5 * np.log10(sbc) - 2.5 * np.log10(1e-8 / sbc[:, 2:3])  # r = 20
    flux, weight = photometry.fluxes(mag, np.full_like(mag, 0.02), 0.0)
    chi = photometry.chi2(flux, weight, models)
    found = zgrid[photometry.posterior(chi, np.zeros((len(truth), zgrid.size))).argmax(axis=1)]
    assert np.abs(found - truth).max() <= 0.002, found


def test_the_two_mlz_files_are_not_one_population(source_dir: Path) -> None:
    """Why the recipe pools them: the shipped test file is brighter than the training file."""
    from scipy.stats import ks_2samp

    galaxies = p.read_galaxies(MLZ.fetch(source_dir))
    assert galaxies.sizes["galaxy"] == 10_000 and galaxies.galaxy.to_index().is_unique
    r = {}
    with tarfile.open(MLZ.fetch(source_dir)) as archive:
        for member in p.MEMBERS:
            handle = archive.extractfile(member)
            assert handle is not None
            r[member] = np.loadtxt(io.BytesIO(handle.read()))[:, 3]
    assert ks_2samp(*r.values()).pvalue < 1e-6


@pytest.fixture(scope="module")
def published(catalogue: CatalogSettings) -> tuple[dict, dict[str, xr.Dataset]]:  # type: ignore[type-arg]
    return (
        published_records.collection(catalogue, "sdss-photoz", "1.0.0"),
        published_records.split_files(catalogue, "sdss-photoz", "1.0.0"),
    )


def test_splits_keep_galaxies_apart_and_shift_brightness(
    published: tuple[dict, dict[str, xr.Dataset]],  # type: ignore[type-arg]
) -> None:
    collection, data = published
    validate.check(collection)
    assert lint(collection) == []
    ids = {name: set(ds.galaxy.values.tolist()) for name, ds in data.items()}
    names = list(ids)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not ids[a] & ids[b], (a, b)
    assert sum(len(v) for v in ids.values()) == 10_000
    r = {name: ds.mag.sel(band="r").values for name, ds in data.items()}
    assert all((r[s] < p.FAINT).all() for s in ("train", "validation", "test"))
    assert all((r[s] >= p.FAINT).all() for s in ("test-faint-dev", "test-faint"))
    z = {name: ds.z_spec.values for name, ds in data.items()}
    assert np.median(z["test-faint"]) > np.median(z["test"]) + 0.02  # a real shift in z too
    assert abs(np.median(z["train"]) - np.median(z["test"])) < 0.005  # strata keep z alike
    assert collection[benchmark.PROVENANCE] == "observed"
    selectable = {s["name"] for s in collection[benchmark.SPLITS] if s["model_selection"]}
    assert selectable == {"train", "validation", "test-faint-dev"}


def test_the_baselines_say_what_the_card_says(
    published: tuple[dict, dict[str, xr.Dataset]],  # type: ignore[type-arg]
) -> None:
    collection, _ = published
    baselines = {b["name"]: b for b in collection[benchmark.BASELINES]}
    assert {b["kind"] for b in baselines.values()} == {"domain-reference", "ml", "trivial"}
    forest, templates = baselines["random-forest"], baselines["bpz-templates"]
    for method in (forest, templates):  # both beat the median redshift beyond the intervals
        assert method["versus"]["test"]["median-target"][1] < 0
    assert forest["versus"]["test"]["bpz-templates"][1] < 0  # the forest's scatter is lower
    bias = {
        n: b["intervals"]["test-faint"]["bias"]
        for n, b in baselines.items()
        if n != "median-target"
    }
    assert (
        bias["random-forest"][1] < 0 and bias["bpz-templates"][0] <= 0 <= bias["bpz-templates"][1]
    )
    assert templates["intervals"]["test"]["bias"][0] > 0  # biased high on bright galaxies

"""slsn-photoz: the cosmology and light-curve measures against known values, the photometry as
the compilation gives it, and the published version against its own card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr

from astrobench.catalog import benchmark
from astrobench.catalog.settings import CatalogSettings
from astrobench.ingest import transients
from astrobench.ingest.pins import SLSNE
from astrobench.ingest.recipes import slsn_photoz as s
from tests.ingest import published


def test_the_distance_modulus_is_flat_lambda_cdm() -> None:
    """H0 = 70, Omega_m = 0.3: luminosity distances 460.0, 2832.9 and 6607.7 Mpc (Wright 2006,
    PASP 118, 1711) at z = 0.1, 0.5 and 1."""
    found = transients.distance_modulus(np.array([0.1, 0.5, 1.0]))
    expected = 5 * np.log10(np.array([460.0, 2832.9, 6607.7]) * 1e5)
    assert np.allclose(found, expected, atol=0.01)


def test_peak_and_half_flux_times_are_measured() -> None:
    """A light curve whose flux rises and falls as Gaussians of 20 and 40 days about a peak of
    19.0 mag at day 60 reaches half the peak flux 20 sqrt(2 ln 2) = 23.5 days before and 47.1
    days after; 30 days after peak it has faded by 1.0857 (30 / 40)^2 / 2 = 0.31 mag."""
    t = np.arange(0.0, 200.0, 2.0)
    width = np.where(t < 60, 20.0, 40.0)
    mag = 19.0 + 2.5 / np.log(10) * (t - 60) ** 2 / (2 * width**2)
    found = transients.measures(t, mag, np.full(t.size, 0.02), np.full(t.size, 6230.0))
    half = np.sqrt(2 * np.log(2))
    assert abs(found["peak_mag"] - 19.0) < 0.1
    duration = found["rise_half"] + found["decline_half"]
    assert abs(duration - 60 * half) < 2  # the smoothing moves the peak, not the width:
    assert abs(found["rise_half"] - 20 * half) < 4  # a few days toward the slower side
    assert abs(found["fade_30"] - 0.31) < 0.1 and found["n_bands"] == 1
    assert np.isnan(found["peak_g"]) and abs(found["peak_r"] - found["peak_mag"]) < 1e-9


def test_the_photometry_is_detections_in_ab(source_dir: Path) -> None:
    catalogue, points = s.read_supernovae(SLSNE.fetch(source_dir))
    assert len(catalogue) == 265
    assert sum(len(p) for p in points.values()) == 32_824  # 33,014 detections, 190 exact repeats
    every = [p for ps in points.values() for p in ps]
    assert all(p["err"] > 0 and p["band"] in s.BANDS for p in every)
    assert set(s.VEGA_TO_AB) <= set(s.BANDS) and set(s.SWIFT_VEGA_TO_AB) <= set(s.BANDS)


@pytest.fixture(scope="module")
def version(catalogue: CatalogSettings) -> tuple[dict[str, Any], dict[str, xr.Dataset]]:
    return (
        published.collection(catalogue, "slsn-photoz", "1.0.0"),
        published.split_files(catalogue, "slsn-photoz", "1.0.0"),
    )


def test_nothing_fitted_at_the_true_redshift_is_given(
    version: tuple[dict[str, Any], dict[str, xr.Dataset]], source_dir: Path
) -> None:
    _, data = version
    allowed = {"time", "mag", "mag_err", "band", "redshift", "ra", "dec"}
    for ds in data.values():
        assert set(ds.data_vars) == allowed  # no survey, fitted peak or explosion time
        assert all(n.startswith("slsn-") for n in ds.sn.values.tolist())  # nor survey names
    catalogue, _ = s.read_supernovae(SLSNE.fetch(source_dir))
    quality = {s.opaque_id(sn["Name"]): sn["Quality"] for sn in catalogue}
    for name, ds in data.items():
        gold = {quality[n] == "Gold" for n in ds.sn.values.tolist()}
        assert gold == ({False} if name.startswith("test-sparse") else {True}), name


def test_the_baselines_say_what_the_card_says(
    version: tuple[dict[str, Any], dict[str, xr.Dataset]],
) -> None:
    collection, _ = version
    baselines = {b["name"]: b for b in collection[benchmark.BASELINES]}
    candle, forest = baselines["standard-candle"], baselines["random-forest"]
    for method in (candle, forest):
        assert method["versus"]["test"]["median-target"][1] < 0  # both beat the median z
    low, high = candle["versus"]["test"]["random-forest"]
    assert low <= 0 <= high  # indistinguishable
    assert collection[benchmark.MODALITY] == "light-curve"
    assert collection[benchmark.PROVENANCE] == "observed"

"""galaxy-shear: the simulation against the sources it follows (Shen et al. 2003 sizes, the
Smail n(z), the ellipticity prior, GalSim's shear and PSF), the shear metrics against a direct
fit, and the published version: shards, baselines and robustness as its card says."""

from __future__ import annotations

from typing import Any

import galsim
import numpy as np
import pytest
import xarray as xr
from scipy import integrate, stats

from astrobench.catalog import benchmark, evaluation, intervals, metrics, predictions
from astrobench.catalog.errors import InvalidPredictions
from astrobench.catalog.settings import CatalogSettings
from astrobench.ingest import shear
from astrobench.ingest.publish import bundled
from astrobench.ingest.recipes import galaxy_shear as g
from tests.conftest import LARGE_LIMITS
from tests.ingest import published


def test_sizes_follow_shen_et_al_2003() -> None:
    """Late types: R ~ L^0.21 faint and L^0.53 bright of M0 = -20.52 (their eq. 18), e.g. 3.84
    kpc at M_r = -21; early types: R ~ L^0.65 (eq. 14), 2.51 kpc at -21; the scatter in ln R
    goes from 0.48 (faint) to 0.25 (bright) for late types (eq. 16)."""
    assert shear.LATE.median_kpc(np.array([-21.0]))[0] == pytest.approx(3.84, abs=0.01)
    assert shear.EARLY.median_kpc(np.array([-21.0]))[0] == pytest.approx(2.51, abs=0.01)

    def slope(relation: shear.SizeRelation, magnitude: float) -> float:
        low, high = relation.median_kpc(np.array([magnitude, magnitude - 0.1]))
        return float(np.log10(high / low) / 0.04)  # d log R / d log L

    assert slope(shear.LATE, -15.0) == pytest.approx(0.21, abs=0.01)
    assert slope(shear.LATE, -25.0) == pytest.approx(0.53, abs=0.01)
    assert slope(shear.EARLY, -21.0) == pytest.approx(0.65, abs=1e-6)
    assert shear.LATE.sigma_ln(np.array([-15.0]))[0] == pytest.approx(0.48, abs=0.005)
    assert shear.LATE.sigma_ln(np.array([-25.0]))[0] == pytest.approx(0.25, abs=0.005)


def test_redshifts_follow_the_smail_distribution() -> None:
    z = shear.smail_redshifts(np.random.default_rng(1), 200_000)
    density = lambda x: x**2 * np.exp(-((x / shear.SMAIL_Z0) ** 1.5))  # noqa: E731
    total = integrate.quad(density, 0, np.inf)[0]
    cdf = np.vectorize(lambda x: integrate.quad(density, 0, x)[0] / total)
    assert stats.kstest(z[:5000], cdf).pvalue > 0.01
    assert np.median(z) == pytest.approx(1.412 * shear.SMAIL_Z0, rel=0.01)  # its median


def test_ellipticities_follow_the_prior() -> None:
    e = shear.ellipticities(np.random.default_rng(2), 100_000)
    sigma = shear.ELLIPTICITY_SIGMA
    density = lambda x: x * (1 - x**2) ** 2 * np.exp(-(x**2) / (2 * sigma**2))  # noqa: E731
    total = integrate.quad(density, 0, 1)[0]
    cdf = np.vectorize(lambda x: integrate.quad(density, 0, min(x, 1.0))[0] / total)
    assert stats.kstest(e[:5000], cdf).pvalue > 0.01
    assert 0.15 < np.std(e * np.cos(2 * np.random.default_rng(3).uniform(0, np.pi, e.size))) < 0.3


def _row(**changes: float) -> dict[str, float]:
    row = {
        "magnitude": 20.0,
        "hlr": 1.0,
        "bulge_fraction": 0.0,
        "e_modulus": 0.0,
        "angle": 0.0,
        "g1": 0.05,
        "g2": -0.03,
        "psf_fwhm": 0.7,
        "psf_g1": 0.0,
        "psf_g2": 0.0,
    }
    return {**row, **changes}


def _noiseless(row: dict[str, float], rotation: float = 0.0) -> Any:
    image = galsim.Convolve(shear.galaxy(row, rotation), shear.psf(row))
    return image.drawImage(nx=shear.STAMP, ny=shear.STAMP, scale=shear.PIXEL_SCALE)


def test_stamps_carry_the_applied_shear_flux_psf_and_noise() -> None:
    row = _row()
    found = galsim.hsm.EstimateShear(
        _noiseless(row), shear.psf(row).drawImage(nx=25, ny=25, scale=shear.PIXEL_SCALE)
    )
    measured = galsim.Shear(e1=found.corrected_e1, e2=found.corrected_e2)
    assert measured.g1 == pytest.approx(0.05, abs=0.003)  # a round galaxy: its shape is g
    assert measured.g2 == pytest.approx(-0.03, abs=0.003)
    flux = _noiseless(_row(bulge_fraction=0.7, hlr=0.5)).array.sum()
    assert flux == pytest.approx(10 ** (-0.4 * (20 - shear.ZERO_POINT)), rel=0.02)
    stamp, psf = shear.draw(_row(psf_fwhm=0.9), 0.0, 2.0, seed=7)
    assert psf.sum() == pytest.approx(1.0, abs=1e-3)
    fwhm = galsim.Image(psf, scale=shear.PIXEL_SCALE).calculateFWHM()
    assert fwhm == pytest.approx(0.9, rel=0.06)  # widened a little by the pixel
    corners = np.concatenate([stamp[:8, :8].ravel(), stamp[-8:, -8:].ravel()])
    assert np.std(corners) == pytest.approx(2.0 * shear.SKY_SIGMA, rel=0.12)


def test_a_pair_turns_the_intrinsic_shape_by_90_degrees() -> None:
    row = _row(e_modulus=0.3, angle=0.4, g1=0.0, g2=0.0)
    psf = shear.psf(row).drawImage(nx=25, ny=25, scale=shear.PIXEL_SCALE)
    first, second = (galsim.hsm.EstimateShear(_noiseless(row, r), psf) for r in (0.0, np.pi / 2))
    assert first.corrected_e1 == pytest.approx(-second.corrected_e1, abs=0.01)
    assert first.corrected_e2 == pytest.approx(-second.corrected_e2, abs=0.01)
    assert np.hypot(first.corrected_e1, first.corrected_e2) > 0.4  # e = 2g / (1 + g^2)


def test_the_population_keeps_detectable_resolved_galaxies() -> None:
    rng = np.random.default_rng(4)
    rows = shear.population(
        rng, 2000, rng.normal(-21, 1, 500), rng.normal(2.2, 0.6, 500), shear.Conditions()
    )
    assert all(rows[name].size == 2000 for name in shear.PARAMETERS)
    assert (rows["snr"] >= shear.MIN_SNR).all() and (rows["hlr"] <= shear.MAX_HLR).all()
    assert (shear.resolution(rows["hlr"], rows["psf_fwhm"]) >= shear.MIN_RESOLUTION).all()
    assert (np.hypot(rows["g1"], rows["g2"]) < shear.MAX_SHEAR).all()
    assert 0.3 < np.median(rows["redshift"]) < 0.9 and 19 < np.median(rows["magnitude"]) < 23


def test_shear_biases_are_the_least_squares_fit_and_resample_by_galaxy() -> None:
    rng = np.random.default_rng(5)
    true = rng.uniform(-0.1, 0.1, (400, 2))
    estimated = true * [1.1, 0.9] + [0.01, -0.02] + rng.normal(0, 0.05, (400, 2))
    truth = predictions.Truth(
        "test",
        np.array([f"s{i}" for i in range(400)]),
        true,
        groups=np.repeat(np.arange(200), 2).astype(str),
        components=("g1", "g2"),
    )
    criteria = metrics.criteria("regression", residual="shear")
    text = predictions.to_csv(truth.ids.tolist(), estimated.tolist(), components=("g1", "g2"))
    parsed = predictions.parse(text, truth)
    score = metrics.score(truth, parsed, criteria)
    fits = [np.polyfit(true[:, k], parsed.values[:, k], 1) for k in (0, 1)]
    assert score.metrics["m1"] == pytest.approx(fits[0][0] - 1, abs=1e-9)
    assert score.metrics["c2"] == pytest.approx(fits[1][1], abs=1e-9)
    assert score.metrics["m"] == pytest.approx((fits[0][0] + fits[1][0]) / 2 - 1, abs=1e-9)
    draws = intervals.Draws.of(truth.objects, resamples=20)
    found = intervals.draws_of(truth, parsed, draws, criteria)
    for row, weights in enumerate(draws.weights[:3]):
        picked = np.repeat(np.arange(400), weights)
        again = predictions.Truth("test", truth.ids[picked], true[picked], components=("g1", "g2"))
        direct = metrics.score(again, predictions.Predictions(parsed.values[picked]), criteria)
        assert found["m"][row] == pytest.approx(direct.metrics["m"], abs=1e-9)
        assert found["rmse"][row] == pytest.approx(direct.metrics["rmse"], abs=1e-9)
    with pytest.raises(InvalidPredictions, match=r"missing column.*'g2'.*id, g1, g2"):
        predictions.parse("id,g1\ns0,0.1\n", truth)


def test_ingest_all_leaves_the_large_dataset_out_unless_asked() -> None:
    assert "galaxy-shear" not in bundled() and "galaxy-shear" in bundled(large=True)


def test_build_workers_come_from_the_environment_or_say_what_is_valid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASTROBENCH_BUILD_WORKERS", "3")
    assert shear.workers() == 3
    for wrong in ("two", "0", "-1"):
        monkeypatch.setenv("ASTROBENCH_BUILD_WORKERS", wrong)
        with pytest.raises(ValueError, match="whole number from 1"):
            shear.workers()


def test_drawing_processes_run_one_openmp_thread() -> None:
    with shear.process_pool(1) as pool:
        assert pool.submit(galsim.get_omp_threads).result() == 1


@pytest.fixture(scope="module")
def version(catalogue: CatalogSettings) -> tuple[dict[str, Any], dict[str, xr.Dataset]]:
    return (
        published.collection(catalogue, "galaxy-shear", "1.0.0"),
        published.split_files(catalogue, "galaxy-shear", "1.0.0"),
    )


def test_the_published_version_is_sharded_paired_and_simulated(
    version: tuple[dict[str, Any], dict[str, xr.Dataset]],
) -> None:
    collection, splits = version
    assert collection[benchmark.PROVENANCE] == "simulated"
    assert benchmark.schema_uri("v1.5.0") in collection["stac_extensions"]
    limit = LARGE_LIMITS["galaxy-shear"]
    for name, data in splits.items():
        assert data.sizes["example"] == 2 * limit, name
        assert data["image"].shape[1:] == (shear.STAMP, shear.STAMP)
        pairs = data["galaxy"].values.reshape(-1, 2)
        assert (pairs[:, 0] == pairs[:, 1]).all()  # each galaxy's two stamps, together
        assert np.array_equal(data["shear"].values[::2], data["shear"].values[1::2])
    train, test = set(splits["train"]["galaxy"].values), set(splits["test"]["galaxy"].values)
    assert not train & test
    broad = splits["test-broad-psf"]["psf_fwhm"].values
    assert broad.min() >= splits["train"]["psf_fwhm"].values.max() - 1e-6
    assert np.allclose(splits["test-low-snr"]["noise_sigma"], 2 * shear.SKY_SIGMA)


def test_the_domain_reference_is_unbiased_and_zero_shear_is_not(
    version: tuple[dict[str, Any], dict[str, xr.Dataset]],
) -> None:
    collection, _ = version
    baselines = {b["name"]: b for b in collection[benchmark.BASELINES]}
    low, high = baselines["hsm-regauss"]["intervals"]["test"]["m"]
    assert low < 0 < high  # re-Gaussianisation with its responsivity: no multiplicative bias
    assert baselines["zero-shear"]["scores"]["test"]["m"] == pytest.approx(-1.0)
    assert baselines["zero-shear"]["scores"]["test"]["c"] == pytest.approx(0.0)
    assert 0.7 < baselines["hsm-regauss"]["diagnostics"]["test"]["responsivity"] < 0.95


def test_the_truth_of_a_split_has_both_components(
    version: tuple[dict[str, Any], dict[str, xr.Dataset]],
) -> None:
    collection, splits = version
    truth = evaluation.truth_of(collection, "test", splits["test"])
    assert truth.components == ("g1", "g2") and truth.values.shape == (len(truth.ids), 2)
    assert truth.objects.size == truth.ids.size and len(set(truth.objects)) == truth.ids.size // 2


def test_shards_follow_the_split_in_order(catalogue: CatalogSettings) -> None:
    from astrobench.catalog.store import SearchQuery, Store

    store = Store(catalogue.database_url)
    try:
        items = store.items("galaxy-shear", "1.0.0", SearchQuery(limit=1000)).items
    finally:
        store.close()
    train = sorted(
        (i for i in items if i["properties"]["bench:split"] == "train"),
        key=lambda i: i["properties"]["bench:shard"]["index"],
    )
    assert len(train) >= 2
    offset = 0
    for n, item in enumerate(train):
        shard = item["properties"]["bench:shard"]
        assert shard == {"index": n, "count": len(train), "offset": offset}
        offset += item["properties"]["bench:count"]
        assert item["assets"]["data"]["file:checksum"].startswith("1220")
    assert offset == 2 * LARGE_LIMITS["galaxy-shear"]
    assert g.SPLITS.keys() == g.OBJECTS.keys() == g.CONDITIONS.keys()

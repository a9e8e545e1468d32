"""``galaxy-shear``: weak-lensing shear estimation on 110,000 simulated galaxy images.

Postage stamps drawn with GalSim in the manner of the GREAT3 challenge (``ingest.shear``): bulge +
disk galaxies whose luminosities and colours come from real SDSS galaxies, sheared by a known
(g1, g2), convolved with a PSF that varies from stamp to stamp and stored with each one, with
sky noise. Each galaxy appears twice, rotated by 90 degrees. Large: about 1.6 GB in sharded
NetCDF files, built only with ``astrobench ingest --all --large`` (or by name).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from datetime import datetime, timezone
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from astrobench.catalog import benchmark, metrics
from astrobench.catalog.release import Release, Shard, SplitFile
from astrobench.ingest import environment, kit, shear
from astrobench.ingest.pins import MLZ
from astrobench.ingest.recipe import Recipe
from astrobench.ingest.recipes.sdss_photoz import TARGET as SDSS_REDSHIFT
from astrobench.ingest.recipes.sdss_photoz import read_galaxies
from astrobench.ingest.sources import PackageSource
from astrobench.ingest.splits import unit_hash

TARGET = "shear"
OBJECT = "galaxy"
SEED = 20261129
ROTATIONS = (0.0, np.pi / 2)
"""Each galaxy is drawn at its orientation and turned by 90 degrees: GREAT3's pairs, whose
intrinsic shapes cancel in the mean."""
OBJECTS = {
    "train": 40_000,
    "validation": 5_000,
    "test": 5_000,
    "test-broad-psf": 2_500,
    "test-low-snr": 2_500,
}
"""Galaxies per split; each gives two stamps: 110,000 in all."""
CONDITIONS = {
    "train": shear.Conditions(),
    "validation": shear.Conditions(),
    "test": shear.Conditions(),
    "test-broad-psf": shear.Conditions(psf_fwhm=(0.9, 1.2)),
    "test-low-snr": shear.Conditions(noise=2.0),
}
SPLITS = {
    "train": kit.Role(
        "train", True, "Stamps to learn from: PSF FWHM 0.6-0.9 arcsec, nominal noise."
    ),
    "validation": kit.Role(
        "validation", True, "Galaxies of the same population as train: choose and calibrate here."
    ),
    "test": kit.Role(
        "test", False, "Galaxies of the same population, from other SDSS galaxies than training."
    ),
    "test-broad-psf": kit.Role(
        "robustness",
        False,
        "Seeing worse than any in training: PSF FWHM 0.9-1.2 arcsec, so that smaller galaxies "
        "are barely resolved.",
    ),
    "test-low-snr": kit.Role(
        "robustness",
        False,
        "Twice the sky noise of training (a shallower survey): every galaxy at half its "
        "signal-to-noise ratio, down to 6.",
    ),
}
SHARD_EXAMPLES = 8192
"""Stamps per shard: about 130 MB a file."""
CHUNK_ROWS = 128
"""Stamps per stored chunk: reading one stamp moves about 2 MB."""
DEVELOPMENT = 0.8
"""Share of the SDSS galaxies that lend their luminosity and colour to train and validation;
the evaluation splits draw on the others."""

CARD: dict[str, Any] = {
    "domain_reference": "PSF-corrected ellipticities by re-Gaussianisation (Hirata & Seljak "
    "2003) with galsim.hsm, turned into shear with the responsivity R = 1 - e_rms^2 measured on "
    "the training stamps (Bernstein & Jarvis 2002): g = e / 2R. Baseline 'hsm-regauss'.",
    "split_rationale": "Each galaxy (both its rotated stamps) is in one split. Train and "
    "validation galaxies take their luminosity and colour from 80% of the SDSS galaxies, chosen "
    "by a stable hash; test and the robustness splits from the other 20%. Train and validation "
    "may inform model selection and calibration; test, test-broad-psf and test-low-snr may not.",
    "metric_rationale": "Weak lensing measures the mean shear of many galaxies, so what matters "
    "is the bias of an estimator, not its per-object scatter (shape noise dominates that). As "
    "the community reports it (Heymans et al. 2006, GREAT3), each component's estimates are "
    "fitted as g_est = (1 + m) g_true + c: m (primary, the mean of m1 and m2, best near zero) "
    "and c (the RMS of c1 and c2) with the four components, and the per-object RMSE. Stage-IV "
    "surveys need |m| < 0.002; intervals resample galaxies, so pairs stay together.",
    "robustness_tests": [
        "test-broad-psf: seeing of 0.9-1.2 arcsec where training saw 0.6-0.9: PSF correction "
        "beyond the range learnt.",
        "test-low-snr: twice the noise: noise bias, which grows as 1/SNR^2.",
    ],
    "out_of_scope": [
        "Blending: every stamp holds one galaxy.",
        "Variable shear fields, PSF modelling from stars, detector effects and real galaxy "
        "morphologies (GREAT3's real-galaxy branches): the PSF is given exactly.",
        "Redshift-dependent shear or colour: one band, one shear per galaxy.",
    ],
    "lessons_learned": [
        "Trained for mean squared error, a network predicts a shrunk shear (most of a stamp's "
        "ellipticity is intrinsic), so its m is near -1 until it is calibrated; the ML baseline "
        "is calibrated on validation, as shear methods are calibrated on simulations.",
        "The SDSS Main Galaxy Sample is bright and nearby; placed at lensing redshifts (median "
        "0.55 after the detection cut) without k-corrections or evolution, it gives galaxies of "
        "realistic sizes and magnitudes (r ~ 19-23), not a faithful deep-field population.",
    ],
    "data_location": "The sharded split files of this version, one STAC Item per shard, through "
    "its versioned asset links; astrobench.open concatenates the shards lazily.",
    "code_location": "astrobench.ingest.recipes.galaxy_shear, astrobench.ingest.shear and "
    "astrobench.ingest.baselines.shear.",
}


def _code(split: str) -> int:
    return list(OBJECTS).index(split)


def galaxy_ids(split: str, count: int) -> list[str]:
    """Opaque, stable galaxy ids of a split."""
    return [
        "gal-" + hashlib.sha256(f"{SEED}/{split}/{i}".encode()).hexdigest()[:12]
        for i in range(count)
    ]


def sdss_pools(sdist: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Absolute magnitudes and u - r colours of the SDSS galaxies lent to development (train,
    validation) and to evaluation, split by a stable hash of their ids."""
    galaxies = read_galaxies(sdist)
    mags = galaxies.mag.values.astype(float)
    absolute = shear.absolute_magnitudes(mags[:, 2], galaxies[SDSS_REDSHIFT].values.astype(float))
    colour = mags[:, 0] - mags[:, 2]
    ok = np.isfinite(absolute) & (absolute > -24) & (absolute < -16) & (colour > 0) & (colour < 4)
    development = np.array(
        [unit_hash(f"{SEED}/sdss/{g}") < DEVELOPMENT for g in galaxies.galaxy.values.tolist()]
    )
    return {
        "development": (absolute[ok & development], colour[ok & development]),
        "evaluation": (absolute[ok & ~development], colour[ok & ~development]),
    }


def _stamps(
    rows: dict[str, np.ndarray], noise: float, seeds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Both rotations of every galaxy of ``rows``, interleaved: galaxy i gives stamps 2i, 2i+1."""
    images, psfs = [], []
    for i in range(rows["g1"].size):
        row = {name: float(values[i]) for name, values in rows.items()}
        for r, rotation in enumerate(ROTATIONS):
            image, psf = shear.draw(row, rotation, noise, int(seeds[2 * i + r]))
            images.append(image)
            psfs.append(psf)
    return np.stack(images), np.stack(psfs)


def shard_dataset(
    rows: dict[str, np.ndarray], ids: Sequence[str], noise: float, seeds: np.ndarray
) -> xr.Dataset:
    """The stamps of some galaxies, with their PSFs, shears and truths, two per galaxy."""
    images, psfs = _stamps(rows, noise, seeds)
    pair = np.repeat(np.arange(len(ids)), 2)
    example_ids = [f"{g}-{r}" for g in ids for r in ("r0", "r90")]

    def per_stamp(name: str, long_name: str, units: str) -> tuple[Any, ...]:
        return (
            "example",
            rows[name][pair].astype(np.float32),
            {"long_name": long_name, "units": units},
        )

    return xr.Dataset(
        {
            "image": (
                ("example", "y", "x"),
                images,
                {
                    "long_name": "galaxy image: sheared, PSF-convolved, pixelised, with Gaussian "
                    f"sky noise; {shear.PIXEL_SCALE} arcsec pixels",
                    "units": "count",
                },
            ),
            "psf_image": (
                ("example", "psf_y", "psf_x"),
                psfs,
                {
                    "long_name": "the stamp's PSF at its pixel scale, unit sum, noiseless",
                    "units": "1",
                },
            ),
            "psf_fwhm": per_stamp(
                "psf_fwhm", "PSF full width at half maximum (Moffat, beta 3.5)", "arcsec"
            ),
            "psf_g1": per_stamp("psf_g1", "PSF shear-type ellipticity, first component", "1"),
            "psf_g2": per_stamp("psf_g2", "PSF shear-type ellipticity, second component", "1"),
            "noise_sigma": (
                "example",
                np.full(pair.size, noise * shear.SKY_SIGMA, dtype=np.float32),
                {"long_name": "standard deviation of the sky noise per pixel", "units": "count"},
            ),
            TARGET: (
                ("example", "component"),
                np.stack([rows["g1"][pair], rows["g2"][pair]], axis=1),
                {"long_name": "applied reduced shear (g1, g2)", "units": "1"},
            ),
            OBJECT: (
                "example",
                np.asarray(ids, dtype=object)[pair],
                {"long_name": "galaxy id: its two stamps are rotated by 90 degrees"},
            ),
            "snr": per_stamp("snr", "truth: optimal signal-to-noise ratio (approximate)", "1"),
            "magnitude": per_stamp(
                "magnitude", "truth: apparent magnitude (r, no k-correction)", "mag"
            ),
            "redshift": per_stamp("redshift", "truth: source redshift", "1"),
            "hlr": per_stamp("hlr", "truth: half-light radius before shear and PSF", "arcsec"),
            "bulge_fraction": per_stamp("bulge_fraction", "truth: bulge share of the flux", "1"),
        },
        coords={
            "example": ("example", np.array(example_ids, dtype=object), {"long_name": "stamp id"}),
            "component": (
                "component",
                np.array(["g1", "g2"], dtype=object),
                {"long_name": "shear component"},
            ),
        },
    )


def _write_shard(
    rows: dict[str, np.ndarray],
    ids: list[str],
    noise: float,
    seeds: np.ndarray,
    path: Path,
    offset: int,
    attributes: dict[str, str],
) -> tuple[Shard, xr.Dataset]:
    """Draw and write one shard (in a worker process); its Shard and an empty copy of its
    Dataset's structure."""
    data = shard_dataset(rows, ids, noise, seeds)
    shard = kit.write_shard(data, path, offset, attributes, CHUNK_ROWS)
    return shard, data.isel(example=slice(0, 0))


class GalaxyShear(Recipe):
    name: ClassVar[str] = "galaxy-shear"
    versions: ClassVar[tuple[str, ...]] = ("1.0.0",)
    sources: ClassVar[tuple[PackageSource, ...]] = (MLZ,)
    large: ClassVar[bool] = True
    requires: ClassVar[tuple[str, ...]] = ("galsim", "torch")
    trivial: ClassVar[str | None] = "zero-shear"
    baselines: ClassVar[dict[str, str]] = {
        "hsm-regauss": "astrobench.ingest.baselines.shear:Regaussianisation",
        "cnn": "astrobench.ingest.baselines.shear:ShearNetwork",
    }

    def build(
        self, version: str, sources: dict[str, Path], workdir: Path, limit: int | None = None
    ) -> Release:
        self.check_version(version)
        pools = sdss_pools(sources[MLZ.name])
        per_shard = SHARD_EXAMPLES if limit is None else max(2, 2 * (limit // 2))
        counts = {s: n if limit is None else min(n, limit) for s, n in OBJECTS.items()}
        with shear.process_pool() as pool:
            # every split's shards are queued at once, so that no process waits at a split's end
            jobs = {
                job: (split, index)
                for split, count in counts.items()
                for index, job in enumerate(
                    self._submit(pool, version, split, count, pools, per_shard, workdir)
                )
            }
            done: dict[tuple[str, int], tuple[Shard, xr.Dataset]] = {}
            from tqdm.auto import tqdm

            with tqdm(
                total=2 * sum(counts.values()), desc=self.name, unit="stamp", file=sys.stderr
            ) as bar:
                for job in as_completed(jobs):
                    done[jobs[job]] = job.result()
                    bar.update(done[jobs[job]][0].count)
        splits = []
        for split in counts:
            parts = [done[key] for key in sorted(key for key in done if key[0] == split)]
            splits.append(
                kit.sharded_split(
                    [shard for shard, _ in parts],
                    parts[0][1],
                    split=split,
                    role=SPLITS[split],
                    criteria=metrics.criteria("regression", residual="shear"),
                    target=TARGET,
                )
            )
        return self._describe(version, splits)

    def _submit(
        self,
        pool: ProcessPoolExecutor,
        version: str,
        split: str,
        count: int,
        pools: dict[str, tuple[np.ndarray, np.ndarray]],
        per_shard: int,
        workdir: Path,
    ) -> list[Future[tuple[Shard, xr.Dataset]]]:
        """Queue the drawing of one split's shards, in order."""
        conditions = CONDITIONS[split]
        magnitudes, colours = pools[
            "development" if SPLITS[split].model_selection else "evaluation"
        ]
        rows = shear.population(
            np.random.default_rng([SEED, _code(split)]), count, magnitudes, colours, conditions
        )
        ids = galaxy_ids(split, count)
        seeds = np.random.SeedSequence([SEED, _code(split), 1]).generate_state(2 * count)
        attributes = kit.global_attributes(
            self.name,
            version,
            split,
            "Simulated with GalSim: parametric bulge + disk galaxies from SDSS Main Galaxy Sample "
            "luminosities and colours (MLZ 1.2), sheared, PSF-convolved and noisy",
            "Mandelbaum et al. 2014, ApJS 212, 5 (GREAT3); Rowe et al. 2015, A&C 10, 121 "
            "(GalSim); Shen et al. 2003, MNRAS 343, 978",
        )
        per_galaxy = per_shard // 2
        jobs = []
        for index, start in enumerate(range(0, count, per_galaxy)):
            stop = min(start + per_galaxy, count)
            jobs.append(
                pool.submit(
                    _write_shard,
                    {name: values[start:stop] for name, values in rows.items()},
                    ids[start:stop],
                    conditions.noise,
                    seeds[2 * start : 2 * stop],
                    workdir / f"{self.name}-{version}-{split}-{index:04d}.nc",
                    2 * start,
                    attributes,
                )
            )
        return jobs

    def _describe(self, version: str, splits: list[SplitFile]) -> Release:
        stamps = sum(s.count for s in splits)
        return Release(
            dataset=self.name,
            version=version,
            title="Galaxy shear: weak-lensing postage stamps simulated with GalSim (simulated)",
            description=(
                f"{stamps:,} simulated images of galaxies, 64 x 64 pixels of 0.2 arcsec, each "
                "sheared by a known (g1, g2) and seen through its own point-spread function, "
                "whose image is stored with it. Task: estimate the shear of each stamp; scored, "
                "as weak lensing scores shear measurement, by the multiplicative bias m and the "
                "additive bias c of estimated against true shear. Galaxies are bulge + disk "
                "profiles with the luminosities and colours of real SDSS galaxies and sizes "
                "from the SDSS size-luminosity relations, drawn in rotated pairs as in GREAT3. "
                "Robustness: worse seeing and more noise than in training."
            ),
            release_notes="First release.",
            extension="v1.5.0",
            license="CC-BY-4.0",
            keywords=["weak lensing", "shear", "galaxies", "images", "regression", "GalSim"],
            providers=[
                {
                    "name": "astrobench",
                    "roles": ["producer", "processor", "host"],
                    "description": "Simulation with GalSim (BSD licence; Rowe et al. 2015), "
                    "splits, baselines and STAC metadata.",
                },
                {
                    "name": "Sloan Digital Sky Survey",
                    "roles": ["producer"],
                    "url": "https://www.sdss.org",
                    "description": "Galaxy luminosities and colours: " + MLZ.acknowledgement,
                },
            ],
            citation=(
                f"astrobench galaxy-shear {version}: weak-lensing postage stamps simulated with "
                "GalSim (Rowe et al. 2015) after the GREAT3 design (Mandelbaum et al. 2014), "
                "with galaxy luminosities and colours from the SDSS Main Galaxy Sample."
            ),
            publications=[
                {
                    "doi": "10.1088/0067-0049/212/1/5",
                    "citation": "Mandelbaum, R., et al. 2014, ApJS, 212, 5: The Third Gravitational "
                    "Lensing Accuracy Testing (GREAT3) Challenge Handbook",
                },
                {
                    "doi": "10.1016/j.ascom.2015.02.002",
                    "citation": "Rowe, B., et al. 2015, Astronomy and Computing, 10, 121: GalSim: "
                    "The modular galaxy image simulation toolkit",
                },
                {
                    "doi": "10.1046/j.1365-8711.2003.06740.x",
                    "citation": "Shen, S., et al. 2003, MNRAS, 343, 978: The size distribution of "
                    "galaxies in the Sloan Digital Sky Survey",
                },
                {
                    "doi": "10.1046/j.1365-8711.2003.06683.x",
                    "citation": "Hirata, C., & Seljak, U. 2003, MNRAS, 343, 459: Shear calibration "
                    "biases in weak-lensing surveys",
                },
            ],
            start=datetime(2026, 11, 29, tzinfo=timezone.utc),  # simulated: when it was made
            end=datetime(2026, 11, 29, tzinfo=timezone.utc),
            benchmark={
                benchmark.TASK: "regression",
                benchmark.TARGET: TARGET,
                benchmark.METRICS: metrics.definitions("regression", residual="shear"),
                benchmark.OBJECT: OBJECT,
                benchmark.MODALITY: "image",
                benchmark.PROVENANCE: "simulated",
                benchmark.COMPOSITION: {
                    "observed": ["galaxy luminosities and colours (SDSS Main Galaxy Sample)"],
                    "simulated": [
                        "sizes (Shen et al. 2003 relations), redshifts, shapes, bulge fractions, "
                        "shears, PSFs, noise and every image"
                    ],
                },
                benchmark.WAVELENGTH_RANGE: [550.0, 700.0],
                benchmark.LIMITATIONS: [
                    "Simulated: parametric bulge + disk galaxies with no spiral arms, clumps or "
                    "colour gradients; one band.",
                    "The PSF is known exactly (its image and parameters are in the files); real "
                    "surveys must model it from stars.",
                    "The two stamps of a galaxy share its shear (variable galaxy); a method may "
                    "use the pairing, as GREAT3's methods used their fields.",
                    "Variables marked 'truth' (snr, magnitude, redshift, hlr, bulge_fraction) "
                    "describe the simulation and are not inputs a survey would have.",
                    "Galaxies are selected on their true signal-to-noise ratio (at least 12 at "
                    "nominal depth), not on a noisy measurement, so no selection bias is "
                    "simulated.",
                ],
                benchmark.CARD: CARD,
            },
            splits=splits,
            software=environment.describe("galsim", "astropy", "torch"),
            lineage=(
                f"Galaxy luminosities and colours from {MLZ.requirement} (sdist sha256 "
                f"{MLZ.sha256}); stamps drawn with GalSim {package_version('galsim')} "
                f"from seed {SEED}, in shards of {SHARD_EXAMPLES} stamps."
            ),
        )

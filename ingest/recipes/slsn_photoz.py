"""``slsn-photoz``: redshifts of superluminous supernovae from their multi-band light curves.

Regression of the redshift (scored as photometric redshifts are) from the observed photometry of
265 real superluminous supernovae compiled by Gomez et al. 2024, against the standard-candle
estimate; trained on the well-sampled (Gold) supernovae and tested on the sparser ones too.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from astrobench.catalog import benchmark, metrics
from astrobench.catalog.release import Release, SplitFile
from astrobench.ingest import environment, kit
from astrobench.ingest.pins import SLSNE
from astrobench.ingest.recipe import Recipe
from astrobench.ingest.sources import PackageSource

ROOT = "slsne/ref_data/"
TARGET = "redshift"
BANDS = {
    "UVW2": 2030, "UVM2": 2231, "UVW1": 2634, "U": 3600, "u": 3560, "v": 3840, "B": 4380,
    "g": 4770, "F475W": 4750, "cyan": 5330, "V": 5450, "C": 6000, "w": 6080, "G": 6400,
    "r": 6230, "F625W": 6250, "R": 6410, "Rs": 6800, "orange": 6790, "i": 7620, "F775W": 7700,
    "I": 7980, "z": 9050, "F850LP": 9100, "y": 9600, "Y": 10200, "J": 12350, "H": 16620,
    "K": 21590, "Ks": 21590, "W1": 33500, "W2": 46000,
}  # fmt: skip
"""Each filter's effective wavelength (Angstrom). Case matters: y (Pan-STARRS) is not Y (near
infrared), G (Gaia) not g, v (SkyMapper) not V."""
VEGA_TO_AB = {
    "U": 0.79, "B": -0.09, "V": 0.02, "R": 0.21, "I": 0.45, "J": 0.91, "H": 1.39, "K": 1.85,
    "Ks": 1.85, "u": 0.91, "g": -0.08, "r": 0.16, "i": 0.37, "z": 0.54, "C": 0.02,
    "F775W": 0.39, "F850LP": 0.54,
}  # fmt: skip
"""AB minus Vega magnitudes (Blanton & Roweis 2007; STScI for HST)."""
SWIFT_VEGA_TO_AB = {"UVW2": 1.73, "UVM2": 1.69, "UVW1": 1.51, "U": 1.02, "B": -0.13, "V": -0.01}
"""The same for Swift UVOT (Breeveld et al. 2011)."""
MIN_ERROR = 0.05
"""Magnitudes: the error given to the few detections listed with none."""
FRACTIONS = {"train": 0.45, "validation": 0.15, "test": 0.4}
"""Of the Gold supernovae, within redshift quintiles: test is large so that it can rank methods."""
SPLITS = {
    "train": kit.Role("train", True, "Gold supernovae (well-sampled light curves): fit here."),
    "validation": kit.Role("validation", True, "Gold supernovae: choose models here."),
    "test": kit.Role("test", False, "Gold supernovae: the in-distribution score."),
    "test-sparse-dev": kit.Role(
        "robustness",
        True,
        "Silver and Bronze supernovae (sparser or partial light curves), half of them: open to "
        "model selection.",
    ),
    "test-sparse": kit.Role(
        "robustness",
        False,
        "Silver and Bronze supernovae, the other half: the shifted score, beside test's.",
    ),
}

CARD: dict[str, Any] = {
    "domain_reference": "Superluminous supernovae as standard candles: their peak absolute "
    "magnitude scatters by most of a magnitude but is high and roughly uniform, so the "
    "observed peak gives a distance, and a redshift through Lambda-CDM. The median peak "
    "absolute magnitude is fitted on the training supernovae. This is the naive candle, not "
    "standardised by decline rate or colour as Inserra & Smartt (2014) propose, and not a "
    "magnetar-model fit with the redshift free. Baseline 'standard-candle'.",
    "split_rationale": "Each supernova is its own object. The Gold supernovae (well-sampled "
    "light curves, as Gomez et al. grade them) are split 45/15/40 into train, validation and "
    "test with a stable hash within redshift quintiles; the Silver and Bronze ones (sparser or "
    "partial light curves) are halved the same way into test-sparse-dev, open to model "
    "selection, and test-sparse, for evaluation only. A 60/20/20 split left 31 supernovae in "
    "test, too few to tell any method from the median redshift; this choice was made after "
    "seeing that.",
    "metric_rationale": "As for photometric redshifts: sigma_NMAD (primary), bias and the "
    "fraction of outliers of dz = (z_pred - z_true) / (1 + z_true). With 45 to 66 supernovae "
    "per evaluation split the intervals are wide; report them.",
    "robustness_tests": [
        "test-sparse: light curves with less coverage (Silver and Bronze), at similar "
        "redshifts (a few beyond the training set's highest), as a survey's first detections or "
        "a poorly followed event give them."
    ],
    "out_of_scope": [
        "Other transients: every object here is a superluminous supernova of type I.",
        "Precise redshifts: the scatter of peak magnitudes keeps sigma_NMAD near 0.05 on "
        "well-sampled light curves, with outliers of several per cent.",
    ],
    "lessons_learned": [
        "Most of the information is in the peak brightness: the forest, which also sees colours "
        "and time scales, is indistinguishable from the standard candle on test.",
        "The compilation's model fits (explosion and peak times, magnetar parameters, rest-frame "
        "light curves) are left out: each was fitted at the known redshift and would give it "
        "away; so are the survey names, whose median redshifts differ several-fold.",
    ],
    "data_location": "The split files of this version, through its versioned asset links.",
    "code_location": "astrobench.ingest.recipes.slsn_photoz, astrobench.ingest.transients and "
    "astrobench.ingest.baselines.slsn.",
}


def _rows(archive: zipfile.ZipFile, member: str) -> list[dict[str, str]]:
    text = archive.read(ROOT + member).decode()
    lines = [line.split() for line in text.splitlines() if line.strip()]
    return [dict(zip(lines[0], values, strict=True)) for values in lines[1:]]


def read_supernovae(wheel: Path) -> tuple[list[dict[str, str]], dict[str, list[dict[str, Any]]]]:
    """The catalogue's supernovae, and each one's detections (not upper limits, not flagged),
    in AB magnitudes, exact repeats removed."""
    with zipfile.ZipFile(wheel) as archive:
        catalogue = _rows(archive, "sne_data.txt")
        points = {}
        for sn in catalogue:
            name = sn["Name"]
            seen = set()
            kept = []
            for row in _rows(archive, f"supernovae/{name}/{name}.txt"):
                if row["UL"] != "False" or row["Ignore"] != "False":
                    continue
                key = (row["MJD"], row["Filter"], row["Telescope"], row["Mag"])
                if key in seen:
                    continue
                seen.add(key)
                mag = float(row["Mag"])
                if row["System"] == "Vega":
                    table = SWIFT_VEGA_TO_AB if row["Telescope"] == "Swift" else VEGA_TO_AB
                    mag += table[row["Filter"]]
                error = float(row["MagErr"])
                kept.append(
                    {
                        "time": float(row["MJD"]),
                        "mag": mag,
                        "err": error if error > 0 else MIN_ERROR,
                        "band": row["Filter"],
                    }
                )
            points[name] = sorted(kept, key=lambda p: (p["time"], BANDS[str(p["band"])], p["band"]))
    return catalogue, points


BAND_NAMES = tuple(sorted(BANDS, key=lambda b: (BANDS[b], b)))


def dataset(catalogue: list[dict[str, str]], points: dict[str, list[dict[str, Any]]]) -> xr.Dataset:
    """Light curves padded to the longest (band -1 and NaN beyond a supernova's detections)."""
    names = [sn["Name"] for sn in catalogue]
    width = max(1, max(len(points[n]) for n in names))
    time = np.full((len(names), width), np.nan)
    mag = np.full((len(names), width), np.nan, dtype=np.float32)
    err = np.full((len(names), width), np.nan, dtype=np.float32)
    band = np.full((len(names), width), -1, dtype=np.int16)
    code = {b: i for i, b in enumerate(BAND_NAMES)}
    for i, name in enumerate(names):
        for j, p in enumerate(points[name]):
            time[i, j], mag[i, j], err[i, j], band[i, j] = (
                p["time"],
                p["mag"],
                p["err"],
                code[p["band"]],
            )
    return xr.Dataset(
        {
            "time": (("sn", "epoch"), time, {"long_name": "MJD of the detection", "units": "d"}),
            "mag": (
                ("sn", "epoch"),
                mag,
                {"long_name": "AB magnitude, corrected for Milky Way extinction", "units": "mag"},
            ),
            "mag_err": (("sn", "epoch"), err, {"long_name": "1-sigma error", "units": "mag"}),
            "band": (
                ("sn", "epoch"),
                band,
                {
                    "long_name": "filter, as an index into band_name; -1 pads",
                    "flag_values": np.arange(-1, len(BAND_NAMES), dtype=np.int16),
                    "flag_meanings": " ".join(["padding", *BAND_NAMES]),
                },
            ),
            TARGET: (
                "sn",
                np.array([float(sn["Redshift"]) for sn in catalogue]),
                {"long_name": "redshift (host or supernova spectrum)", "units": "1"},
            ),
            "ra": (
                "sn",
                np.array([float(sn["RA_deg"]) for sn in catalogue]),
                {"long_name": "right ascension (ICRS)", "units": "degree"},
            ),
            "dec": (
                "sn",
                np.array([float(sn["DEC_deg"]) for sn in catalogue]),
                {"long_name": "declination (ICRS)", "units": "degree"},
            ),
        },
        coords={
            "sn": (
                "sn",
                np.array([opaque_id(n) for n in names], dtype=object),
                {"long_name": "supernova id: a hash of its name"},
            ),
            "band_name": ("band_code", np.array(BAND_NAMES, dtype=object), {"long_name": "filter"}),
            "band_wavelength": (
                "band_code",
                np.array([float(BANDS[b]) for b in BAND_NAMES]),
                {"long_name": "effective wavelength of the filter", "units": "angstrom"},
            ),
        },
    )


def opaque_id(name: str) -> str:
    """An id that does not name the survey (whose median redshifts differ several-fold)."""
    return "slsn-" + hashlib.sha256(name.encode()).hexdigest()[:12]


def assign(catalogue: list[dict[str, str]], salt: str) -> dict[str, list[str]]:
    """Supernova names of each split (see ``SPLITS``)."""
    found: dict[str, list[str]] = {name: [] for name in SPLITS}
    for gold, fractions in (
        (True, FRACTIONS),
        (False, {"test-sparse-dev": 0.5, "test-sparse": 0.5}),
    ):
        chosen = [sn for sn in catalogue if (sn["Quality"] == "Gold") == gold]
        z = np.array([float(sn["Redshift"]) for sn in chosen])
        names = [sn["Name"] for sn in chosen]
        strata = kit.quantile_strata(z, bins=5)
        for name, split in kit.split_by_object(names, strata, fractions, salt).items():
            found[split].append(name)
    return found


RELEASES = {"1.0.0": ("v1.3.0", "First release."), "1.1.0": ("v1.4.0", kit.MOC_NOTES)}
"""Each published version's extension and release notes."""


class SlsnPhotoz(Recipe):
    name: ClassVar[str] = "slsn-photoz"
    versions: ClassVar[tuple[str, ...]] = tuple(RELEASES)
    sources: ClassVar[tuple[PackageSource, ...]] = (SLSNE,)
    baselines: ClassVar[dict[str, str]] = {
        "standard-candle": "astrobench.ingest.baselines.slsn:StandardCandle",
        "random-forest": "astrobench.ingest.baselines.slsn:MeasureForest",
    }

    def build(
        self, version: str, sources: dict[str, Path], workdir: Path, limit: int | None = None
    ) -> Release:
        self.check_version(version)
        catalogue, points = read_supernovae(sources[SLSNE.name])
        by_name = {sn["Name"]: sn for sn in catalogue}
        parts = {
            split: dataset([by_name[n] for n in sorted(names, key=opaque_id)[:limit]], points)
            for split, names in assign(catalogue, self.name).items()
        }
        splits = kit.write_splits(
            parts,
            SPLITS,
            workdir,
            dataset=self.name,
            version=version,
            criteria=metrics.criteria("regression", residual="redshift"),
            target=TARGET,
            source="Superluminous supernova photometry and redshifts compiled by Gomez et al. "
            "2024, as distributed in slsne 0.3",
            references="Gomez et al. 2024, MNRAS 535, 471",
        )
        return self._describe(version, splits, catalogue, points)

    def _describe(
        self,
        version: str,
        splits: list[SplitFile],
        catalogue: list[dict[str, str]],
        points: dict[str, list[dict[str, Any]]],
    ) -> Release:
        detections = sum(len(p) for p in points.values())
        quality = Counter(sn["Quality"] for sn in catalogue)
        return Release(
            dataset=self.name,
            version=version,
            title="Superluminous supernova redshifts from light curves (observed)",
            description=(
                f"Multi-band light curves ({detections:,} detections) of {len(catalogue)} real "
                "superluminous supernovae compiled by Gomez et al. 2024. Task: estimate each "
                "supernova's redshift from its observed light curve alone, scored as "
                "photometric redshifts are. Splits are by supernova; a robustness split tests "
                "on sparser light curves."
            ),
            release_notes=RELEASES[version][1],
            extension=RELEASES[version][0],
            license="MIT",
            keywords=["supernovae", "superluminous", "light curves", "redshift", "regression"],
            providers=[
                {
                    "name": "Gomez et al. (slsne)",
                    "roles": ["producer", "licensor"],
                    "url": "https://pypi.org/project/slsne/0.3/",
                    "description": SLSNE.acknowledgement
                    + " MIT licence, copyright (c) 2023 Sebastian Gomez.",
                },
                {
                    "name": "astrobench",
                    "roles": ["processor", "host"],
                    "description": "Detections selected and put on the AB system, splits, "
                    "baselines and STAC metadata.",
                },
            ],
            license_links=[
                {
                    "href": "https://pypi.org/project/slsne/0.3/",
                    "type": "text/html",
                    "title": "slsne 0.3: MIT licence (LICENSE.md in the wheel), and the source "
                    "publication of every photometric point",
                },
            ],
            citation=(
                f"astrobench slsn-photoz {version}: superluminous supernova redshifts from "
                "light curves. Data from Gomez et al. 2024, MNRAS 535, 471 (slsne 0.3)."
            ),
            publications=[
                {
                    "doi": "10.1093/mnras/stae2270",
                    "citation": "Gomez, S., et al. 2024, MNRAS, 535, 471: The Type I "
                    "superluminous supernova catalogue I: light-curve properties, models, "
                    "and catalogue description",
                },
            ],
            start=datetime(1991, 1, 1, tzinfo=timezone.utc),
            end=datetime(2024, 1, 1, tzinfo=timezone.utc),
            benchmark={
                benchmark.TASK: "regression",
                benchmark.TARGET: TARGET,
                benchmark.METRICS: metrics.definitions("regression", residual="redshift"),
                benchmark.OBJECT: "sn",
                benchmark.MODALITY: "light-curve",
                benchmark.PROVENANCE: "observed",
                benchmark.WAVELENGTH_RANGE: [200.0, 4600.0],
                benchmark.SKY_FOOTPRINT: kit.sky_footprint(
                    np.array([float(sn["RA_deg"]) for sn in catalogue]),
                    np.array([float(sn["DEC_deg"]) for sn in catalogue]),
                    RELEASES[version][0],
                ),
                benchmark.LIMITATIONS: [
                    "Inputs are the light curves: positions identify the supernova, and with it "
                    "its published redshift, so they are for cross-matching only.",
                    f"Small: {len(catalogue)} supernovae ({quality['Gold']} Gold); 45 to 66 in "
                    "each evaluation split, so intervals are wide.",
                    "A literature compilation: light curves from many telescopes, calibrations "
                    "and cadences; Vega magnitudes were put on the AB system with standard "
                    "offsets.",
                    "Fourteen redshifts are of unknown origin and one is photometric.",
                    "Selection: supernovae that were spectroscopically classified, so bright "
                    "and well observed.",
                ],
                benchmark.CARD: CARD,
            },
            splits=splits,
            software=environment.describe("scikit-learn"),
            lineage=(
                f"Light curves from {SLSNE.requirement} (slsne/ref_data, wheel sha256 "
                f"{SLSNE.sha256}): detections only (UL and Ignore false), exact repeats dropped, "
                "Vega magnitudes put on AB, errors of 0 set to 0.05 mag; splits by stable hash "
                "within redshift quintiles, Gold and the rest apart."
            ),
        )

"""``dso-images``: real images of deep-sky objects, classified by what the object is.

Stellarium's deep-sky images whose licence is stated and open, 128 x 128 RGB, labelled from
OpenNGC as a galaxy, a globular or open cluster, a planetary nebula or another nebula. The
test images come from photographers and observatories none of the training images come from,
because in this collection the class is tied to who took the picture; a blurred copy of them
tests robustness to a broader point-spread function. Small: an evaluation and few-shot benchmark.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from astrobench.catalog import benchmark, metrics
from astrobench.catalog.release import Release, SplitFile
from astrobench.ingest import environment, imaging, kit, openngc, stellarium
from astrobench.ingest.pins import PYONGC, STELLARIUM_DATA
from astrobench.ingest.recipe import Recipe
from astrobench.ingest.sources import PackageSource
from astrobench.ingest.splits import unit_hash

TARGET = "label"
SIZE = 128
"""Pixels on a side: every image is resized to this square."""
FWHM = 6.0
"""Pixels: the point-spread function of the blurred split, a twentieth of the side, whatever
the image's field: a loss of resolution relative to the frame."""
CLASS_DESCRIPTIONS = {
    "galaxy": "a galaxy (OpenNGC types G, GPair, GTrpl)",
    "globular-cluster": "a globular star cluster (GCl)",
    "open-cluster": "an open star cluster (OCl)",
    "nebula": "an emission or reflection nebula, or a cluster with nebulosity (HII, EmN, RfN, "
    "Neb, Cl+N)",
    "planetary-nebula": "a planetary nebula (PN)",
}
CLASSES = tuple(CLASS_DESCRIPTIONS)
TEST_SHARE = (0.35, 0.5)
"""Each class's share of images in test: at least the first (and 10 images), at most the
second."""
SPLITS = {
    "train": kit.Role("train", True, "Images from the training photographers and observatories."),
    "validation": kit.Role(
        "validation",
        True,
        "A fifth of the images of the training sources, stratified by class: choose models here.",
    ),
    "test": kit.Role(
        "test",
        False,
        "Images from photographers and observatories none of the training images come from.",
    ),
    "test-blurred": kit.Role(
        "robustness",
        False,
        f"The test images seen through a Gaussian point-spread function of {FWHM:g} pixels "
        "FWHM: resolution lost relative to the frame, as a smaller telescope or a wider field "
        "would give it.",
    ),
}
SOURCES = (
    ("digitized sky survey|\\bdss", "Digitized Sky Survey 2"),  # whoever composed the image
    ("pan-starrs", "Pan-STARRS"),
    ("adam block", "Adam Block"),
    (r"\beso\b", "ESO"),
    ("sun ?shuwei", "Sun Shuwei"),
    ("hg731gz", "LEE ang HG731GZ"),
    (r"hubble|nasa|\besa\b|stsci|st sci", "NASA/ESA/Hubble"),
)
"""Credits that name one source in several ways, the survey first: images composed from the
same survey data look alike whoever composed them."""

CARD: dict[str, Any] = {
    "domain_reference": "Non-parametric morphology as astronomers measure it on images "
    "(concentration, asymmetry and smoothness, Gini and M20, ellipticity, colour, point-source "
    "counts, size), classified by a shrunk linear discriminant. Baseline 'morphology'.",
    "split_rationale": "Each image is a different object. In this collection the class is "
    "tied to the photographer (one observatory took nearly half the open clusters, Hubble "
    "nearly half the planetary nebulae), so images are split by source: test holds every "
    "image of a set of photographers and observatories, taken in the order of a stable hash "
    "of their names while no class gets more than half its images there, until each has 35% "
    "or the sources run out ({shares}); the other sources' images are split 80/20 into train "
    "and validation, stratified by class. Train and validation may inform model selection; "
    "test and test-blurred may not. Test is large for the collection so that it can rank "
    "methods; validation is too small for an open blurred part.",
    "metric_rationale": "Galaxies are 39% of the images: macro-F1 (primary) and balanced "
    "accuracy weigh the five classes equally; ROC-AUC judges the probabilities; per-class "
    "completeness and purity show which objects are confused (planetary nebulae and small "
    "galaxies look alike). Intervals resample images.",
    "robustness_tests": [
        "test: images from sources never seen in training (other telescopes, processing, "
        "framing), the in-distribution score being out of reach with so few sources.",
        f"test-blurred: the test images through a {FWHM:g}-pixel Gaussian point-spread "
        "function, for resolution and seeing.",
    ],
    "out_of_scope": [
        "Survey images (SDSS, DSS, 2MASS cutouts): these are processed colour pictures, "
        "stretched and framed for display, not calibrated data.",
        "Training large models: 304 images are for evaluation and few-shot work.",
        "Object types beyond the five classes (supernova remnants, dark nebulae, asterisms).",
    ],
    "lessons_learned": [
        "Images composed from the same survey data (the Digitized Sky Survey) by different "
        "institutions look alike: they count as one source, or they would sit on both sides of "
        "the split.",
        "The morphology measures depend on resolution: through a 6-pixel point-spread function "
        "the domain reference falls below the pixel forest, which barely moves.",
        "Field size would be a shortcut (planetary nebulae are imaged in fields a fifth the size "
        "of the others', nebulae in fields five times larger), so it is not in the files.",
        "Almost half of Stellarium's images (251 of 555) could not be used: no licence stated, "
        "a survey's copyright not in the package's credits, no OpenNGC object for the file "
        "name, a mosaic tile, or no single type.",
    ],
    "data_location": "The split files of this version, through its versioned asset links; "
    "each image's credit, licence and link in the variables credit, licence and info_url.",
    "code_location": "astrobench.ingest.recipes.dso_images, astrobench.ingest.stellarium, "
    "astrobench.ingest.imaging and astrobench.ingest.baselines.images.",
}


def opaque_id(texture: stellarium.Texture) -> str:
    """An id that names neither the object nor its catalogue (which would give its class)."""
    return "dso-" + hashlib.sha256(texture.file.encode()).hexdigest()[:12]


def source_of(credit: str) -> str:
    """The photographer or observatory a credit names."""
    lower = credit.lower()
    for pattern, name in SOURCES:
        if re.search(pattern, lower):
            return name
    return credit


def usable(sources: dict[str, Path]) -> list[stellarium.Texture]:
    """Every usable texture, ordered by ``opaque_id``."""
    with openngc.database(sources[PYONGC.name]) as database:
        found = [t for t in stellarium.read(sources[STELLARIUM_DATA.name], database) if t.usable]
    return sorted(found, key=opaque_id)


def held_out(textures: list[stellarium.Texture], salt: str) -> set[str]:
    """The sources whose images make the test split: taken in the order of a stable hash of
    their names, each kept where no class then holds more than ``TEST_SHARE[1]`` of its images
    in test, until every class holds at least ``TEST_SHARE[0]`` (and 10)."""
    totals = Counter(t.kind for t in textures)
    by_source: dict[str, Counter[str | None]] = {}
    for texture in textures:
        by_source.setdefault(source_of(texture.credit), Counter())[texture.kind] += 1
    chosen: set[str] = set()
    held: Counter[str | None] = Counter()
    for source in sorted(by_source, key=lambda s: unit_hash(f"{salt}/{s}")):
        after = held + by_source[source]
        if all(after[k] <= TEST_SHARE[1] * totals[k] for k in totals):
            chosen.add(source)
            held = after
        if all(held[k] >= max(10, TEST_SHARE[0] * totals[k]) for k in totals):
            break
    return chosen


def _strings(values: list[Any]) -> np.ndarray[Any, np.dtype[np.object_]]:
    return np.array([str(v) for v in values], dtype=object)


def dataset(textures: list[stellarium.Texture]) -> xr.Dataset:
    """Images, labels, positions and credits, one row per texture."""
    images = np.stack([imaging.rgb(t.png, SIZE) for t in textures])
    return xr.Dataset(
        {
            "image": (
                ("object", "y", "x", "channel"),
                images,
                {"long_name": "RGB image, resized to 128 x 128", "units": "1"},
            ),
            TARGET: ("object", _strings([t.kind for t in textures]), {"long_name": "class"}),
            "ra": (
                "object",
                np.array([t.ra for t in textures]),
                {"long_name": "right ascension of the image centre (ICRS)", "units": "degree"},
            ),
            "dec": (
                "object",
                np.array([t.dec for t in textures]),
                {"long_name": "declination of the image centre (ICRS)", "units": "degree"},
            ),
            "credit": (
                "object",
                _strings([t.attribution for t in textures]),
                {"long_name": "who made the image, as they ask to be credited"},
            ),
            "licence": (
                "object",
                _strings([t.licence for t in textures]),
                {"long_name": "the image's licence, as the package's CREDITS.md states it"},
            ),
            "info_url": (
                "object",
                _strings([t.info_url for t in textures]),
                {"long_name": "where the image is described"},
            ),
        },
        coords={
            "object": (
                "object",
                _strings([opaque_id(t) for t in textures]),
                {"long_name": "image id: a hash of its file name"},
            ),
            "channel": ("channel", _strings(["R", "G", "B"]), {"long_name": "colour"}),
        },
    )


RELEASES = {"1.0.0": ("v1.3.0", "First release."), "1.1.0": ("v1.4.0", kit.MOC_NOTES)}
"""Each published version's extension and release notes."""


class DsoImages(Recipe):
    name: ClassVar[str] = "dso-images"
    versions: ClassVar[tuple[str, ...]] = tuple(RELEASES)
    sources: ClassVar[tuple[PackageSource, ...]] = (STELLARIUM_DATA, PYONGC)
    baselines: ClassVar[dict[str, str]] = {
        "morphology": "astrobench.ingest.baselines.images:MorphologyDiscriminant",
        "random-forest": "astrobench.ingest.baselines.images:PixelForest",
    }

    def build(
        self, version: str, sources: dict[str, Path], workdir: Path, limit: int | None = None
    ) -> Release:
        self.check_version(version)
        textures = usable(sources)
        test_sources = held_out(textures, self.name)
        kept = [t for t in textures if source_of(t.credit) not in test_sources]
        names = [opaque_id(t) for t in kept]
        part = kit.split_by_object(
            names, [str(t.kind) for t in kept], {"train": 0.8, "validation": 0.2}, self.name
        )
        rows = {
            "train": [t for t, n in zip(kept, names, strict=True) if part[n] == "train"],
            "validation": [t for t, n in zip(kept, names, strict=True) if part[n] == "validation"],
            "test": [t for t in textures if source_of(t.credit) in test_sources],
        }
        data = {name: dataset(found[:limit]) for name, found in rows.items()}
        blurred = data["test"].copy()
        blurred["image"] = blurred["image"].copy(data=imaging.blurred(blurred.image.values, FWHM))
        data["test-blurred"] = blurred
        splits = kit.write_splits(
            data,
            SPLITS,
            workdir,
            dataset=self.name,
            version=version,
            criteria=metrics.criteria("classification"),
            target=TARGET,
            source="Deep-sky images from Stellarium (Debian stellarium-data 0.22.2-1), each "
            "under its own licence; classes from OpenNGC",
            references="https://stellarium.org; https://github.com/mattiaverga/OpenNGC",
            classes=CLASSES,
        )
        return self._describe(version, splits, textures)

    def _describe(
        self, version: str, splits: list[SplitFile], textures: list[stellarium.Texture]
    ) -> Release:
        licences = Counter(t.licence for t in textures)
        totals = Counter(t.kind for t in textures)
        test = next(s for s in splits if s.name == "test")
        return Release(
            dataset=self.name,
            version=version,
            title="Deep-sky object images from Stellarium (observed, evaluation-sized)",
            description=(
                f"{len(textures)} real colour images of deep-sky objects from Stellarium, "
                "each under the open licence its author gave, resized to 128 x 128. Task: "
                "classify what each object is (galaxy, globular cluster, open cluster, "
                "planetary nebula, nebula). Test images come from photographers none of the "
                "training images come from. Small: for evaluation and few-shot learning."
            ),
            release_notes=RELEASES[version][1],
            extension=RELEASES[version][0],
            license="other",
            keywords=["deep-sky objects", "images", "classification", "galaxies", "nebulae"],
            providers=[
                {
                    "name": "Stellarium and the image authors",
                    "roles": ["producer", "licensor"],
                    "url": "https://stellarium.org",
                    "description": STELLARIUM_DATA.acknowledgement
                    + " Licences: "
                    + ", ".join(f"{k} ({v})" for k, v in sorted(licences.items())),
                },
                {
                    "name": "OpenNGC (Mattia Verga)",
                    "roles": ["producer"],
                    "url": "https://github.com/mattiaverga/OpenNGC",
                    "description": PYONGC.acknowledgement,
                },
                {
                    "name": "astrobench",
                    "roles": ["processor", "host"],
                    "description": "Licence selection, labels, resizing, splits, baselines and "
                    "STAC metadata.",
                },
            ],
            license_links=[
                {
                    "href": "https://github.com/Stellarium/stellarium/blob/v0.22.2/CREDITS.md",
                    "type": "text/html",
                    "title": "Stellarium's credits: each image's author and licence",
                },
            ],
            citation=(
                f"astrobench dso-images {version}: deep-sky object images from Stellarium, "
                "credited to their authors per image (variable 'credit'), with classes from "
                "OpenNGC."
            ),
            publications=[
                {
                    "doi": "10.1086/375001",
                    "citation": "Conselice, C. J. 2003, ApJS, 147, 1: The Relationship between "
                    "Stellar Light Distributions of Galaxies and Their Formation Histories",
                },
                {
                    "doi": "10.1086/421849",
                    "citation": "Lotz, J. M., Primack, J., & Madau, P. 2004, AJ, 128, 163: A "
                    "New Nonparametric Approach to Galaxy Morphological Classification",
                },
            ],
            start=datetime(1990, 1, 1, tzinfo=timezone.utc),  # CCD and Hubble-era images
            end=datetime(2022, 7, 1, tzinfo=timezone.utc),
            benchmark={
                benchmark.TASK: "classification",
                benchmark.TARGET: TARGET,
                benchmark.CLASSES: [
                    {"name": c, "description": CLASS_DESCRIPTIONS[c]} for c in CLASSES
                ],
                benchmark.METRICS: metrics.definitions("classification"),
                benchmark.OBJECT: "object",
                benchmark.MODALITY: "image",
                benchmark.PROVENANCE: "observed",
                benchmark.COMPOSITION: {
                    "observed": ["images", "positions", "classes (OpenNGC)"],
                    "simulated": [
                        f"the blurred splits: observed images through a {FWHM:g}-pixel Gaussian "
                        "point-spread function"
                    ],
                },
                benchmark.WAVELENGTH_RANGE: [400.0, 700.0],
                benchmark.SKY_FOOTPRINT: kit.sky_footprint(
                    np.array([t.ra for t in textures]),
                    np.array([t.dec for t in textures]),
                    RELEASES[version][0],
                ),
                benchmark.LIMITATIONS: [
                    "Only the image is an input: the position, credit and link identify the "
                    "object, and with it its catalogue type, the label. They are in the files "
                    "for cross-matching and attribution.",
                    "The classes derive from OpenNGC (CC-BY-SA-4.0) and are shared alike under "
                    "that licence.",
                    "Colour pictures processed for display by many photographers (stretch, "
                    "colour balance, framing), not calibrated images.",
                    f"Small: {len(textures)} images; the intervals are wide.",
                    "Each image is under its own licence (CC BY, CC BY-SA, CC0, public domain, "
                    "or a free-use permission with credit); share-alike images keep their "
                    "terms in anything derived from them.",
                    "Classes are OpenNGC's types of the object the file names; an image may "
                    "show more than its object.",
                ],
                benchmark.CARD: {
                    **CARD,
                    "split_rationale": CARD["split_rationale"].format(
                        shares="test holds "
                        + ", ".join(f"{test.class_counts[c]} of {totals[c]} {c}" for c in CLASSES)
                    ),
                },
            },
            splits=splits,
            software=environment.describe("scikit-learn", "scipy", "pillow"),
            lineage=(
                f"Images from {STELLARIUM_DATA.requirement} (Debian, sha256 "
                f"{STELLARIUM_DATA.sha256}: nebulae/default/*.png, textures.json, CREDITS.md), "
                f"classes from {PYONGC.requirement}; usable where CREDITS.md states an open "
                "licence for the image's object under its credited author; resized with "
                "Pillow's Lanczos filter; test sources held out by a stable hash."
            ),
        )

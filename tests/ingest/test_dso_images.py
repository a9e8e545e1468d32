"""dso-images: licences read as Stellarium's credits state them, the morphology measured as its
definitions say, and the published version against its own card."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import xarray as xr

from astrobench.catalog import benchmark
from astrobench.catalog.settings import CatalogSettings
from astrobench.ingest import imaging, stellarium
from astrobench.ingest.recipes import dso_images as d
from tests.ingest import published


@pytest.mark.parametrize(
    ("file", "ids"),
    [
        ("m2.png", [("M", 2)]),
        ("n6229-sdss.png", [("NGC", 6229)]),
        ("ic4628.png", [("IC", 4628)]),
        ("n4038-9.png", [("NGC", 4038), ("NGC", 4039)]),
        ("n869-884.png", [("NGC", 869), ("NGC", 884)]),
        ("m57h.png", [("M", 57)]),
        ("lmc_cluster.png", []),
    ],
)
def test_file_names_give_catalogue_numbers(file: str, ids: list[tuple[str, int]]) -> None:
    assert stellarium.file_ids(file) == ids


@pytest.mark.parametrize(
    ("statement", "licence"),
    [
        ("Creative Commons Attribution 4.0 International", "CC-BY-4.0"),
        ("Creative Commons Attribution-Share Alike 3.0 Unported", "CC-BY-SA-3.0"),
        ("Creative Commons Attribution-Share Alike 3.0 Germany", "CC-BY-SA-3.0-DE"),
        ("CC0 1.0 Universal Public Domain Dedication", "CC0-1.0"),
        ("public domain; http://hubblesite.org/copyright/", "public-domain"),
        (
            'permission given to "use the image freely" (including right to modify and '
            'redistribute) "as long as it is credited."',
            "free-use-with-credit",
        ),
        ("GNU Free Documentation License 1.2 or later", None),
        (None, None),
    ],
)
def test_only_stated_open_licences_are_taken(statement: str | None, licence: str | None) -> None:
    assert stellarium.licence_of(statement)[0] == licence


def _profile(radius: np.ndarray) -> np.ndarray:
    return np.repeat((radius * 240 + 5)[..., None], 3, axis=2).astype(np.uint8)


def test_morphology_follows_its_definitions() -> None:
    """On images whose measures are known: the concentration of a Gaussian is
    5 log10(sqrt(ln 5 / ln 1.25)) = 2.15 and an exponential disc's is higher; a symmetric
    object has no asymmetry; a field of stars has many point sources and fills little."""
    n = 129
    yy, xx = np.mgrid[:n, :n]
    r = np.hypot(yy - 64, xx - 64)
    gaussian = imaging.morphology(_profile(np.exp(-(r**2) / (2 * 8.0**2))))
    disc = imaging.morphology(_profile(np.exp(-r / 6.0)))
    theory = 5 * np.log10(np.sqrt(np.log(5) / np.log(1.25)))
    assert abs(gaussian["concentration"] - theory) < 0.15
    assert disc["concentration"] > gaussian["concentration"] + 0.2
    assert gaussian["asymmetry"] < 0.01 and gaussian["ellipticity"] < 0.01
    rng = np.random.default_rng(0)
    stars = np.zeros((n, n))
    for y, x in rng.integers(10, n - 10, (60, 2)):
        stars += np.exp(-((yy - y) ** 2 + (xx - x) ** 2) / 2)
    field = imaging.morphology(
        np.repeat(
            np.clip(stars * 200 + 5 + rng.normal(0, 2, (n, n)), 0, 255)[..., None], 3, 2
        ).astype(np.uint8)
    )
    assert field["peaks"] > gaussian["peaks"] + 1 and field["filling"] < gaussian["filling"]


def test_the_blur_has_the_width_it_says() -> None:
    point = np.zeros((1, 65, 65, 3), dtype=np.uint8)
    point[0, 32, 32] = 255
    point[0, 31:34, 31:34] = 255  # bright enough to survive rounding
    blurred = imaging.blurred(np.repeat(point, 1, 0), d.FWHM)[0, :, :, 0].astype(float)
    profile = blurred[32]
    width = np.count_nonzero(profile >= profile.max() / 2)
    assert abs(width - np.sqrt(d.FWHM**2 + 3**2)) <= 1.5  # the PSF on a 3-pixel source


@pytest.fixture(scope="module")
def version(catalogue: CatalogSettings) -> tuple[dict[str, Any], dict[str, xr.Dataset]]:
    return (
        published.collection(catalogue, "dso-images", "1.0.0"),
        published.split_files(catalogue, "dso-images", "1.0.0"),
    )


def test_every_image_is_credited_and_openly_licensed(
    version: tuple[dict[str, Any], dict[str, xr.Dataset]],
) -> None:
    _, data = version
    accepted = {"CC-BY-3.0", "CC-BY-4.0", "CC0-1.0", "public-domain", "free-use-with-credit"}
    for ds in data.values():
        licences = set(ds.licence.values.tolist())
        assert all(x in accepted or x.startswith("CC-BY-SA-") for x in licences), licences
        assert all(str(c).strip() for c in ds.credit.values)
        assert np.isfinite(ds.ra.values).all() and np.isfinite(ds.dec.values).all()
        assert ds.image.dtype == np.uint8 and ds.image.shape[1:] == (d.SIZE, d.SIZE, 3)


def test_test_sources_are_never_trained_on_and_blurring_is_the_only_shift(
    version: tuple[dict[str, Any], dict[str, xr.Dataset]],
) -> None:
    collection, data = version
    sources = {name: {d.source_of(str(c)) for c in ds.credit.values} for name, ds in data.items()}
    assert not sources["test"] & (sources["train"] | sources["validation"])
    assert data["test-blurred"].object.values.tolist() == data["test"].object.values.tolist()
    again = imaging.blurred(data["test"].image.values, d.FWHM)
    assert np.array_equal(again, data["test-blurred"].image.values)
    test = next(s for s in collection[benchmark.SPLITS] if s["name"] == "test")
    assert min(test["class_objects"].values()) >= 10
    assert collection[benchmark.MODALITY] == "image"


def test_the_baselines_say_what_the_card_says(
    version: tuple[dict[str, Any], dict[str, xr.Dataset]],
) -> None:
    collection, _ = version
    baselines = {b["name"]: b for b in collection[benchmark.BASELINES]}
    morphology, forest = baselines["morphology"], baselines["random-forest"]
    for method in (morphology, forest):
        assert method["versus"]["test"]["majority-class"][0] > 0.3
    assert morphology["versus"]["test-blurred"]["random-forest"][1] < 0  # blur undoes it
    assert forest["scores"]["test-blurred"]["macro_f1"] > 0.4  # the forest barely moves


def test_survey_composites_are_one_source() -> None:
    for credit in ("ESO/Digitized Sky Survey 2", "NASA, ESA, Digitized Sky Survey 2"):
        assert d.source_of(credit) == "Digitized Sky Survey 2"
    assert d.source_of("ESA/Hubble & NASA") == d.source_of("NASA/ESA and The Hubble Heritage Team")

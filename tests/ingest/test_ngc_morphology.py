"""ngc-morphology: Hubble types coarsened as the card says, the data obeying the relations its
domain reference rests on, and the published version against its own card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr

from astrobench.catalog import benchmark
from astrobench.catalog.settings import CatalogSettings
from astrobench.ingest.pins import PYONGC
from astrobench.ingest.recipes import ngc_morphology as m
from tests.ingest import published


@pytest.mark.parametrize(
    ("hubble", "coarse"),
    [
        ("E", "E"),
        ("E?", "E"),
        ("E-S0", "S0"),
        ("S0-a", "S0"),
        ("SBa", "Sa-Sb"),
        ("SABb", "Sa-Sb"),
        ("Sbc", "Sbc-Irr"),
        ("SBm", "Sbc-Irr"),
        ("IAB", "Sbc-Irr"),
        ("S?", None),
    ],
)
def test_hubble_types_are_coarsened(hubble: str, coarse: str | None) -> None:
    assert m.coarse_type(hubble) == coarse


def test_early_types_are_redder_brighter_and_rounder(source_dir: Path) -> None:
    """The relations the domain reference rests on hold in the data: along the Hubble sequence
    B-K gets bluer, ellipticals are rounder than discs, and the mean surface brightness within
    the 25 mag isophote tells ellipticals from late types."""
    galaxies = m.read_galaxies(PYONGC.fetch(source_dir))
    label = galaxies.label.values
    colour = (galaxies.b_mag - galaxies.k_mag).values
    sb = galaxies.surface_brightness.values
    ratio = (galaxies.minor_axis / galaxies.major_axis).values

    def median(values: np.ndarray, kind: str) -> float:
        return float(np.median(values[label == kind]))

    assert median(colour, "E") > median(colour, "Sa-Sb") > median(colour, "Sbc-Irr")
    assert abs(median(sb, "E") - median(sb, "Sbc-Irr")) > 0.3
    assert median(ratio, "E") > median(ratio, "Sa-Sb") + 0.1
    assert np.all((galaxies.dec.values >= -90) & (galaxies.dec.values <= 90))
    assert np.all((galaxies.ra.values >= 0) & (galaxies.ra.values < 360))


@pytest.fixture(scope="module")
def version(catalogue: CatalogSettings) -> tuple[dict[str, Any], dict[str, xr.Dataset]]:
    return (
        published.collection(catalogue, "ngc-morphology", "1.0.0"),
        published.split_files(catalogue, "ngc-morphology", "1.0.0"),
    )


def test_ngc_trains_and_ic_shifts(
    version: tuple[dict[str, Any], dict[str, xr.Dataset]],
) -> None:
    collection, data = version
    for name in ("train", "validation", "test"):
        assert all(n.startswith("NGC") for n in data[name].galaxy.values.tolist())
    for name in ("test-ic-dev", "test-ic"):
        assert all(n.startswith("IC") for n in data[name].galaxy.values.tolist())
    fainter = np.median(data["test-ic"].b_mag) - np.median(data["test"].b_mag)
    assert fainter > 0.5 and np.median(data["test-ic"].redshift) > np.median(data["test"].redshift)
    for ds in data.values():  # the fine type would give the answer away
        assert "hubble" not in " ".join(map(str, ds.variables))
    assert collection["license"] == "CC-BY-SA-4.0"
    assert collection[benchmark.PROVENANCE] == "observed"


def test_the_baselines_say_what_the_card_says(
    version: tuple[dict[str, Any], dict[str, xr.Dataset]],
) -> None:
    collection, _ = version
    baselines = {b["name"]: b for b in collection[benchmark.BASELINES]}
    reference, forest = baselines["colour-type"], baselines["random-forest"]
    assert reference["versus"]["test"]["majority-class"][0] > 0.2
    assert forest["versus"]["test"]["colour-type"][0] > 0  # the forest ranks above it
    assert reference["scores"]["test"]["completeness:E"] > 0.2  # equal priors: it answers E
    for baseline in (reference, forest):  # worse on the IC galaxies
        assert baseline["scores"]["test-ic"]["macro_f1"] < baseline["scores"]["test"]["macro_f1"]

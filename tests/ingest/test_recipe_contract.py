"""The contract every recipe keeps, run for each registered recipe's latest version, as fsspec
runs one suite against every backend: a small build is deterministic, its records validate and
name their licence and acknowledgements, development and evaluation objects never meet; the
published version lints clean, every method at least matches the trivial baseline, and a
rebuild gives the published bytes."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
import xarray as xr

from astrobench.catalog import benchmark
from astrobench.catalog.lint import lint
from astrobench.catalog.release import Release
from astrobench.catalog.settings import CatalogSettings
from astrobench.ingest import kit
from astrobench.ingest.blind import withhold
from astrobench.ingest.publish import records_of
from astrobench.ingest.recipe import RECIPES, Recipe, get_recipe
from tests.conftest import LARGE_LIMITS
from tests.ingest import published

SMALL = 30
"""Objects per split of a small build."""


def _latest(name: str) -> tuple[Recipe, str]:
    recipe = get_recipe(name)
    return recipe, recipe.versions[-1]


@pytest.fixture(scope="module", params=sorted(RECIPES))
def small(
    request: pytest.FixtureRequest, source_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Recipe, Release, Release]:
    """A recipe's latest version built small, twice, in two folders."""
    recipe, version = _latest(request.param)
    sources = {s.name: s.fetch(source_dir) for s in recipe.sources}
    builds = [
        recipe.build(version, sources, tmp_path_factory.mktemp(f"{recipe.name}-{n}"), limit=SMALL)
        for n in range(2)
    ]
    return recipe, builds[0], builds[1]


def _digests(release: Release) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for s in release.splits
        for path in s.paths
    }


def test_a_build_is_deterministic(small: tuple[Recipe, Release, Release]) -> None:
    _, first, second = small
    assert _digests(first) == _digests(second)


def test_records_validate_and_name_licence_and_acknowledgements(
    small: tuple[Recipe, Release, Release], tmp_path: Path
) -> None:
    recipe, built, _ = small
    copies = [  # published as ``publish.build`` leaves it: blind splits without their answers
        dataclasses.replace(s, path=Path(shutil.copy(s.path, tmp_path))) if s.blind else s
        for s in built.splits
    ]
    release = withhold(dataclasses.replace(built, splits=copies), tmp_path)
    collection, items, _ = records_of(release)  # STAC core and benchmark extension schemas
    assert collection["license"] and len(items) == len(release.pieces())
    for source in recipe.sources:
        assert source.license and source.acknowledgement, source.name
    credited = " ".join(p.get("description", "") for p in collection["providers"])
    assert credited.strip() and any(p.get("roles") for p in collection["providers"])
    assert collection[benchmark.PROVENANCE] in ("observed", "simulated")


def _objects(data: xr.Dataset, unit: str | None) -> set[str]:
    if unit and unit in data.variables:
        return set(data[unit].values.astype(str).tolist())
    return set(data[next(iter(data.dims))].values.astype(str).tolist())


def test_development_and_evaluation_objects_never_meet(
    small: tuple[Recipe, Release, Release],
) -> None:
    _, release, _ = small
    unit = release.benchmark.get(benchmark.OBJECT)
    found: dict[str, set[str]] = {}
    for split in release.splits:
        with kit.open_split(split) as data:
            found[split.name] = _objects(data, unit)
    role = {s.name: s.role for s in release.splits}
    train = set().union(*(found[n] for n in found if role[n] == "train"))
    validation = set().union(*(found[n] for n in found if role[n] == "validation"))
    assert not train & validation
    opened = {s.name for s in release.splits if s.model_selection is not False}
    closed = {s.name for s in release.splits if s.model_selection is False}
    if not closed:  # before extension v1.2.0: every test and robustness split is evaluation
        closed = {n for n in found if role[n] in ("test", "robustness")}
        opened = {n for n in found if role[n] in ("train", "validation")}
    development = set().union(*(found[n] for n in opened))
    for name in closed:
        assert not development & found[name], name


@pytest.fixture(scope="module", params=sorted(RECIPES))
def latest(request: pytest.FixtureRequest, catalogue: CatalogSettings) -> dict[str, Any]:
    """A recipe's latest version as the session's catalogue published it."""
    recipe, version = _latest(request.param)
    return published.collection(catalogue, recipe.name, version)


def test_the_published_version_meets_the_benchmark_standard(latest: dict[str, Any]) -> None:
    assert lint(latest) == []
    baselines = latest[benchmark.BASELINES]
    [trivial] = [b["name"] for b in baselines if b["kind"] == "trivial"]
    test = next(s["name"] for s in latest[benchmark.SPLITS] if s["role"] == "test")
    lower_is_better = next(  # for a metric best near zero, pairs compare absolute values
        m["direction"] in ("minimize", "zero")
        for m in latest[benchmark.METRICS]
        if m.get("primary")
    )
    for baseline in baselines:
        if baseline["kind"] == "trivial":
            continue
        low, high = baseline["versus"][test][trivial]  # paired: this one minus the trivial one
        worse = low > 0 if lower_is_better else high < 0
        assert not worse, (baseline["name"], low, high)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_a_rebuild_gives_the_published_bytes(
    name: str, catalogue: CatalogSettings, source_dir: Path, tmp_path: Path
) -> None:
    recipe, version = _latest(name)
    limit = LARGE_LIMITS.get(name)
    assert published.rebuilds_identically(
        catalogue, source_dir, tmp_path, recipe.name, version, limit
    )

"""The baseline runner on a small regression benchmark: predictions are written, read back with
the official parser and scored; figures are drawn; the card and lint see the result."""

import dataclasses
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
import xarray as xr

from astrobench.catalog import benchmark, intervals, metrics
from astrobench.catalog.lint import lint
from astrobench.catalog.records import collection_record
from astrobench.catalog.release import Release, SplitFile
from astrobench.catalog.validate import check
from astrobench.ingest import benchmarking, card, diagnostics
from astrobench.ingest.baselines.base import Answers, Baseline
from astrobench.ingest.benchmarking import with_baselines
from astrobench.ingest.recipe import Recipe
from tests.catalog.factories import make_release


class TrainingMean(Baseline):
    """Predicts the training mean for everything: the weakest sensible regression baseline."""

    name: ClassVar[str] = "training-mean"
    kind: ClassVar[str] = "ml"
    description: ClassVar[str] = "the mean of the training targets"

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        self.mean = float(train["z"].mean())

    def predict(self, data: xr.Dataset) -> Answers:
        return Answers(labels=np.full(data.sizes["galaxy"], self.mean, dtype=object))


def split(name: str, values: np.ndarray) -> xr.Dataset:
    ids = np.array([f"{name}-{i}" for i in range(values.size)], dtype=object)
    return xr.Dataset({"z": ("galaxy", values)}, coords={"galaxy": ids})


def test_a_regression_baseline_is_scored_and_drawn(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    data = {
        "train": split("train", rng.uniform(0.0, 1.0, 200)),
        "test": split("test", rng.uniform(0.0, 1.0, 50)),
        "test-far": split("test-far", rng.uniform(1.0, 2.0, 50)),
    }
    collection = {
        "id": "photo-z",
        "version": "1.0.0",
        "title": "Photometric redshifts",
        "description": "A toy benchmark.",
        "license": "CC0-1.0",
        "bench:task": "regression",
        "bench:target": "z",
        "bench:modality": "tabular",
        "bench:provenance": "simulated",
        "bench:metrics": metrics.definitions("regression"),
        "bench:splits": [
            {"name": n, "role": r, "criteria": metrics.criteria("regression")}
            for n, r in (("train", "train"), ("test", "test"), ("test-far", "robustness"))
        ],
    }
    run = benchmarking.run(TrainingMean, collection, data)
    assert run.files["test"].splitlines()[0] == "id,prediction"
    near, far = run.scores["test"].metrics, run.scores["test-far"].metrics
    assert set(near) == {"nmad", "bias", "outlier_fraction"}
    assert abs(near["bias"]) < 0.15 and far["bias"] < -0.5  # the mean misses the shifted split
    assert far["outlier_fraction"] == 1.0
    figures = diagnostics.draw(collection, run, data, tmp_path)
    assert list(figures) == ["predicted-vs-true"]
    assert figures["predicted-vs-true"].read_bytes()[:4] == b"\x89PNG"
    collection["bench:baselines"] = [{"name": "training-mean", "kind": "ml", "scores": {}}]
    text = card.render(collection)
    assert "| training-mean (ml) |" in text and "## Lessons learned" in text
    fields = {f.field for f in lint(collection)}
    assert "bench:card" in fields and "bench:baselines" in fields  # no card, no domain reference


class Stars(Recipe):
    """A tiny classification benchmark: each star observed twice, so objects are not rows."""

    name: ClassVar[str] = "toy-stars"
    versions: ClassVar[tuple[str, ...]] = ("2.0.0",)
    sources: ClassVar[tuple] = ()  # type: ignore[type-arg]
    baselines: ClassVar[dict[str, str]] = {
        "brightness": "tests.ingest.test_benchmarking:Brightness",
    }

    def build(self, version: str, sources: dict[str, Path], workdir: Path) -> Release:
        rng = np.random.default_rng(7)
        files = []
        for name, role, stars in (
            ("train", "train", 120),
            ("validation", "validation", 40),
            ("test", "test", 60),
        ):
            label = rng.choice(["bright", "faint", "faint"], size=stars)
            mag = np.where(label == "bright", 14.0, 16.0) + rng.normal(0, 0.7, stars)
            star = np.array([f"{name}-{i}" for i in range(stars)])
            data = xr.Dataset(
                {
                    "label": ("obs", np.repeat(label, 2).astype(object)),
                    "mag": ("obs", np.repeat(mag, 2) + rng.normal(0, 0.1, 2 * stars)),
                    "star_id": ("obs", np.repeat(star, 2).astype(object)),
                },
                coords={"obs": [f"{s}-{k}" for s in star for k in "ab"]},
            )
            path = workdir / f"{name}.nc"
            data.to_netcdf(path, engine="h5netcdf")
            files.append(
                SplitFile(
                    name,
                    role,
                    path,
                    f"{name} split",
                    2 * stars,
                    criteria=metrics.criteria("classification"),
                )
            )
        release = make_release(workdir / "base", dataset=self.name, version=version)
        return dataclasses.replace(
            release,
            splits=files,
            extension="v1.2.0",
            benchmark={
                "bench:task": "classification",
                "bench:target": "label",
                "bench:object": "star_id",
                "bench:classes": [{"name": "bright"}, {"name": "faint"}],
                "bench:metrics": metrics.definitions("classification"),
                "bench:modality": "tabular",
                "bench:provenance": "simulated",
            },
        )


class Brightness(Baseline):
    """Bright below magnitude 15: the domain's cut."""

    name: ClassVar[str] = "brightness"
    kind: ClassVar[str] = "domain-reference"
    description: ClassVar[str] = "a magnitude cut"

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        pass

    def predict(self, data: xr.Dataset) -> Answers:
        bright = data["mag"].values < 15.0
        scores = np.stack([bright, ~bright], axis=1).astype(float)
        return Answers(np.where(bright, "bright", "faint").astype(object), scores)


def test_new_versions_publish_a_trivial_baseline_and_intervals(tmp_path: Path) -> None:
    recipe = Stars()
    release = with_baselines(recipe, recipe.build("2.0.0", {}, tmp_path), tmp_path)
    collection = collection_record(release)
    check(collection)  # valid against the v1.2.0 schema it declares
    assert benchmark.schema_uri("v1.2.0") in collection["stac_extensions"]
    assert collection["bench:bootstrap"]["resamples"] == intervals.RESAMPLES
    entries = {b["name"]: b for b in collection["bench:baselines"]}
    assert entries["majority-class"]["kind"] == "trivial"
    trivial = entries["majority-class"]["scores"]["test"]
    assert trivial["roc_auc"] == 0.5 and trivial["completeness:faint"] == 1.0
    assert trivial["accuracy"] == pytest.approx(
        np.mean(xr.open_dataset(release.splits[2].path)["label"].values == "faint")
    )
    for entry in entries.values():  # none of them reads validation
        assert entry["used_splits"] == ["train"]
        for split, scores in entry["scores"].items():
            bounds = entry["intervals"][split]
            assert set(bounds) == set(scores)
            for name, value in scores.items():
                assert bounds[name][0] <= value <= bounds[name][1], (entry["name"], split, name)
    cut = entries["brightness"]["intervals"]["test"]["macro_f1"]
    floor = entries["majority-class"]["intervals"]["test"]["macro_f1"]
    assert cut[0] > floor[1]  # the domain cut beats the trivial floor beyond both intervals
    paired = entries["brightness"]["versus"]["test"]["majority-class"]
    assert paired[0] > 0 and entries["majority-class"]["versus"]["test"]["brightness"][1] < 0
    text = next(f.path for f in release.files if f.key == "card").read_text()
    assert "95% bootstrap interval over objects" in text and "Learnt from: train\n" in text
    assert "higher than majority-class (trivial) by [+" in text


def test_cards_call_methods_indistinguishable_when_the_paired_interval_covers_zero() -> None:
    collection = {
        "title": "Toy",
        "version": "2.0.0",
        "description": "A toy.",
        "license": "CC0-1.0",
        "bench:task": "classification",
        "bench:target": "label",
        "bench:modality": "tabular",
        "bench:provenance": "simulated",
        "bench:metrics": metrics.definitions("classification"),
        "bench:splits": [
            {"name": "train", "role": "train", "criteria": metrics.criteria("classification")},
            {"name": "test", "role": "test", "criteria": metrics.criteria("classification")},
        ],
        "bench:baselines": [
            {"name": "forest", "kind": "ml", "versus": {"test": {"cut": [-0.02, 0.03]}}},
            {
                "name": "cut",
                "kind": "domain-reference",
                "versus": {"test": {"forest": [-0.03, 0.02]}},
            },
        ],
    }
    text = card.render(collection)
    assert "indistinguishable from cut (domain-reference)" in text
    assert "indistinguishable from forest (ml)" in text

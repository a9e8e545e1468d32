"""Run a version's baselines on every split and publish what they did.

Each baseline's predictions are written as CSV files and scored by reading those files back with
the official parser and metrics, so the published scores are exactly what ``astrobench evaluate``
computes from the published predictions. Figures and the benchmark card are made here too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from astrobench.catalog import benchmark, evaluation, intervals, metrics, predictions
from astrobench.catalog.extension import Benchmark
from astrobench.catalog.records import collection_record
from astrobench.catalog.release import CSV, MARKDOWN, PNG, ExtraFile, Release
from astrobench.ingest import blind, card, diagnostics, kit, quicklook
from astrobench.ingest.baselines.base import TRIVIAL, Answers, Baseline, load
from astrobench.ingest.baselines.trivial import for_task
from astrobench.ingest.recipe import Recipe

CARD_KEY = "card"


@dataclass(frozen=True)
class Run:
    """One baseline on every split: its answers, their CSV text and their scores."""

    baseline: Baseline
    answers: dict[str, Answers]
    files: dict[str, str]
    """Split -> predictions CSV text."""
    scores: dict[str, metrics.Score]
    diagnostics: dict[str, dict[str, float]]
    """Split -> the baseline's own diagnostics (``Baseline.diagnostics``), where it has any."""
    draws: dict[str, dict[str, NDArray[np.float64]]]
    """Split -> metric -> the bootstrap draws behind its interval (for paired comparisons)."""


def unknown_label(bench: Benchmark) -> str | None:
    """The label for 'none of the training classes', where the splits agree on one."""
    found = {
        s.criteria.unknown_label
        for s in bench.splits or ()
        if s.criteria is not None and s.criteria.unknown_label is not None
    }
    return found.pop() if len(found) == 1 else None


def run(
    baseline_class: type[Baseline],
    collection: dict[str, Any],
    data: Mapping[str, xr.Dataset],
    source_dir: Path | None = None,
) -> Run:
    """Fit on the train split (thresholds on validation), then answer and score every split;
    the packages the baseline reads are fetched into ``source_dir``."""
    bench = Benchmark.from_collection(collection)
    role = {s.name: s.role for s in bench.splits or ()}
    train = next(data[n] for n in data if role[n] == "train")
    validation = next((data[n] for n in data if role[n] == "validation"), train)
    packages = {}
    if baseline_class.sources:
        if source_dir is None:
            raise ValueError(f"{baseline_class.name} reads source packages: give a source_dir")
        packages = {s.name: s.fetch(source_dir) for s in baseline_class.sources}
    baseline = baseline_class(
        bench.training_classes(), unknown_label(bench), target=str(bench.target), files=packages
    )
    baseline.fit(train, validation)
    answers, files, scores, checks, drawn = {}, {}, {}, {}, {}
    for name, ds in data.items():
        if role[name] != "train" and (found := baseline.diagnostics(ds)):
            checks[name] = found
        truth = evaluation.truth_of(collection, name, ds)
        answers[name] = baseline.predict(ds)
        files[name] = predictions.to_csv(
            truth.ids.tolist(),
            answers[name].labels.tolist(),
            answers[name].scores,
            classes=truth.classes,
            components=truth.components,
        )
        parsed = predictions.parse(files[name], truth)
        criteria = bench.split(name).criteria
        scores[name], drawn[name] = evaluation.scored_and_drawn(
            truth, parsed, criteria.to_dict() if criteria is not None else None
        )
    return Run(baseline, answers, files, scores, checks, drawn)


def versus(
    collection: dict[str, Any], data: Mapping[str, xr.Dataset], runs: Mapping[str, Run]
) -> dict[str, dict[str, dict[str, list[float]]]]:
    """Paired 95% intervals of each baseline's primary score minus every other's, by baseline,
    then split (every split of ``data`` but train), then the other baseline: every baseline is
    scored on the same resampled objects of a split, so the pairs are differences of the draws
    behind their published intervals (of their absolute values, for a metric best near zero)."""
    found: dict[str, dict[str, dict[str, list[float]]]] = {name: {} for name in runs}
    bench = Benchmark.from_collection(collection)
    for entry in bench.splits or ():
        split = entry.name
        if entry.role == "train" or split not in data:
            continue
        primary = bench.primary(split)
        scored = {name: result.draws[split].get(primary) for name, result in runs.items()}
        if bench.direction(primary) == "zero":  # compared by distance from zero
            scored = {name: None if d is None else np.abs(d) for name, d in scored.items()}
        for name, mine in scored.items():
            found[name][split] = {
                other: bounds
                for other, theirs in scored.items()
                if other != name
                and mine is not None
                and theirs is not None
                and (bounds := intervals.interval(mine - theirs))
            }
    return found


def learnt_from(bench: Benchmark, baseline: Baseline) -> list[str]:
    """The splits ``run`` fitted ``baseline`` on: train, and validation where it reads it."""
    roles = ("train", "validation") if baseline.reads_validation else ("train",)
    return [s.name for s in bench.splits or () if s.role in roles]


def command(dataset: str, baseline: str, version: str) -> str:
    return f"astrobench baseline {dataset} {baseline} --version {version}"


def with_baselines(
    recipe: Recipe, release: Release, workdir: Path, source_dir: Path | None = None
) -> Release:
    """``release`` plus every baseline's predictions, scores and figures, and the card; the
    packages baselines read are fetched into ``source_dir``."""
    collection = collection_record(release)
    bench = Benchmark.from_collection(collection)
    data = {s.name: kit.open_split(s).load() for s in release.splits}
    entries, files = [], list(release.files)
    modern = benchmark.at_least(release.extension, "v1.2.0")
    baselines = recipe.baselines_of(release.version)
    if modern:  # every benchmark since v1.2.0 is scored against a trivial baseline too
        trivial = recipe.trivial or for_task(str(bench.task)).name
        baselines[trivial] = TRIVIAL[trivial]
    runs: dict[str, Run] = {}
    # Since v1.2.0 no score on the training split is published: it measures memory, not skill.
    scored = [
        s.name for s in bench.splits or () if not (modern and s.role == "train") and s.name in data
    ]
    for name, target in baselines.items():
        result = runs[name] = run(load(target), collection, data, source_dir)
        for split, text in result.files.items():
            path = workdir / f"{release.dataset}-{release.version}-{split}-{name}.csv"
            path.write_text(text, encoding="utf-8")
            files.append(
                ExtraFile(
                    key=f"predictions-{name}",
                    path=path,
                    media_type=CSV,
                    title=f"{name} predictions on {split}",
                    roles=("metadata", "predictions"),
                    split=split,
                )
            )
        for kind, path in diagnostics.draw(collection, result, data, workdir).items():
            files.append(
                ExtraFile(
                    key=f"{name}-{kind}",
                    path=path,
                    media_type=PNG,
                    title=f"{name}: {diagnostics.TITLES[kind]}",
                    roles=("metadata", "diagnostics"),  # a download, not a thumbnail
                )
            )
        entries.append(
            {
                "name": name,
                "kind": result.baseline.kind,
                "description": result.baseline.description,
                "command": command(release.dataset, name, release.version),
                "seed": result.baseline.seed,
                "software": {
                    "astrobench": package_version("astrobench"),
                    "scikit-learn": package_version("scikit-learn"),
                },
                "scores": {split: result.scores[split].metrics for split in scored},
            }
        )
        if modern:
            entries[-1]["intervals"] = {split: result.scores[split].intervals for split in scored}
            entries[-1]["used_splits"] = learnt_from(bench, result.baseline)
            if result.diagnostics:
                entries[-1]["diagnostics"] = result.diagnostics
    quick = quicklook.draw(
        collection, data, workdir / f"{release.dataset}-{release.version}-quicklook.png"
    )
    if quick is not None:
        files.append(
            ExtraFile(
                key="quicklook",
                path=quick,
                media_type=PNG,
                title=quicklook.TITLE,
                roles=("overview", "thumbnail"),
            )
        )
    if modern:
        paired = versus(collection, data, runs)
        for entry in entries:
            entry["versus"] = paired[str(entry["name"])]
    fields = {**release.benchmark, benchmark.BASELINES: entries}
    if modern:
        fields[benchmark.BOOTSTRAP] = {
            "confidence": intervals.CONFIDENCE,
            "resamples": intervals.RESAMPLES,
            "seed": intervals.SEED,
        }
    # the card says only what the published records say: blind splits without their answers
    described = blind.withhold(dataclasses.replace(release, benchmark=fields), workdir)
    card_path = workdir / f"{release.dataset}-{release.version}-card.md"
    figures = [(f.title, f.path.name) for f in files if "diagnostics" in f.roles]
    card_path.write_text(card.render(collection_record(described), figures), encoding="utf-8")
    files.append(
        ExtraFile(
            key=CARD_KEY,
            path=card_path,
            media_type=MARKDOWN,
            title="Benchmark card",
            roles=("metadata", "card"),
        )
    )
    return dataclasses.replace(described, files=files)

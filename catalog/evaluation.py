"""Scoring against a published version: the truth of a split, and the report across splits.

The report puts each robustness split beside the in-distribution test split, with the gap in the
primary metric, and the published baselines' scores on the same splits for comparison.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from astrobench.catalog import intervals, metrics, predictions
from astrobench.catalog.errors import BlindSplit, InvalidParameter
from astrobench.catalog.extension import Benchmark, MalformedRecord
from astrobench.catalog.metrics import Score
from astrobench.catalog.predictions import Predictions, Truth


def split_entry(collection: dict[str, Any], split: str) -> dict[str, Any]:
    """A split's ``bench:splits`` entry; ``InvalidParameter`` naming the splits if absent."""
    try:
        return Benchmark.from_collection(collection).split(split).to_dict()
    except InvalidParameter as error:
        raise InvalidParameter(f"{collection['id']} {collection['version']} has {error}") from None


def training_classes(collection: Mapping[str, Any]) -> list[str]:
    """Class names a model can learn: every class not held out of training."""
    return Benchmark.from_collection(collection).training_classes()


def truth_of(collection: dict[str, Any], split: str, data: xr.Dataset) -> Truth:
    """The reference answers of ``split``, read from its data file (of a blind split, from the
    truth file the catalogue keeps: its public file has none, ``BlindSplit``)."""
    bench = Benchmark.from_collection(collection)
    if bench.target is None:
        raise MalformedRecord(f"{collection['id']} {collection['version']}: no bench:target")
    if bench.target not in data.variables and not bench.split(split).blind:
        raise MalformedRecord(
            f"{collection['id']} {collection['version']} {split}: its file has no "
            f"{bench.target}, the bench:target"
        )
    if bench.target not in data.variables:  # a blind split's public file
        raise BlindSplit(
            f"{collection['id']} {collection['version']} {split} is blind: its public file "
            f"carries no {bench.target}, and only the catalogue that published it can score it "
            "(POST .../evaluate or a submission, with a token made with --submit)"
        )
    criteria = split_entry(collection, split).get("criteria", {})
    values = data[bench.target]
    ids = data[values.dims[0]].values.astype(str)
    regression = bench.task == "regression"
    raw = values.values
    unit = bench.object
    vector = regression and values.ndim == 2  # a shear: one column per component
    return Truth(
        split=split,
        ids=ids,
        values=raw.astype(float) if regression else raw.astype(str).astype(object),
        classes=() if regression else tuple(bench.training_classes()),
        unknown_label=criteria.get("unknown_label"),
        groups=data[unit].values.astype(str) if unit in data.variables else None,
        components=tuple(data[values.dims[1]].values.astype(str)) if vector else (),
    )


def scored(truth: Truth, predictions: Predictions, criteria: dict[str, Any] | None) -> Score:
    """The official metrics of one split, each with its 95% bootstrap interval over objects."""
    return scored_and_drawn(truth, predictions, criteria)[0]


def scored_and_drawn(
    truth: Truth, predictions: Predictions, criteria: dict[str, Any] | None
) -> tuple[Score, dict[str, NDArray[np.float64]]]:
    """``scored``, and every metric's bootstrap draws behind the intervals: differences of two
    methods' draws give paired intervals (``intervals.interval``)."""
    found = metrics.score(truth, predictions, criteria)
    draws = intervals.draws_of(truth, predictions, intervals.Draws.of(truth.objects), criteria)
    kept = {
        name: bounds
        for name in found.metrics
        if name in draws and (bounds := intervals.interval(draws[name]))
    }
    return dataclasses.replace(found, intervals=kept), draws


def scored_files(
    collection: dict[str, Any], texts: Mapping[str, str], truths: Mapping[str, Truth]
) -> dict[str, Any]:
    """The ``report`` of predictions files (split -> CSV text), each parsed against its split's
    truth and scored with its criteria."""
    scores = {}
    for split, text in texts.items():
        truth = truths[split]
        criteria = split_entry(collection, split).get("criteria")
        scores[split] = scored(truth, predictions.parse(text, truth), criteria)
    return report(collection, scores)


def primary_of(collection: dict[str, Any], split: str) -> str:
    """The metric that ranks submissions on ``split`` (its criteria, else the primary metric)."""
    return Benchmark.from_collection(collection).primary(split)


def report(collection: dict[str, Any], scores: Mapping[str, Score]) -> dict[str, Any]:
    """Scores of several splits side by side, robustness gaps, and the baselines' scores; of a
    blind split, only its primary metric (``metrics.sealed``)."""
    bench = Benchmark.from_collection(collection)
    rows = []
    reference = next((s for s in scores if split_entry(collection, s)["role"] == "test"), None)
    directions = {m.name: m.direction for m in bench.metrics or ()}
    for name, score in scores.items():
        entry = split_entry(collection, name)
        primary = primary_of(collection, name)
        if entry.get("blind"):
            score = metrics.sealed(score, primary)
        row: dict[str, Any] = {
            **score.to_dict(),
            "role": entry["role"],
            "primary": primary,
            "primary_value": score.metrics.get(primary),
        }
        if entry["role"] == "robustness" and reference is not None:
            base = scores[reference].metrics.get(primary)
            value = score.metrics.get(primary)
            if base is not None and value is not None:
                row["gap"] = {"versus": reference, "metric": primary, "value": value - base}
        rows.append(row)
    baselines = {
        b.name: {"kind": b.kind, "scores": {s: (b.scores or {}).get(s, {}) for s in scores}}
        for b in bench.baselines or ()
    }
    return {
        "dataset": collection["id"],
        "version": collection["version"],
        "intervals": {
            "confidence": intervals.CONFIDENCE,
            "resamples": intervals.RESAMPLES,
            "seed": intervals.SEED,
            "unit": bench.object or "example",
        },
        "directions": directions,
        "splits": rows,
        "baselines": baselines,
    }

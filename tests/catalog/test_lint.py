"""The linter's extension v1.2.0 rules: a trivial baseline, an interval on every score, a test
split narrow enough to rank methods, enough objects per class, and model selection only on the
splits open to it. Records declaring older versions are held to their own rules."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from astrobench.catalog import benchmark, metrics
from astrobench.catalog.lint import lint


def _baseline(name: str, kind: str, value: float, low: float, high: float) -> dict[str, Any]:
    # no score on train: since v1.2.0 it is not published (it measures memory, not skill)
    scores = {s: {"macro_f1": value} for s in ("validation", "test", "test-shift")}
    return {
        "name": name,
        "kind": kind,
        "command": f"astrobench baseline toy {name}",
        "scores": scores,
        "intervals": {split: {"macro_f1": [low, high]} for split in scores},
        "used_splits": ["train", "validation"],
    }


def complete() -> dict[str, Any]:
    """A record that meets every rule."""
    splits = [
        {"name": "train", "role": "train", "model_selection": True},
        {"name": "validation", "role": "validation", "model_selection": True},
        {"name": "test", "role": "test", "model_selection": False},
        {"name": "test-shift", "role": "robustness", "model_selection": False},
    ]
    for split in splits:
        split["criteria"] = metrics.criteria("classification")
        if split["role"] in ("test", "robustness"):
            split["class_objects"] = {"a": 40, "b": 25}
    return {
        "id": "toy",
        "stac_extensions": [benchmark.schema_uri("v1.2.0")],
        benchmark.CARD: dict.fromkeys(benchmark.CARD_FIELDS, "answered"),
        benchmark.LIMITATIONS: ["small"],
        benchmark.METRICS: metrics.definitions("classification"),
        benchmark.SPLITS: splits,
        benchmark.BASELINES: [
            _baseline("cut", "domain-reference", 0.80, 0.74, 0.86),
            _baseline("forest", "ml", 0.85, 0.80, 0.90),
            _baseline("majority-class", "trivial", 0.30, 0.28, 0.32),
        ],
        "assets": {
            "card": {"roles": ["metadata", "card"]},
            **{
                f"{n}-confusion": {"roles": ["metadata", "diagnostics"]}
                for n in ("cut", "forest", "majority-class")
            },
        },
    }


def test_a_complete_record_lints_clean() -> None:
    assert lint(complete()) == []


def _broken(change: str) -> dict[str, Any]:
    record = copy.deepcopy(complete())
    baselines = {b["name"]: b for b in record[benchmark.BASELINES]}
    splits = {s["name"]: s for s in record[benchmark.SPLITS]}
    if change == "no trivial baseline":
        record[benchmark.BASELINES].remove(baselines["majority-class"])
    elif change == "a score without an interval":
        del baselines["forest"]["intervals"]["test-shift"]
    elif change == "a wide test interval":
        baselines["cut"]["intervals"]["test"]["macro_f1"] = [0.55, 0.95]
    elif change == "nothing beats the trivial floor":
        for name in ("cut", "forest"):
            baselines[name]["intervals"]["test"]["macro_f1"] = [0.31, 0.40]
    elif change == "too few objects of a class":
        splits["test-shift"]["class_objects"]["b"] = 3
    elif change == "model selection not said":
        del splits["validation"]["model_selection"]
    elif change == "a baseline tuned on a closed split":
        baselines["forest"]["used_splits"] = ["train", "test-shift"]
    return record


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ("no trivial baseline", "no baseline of kind 'trivial'"),
        ("a score without an interval", "without a 95% interval on test-shift"),
        ("a wide test interval", "0.40 wide"),
        ("nothing beats the trivial floor", "no baseline beats the trivial one"),
        ("too few objects of a class", "fewer than 10 objects of b (3)"),
        ("model selection not said", "whether it may inform model selection"),
        ("a baseline tuned on a closed split", "closed to model selection: test-shift"),
    ],
)
def test_each_rule_names_what_is_wrong(change: str, says: str) -> None:
    found = [str(f) for f in lint(_broken(change))]
    assert len(found) == 1 and says in found[0], found


def test_the_minimum_of_objects_is_a_setting() -> None:
    assert lint(complete(), min_objects=30)  # 25 objects of b
    assert lint(complete(), min_objects=25) == []


def test_older_records_keep_their_own_rules() -> None:
    record = _broken("no trivial baseline")
    record["stac_extensions"] = [benchmark.schema_uri("v1.1.0")]
    for split in record[benchmark.SPLITS]:
        split.pop("model_selection")
    assert lint(record) and {f.message for f in lint(record)} == {"no scores on split(s) train"}
    for baseline in record[benchmark.BASELINES]:  # before v1.2.0 every split was scored
        baseline["scores"]["train"] = {"macro_f1": 0.9}
    assert lint(record) == []

"""Check that a version's record is a complete benchmark: criteria, baselines, scores, figures, card.

Pure functions of the Collection JSON, so the same check runs on a recipe's output, on the server
and on a record fetched over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from astrobench.catalog import benchmark

CARD_ROLE = "card"
DIAGNOSTICS_ROLE = "diagnostics"
MIN_OBJECTS = 10
"""Fewest objects of a class an evaluation split may hold (``lint(min_objects=...)``)."""
MAX_WIDTH = 0.2
"""Widest 95% interval of the domain reference's primary score on the test split: wider, and
the split cannot rank methods."""


@dataclass(frozen=True)
class Finding:
    """One missing or inconsistent part: the field it concerns and what to do about it."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


def lint(collection: dict[str, Any], min_objects: int = MIN_OBJECTS) -> list[Finding]:
    """Everything a benchmark card and its criteria still lack; empty when complete. Records
    declaring extension v1.2.0 or later are held to its rules too (see ``_ranking``)."""
    found: list[Finding] = []
    card = collection.get(benchmark.CARD)
    if not isinstance(card, dict):
        found.append(Finding(benchmark.CARD, "no benchmark card fields"))
        card = {}
    for name, question in benchmark.CARD_FIELDS.items():
        if _empty(card.get(name)):
            found.append(Finding(f"{benchmark.CARD}.{name}", f"missing: {question}"))
    if _empty(collection.get(benchmark.LIMITATIONS)):
        found.append(Finding(benchmark.LIMITATIONS, "missing: the known limitations"))
    assets = collection.get("assets", {})
    if not any(CARD_ROLE in a.get("roles", []) for a in assets.values()):
        found.append(Finding("assets", "no Markdown card (an asset with role 'card')"))
    metrics = {m["name"]: m for m in collection.get(benchmark.METRICS, [])}
    if sum(bool(m.get("primary")) for m in metrics.values()) != 1:
        found.append(Finding(benchmark.METRICS, "exactly one metric must be primary"))
    splits = collection.get(benchmark.SPLITS, [])
    if not any(s.get("role") == "robustness" for s in splits):
        found.append(Finding(benchmark.SPLITS, "no robustness split"))
    for split in splits:
        criteria = split.get("criteria")
        where = f"{benchmark.SPLITS}[{split.get('name')}].criteria"
        if not criteria:
            found.append(Finding(where, "missing: the primary metric and metrics of this split"))
            continue
        unknown = [
            m for m in [criteria.get("primary"), *criteria.get("metrics", [])] if m not in metrics
        ]
        if unknown:
            found.append(
                Finding(where, f"metrics not defined in {benchmark.METRICS}: {', '.join(unknown)}")
            )
    modern = _declares(collection, "v1.2.0")
    found += _baselines(collection, splits, assets, modern)
    if modern:
        found += _ranking(collection, splits, min_objects)
    return found


def _declares(collection: dict[str, Any], oldest: str) -> bool:
    declared = benchmark.declared(collection)
    return declared is not None and benchmark.at_least(benchmark.SCHEMA_URIS[declared], oldest)


def _baselines(
    collection: dict[str, Any], splits: list[dict[str, Any]], assets: dict[str, Any], modern: bool
) -> list[Finding]:
    """Every kind of baseline, each scored on every split (since v1.2.0, every split but the
    training one, whose scores measure memory and are not published)."""
    found = []
    baselines = collection.get(benchmark.BASELINES, [])
    kinds = {b.get("kind") for b in baselines}
    required = benchmark.BASELINE_KINDS if modern else ("domain-reference", "ml")
    for kind in required:
        if kind not in kinds:
            found.append(Finding(benchmark.BASELINES, f"no baseline of kind {kind!r}"))
    for baseline in baselines:
        name = baseline.get("name")
        where = f"{benchmark.BASELINES}[{name}]"
        if _empty(baseline.get("command")):
            found.append(Finding(where, "missing: the command that reproduces it"))
        scores = baseline.get("scores", {})
        unscored = [
            s["name"]
            for s in splits
            if s["name"] not in scores and not (modern and s.get("role") == "train")
        ]
        if unscored:
            found.append(Finding(where, f"no scores on split(s) {', '.join(unscored)}"))
        figures = [
            k
            for k, a in assets.items()
            if k.startswith(f"{name}-") and DIAGNOSTICS_ROLE in a.get("roles", [])
        ]
        if not figures:
            found.append(Finding(where, "no diagnostic figure (an asset with role 'diagnostics')"))
    return found


def _ranking(
    collection: dict[str, Any], splits: list[dict[str, Any]], min_objects: int
) -> list[Finding]:
    """Extension v1.2.0: intervals on every score, splits that can rank methods, and which
    splits may inform model selection."""
    found = []
    where = benchmark.SPLITS
    for split in splits:
        name, role = split.get("name"), split.get("role")
        if "model_selection" not in split:
            found.append(
                Finding(f"{where}[{name}]", "missing: whether it may inform model selection")
            )
        if role in ("test", "robustness") and collection.get(benchmark.TASK) != "regression":
            counts = split.get("class_objects")
            if not counts:
                found.append(Finding(f"{where}[{name}]", "missing: objects per class"))
            elif few := {c: n for c, n in counts.items() if n < min_objects}:
                listed = ", ".join(f"{c} ({n})" for c, n in few.items())
                found.append(
                    Finding(f"{where}[{name}]", f"fewer than {min_objects} objects of {listed}")
                )
    closed = {s.get("name") for s in splits if s.get("model_selection") is False}
    baselines = collection.get(benchmark.BASELINES, [])
    for baseline in baselines:
        at = f"{benchmark.BASELINES}[{baseline.get('name')}]"
        bounds = baseline.get("intervals", {})
        missing = [
            s
            for s, scores in baseline.get("scores", {}).items()
            if set(scores) - set(bounds.get(s, {}))
        ]
        if missing:
            found.append(Finding(at, f"scores without a 95% interval on {', '.join(missing)}"))
        if "used_splits" not in baseline:
            found.append(Finding(at, "missing: the splits it learnt from (used_splits)"))
        elif blind := [s for s in baseline["used_splits"] if s in closed]:
            found.append(
                Finding(at, f"learnt from split(s) closed to model selection: {', '.join(blind)}")
            )
    test = next((s for s in splits if s.get("role") == "test"), None)
    if test is None or not test.get("criteria"):
        return found
    primary = test["criteria"]["primary"]
    interval = {
        b.get("kind"): b.get("intervals", {}).get(test["name"], {}).get(primary) for b in baselines
    }
    reference = interval.get("domain-reference")
    if reference and reference[1] - reference[0] > MAX_WIDTH:
        found.append(
            Finding(
                f"{where}[{test['name']}]",
                f"the domain reference's 95% interval on {primary} is "
                f"{reference[1] - reference[0]:.2f} wide (at most {MAX_WIDTH}): the split is too "
                "small to rank methods",
            )
        )
    floor = interval.get("trivial")
    lower_is_better = any(
        m["name"] == primary and m.get("direction") == "minimize"
        for m in collection.get(benchmark.METRICS, [])
    )

    def beats_floor(bounds: list[float] | None) -> bool:
        if not (floor and bounds):
            return False
        return bool(bounds[1] < floor[0] if lower_is_better else bounds[0] > floor[1])

    beats = [
        b.get("name")
        for b in baselines
        if b.get("kind") != "trivial"
        and beats_floor(b.get("intervals", {}).get(test["name"], {}).get(primary))
    ]
    if floor and not beats:
        found.append(
            Finding(
                benchmark.BASELINES,
                f"no baseline beats the trivial one on {test['name']} {primary} beyond both "
                "intervals",
            )
        )
    return found

"""Check that a version's record is a complete benchmark: criteria, baselines, scores, figures, card.

Pure functions of the Collection JSON, so the same check runs on a recipe's output, on the server
and on a record fetched over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from astrobench.catalog import benchmark
from astrobench.catalog.extension import Benchmark, Card, MalformedRecord, Split

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
    declaring extension v1.2.0 or later are held to its rules too (see ``_ranking``). A record
    whose ``bench:`` fields do not fit the extension's structure gives one finding saying where."""
    try:
        bench = Benchmark.from_collection(collection)
    except MalformedRecord as error:
        where, _, message = str(error).partition(": ")
        return [Finding(where, message)]
    found: list[Finding] = []
    if bench.card is None:
        found.append(Finding(benchmark.CARD, "no benchmark card fields"))
    card = bench.card or Card()
    for name, question in benchmark.CARD_FIELDS.items():
        if _empty(getattr(card, name)):
            found.append(Finding(f"{benchmark.CARD}.{name}", f"missing: {question}"))
    if _empty(bench.limitations):
        found.append(Finding(benchmark.LIMITATIONS, "missing: the known limitations"))
    assets = collection.get("assets", {})
    if not any(CARD_ROLE in a.get("roles", []) for a in assets.values()):
        found.append(Finding("assets", "no Markdown card (an asset with role 'card')"))
    metrics = {m.name for m in bench.metrics or ()}
    if sum(bool(m.primary) for m in bench.metrics or ()) != 1:
        found.append(Finding(benchmark.METRICS, "exactly one metric must be primary"))
    splits = bench.splits or ()
    if not any(s.role == "robustness" for s in splits):
        found.append(Finding(benchmark.SPLITS, "no robustness split"))
    for split in splits:
        where = f"{benchmark.SPLITS}[{split.name}].criteria"
        if split.criteria is None:
            found.append(Finding(where, "missing: the primary metric and metrics of this split"))
            continue
        named = [split.criteria.primary, *(split.criteria.metrics or ())]
        if unknown := [m for m in named if m not in metrics]:
            found.append(
                Finding(where, f"metrics not defined in {benchmark.METRICS}: {', '.join(unknown)}")
            )
    modern = _declares(collection, "v1.2.0")
    found += _baselines(bench, assets, modern)
    if modern:
        found += _ranking(bench, min_objects)
    return found


def _declares(collection: dict[str, Any], oldest: str) -> bool:
    declared = benchmark.declared(collection)
    return declared is not None and benchmark.at_least(benchmark.SCHEMA_URIS[declared], oldest)


def _baselines(bench: Benchmark, assets: dict[str, Any], modern: bool) -> list[Finding]:
    """Every kind of baseline, each scored on every split (since v1.2.0, every split but the
    training one, whose scores measure memory and are not published)."""
    found = []
    baselines = bench.baselines or ()
    kinds = {b.kind for b in baselines}
    required = benchmark.BASELINE_KINDS if modern else ("domain-reference", "ml")
    for kind in required:
        if kind not in kinds:
            found.append(Finding(benchmark.BASELINES, f"no baseline of kind {kind!r}"))
    scored = bench.scored_splits() if modern else list(bench.splits or ())
    for baseline in baselines:
        where = f"{benchmark.BASELINES}[{baseline.name}]"
        if _empty(baseline.command):
            found.append(Finding(where, "missing: the command that reproduces it"))
        if unscored := [s.name for s in scored if s.name not in (baseline.scores or {})]:
            found.append(Finding(where, f"no scores on split(s) {', '.join(unscored)}"))
        figures = [
            k
            for k, a in assets.items()
            if k.startswith(f"{baseline.name}-") and DIAGNOSTICS_ROLE in a.get("roles", [])
        ]
        if not figures:
            found.append(Finding(where, "no diagnostic figure (an asset with role 'diagnostics')"))
    return found


def _blind(bench: Benchmark, split: Split) -> list[Finding]:
    """A blind split is for evaluation only, commits to its truth, and publishes nothing that,
    beside the baselines' predictions, tells which example is which."""
    at = f"{benchmark.SPLITS}[{split.name}]"
    found = []
    if split.role not in ("test", "robustness") or split.model_selection is not False:
        found.append(Finding(at, "blind, but not a test or robustness split closed to selection"))
    if not split.truth_checksum:
        found.append(Finding(at, "blind, but missing: the checksum of its truth (truth_checksum)"))
    if split.class_objects:
        found.append(Finding(at, "blind, but publishes its objects per class"))
    primary = bench.primary(split.name)
    for baseline in bench.baselines or ():
        more = {
            metric
            for found_on in (baseline.scores or {}, baseline.intervals or {})
            for metric in found_on.get(split.name, {})
            if metric != primary
        }
        if more:
            found.append(
                Finding(
                    f"{benchmark.BASELINES}[{baseline.name}]",
                    f"publishes {', '.join(sorted(more))} on blind {split.name}: only its "
                    f"primary metric ({primary}) may be",
                )
            )
    return found


def _ranking(bench: Benchmark, min_objects: int) -> list[Finding]:
    """Extension v1.2.0: intervals on every score, splits that can rank methods, and which
    splits may inform model selection."""
    found = []
    where = benchmark.SPLITS
    splits = bench.splits or ()
    for split in splits:
        if split.model_selection is None:
            found.append(
                Finding(f"{where}[{split.name}]", "missing: whether it may inform model selection")
            )
        if split.blind:
            found += _blind(bench, split)
        elif split.role in ("test", "robustness") and bench.task != "regression":
            counts = split.class_objects
            if not counts:
                found.append(Finding(f"{where}[{split.name}]", "missing: objects per class"))
            elif few := {c: n for c, n in counts.items() if n < min_objects}:
                listed = ", ".join(f"{c} ({n})" for c, n in few.items())
                found.append(
                    Finding(
                        f"{where}[{split.name}]", f"fewer than {min_objects} objects of {listed}"
                    )
                )
    closed = {s.name for s in splits if s.model_selection is False}
    baselines = bench.baselines or ()
    for baseline in baselines:
        at = f"{benchmark.BASELINES}[{baseline.name}]"
        bounds = baseline.intervals or {}
        scores = baseline.scores or {}
        if missing := [s for s, by in scores.items() if set(by) - set(bounds.get(s, {}))]:
            found.append(Finding(at, f"scores without a 95% interval on {', '.join(missing)}"))
        if baseline.used_splits is None:
            found.append(Finding(at, "missing: the splits it learnt from (used_splits)"))
        elif blind := [s for s in baseline.used_splits if s in closed]:
            found.append(
                Finding(at, f"learnt from split(s) closed to model selection: {', '.join(blind)}")
            )
    test = bench.test_split()
    if test is None or test.criteria is None:
        return found
    primary = test.criteria.primary
    interval = {b.kind: b.interval(test.name, primary) for b in baselines}
    reference = interval.get("domain-reference")
    if reference and reference[1] - reference[0] > MAX_WIDTH:
        found.append(
            Finding(
                f"{where}[{test.name}]",
                f"the domain reference's 95% interval on {primary} is "
                f"{reference[1] - reference[0]:.2f} wide (at most {MAX_WIDTH}): the split is too "
                "small to rank methods",
            )
        )
    floor = interval.get("trivial")
    lower_is_better = bench.lower_is_better(primary)

    def beats_floor(bounds: list[float] | None) -> bool:
        if not (floor and bounds):
            return False
        mine, theirs = bench.magnitude(primary, bounds), bench.magnitude(primary, floor)
        return bool(mine[1] < theirs[0] if lower_is_better else mine[0] > theirs[1])

    beats = [
        b.name
        for b in baselines
        if b.kind != "trivial" and beats_floor(b.interval(test.name, primary))
    ]
    if floor and not beats:
        found.append(
            Finding(
                benchmark.BASELINES,
                f"no baseline beats the trivial one on {test.name} {primary} beyond both intervals",
            )
        )
    return found

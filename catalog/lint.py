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


@dataclass(frozen=True)
class Finding:
    """One missing or inconsistent part: the field it concerns and what to do about it."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


def lint(collection: dict[str, Any]) -> list[Finding]:
    """Everything a benchmark card and its criteria still lack; empty when complete."""
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
    found += _baselines(collection, splits, assets)
    return found


def _baselines(
    collection: dict[str, Any], splits: list[dict[str, Any]], assets: dict[str, Any]
) -> list[Finding]:
    found = []
    baselines = collection.get(benchmark.BASELINES, [])
    kinds = {b.get("kind") for b in baselines}
    for kind in benchmark.BASELINE_KINDS:
        if kind not in kinds:
            found.append(Finding(benchmark.BASELINES, f"no baseline of kind {kind!r}"))
    for baseline in baselines:
        name = baseline.get("name")
        where = f"{benchmark.BASELINES}[{name}]"
        if _empty(baseline.get("command")):
            found.append(Finding(where, "missing: the command that reproduces it"))
        scores = baseline.get("scores", {})
        unscored = [s["name"] for s in splits if s["name"] not in scores]
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

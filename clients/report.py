"""Score reports from the catalogue: in-distribution and robustness splits side by side."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

Predictions = str | bytes | PathLike[str]
"""A predictions CSV: a path to one, or its text."""


def read_predictions(source: Predictions) -> str:
    """CSV text from a path or from text itself (anything with a newline is taken as text)."""
    if isinstance(source, bytes):
        return source.decode("utf-8")
    if isinstance(source, str) and "\n" in source:
        return source
    return Path(source).read_text(encoding="utf-8")


def predictions_in(folder: Path) -> dict[str, str]:
    """Split -> CSV text of every ``<split>.csv`` in a folder."""
    found = {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.csv"))}
    if not found:
        raise FileNotFoundError(f"{folder} holds no <split>.csv predictions files")
    return found


@dataclass(frozen=True)
class Report:
    """The official scores of some predictions, as the catalogue computed them."""

    data: dict[str, Any]

    @property
    def dataset(self) -> str:
        return str(self.data["dataset"])

    @property
    def version(self) -> str:
        return str(self.data["version"])

    @property
    def splits(self) -> dict[str, dict[str, Any]]:
        """Split -> its row: role, n, metrics, primary, primary_value, gap."""
        return {row["split"]: row for row in self.data["splits"]}

    def metrics(self, split: str) -> dict[str, float]:
        found: dict[str, float] = self.splits[split]["metrics"]
        return found

    def gap(self, split: str) -> float | None:
        """Primary metric on a robustness split minus that on the test split."""
        gap = self.splits[split].get("gap")
        return None if gap is None else float(gap["value"])

    def baseline_scores(self, name: str) -> Mapping[str, dict[str, float]]:
        found: Mapping[str, dict[str, float]] = self.data["baselines"][name]["scores"]
        return found

    def __str__(self) -> str:
        baselines = list(self.data.get("baselines", {}))
        header = ["split", "role", "n", "metric", "score", "gap vs test", *baselines]
        rows = [header]
        for row in self.data["splits"]:
            primary = row["primary"]
            value, gap = row.get("primary_value"), row.get("gap")
            rows.append(
                [
                    row["split"],
                    row["role"],
                    str(row["n"]),
                    primary,
                    _fmt(value),
                    f"{gap['value']:+.3f}" if gap else "",
                    *(
                        _fmt(self.baseline_scores(b).get(row["split"], {}).get(primary))
                        for b in baselines
                    ),
                ]
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = [f"{self.dataset} {self.version}: primary metric per split, beside the baselines"]
        lines += [
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
        ]
        return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"

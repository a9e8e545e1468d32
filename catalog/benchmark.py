"""The astrobench benchmark extension: constants, the shipped JSON schema, and field names."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

VERSIONS = ("v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0", "v1.4.0", "v1.5.0", "v1.6.0")
"""Every published version of the schema; records keep the one they were made with."""
VERSION = VERSIONS[-1]
SCHEMA_BASE = "https://astrobench.github.io/stac-extensions/benchmark"


def schema_uri(version: str = VERSION) -> str:
    return f"{SCHEMA_BASE}/{version}/schema.json"


def per_class(metric: str) -> bool:
    """Whether a metric key scores one class (``completeness:RRab``), not the whole split."""
    return ":" in metric


def at_least(version: str, oldest: str) -> bool:
    """Whether extension ``version`` is ``oldest`` or newer."""
    return VERSIONS.index(version) >= VERSIONS.index(oldest)


SCHEMA_URI = schema_uri()
SCHEMA_URIS = {schema_uri(v): v for v in VERSIONS}
SCHEMA_PATH = f"/stac-extensions/benchmark/{VERSION}/schema.json"
"""Where the service serves the schema, relative to its root."""
PREFIX = "bench:"

TASK = PREFIX + "task"
TARGET = PREFIX + "target"
CLASSES = PREFIX + "classes"
SPLITS = PREFIX + "splits"
METRICS = PREFIX + "metrics"
MODALITY = PREFIX + "modality"
PROVENANCE = PREFIX + "provenance"
WAVELENGTH_RANGE = PREFIX + "wavelength_range"
SKY_FOOTPRINT = PREFIX + "sky_footprint"
LIMITATIONS = PREFIX + "limitations"
BASELINES = PREFIX + "baselines"
CARD = PREFIX + "card"
CARD_FIELDS = {
    "domain_reference": "which domain reference the benchmark is compared with",
    "split_rationale": "how the splits were made, and why",
    "metric_rationale": "why these metrics",
    "robustness_tests": "which robustness tests exist",
    "out_of_scope": "where a model should not be used",
    "lessons_learned": "lessons learned, or approaches that failed",
    "data_location": "where the data are",
    "code_location": "where the code is",
}
"""The questions a benchmark card answers, by structured field."""
BASELINE_KINDS = ("domain-reference", "ml", "trivial")
OBJECT = PREFIX + "object"
COMPOSITION = PREFIX + "composition"
BOOTSTRAP = PREFIX + "bootstrap"

SPLIT = PREFIX + "split"
ROLE = PREFIX + "role"
COUNT = PREFIX + "count"
SHARD = PREFIX + "shard"
"""An Item holding one shard of its split: index, count and offset (v1.5.0)."""
CLASS_COUNTS = PREFIX + "class_counts"

ROLES = ("train", "validation", "test", "robustness")


@cache
def _schema_text(version: str) -> str:
    ref = resources.files("astrobench.catalog") / "schemas" / "benchmark" / version / "schema.json"
    return ref.read_text(encoding="utf-8")


def schema(version: str = VERSION) -> dict[str, Any]:
    """The extension's JSON schema at ``version`` (a fresh copy the caller may change)."""
    if version not in VERSIONS:
        raise KeyError(
            f"benchmark schema {version!r} does not exist; versions: {', '.join(VERSIONS)}"
        )
    loaded: dict[str, Any] = json.loads(_schema_text(version))
    return loaded


def declared(record: dict[str, Any]) -> str | None:
    """The benchmark schema URI a record declares, if any."""
    return next((u for u in record.get("stac_extensions", []) if u in SCHEMA_URIS), None)

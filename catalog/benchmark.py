"""The astrobench benchmark extension: constants, the shipped JSON schema, and field names."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

VERSION = "v1.0.0"
SCHEMA_URI = f"https://astrobench.github.io/stac-extensions/benchmark/{VERSION}/schema.json"
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

SPLIT = PREFIX + "split"
ROLE = PREFIX + "role"
COUNT = PREFIX + "count"
CLASS_COUNTS = PREFIX + "class_counts"

ROLES = ("train", "validation", "test", "robustness")


@cache
def _schema_text() -> str:
    ref = resources.files("astrobench.catalog") / "schemas" / "benchmark" / VERSION / "schema.json"
    return ref.read_text(encoding="utf-8")


def schema() -> dict[str, Any]:
    """The extension's JSON schema (a fresh copy the caller may change)."""
    loaded: dict[str, Any] = json.loads(_schema_text())
    return loaded

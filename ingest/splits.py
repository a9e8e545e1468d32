"""Stable splits: assignment by a hash of each object's key, so it never depends on row order."""

from __future__ import annotations

import hashlib

import numpy as np


def unit_hash(key: str) -> float:
    """A stable number in [0, 1) for a key: split assignment that never depends on row order."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_split(key: str, fractions: dict[str, float]) -> str:
    """Split name for a key, given the fraction of keys each split takes (in order)."""
    u, edge = unit_hash(key), 0.0
    for name, fraction in fractions.items():
        edge += fraction
        if u < edge:
            return name
    return name


def stratified_splits(
    labels: dict[str, str], fractions: dict[str, float], salt: str
) -> dict[str, str]:
    """Split name per key, keeping each class's proportions: within a class, keys are ordered by
    their stable hash and cut at the cumulative fractions."""
    by_class: dict[str, list[str]] = {}
    for key, label in labels.items():
        by_class.setdefault(label, []).append(key)
    assigned: dict[str, str] = {}
    for keys in by_class.values():
        keys.sort(key=lambda k: unit_hash(f"{salt}/{k}"))
        edges = np.cumsum(list(fractions.values())) * len(keys)
        for rank, key in enumerate(keys):
            index = int(np.searchsorted(edges, rank, side="right"))
            assigned[key] = list(fractions)[min(index, len(fractions) - 1)]
    return assigned

"""Rebuild a published version from its recipe and compare every file with the published
checksums, after checking that this environment has the software the version was built with."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from astrobench.catalog import benchmark
from astrobench.catalog.records import release_records, release_truths
from astrobench.catalog.release import SHA256_MULTIHASH_PREFIX
from astrobench.ingest.publish import build
from astrobench.ingest.recipe import Recipe

ASSETS = "/assets/"


@dataclass(frozen=True)
class Check:
    """One published file against its rebuilt counterpart."""

    path: str
    published: str | None
    rebuilt: str | None

    @property
    def same(self) -> bool:
        return self.published == self.rebuilt


def software_of(collection: dict[str, Any]) -> dict[str, str]:
    """The software a version records as having built it (its processor's
    ``processing:software``)."""
    for provider in collection.get("providers", []):
        found = provider.get("processing:software")
        if found:
            return dict(found)
    return {}


TRUTH = "truth of "
"""How a blind split's withheld truth file is named among the files compared: it is no asset,
but its record commits to its checksum, and a rebuild checks that commitment too."""


def published_files(records: list[dict[str, Any]]) -> dict[str, str]:
    """Storage key -> sha256 of every file a version's Collection and Items publish, and of each
    blind split's truth, as its record commits to it (``TRUTH`` + split)."""
    found = {
        TRUTH + split["name"]: split["truth_checksum"][len(SHA256_MULTIHASH_PREFIX) :]
        for record in records
        for split in record.get(benchmark.SPLITS) or ()
        if split.get("truth_checksum", "").startswith(SHA256_MULTIHASH_PREFIX)
    }
    for record in records:
        for asset in (record.get("assets") or {}).values():
            href, checksum = asset.get("href", ""), asset.get("file:checksum", "")
            if ASSETS in href and checksum.startswith(SHA256_MULTIHASH_PREFIX):
                found[href.split(ASSETS, 1)[1]] = checksum[len(SHA256_MULTIHASH_PREFIX) :]
    return found


def rebuild(
    recipe: Recipe,
    version: str,
    sources: dict[str, Path],
    workdir: Path,
    report: Callable[[str], None] = print,
    source_dir: Path | None = None,
) -> dict[str, str]:
    """Storage key -> sha256 of every file ``recipe`` builds for ``version`` now (its
    baselines' source packages fetched into ``source_dir``)."""
    release = build(recipe, version, sources, workdir, report, source_dir)
    _, _, assets = release_records(release)
    truths = {TRUTH + s: hashlib.sha256(t).hexdigest() for s, t in release_truths(release).items()}
    return {**{a.path: a.sha256 for a in assets}, **truths}


def compare(published: dict[str, str], rebuilt: dict[str, str]) -> list[Check]:
    """Every file either side has, published first."""
    paths = [*published, *(p for p in rebuilt if p not in published)]
    return [Check(p, published.get(p), rebuilt.get(p)) for p in paths]

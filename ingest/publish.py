"""Publish a release: upload its files, then commit its records in one transaction.

Files go to storage first and become reachable only when the records commit, so a crash midway
leaves nothing half-published; uploads are idempotent, so a retry completes the version.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from astrobench.catalog.errors import DatasetNotFound, VersionExists, VersionNotFound
from astrobench.catalog.records import local_files, release_records
from astrobench.catalog.release import Release
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.catalog.versions import Status
from astrobench.ingest.benchmarking import with_baselines
from astrobench.ingest.recipe import Recipe

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    dataset: str
    version: str
    status: str
    """``published``; ``unchanged`` when identical files were already published; ``restored``
    when they were, and files missing from storage were put back."""


def publish(release: Release, store: Store, storage: AssetStorage) -> Outcome:
    """Make a release live; refuse (``VersionExists``) if a different one holds its number."""
    collection, items, assets = release_records(release)
    try:
        existing = store.version_assets(release.dataset, release.version)
    except (DatasetNotFound, VersionNotFound):
        existing = None
    local = local_files(release)
    if existing is not None:
        if sorted(existing) != sorted(assets):
            raise VersionExists(
                f"{release.dataset} {release.version} is already published with different "
                "files; published versions are immutable: give the new build a new version"
            )
        lost = [asset for asset in assets if not storage.exists(asset.path)]
        for asset in lost:  # quarantined or deleted: the identical build puts them back
            storage.put(local[asset.path], asset.path, asset.sha256)
        return Outcome(release.dataset, release.version, "restored" if lost else "unchanged")
    for asset in assets:
        storage.put(local[asset.path], asset.path, asset.sha256)
    created = store.publish(collection, items, assets)  # False: the same build won a race
    return Outcome(release.dataset, release.version, "published" if created else "unchanged")


def ingest(
    recipe: Recipe,
    versions: list[str],
    store: Store,
    storage: AssetStorage,
    source_dir: Path,
    report: Callable[[str], None] = print,
    mint: Callable[[str, str], object] | None = None,
) -> list[Outcome]:
    """Fetch a recipe's sources once, then build and publish each requested version in order;
    ``mint`` registers each newly published version's DOI."""
    for version in versions:
        recipe.check_version(version)
    report(f"{recipe.name}: fetching {len(recipe.sources)} pinned source package(s)")
    sources = {s.name: s.fetch(source_dir) for s in recipe.sources}
    outcomes = []
    for version in versions:
        with tempfile.TemporaryDirectory(prefix=f"{recipe.name}-{version}-") as tmp:
            report(f"{recipe.name} {version}: building")
            release = recipe.build(version, sources, Path(tmp))
            release = dataclasses.replace(release, sources=[s.describe() for s in recipe.sources])
            if recipe.benchmarked(version):
                report(
                    f"{recipe.name} {version}: running {len(recipe.baselines_of(version))} baselines"
                )
                release = with_baselines(recipe, release, Path(tmp))
            outcome = publish(release, store, storage)
        report(f"{recipe.name} {version}: {outcome.status}")
        if mint is not None and outcome.status == "published":
            mint(recipe.name, version)
        outcomes.append(outcome)
    apply_statuses(recipe, store)
    return outcomes


def apply_statuses(recipe: Recipe, store: Store) -> None:
    """Deprecate or yank the recipe's versions as it declares, once each successor is out."""
    try:
        history = {h.version: h for h in store.history(recipe.name)}
    except DatasetNotFound:
        return
    for version, (status, reason, successor) in recipe.statuses.items():
        found = history.get(version)
        if found is None or (successor is not None and successor not in history):
            continue
        if (found.status.value, found.reason, found.successor) != (status, reason, successor):
            store.set_status(recipe.name, version, Status(status), reason, successor)

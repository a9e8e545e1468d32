"""The one publish pipeline: validate a release's records, upload and verify its files, publish it
atomically, mint its DOI, and apply the lifecycle statuses its recipe declares.

It publishes to a ``Target``: ``LocalTarget``, the configured store and storage, or
``astrobench.ingest.remote.RemoteTarget``, a catalogue over HTTP with a curator's token. Both
decide the same way: files go to storage first (never replacing different bytes) and become
reachable only when the records commit, so a crash midway leaves nothing half-published; the
store decides whether the version is new, already published identically (a retry: nothing
changes) or already published differently (``VersionExists``: published versions are immutable).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from astrobench.catalog import validate
from astrobench.catalog.errors import DatasetNotFound, VersionExists, VersionNotFound
from astrobench.catalog.records import (
    AssetRecord,
    VersionSummary,
    local_files,
    release_records,
    release_truths,
)
from astrobench.catalog.release import Release
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.catalog.versions import Status
from astrobench.ingest import blind
from astrobench.ingest.benchmarking import with_baselines
from astrobench.ingest.recipe import RECIPES, Recipe, get_recipe

Records = tuple[dict[str, Any], list[dict[str, Any]], list[AssetRecord]]


@dataclass(frozen=True)
class Outcome:
    dataset: str
    version: str
    status: str
    """``published``; ``unchanged`` when identical files were already published; ``restored``
    when they were, and files missing from storage were put back."""


class Target(Protocol):
    """Where releases are published."""

    def check_access(self, dataset: str) -> None:
        """Refuse early, before any build, where ``dataset`` may not be written."""

    def upload(self, local: Path, asset: AssetRecord) -> bool:
        """Store one file (``VersionExists`` where different bytes hold its key); True if it
        was written, False if identical bytes were there."""

    def publish(self, records: Records, truths: Mapping[str, bytes]) -> bool:
        """Commit a version's records atomically, with the truth of each blind split, after
        checking every file; True if created, False if identical records were published already
        (``VersionExists`` if different)."""

    def history(self, dataset: str) -> list[VersionSummary]:
        """The dataset's published versions (empty if it has none)."""

    def set_status(
        self, dataset: str, version: str, status: Status, reason: str, successor: str | None
    ) -> None:
        """Deprecate, yank or restore a published version."""


class LocalTarget:
    """The catalogue's own store and storage; ``mint`` registers each new version's DOI."""

    def __init__(
        self,
        store: Store,
        storage: AssetStorage,
        mint: Callable[[str, str], object] | None = None,
    ) -> None:
        self.store, self.storage, self.mint = store, storage, mint

    def check_access(self, dataset: str) -> None:
        """The operator's own catalogue: always writable."""

    def upload(self, local: Path, asset: AssetRecord) -> bool:
        dataset, version = asset.path.split("/")[:2]
        if self.storage.exists(asset.path) and self.storage.sha256(asset.path) == asset.sha256:
            return False
        published = _published_paths(self.store, dataset, version)
        if published is not None and asset.path not in published:
            raise VersionExists(
                f"{dataset} {version} is published without {asset.path!r}; published versions "
                "never change: give the new build a new version"
            )
        self.storage.put(local, asset.path, asset.sha256)
        return True

    def publish(self, records: Records, truths: Mapping[str, bytes]) -> bool:
        collection, items, assets = records
        for asset in assets:  # what the store will point at is in storage, byte for byte
            if self.storage.sha256(asset.path) != asset.sha256:
                raise VersionExists(f"storage holds different bytes at {asset.path!r}")
        created = self.store.publish(collection, items, assets, truths=truths)
        if created and self.mint is not None:
            self.mint(collection["id"], collection["version"])
        return created

    def history(self, dataset: str) -> list[VersionSummary]:
        try:
            return list(self.store.history(dataset))
        except DatasetNotFound:
            return []

    def set_status(
        self, dataset: str, version: str, status: Status, reason: str, successor: str | None
    ) -> None:
        self.store.set_status(dataset, version, status, reason, successor)


def _published_paths(store: Store, dataset: str, version: str) -> set[str] | None:
    try:
        return {a.path for a in store.version_assets(dataset, version)}
    except (DatasetNotFound, VersionNotFound):
        return None


def records_of(release: Release) -> Records:
    """A release's Collection, Items and files, every record checked against the STAC core and
    benchmark extension schemas (``InvalidParameter`` naming the first problem)."""
    collection, items, assets = release_records(release)
    for record in (collection, *items):
        validate.check(record)
    return collection, items, assets


def publish(release: Release, target: Target) -> Outcome:
    """Make a release live at ``target``; refuse (``VersionExists``) if a different one holds
    its number."""
    records = records_of(release)
    local = local_files(release)
    written = [asset for asset in records[2] if target.upload(local[asset.path], asset)]
    created = target.publish(records, release_truths(release))
    status = "published" if created else "restored" if written else "unchanged"
    return Outcome(release.dataset, release.version, status)


def build(
    recipe: Recipe,
    version: str,
    sources: dict[str, Path],
    workdir: Path,
    report: Callable[[str], None] = print,
    source_dir: Path | None = None,
    limit: int | None = None,
) -> Release:
    """``version`` built in ``workdir``, with its sources described and, where the version is
    benchmarked, its baselines run and its card written; ``limit``: a small build (at most that
    many objects per split), for tests of a large recipe."""
    report(f"{recipe.name} {version}: building")
    release = recipe.build(version, sources, workdir, limit)
    release = dataclasses.replace(release, sources=[s.describe() for s in recipe.sources])
    if recipe.benchmarked(version):
        report(f"{recipe.name} {version}: running {len(recipe.baselines_of(version))} baselines")
        release = with_baselines(recipe, release, workdir, source_dir)
    return blind.withhold(release, workdir)


def _built(
    name: str,
    versions: list[str],
    sources: dict[str, Path],
    source_dir: Path,
    workdir: Path,
    limit: int | None = None,
) -> list[Release]:
    """Every requested version of a registered recipe, built from its verified ``sources`` (in
    a worker process)."""
    recipe = get_recipe(name)
    releases = []
    for version in versions:
        (workdir / version).mkdir(parents=True)
        releases.append(
            build(recipe, version, sources, workdir / version, _quiet, source_dir, limit)
        )
    return releases


def _quiet(_: str) -> None:
    pass


def bundled(large: bool = False) -> list[str]:
    """Every dataset ``ingest --all`` builds: all but the large ones, unless ``large``."""
    return [name for name in RECIPES if large or not get_recipe(name).large]


def ingest_all(
    names: Sequence[str],
    target: Target,
    source_dir: Path,
    report: Callable[[str], None] = print,
    workers: int = 2,
    version: str | None = None,
    limits: Mapping[str, int] | None = None,
) -> list[Outcome]:
    """Build the named datasets (``version`` of each, or every version), ``workers`` recipes at
    a time in separate processes, and publish each version, in order, as its recipe is built;
    ``limits``: small builds of some datasets (objects per split, by name), for tests."""
    recipes = [get_recipe(name) for name in names]
    for recipe in recipes:
        recipe.check_requirements()
    wanted = {r.name: [version] if version else list(r.versions) for r in recipes}
    fetched = {}
    for recipe in recipes:
        for each in wanted[recipe.name]:
            recipe.check_version(each)
        target.check_access(recipe.name)
        # fetched and verified once, here, before the builds share the cache
        fetched[recipe.name] = {s.name: s.fetch(source_dir) for s in recipe.sources}
    outcomes = []
    with (
        tempfile.TemporaryDirectory(prefix="astrobench-ingest-") as tmp,
        # fresh interpreters, not forks: a fork of a process that has run OpenMP threads
        # (PyTorch, GalSim) can hang in the child's first parallel region
        ProcessPoolExecutor(
            max_workers=max(1, workers), mp_context=multiprocessing.get_context("spawn")
        ) as pool,
    ):
        jobs = [
            (
                r,
                pool.submit(
                    _built,
                    r.name,
                    wanted[r.name],
                    fetched[r.name],
                    source_dir,
                    Path(tmp) / r.name,
                    (limits or {}).get(r.name),
                ),
            )
            for r in recipes
        ]
        report(f"building {', '.join(names)}: {max(1, workers)} at a time")
        for recipe, job in jobs:
            for release in job.result():
                outcome = publish(release, target)
                report(f"{recipe.name} {release.version}: {outcome.status}")
                outcomes.append(outcome)
            apply_statuses(recipe, target)
    return outcomes


def apply_statuses(recipe: Recipe, target: Target) -> None:
    """Deprecate or yank the recipe's versions as it declares, once each successor is out."""
    history = {h.version: h for h in target.history(recipe.name)}
    for version, (status, reason, successor) in recipe.statuses.items():
        found = history.get(version)
        if found is None or (successor is not None and successor not in history):
            continue
        if (found.status.value, found.reason, found.successor) != (status, reason, successor):
            target.set_status(recipe.name, version, Status(status), reason, successor)

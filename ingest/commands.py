"""The curator's commands: ``ingest`` (build and publish), ``baseline`` (rerun a published
baseline and check its scores) and ``rebuild`` (rebuild a published version byte for byte).

The thin command line (``astrobench.cli``) parses the arguments and calls these by name; see
``astrobench.service.commands`` for ``overrides``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from astrobench.catalog import minting
from astrobench.catalog.extension import Benchmark
from astrobench.catalog.settings import CatalogSettings
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.client import Client
from astrobench.ingest import benchmarking, environment, publish
from astrobench.ingest import rebuild as rebuilding
from astrobench.ingest.baselines.base import lookup
from astrobench.ingest.recipe import RECIPES, get_recipe
from astrobench.ingest.remote import RemoteTarget


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def ingest(
    overrides: dict[str, Any],
    name: str | None,
    version: str | None = None,
    every: bool = False,
    to: str | None = None,
    token: str | None = None,
    workers: int = 2,
    large: bool = False,
) -> int:
    """Build datasets from their recipes, ``workers`` at a time, and publish them: into the
    configured catalogue, or with ``to``, into the catalogue at that URL as the holder of
    ``token``. ``every`` builds every dataset but the large ones; with ``large``, those too."""
    if every == bool(name):
        raise SystemExit(
            "astrobench ingest: give a dataset NAME or --all, not both; datasets: "
            + ", ".join(RECIPES)
        )
    if large and not every:
        raise SystemExit("astrobench ingest: --large goes with --all (a NAME is built anyway)")
    token = token or os.environ.get("ASTROBENCH_TOKEN")
    if to and not token:
        raise SystemExit(
            f"astrobench ingest --to {to}: publishing needs a curator's token: --token or "
            "ASTROBENCH_TOKEN (an operator makes one with 'astrobench token create')"
        )
    settings = CatalogSettings(**overrides)
    settings.prepare()
    with ExitStack() as stack:
        target: publish.Target
        if to:
            remote = RemoteTarget(to, str(token))
            stack.callback(remote.close)
            target = remote
        else:
            store = Store(settings.database_url)
            stack.callback(store.close)
            store.create()
            target = publish.LocalTarget(
                store, AssetStorage(settings.storage_url), mint=_minter(settings, store)
            )
        names = publish.bundled(large) if every else [str(name)]
        if every and not large and (left := [n for n in RECIPES if n not in names]):
            _say(f"leaving out the large datasets ({', '.join(left)}): add --large to build them")
        publish.ingest_all(names, target, settings.sources(), _say, workers, version)
    return 0


def _minter(settings: CatalogSettings, store: Store) -> Callable[[str, str], object]:
    """Registers a newly published version's DOI (a reserved draft without DataCite)."""

    def mint(dataset: str, version: str) -> object:
        return minting.mint(
            store,
            settings.doi_scheme(),
            settings.public_url(),
            dataset,
            version,
            settings.datacite(),
        )

    return mint


def baseline(
    name: str, baseline: str, version: str | None, url: str | None, out: str | None
) -> int:
    """Rerun a published baseline on the published files; 1 if its scores differ."""
    recipe = get_recipe(name)
    folder = Path(out or f"{name}-{baseline}")
    with Client(url) as client:
        collection = client.collection(name, version)
        version = str(collection["version"])
        found = lookup(recipe.baselines_of(version), baseline, name)
        folder.mkdir(parents=True, exist_ok=True)
        bench = Benchmark.from_collection(collection)
        splits = [s.name for s in bench.splits or () if not s.blind]
        if hidden := [s.name for s in bench.splits or () if s.blind]:
            _say(
                f"{', '.join(hidden)}: blind, so not scored here: only the catalogue holds their "
                "truth (submit predictions for them to have them scored)"
            )
        _say(f"{name} {version}: loading {len(splits)} splits")
        data = {s: client.open(name, version, s, cache=True).load() for s in splits}
        _say(f"running {baseline} (seed {found.seed})")
        result = benchmarking.run(found, collection, data, CatalogSettings().sources())
        for split, text in result.files.items():
            (folder / f"{split}.csv").write_text(text, encoding="utf-8")
        report = client.evaluate(name, result.files, version)
    print(report)
    published = next((b for b in bench.baselines or () if b.name == baseline), None)
    if published is None or published.scores is None:
        _say(f"{version} publishes no scores for {baseline}")
        return 0
    scores = published.scores
    differ = [
        split
        for split in splits
        if split in scores  # since v1.2.0 none on train
        and not _same(scores[split], report.metrics(split))
    ]
    _say(f"predictions written to {folder}/<split>.csv")
    if differ:
        _say(f"scores differ from the published ones on: {', '.join(differ)}")
        return 1
    _say(f"scores match the published {baseline} scores on every split")
    return 0


def _same(published: dict[str, float], reproduced: dict[str, float]) -> bool:
    return published.keys() == reproduced.keys() and all(
        abs(published[k] - reproduced[k]) <= 1e-9 for k in published
    )


def rebuild(
    overrides: dict[str, Any], name: str, version: str | None, url: str | None, anyway: bool
) -> int:
    """Rebuild a published version and compare every file's checksum; 2 if this environment
    differs from the recorded one (unless ``anyway``), 1 if any file differs."""
    settings = CatalogSettings(**overrides)
    recipe = get_recipe(name)
    with Client(url) as client:
        collection, items = client.records(name, version)
    version = str(collection["version"])
    recorded = rebuilding.software_of(collection)
    differ = environment.differences(recorded, environment.describe(*recorded))
    for line in differ:
        _say(f"software: {line}")
    if differ and not anyway:
        _say(
            f"{name} {version}: this environment differs from the one that built it, so a "
            "byte-identical rebuild cannot be claimed; install the versions above, or pass "
            "--anyway to rebuild and compare all the same"
        )
        return 2
    settings.prepare()
    sources = {s.name: s.fetch(settings.sources()) for s in recipe.sources}
    with tempfile.TemporaryDirectory(prefix=f"{name}-{version}-") as tmp:
        rebuilt = rebuilding.rebuild(
            recipe, version, sources, Path(tmp), report=_say, source_dir=settings.sources()
        )
    checks = rebuilding.compare(rebuilding.published_files([collection, *items]), rebuilt)
    for check in checks:
        if not check.same:
            print(f"differs\t{check.path}\tpublished {check.published}\trebuilt {check.rebuilt}")
    same = sum(check.same for check in checks)
    verdict = "byte-identical" if same == len(checks) else f"{len(checks) - same} file(s) differ"
    _say(f"{name} {version}: {same} of {len(checks)} files rebuilt; {verdict}")
    return 0 if same == len(checks) else 1

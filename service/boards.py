"""Leaderboards: the published baselines and the submissions of one version, ranked on each
evaluation split in groups of statistically tied entries (see ``catalog.leaderboard``). Built
once per generation of the catalogue (a new submission or version rebuilds it); a static mirror
serves the board as it was when the mirror last synced."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from astrobench import static
from astrobench.catalog import benchmark, evaluation, intervals, leaderboard, submissions
from astrobench.catalog.errors import CatalogError, LeaderboardNotFound
from astrobench.catalog.extension import Benchmark
from astrobench.catalog.leaderboard import Candidate, Ranked
from astrobench.catalog.records import asset_href, collection_path
from astrobench.catalog.search import SearchQuery
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.service import deps
from astrobench.service.submissions import bibtex_path, submission_path

PREDICTIONS = "predictions-"
"""Asset key prefix of a baseline's predictions file on its split's item."""
PODIUM = 5
"""Entries a version's page shows of its board."""


def board(request: Request, dataset: str, version: str) -> dict[str, Any]:
    """The board of a published version (from a synchronous route's worker thread): built, or
    kept from the last build of this generation; on a static mirror, as of the last sync."""
    if deps.settings(request).mirror_url:
        return deps.gate(request).wait(_mirrored, deps.storage(request), dataset, version)
    store = deps.store(request)
    return deps.gate(request).wait(
        store.cached,
        f"leaderboard {dataset} {version}",
        lambda: build(request, dataset, version),
        deps.published(request),
    )


def podium(request: Request, dataset: str, version: str) -> dict[str, Any] | None:
    """The first entries of the board's in-distribution test split (else its first split), for
    a version's page; None where the version ranks nothing or the board cannot be had now."""
    try:
        found = board(request, dataset, version)
    except CatalogError:  # a page still shows the version when its board is out of reach
        return None
    splits = found["splits"]
    chosen = next((s for s in splits if s["role"] == "test"), splits[0] if splits else None)
    if chosen is None or not chosen["entries"]:
        return None
    return {
        **chosen,
        "entries": chosen["entries"][:PODIUM],
        "total": len(chosen["entries"]),
        "synced": found.get("synced"),
    }


def _mirrored(storage: AssetStorage, dataset: str, version: str) -> dict[str, Any]:
    path = static.leaderboard_path(dataset, version)  # where ``astrobench mirror`` keeps it
    if not storage.exists(path):
        raise LeaderboardNotFound(
            f"this mirror holds no leaderboard of {dataset} {version}: it was synced from a "
            "catalogue without one; the catalogue it mirrors has the current board"
        )
    with storage.open(path) as handle, storage.failures(f"reading {path!r}"):
        found: dict[str, Any] = json.load(handle)
    return found


def build(request: Request, dataset: str, version: str) -> dict[str, Any]:
    """The board of one version, from its record, its files and its submissions."""
    store, storage = deps.store(request), deps.storage(request)
    collection = store.collection(dataset, version)
    bench = Benchmark.from_collection(collection)
    files, hrefs = _baseline_files(store, storage, dataset, version)
    published = {b.name: b for b in bench.baselines or ()}
    entered = submissions.listed(store, dataset, version)
    sent = submissions.predictions_texts(store, dataset, version)
    splits = []
    for split in submissions.evaluation_splits(collection):
        entry = evaluation.split_entry(collection, split)
        metric = evaluation.primary_of(collection, split)
        direction = bench.direction(metric) or "maximize"
        candidates = [
            Candidate(
                name,
                (published[name].kind if name in published else None) or "baseline",
                texts[split],
                {
                    "baseline": name,
                    "command": published[name].command if name in published else None,
                    "predictions": deps.base_url(request) + hrefs[name][split],
                },
            )
            for name, texts in files.items()
            if split in texts
        ] + [
            Candidate(
                s.details.model_name,
                "submission",
                sent[s.id, split],
                _submission_about(request, s, split),
            )
            for s in entered
            if (s.id, split) in sent
        ]
        ranked = []
        if candidates:  # nothing to rank: the truth is not needed
            truth = deps.splits(request).truth(dataset, version, split)
            ranked = leaderboard.rank(truth, entry.get("criteria"), metric, direction, candidates)
        splits.append(
            {
                "split": split,
                "role": entry["role"],
                "primary": metric,
                "direction": direction,
                "entries": [_entry(r) for r in ranked],
            }
        )
    test: list[dict[str, Any]] = next((s["entries"] for s in splits if s["role"] == "test"), [])
    on_test = {_identity(row): row["value"] for row in test}
    for found in splits:  # a robustness split's gap: an entry's score there minus on the test
        for row in found["entries"] if found["role"] == "robustness" and test else ():
            base = on_test.get(_identity(row))
            row["gap"] = None if base is None or row["value"] is None else row["value"] - base
    return {
        "dataset": dataset,
        "version": version,
        "benchmark_doi": deps.doi_scheme(request).version(dataset, version),
        "intervals": {"confidence": intervals.CONFIDENCE, "unit": bench.object or "example"},
        "splits": splits,
        "links": [
            deps.link(request, "self", f"{collection_path(dataset, version)}/leaderboard"),
            deps.link(request, "collection", collection_path(dataset, version)),
            deps.link(
                request,
                "submissions",
                f"{collection_path(dataset, version)}/submissions",
                title="Every submission",
            ),
        ],
    }


def _identity(row: dict[str, Any]) -> str:
    """Which entry a board row is, the same on every split: a submission's id, a baseline's name."""
    return str(row.get("submission") or row["name"])


def _entry(ranked: Ranked) -> dict[str, Any]:
    return {
        "rank": ranked.rank,
        "group": ranked.group,
        "name": ranked.candidate.name,
        "kind": ranked.candidate.kind,
        "value": ranked.value,
        "interval": ranked.interval,
        "versus_group_head": ranked.versus_head,
        **ranked.candidate.about,
    }


def _baseline_files(
    store: Store, storage: AssetStorage, dataset: str, version: str
) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Baseline -> split -> its published predictions file, and the file's href."""
    found: dict[str, dict[str, str]] = {}
    hrefs: dict[str, dict[str, str]] = {}
    for item in store.items(dataset, version, SearchQuery(limit=10_000)).items:
        split = item["properties"].get(benchmark.SPLIT)
        for key, asset in item.get("assets", {}).items():
            if key.startswith(PREDICTIONS) and split:
                path = asset["href"].removeprefix(asset_href(""))
                with storage.open(path) as handle, storage.failures(f"reading {path!r}"):
                    text = handle.read().decode("utf-8")
                name = key.removeprefix(PREDICTIONS)
                found.setdefault(name, {})[split] = text
                hrefs.setdefault(name, {})[split] = asset["href"]
    return found, hrefs


def _submission_about(
    request: Request, found: submissions.Submission, split: str
) -> dict[str, Any]:
    path = submission_path(found.id)
    details = found.details
    return {
        "submission": found.id,
        "href": deps.base_url(request) + path,
        "bibtex": deps.base_url(request) + bibtex_path(found.id),
        "code_url": details.code_url,
        "paper_doi": details.paper_doi,
        "predictions": deps.base_url(request) + f"{path}/predictions/{split}.csv",
        "trained_on": list(details.trained_on),
        "created": found.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }

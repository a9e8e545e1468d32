"""The layout of a static STAC mirror, and the records in it.

    catalog.json                                root Catalog: one child per dataset
    <dataset>/catalog.json                      the dataset: one child per mirrored version
    <dataset>/versions.json                     the version history, as the source serves it
    <dataset>/<version>/collection.json         the version's Collection
    <dataset>/<version>/items/<item>.json       its Items
    <dataset>/<version>/<file>                  its files, under the source's storage keys

Links inside the tree are relative, so the folder can be moved, served by any static web server
and browsed by STAC Browser. Each asset keeps its source location as an alternate. Files sit under
the same keys as in the source's storage, so a mirror's base URL plus an asset's key reaches it.
"""

from __future__ import annotations

import copy
import posixpath
from typing import Any

STAC_VERSION = "1.1.0"
ALTERNATE_EXT = "https://stac-extensions.github.io/alternate-assets/v1.2.0/schema.json"
STRUCTURAL = frozenset(
    {
        "self",
        "root",
        "parent",
        "child",
        "item",
        "items",
        "collection",
        "next",
        "prev",
        "version-history",
        "latest-version",
        "predecessor-version",
        "successor-version",
    }
)
VERSION_RELS = ("latest-version", "predecessor-version", "successor-version")
ROOT = "catalog.json"
JSON = "application/json"


def dataset_path(dataset: str) -> str:
    return f"{dataset}/catalog.json"


def history_path(dataset: str) -> str:
    return f"{dataset}/versions.json"


def collection_path(dataset: str, version: str) -> str:
    return f"{dataset}/{version}/collection.json"


def leaderboard_path(dataset: str, version: str) -> str:
    return f"{dataset}/{version}/leaderboard.json"


def item_path(dataset: str, version: str, item_id: str) -> str:
    return f"{dataset}/{version}/items/{item_id}.json"


def asset_key(href: str, source: str) -> str | None:
    """The storage key of an asset the source serves under ``/assets/``; None for any other."""
    prefix = f"{source.rstrip('/')}/assets/"
    return href[len(prefix) :] if href.startswith(prefix) else None


def relative(target: str, start: str) -> str:
    """``target`` relative to the folder holding ``start`` (both paths from the tree's root)."""
    found = posixpath.relpath(target, posixpath.dirname(start) or ".")
    return found if found.startswith(".") else f"./{found}"


def _link(rel: str, target: str, here: str, media_type: str = JSON, **extra: Any) -> dict[str, Any]:
    return {"rel": rel, "href": relative(target, here), "type": media_type, **extra}


def _kept(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [link for link in record.get("links", []) if link.get("rel") not in STRUCTURAL]


def _localise_assets(record: dict[str, Any], source: str, here: str) -> None:
    """Point assets at their mirrored files, keeping the source location as an alternate."""
    localised = False
    for asset in record.get("assets", {}).values():
        asset.pop("alternate", None)
        key = asset_key(asset["href"], source)
        if key is None:
            continue
        asset["alternate"] = {"source": {"href": asset["href"], "title": "Source catalogue"}}
        asset["href"] = relative(key, here)
        localised = True
    extensions = [e for e in record.get("stac_extensions", []) if "alternate-assets" not in e]
    record["stac_extensions"] = extensions + ([ALTERNATE_EXT] if localised else [])


def static_item(item: dict[str, Any], source: str) -> dict[str, Any]:
    record = copy.deepcopy(item)
    dataset, version = record["collection"], record["properties"]["version"]
    here = item_path(dataset, version, record["id"])
    collection = collection_path(dataset, version)
    record["links"] = [
        _link("root", ROOT, here),
        _link("parent", collection, here),
        _link("collection", collection, here),
        *_kept(item),
    ]
    _localise_assets(record, source, here)
    return record


def static_collection(
    collection: dict[str, Any],
    item_ids: list[str],
    source: str,
    held: set[str],
    board: bool = False,
) -> dict[str, Any]:
    """A version's Collection for the tree; version links to versions in ``held`` stay inside
    it, others point back at the source; with ``board``, its leaderboard link points at the
    board kept beside it."""
    record = copy.deepcopy(collection)
    dataset, version = record["id"], record["version"]
    here = collection_path(dataset, version)
    links = [_link("root", ROOT, here), _link("parent", dataset_path(dataset), here)]
    links += [
        _link("item", item_path(dataset, version, i), here, "application/geo+json")
        for i in item_ids
    ]
    for link in collection.get("links", []):
        if link.get("rel") not in VERSION_RELS:
            continue
        target = link["href"].rstrip("/").rsplit("/", 1)[-1]
        if target in held:
            links.append(_link(link["rel"], collection_path(dataset, target), here))
        else:
            links.append(dict(link))
    own = next((ln["href"] for ln in collection.get("links", []) if ln["rel"] == "self"), None)
    if own:
        links.append({"rel": "via", "href": own, "type": JSON, "title": "Source catalogue"})
    kept = _kept(collection)
    if board:
        kept = [link for link in kept if link.get("rel") != "leaderboard"]
        links.append(_link("leaderboard", leaderboard_path(dataset, version), here))
    record["links"] = links + kept
    _localise_assets(record, source, here)
    return record


def dataset_catalog(
    dataset: str, latest: dict[str, Any], versions: list[str], latest_version: str | None
) -> dict[str, Any]:
    """The dataset's Catalog: its mirrored versions as children."""
    here = dataset_path(dataset)
    links = [_link("root", ROOT, here), _link("parent", ROOT, here)]
    links += [
        _link("child", collection_path(dataset, v), here, title=f"{dataset} {v}") for v in versions
    ]
    if latest_version in versions:
        links.append(_link("latest-version", collection_path(dataset, latest_version), here))
    return {
        "type": "Catalog",
        "stac_version": STAC_VERSION,
        "id": dataset,
        "title": latest.get("title", dataset),
        "description": latest.get("description", dataset),
        "links": links,
    }


def root_catalog(title: str, source: str, datasets: dict[str, str]) -> dict[str, Any]:
    """The root Catalog: ``datasets`` maps each mirrored dataset to its title."""
    return {
        "type": "Catalog",
        "stac_version": STAC_VERSION,
        "id": "astrobench-mirror",
        "title": f"{title} (mirror)",
        "description": f"A static mirror of the astrobench catalogue at {source}.",
        "links": [
            _link("root", ROOT, ROOT),
            *(_link("child", dataset_path(d), ROOT, title=t) for d, t in sorted(datasets.items())),
            {"rel": "via", "href": source, "type": JSON, "title": "Source catalogue"},
        ],
    }

"""Load a static mirror (made by ``astrobench mirror``) into a store, to serve it read-only.

The mirror's root is the asset storage: its files already sit under their storage keys. Each
version's records are turned back into stored form (hrefs relative to the API root) and published
with the source's publication date; statuses follow the mirrored version history. Loading again
publishes only versions that are new and updates statuses.
"""

from __future__ import annotations

import copy
import json
import posixpath
from datetime import datetime
from typing import Any

from astrobench.catalog.errors import DatasetNotFound, StorageUnavailable
from astrobench.catalog.records import AssetRecord, VersionSummary, asset_href
from astrobench.catalog.release import SHA256_MULTIHASH_PREFIX
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.catalog.versions import Status

MIRROR_ONLY = ("deprecated", "astrobench:status", "astrobench:status_reason")


def _read(storage: AssetStorage, key: str) -> dict[str, Any]:
    try:
        with storage.open(key) as handle:
            found: dict[str, Any] = json.load(handle)
            return found
    except StorageUnavailable as error:
        raise StorageUnavailable(f"{storage.url} is not a complete mirror: {error}") from error


def _children(storage: AssetStorage, key: str, rel: str = "child") -> list[str]:
    """Keys of the documents ``key`` links to with ``rel``."""
    record = _read(storage, key)
    folder = posixpath.dirname(key)
    return [
        posixpath.normpath(posixpath.join(folder, link["href"]))
        for link in record["links"]
        if link["rel"] == rel and not link["href"].startswith(("http://", "https://"))
    ]


def _stored(record: dict[str, Any], here: str) -> tuple[dict[str, Any], list[AssetRecord]]:
    """A mirrored record in stored form, and the files it lists."""
    stored = copy.deepcopy(record)
    for field in MIRROR_ONLY:
        stored.pop(field, None)
    stored["links"] = [link for link in record["links"] if link["rel"] == "license"]
    stored["stac_extensions"] = [
        e for e in record.get("stac_extensions", []) if "alternate-assets" not in e
    ]
    files = []
    for asset in stored.get("assets", {}).values():
        asset.pop("alternate", None)
        key = posixpath.normpath(posixpath.join(posixpath.dirname(here), asset["href"]))
        asset["href"] = asset_href(key)
        checksum = asset["file:checksum"].removeprefix(SHA256_MULTIHASH_PREFIX)
        files.append(AssetRecord(key, checksum, int(asset["file:size"]), asset["type"]))
    return stored, files


def load(store: Store, storage: AssetStorage) -> list[str]:
    """Publish every version of the mirror at ``storage`` that ``store`` lacks; return them."""
    loaded = []
    for dataset_key in _children(storage, "catalog.json"):
        history = _read(storage, posixpath.join(posixpath.dirname(dataset_key), "versions.json"))
        entries = {entry["version"]: entry for entry in history["versions"]}
        for collection_key in _children(storage, dataset_key):
            mirrored = _read(storage, collection_key)
            dataset, version = mirrored["id"], mirrored["version"]
            entry = entries[version]
            if version not in _published(store, dataset):
                collection, files = _stored(mirrored, collection_key)
                items = []
                for item_key in _children(storage, collection_key, "item"):
                    item, item_files = _stored(_read(storage, item_key), item_key)
                    items.append(item)
                    files += item_files
                published = datetime.fromisoformat(entry["published"].replace("Z", "+00:00"))
                store.publish(collection, items, files, published)
                loaded.append(f"{dataset} {version}")
            ours = _published(store, dataset)[version]
            status = (entry["status"], entry.get("reason") or None, entry.get("successor"))
            if (ours.status.value, ours.reason or None, ours.successor) != status:
                store.set_status(
                    dataset, version, Status(entry["status"]), status[1] or "", status[2]
                )
    return loaded


def _published(store: Store, dataset: str) -> dict[str, VersionSummary]:
    try:
        return {summary.version: summary for summary in store.history(dataset)}
    except DatasetNotFound:
        return {}

"""Build STAC 1.1 records for a release, and render stored records for a given base URL.

Records are stored with hrefs relative to the API root (``/collections/...``); ``render`` turns
them absolute for the URL a request came in on, so one store serves any host name.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from astrobench.catalog import benchmark
from astrobench.catalog.doi import url as doi_url
from astrobench.catalog.errors import InvalidParameter
from astrobench.catalog.release import (
    ExtraFile,
    Release,
    Shard,
    SplitFile,
    multihash,
    sha256_file,
)
from astrobench.catalog.versions import Status

STAC_VERSION = "1.1.0"
VERSION_EXT = "https://stac-extensions.github.io/version/v1.2.0/schema.json"
SCIENTIFIC_EXT = "https://stac-extensions.github.io/scientific/v1.0.0/schema.json"
FILE_EXT = "https://stac-extensions.github.io/file/v2.1.0/schema.json"
DATACUBE_EXT = "https://stac-extensions.github.io/datacube/v2.2.0/schema.json"
PROCESSING_EXT = "https://stac-extensions.github.io/processing/v1.2.0/schema.json"
JSON, GEOJSON, SCHEMA_JSON = "application/json", "application/geo+json", "application/schema+json"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
ROOT_TITLE = "Catalogue root"


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, as STAC wants."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def collection_path(dataset: str, version: str | None = None) -> str:
    return f"/collections/{dataset}" + (f"/versions/{version}" if version else "")


def asset_href(path: str) -> str:
    return f"/assets/{path}"


@dataclass(frozen=True, order=True)
class AssetRecord:
    """A published file: where it lives and what its bytes must be."""

    path: str
    sha256: str
    size: int
    media_type: str


def _asset(record: AssetRecord, extra: ExtraFile) -> dict[str, Any]:
    asset: dict[str, Any] = {
        "href": asset_href(record.path),
        "title": extra.title,
        "type": record.media_type,
        "roles": list(extra.roles),
        "file:checksum": multihash(record.sha256),
        "file:size": record.size,
    }
    if extra.description:
        asset["description"] = extra.description
    return asset


def collection_record(
    release: Release, files: dict[str, AssetRecord] | None = None
) -> dict[str, Any]:
    """The version's Collection, without the links that depend on other versions.

    ``files`` maps the storage key of each extra file to its record; the Collection carries the
    ones that belong to no split.
    """
    files = files or {}
    assets = {
        extra.key: _asset(files[release.file_path(extra)], extra)
        for extra in release.files
        if extra.split is None and release.file_path(extra) in files
    }
    extensions = [
        benchmark.schema_uri(release.extension),
        VERSION_EXT,
        SCIENTIFIC_EXT,
        PROCESSING_EXT,
    ]
    if assets:
        extensions.append(FILE_EXT)
    record: dict[str, Any] = {
        "type": "Collection",
        "stac_version": STAC_VERSION,
        "stac_extensions": extensions,
        "id": release.dataset,
        "title": release.title,
        "description": release.description,
        "version": release.version,
        "deprecated": False,
        "keywords": release.keywords,
        "license": release.license,
        "providers": _providers(release),
        "extent": {
            # Sky positions are not Earth coordinates: the STAC bbox is the whole globe and the
            # real coverage is in bench:sky_footprint (ICRS).
            "spatial": {"bbox": [[-180.0, -90.0, 180.0, 90.0]]},
            "temporal": {"interval": [[iso(release.start), iso(release.end)]]},
        },
        "sci:citation": release.citation,
        "sci:publications": release.publications,
        "astrobench:release_notes": release.release_notes,
        **({"astrobench:sources": release.sources} if release.sources else {}),
        **release.benchmark,
        benchmark.SPLITS: [_split_entry(s) for s in release.splits],
        "summaries": {
            benchmark.ROLE: sorted({s.role for s in release.splits}),
            benchmark.SPLIT: [s.name for s in release.splits],
        },
        "links": [dict(link, rel="license") for link in release.license_links],
        "assets": assets,
    }
    return record


def _split_entry(split: SplitFile) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": split.name,
        "role": split.role,
        "description": split.description,
        "count": split.count,
    }
    if split.criteria:
        entry["criteria"] = split.criteria
    if split.model_selection is not None:
        entry["model_selection"] = split.model_selection
    if split.class_objects:
        entry["class_objects"] = split.class_objects
    if split.blind:
        entry["blind"] = True
        if split.truth is not None:
            entry["truth_checksum"] = multihash(sha256_file(split.truth))
    return entry


def _providers(release: Release) -> list[dict[str, Any]]:
    """Providers, with the processing extension's lineage and software on the processor."""
    providers = copy.deepcopy(release.providers)
    for provider in providers:
        if "processor" in provider.get("roles", []):
            if release.lineage:
                provider["processing:lineage"] = release.lineage
            if release.software:
                provider["processing:software"] = release.software
    return providers


def item_record(
    release: Release,
    split: SplitFile,
    asset: AssetRecord,
    files: dict[str, AssetRecord] | None = None,
    shard: Shard | None = None,
) -> dict[str, Any]:
    """The Item of one split (or of one of its shards), with its data asset and the extra files
    that belong to the split (on its first shard's Item)."""
    files = files or {}
    extensions = [benchmark.schema_uri(release.extension), FILE_EXT]
    properties: dict[str, Any] = {
        "datetime": None,
        "start_datetime": iso(release.start),
        "end_datetime": iso(release.end),
        "title": f"{release.title} {release.version}: {split.name}",
        "description": split.description,
        "version": release.version,
        benchmark.SPLIT: split.name,
        benchmark.ROLE: split.role,
        benchmark.COUNT: split.count,
    }
    if split.class_counts and shard is None:
        properties[benchmark.CLASS_COUNTS] = split.class_counts
    if shard is not None:
        index = split.shards.index(shard)
        properties["title"] += f", shard {index + 1} of {len(split.shards)}"
        properties[benchmark.COUNT] = shard.count
        properties[benchmark.SHARD] = {
            "index": index,
            "count": len(split.shards),
            "offset": shard.offset,
        }
    if split.dimensions:
        extensions.append(DATACUBE_EXT)
        properties["cube:dimensions"] = shard.dimensions if shard else split.dimensions
        properties["cube:variables"] = split.variables
    first = shard is None or split.shards.index(shard) == 0
    return {
        "type": "Feature",
        "stac_version": STAC_VERSION,
        "stac_extensions": extensions,
        "id": release.item_id(split, shard),
        "collection": release.dataset,
        "geometry": None,
        "properties": properties,
        "links": [],
        "assets": {
            "data": {
                "href": asset_href(asset.path),
                "title": f"{split.name} split (NetCDF-4)"
                + (
                    ""
                    if shard is None
                    else f", examples {shard.offset} to {shard.offset + shard.count - 1}"
                ),
                "type": asset.media_type,
                "roles": ["data"],
                "file:checksum": multihash(asset.sha256),
                "file:size": asset.size,
            },
            **{
                extra.key: _asset(files[release.file_path(extra)], extra)
                for extra in release.files
                if first and extra.split == split.name and release.file_path(extra) in files
            },
        },
    }


def _record(key: str, path: Path, media_type: str) -> AssetRecord:
    return AssetRecord(key, sha256_file(path), path.stat().st_size, media_type)


def release_records(
    release: Release,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[AssetRecord]]:
    """Collection, items and asset records of a release, checksumming its files."""
    pieces = release.pieces()
    data = [
        _record(release.asset_path(s, shard), shard.path if shard else s.path, s.media_type)
        for s, shard in pieces
    ]
    files = {
        release.file_path(e): _record(release.file_path(e), e.path, e.media_type)
        for e in release.files
    }
    items = [
        item_record(release, split, asset, files, shard)
        for (split, shard), asset in zip(pieces, data, strict=True)
    ]
    return collection_record(release, files), items, [*data, *files.values()]


def release_truths(release: Release) -> dict[str, bytes]:
    """Split -> the withheld truth file of each blind split: kept by the store, never an asset."""
    found = {}
    for split in release.splits:
        if split.blind and split.truth is None:
            raise InvalidParameter(f"blind split {split.name!r} has no truth file")
        if split.truth is not None:
            found[split.name] = split.truth.read_bytes()
    return found


def local_files(release: Release) -> dict[str, Path]:
    """Storage key -> local path of every file a release publishes."""
    return {
        **{
            release.asset_path(s, shard): shard.path if shard else s.path
            for s, shard in release.pieces()
        },
        **{release.file_path(e): e.path for e in release.files},
    }


@dataclass(frozen=True)
class VersionSummary:
    """One entry of a dataset's version history."""

    version: str
    status: Status
    published: datetime
    reason: str | None = None
    successor: str | None = None


def _link(rel: str, href: str, title: str, media_type: str = JSON) -> dict[str, Any]:
    return {"rel": rel, "href": href, "type": media_type, "title": title}


LEADERBOARD_REL = "leaderboard"
"""The link from a version's Collection to its leaderboard: baselines and submissions ranked."""


def with_version_links(
    collection: dict[str, Any],
    history: Sequence[VersionSummary],
    latest: str,
    path: str | None = None,
) -> dict[str, Any]:
    """A copy of a stored Collection with its own links and the version-extension links.

    ``path`` is where the record is served (default: the version's own URL). The dataset's
    unversioned URL serves its latest version; a ``version`` link then gives the fixed URL.
    The latest version carries no ``latest-version`` or ``successor-version`` link, so that
    clients do not call it outdated.
    """
    record = copy.deepcopy(collection)
    dataset, version = record["id"], record["version"]
    ordered = [h.version for h in history]
    here = ordered.index(version)
    summary = history[here]
    if summary.status is not Status.PUBLISHED:
        record["deprecated"] = True
        record["astrobench:status"] = summary.status.value
        if summary.reason:
            record["astrobench:status_reason"] = summary.reason
    own = collection_path(dataset, version)
    served = path or own
    links = [
        _link("self", served, f"{dataset} {version}"),
        _link("root", "/", ROOT_TITLE),
        _link("parent", "/", ROOT_TITLE),
        _link("items", served + "/items", f"Items of {dataset} {version}: one per split", GEOJSON),
        _link(QUERYABLES_REL, served + "/queryables", "Queryables", SCHEMA_JSON),
        _link("version-history", collection_path(dataset) + "/versions", f"Versions of {dataset}"),
        _link(LEADERBOARD_REL, own + "/leaderboard", f"Leaderboard of {dataset} {version}"),
    ]
    if served != own:
        links.append(_link("version", own, f"{dataset} {version} (this version's fixed URL)"))
    if version != latest:
        links.append(
            _link("latest-version", collection_path(dataset, latest), f"{dataset} {latest}")
        )
    if here > 0:
        previous = ordered[here - 1]
        links.append(
            _link(
                "predecessor-version", collection_path(dataset, previous), f"{dataset} {previous}"
            )
        )
    if here + 1 < len(ordered) and version != latest:
        following = ordered[here + 1]
        links.append(
            _link(
                "successor-version", collection_path(dataset, following), f"{dataset} {following}"
            )
        )
    record["links"] = links + [link for link in record["links"] if link["rel"] == "license"]
    return record


def with_doi(record: dict[str, Any], doi: str, state: str) -> dict[str, Any]:
    """``record`` (changed in place) citable by ``doi``: ``sci:doi``, a ``cite-as`` link, and
    whether the DOI is registered or only reserved."""
    record["sci:doi"] = doi
    record["astrobench:doi_state"] = state
    record["links"].append(_link("cite-as", doi_url(doi), f"DOI {doi}", "text/html"))
    return record


def item_path(dataset: str, item_id: str, version: str | None = None) -> str:
    return f"{collection_path(dataset, version)}/items/{item_id}"


def with_item_links(
    item: dict[str, Any], latest: bool = False, path: str | None = None
) -> dict[str, Any]:
    """A copy of a stored Item with self, parent, collection and root links (shallow: only
    ``links`` is new; the rest is shared with ``item``).

    An item of its dataset's ``latest`` version belongs to the dataset's unversioned URL, as
    its Collection is listed there; ``path`` is where the item is served.
    """
    record = dict(item)
    dataset, version = record["collection"], record["properties"]["version"]
    collection = collection_path(dataset, None if latest else version)
    title = f"{dataset} {version}"
    record["links"] = [
        _link(
            "self",
            path or item_path(dataset, record["id"], None if latest else version),
            record["properties"].get("title", record["id"]),
            GEOJSON,
        ),
        _link("parent", collection, title),
        _link("collection", collection, title),
        _link("root", "/", ROOT_TITLE),
    ]
    return record


def render(record: dict[str, Any], base_url: str) -> dict[str, Any]:
    """Make every root-relative href in ``record`` absolute under ``base_url`` (a new dict)."""
    base = base_url.rstrip("/")

    def visit(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: (
                    base + value
                    if key == "href" and isinstance(value, str) and value.startswith("/")
                    else visit(value)
                    if isinstance(value, dict | list)
                    else value
                )
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [visit(value) if isinstance(value, dict | list) else value for value in node]
        return node

    rendered: dict[str, Any] = visit(record)
    return rendered

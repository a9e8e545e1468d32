"""Writes: drafts, atomic publishing and the version lifecycle, behind scoped bearer tokens.

A version is built as a draft (a Collection and its Items, invisible to readers), then published in
one step: the service checks every file against the checksum and size its item declares, and
commits the version in one transaction. Published versions are never modified (409); only their
status changes, through ``PATCH .../versions/{version}``. The STAC transaction paths
(``POST /collections``, ``PUT /collections/{id}``, ``POST /collections/{id}/items``...) act on the
draft named by the record's ``version``. A version's files are uploaded first, each checked
against its ``Content-Digest``; publishing then verifies that storage holds every file it names.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Body, Depends, Request, Response
from pydantic import Base64Bytes, BaseModel, ConfigDict, Field

from astrobench.catalog import minting
from astrobench.catalog.auth import Principal, authenticate
from astrobench.catalog.errors import (
    DatasetNotFound,
    InvalidParameter,
    ItemNotFound,
    ReadOnly,
    VersionExists,
    VersionNotFound,
)
from astrobench.catalog.records import AssetRecord, asset_href, collection_path
from astrobench.catalog.release import SHA256_MULTIHASH_PREFIX
from astrobench.catalog.store import Store
from astrobench.catalog.validate import check
from astrobench.catalog.versions import Status, Version
from astrobench.service import deps
from astrobench.service.errors import WRITE_ERRORS

router = APIRouter(responses=WRITE_ERRORS, tags=["transactions"])
CREATED_OR_SAME: dict[int | str, dict[str, Any]] = {
    201: {"description": "Created; Location names it"},
    200: {"description": "It already existed, identical (a retry), or was replaced (PUT)"},
}
"""Writes that are safe to retry answer 201 the first time and 200 after."""

_DATASET_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
JsonObject = Annotated[dict[str, Any], Body()]


def principal(request: Request) -> Principal:
    """Who a write acts as; a read-only catalogue refuses every write first."""
    if deps.settings(request).read_only:
        raise ReadOnly(
            f"{request.method} {request.url.path}: this catalogue is a read-only mirror; "
            "make changes at its source"
        )
    return authenticate(deps.store(request), request.headers.get("authorization"))


Writer = Annotated[Principal, Depends(principal)]


class PublishBody(BaseModel):
    """A version to publish in one request: its Collection, its Items, and the truth file of
    each blind split (base64), which the catalogue keeps and never serves."""

    model_config = ConfigDict(extra="forbid")

    collection: dict[str, Any]
    items: list[dict[str, Any]]
    truths: dict[str, Base64Bytes] = Field(
        default_factory=dict,
        description="Split -> base64 of its withheld truth file, one per blind split; its "
        "sha256 multihash must be the split's bench:splits[].truth_checksum.",
    )


class StatusBody(BaseModel):
    """A lifecycle change: the only change a published version accepts."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["published", "deprecated", "yanked"]
    reason: str
    successor: str | None = None


# -- validation ----------------------------------------------------------------------------------


def _collection(body: dict[str, Any], dataset: str | None = None) -> tuple[str, str]:
    """Check a Collection a curator sent; return its dataset id and version (its asset hrefs
    are checked by ``_relative`` where it is stored)."""
    found = str(body.get("id", ""))
    if dataset is not None and found != dataset:
        raise InvalidParameter(f"collection id {found!r} must be {dataset!r}, as in the URL")
    if not _DATASET_ID.match(found) or len(found) > 100:
        raise InvalidParameter(
            f"dataset id {found!r} is not valid; use kebab-case, e.g. 'sn-spectra'"
        )
    if "version" not in body:
        raise InvalidParameter("the collection needs a 'version' (MAJOR.MINOR.PATCH)")
    version = str(body["version"])
    Version.parse(version)
    check(body)
    return found, version


def _item(body: dict[str, Any], dataset: str, version: str | None = None) -> dict[str, Any]:
    """Check an Item a curator sent; return it with its collection and asset hrefs normalised."""
    props = body.get("properties")
    if not isinstance(props, dict) or "version" not in props:
        raise InvalidParameter("an item needs properties.version naming the draft it belongs to")
    if version is not None and props["version"] != version:
        raise InvalidParameter(f"item properties.version must be {version!r}, as in the URL")
    if body.get("collection", dataset) != dataset:
        raise InvalidParameter(f"item collection {body.get('collection')!r} must be {dataset!r}")
    item = dict(body, collection=dataset, links=[])
    item["assets"] = {
        key: _relative(asset, dataset, props["version"])
        for key, asset in (body.get("assets") or {}).items()
    }
    check(item)
    return item


def _relative(asset: Any, dataset: str, version: str) -> Any:
    """Asset hrefs into this catalogue's storage are kept root-relative, as published ones are."""
    href = asset.get("href", "") if isinstance(asset, dict) else ""
    if "/assets/" not in href:
        return asset
    path = href.split("/assets/", 1)[1]
    if not path.startswith(f"{dataset}/{version}/"):
        raise InvalidParameter(f"asset {href!r} must live under /assets/{dataset}/{version}/")
    return dict(asset, href=asset_href(path))


def _with_assets(collection: dict[str, Any]) -> dict[str, Any]:
    """A Collection with its asset hrefs into this catalogue's storage made root-relative."""
    dataset, version = collection["id"], str(collection["version"])
    assets = collection.get("assets")
    if not isinstance(assets, dict):
        return collection
    return dict(collection, assets={k: _relative(a, dataset, version) for k, a in assets.items()})


def _assets(collection: dict[str, Any], items: list[dict[str, Any]]) -> list[AssetRecord]:
    """The stored files a version points at, the Collection's (card, figures) and its Items',
    with their declared checksums and sizes."""
    found = []
    for record in (collection, *items):
        kind = "item" if record.get("type") == "Feature" else "collection"
        for key, asset in (record.get("assets") or {}).items():
            href = asset.get("href", "") if isinstance(asset, dict) else ""
            if not href.startswith("/assets/"):
                continue
            checksum, size = asset.get("file:checksum"), asset.get("file:size")
            if not (
                isinstance(checksum, str)
                and checksum.startswith(SHA256_MULTIHASH_PREFIX)
                and isinstance(size, int)
            ):
                raise InvalidParameter(
                    f"asset {key!r} of {kind} {record.get('id')!r} needs file:checksum (a "
                    "sha2-256 multihash, 1220...) and an integer file:size"
                )
            found.append(
                AssetRecord(
                    href.removeprefix("/assets/"),
                    checksum[len(SHA256_MULTIHASH_PREFIX) :],
                    size,
                    asset.get("type", "application/octet-stream"),
                )
            )
    return found


def _verify_files(request: Request, assets: list[AssetRecord]) -> None:
    storage = deps.storage(request)
    for asset in assets:
        if not storage.exists(asset.path) or storage.sha256(asset.path) != asset.sha256:
            raise InvalidParameter(
                f"storage has no file matching {asset.path!r} (sha256 {asset.sha256}); "
                "upload the files before publishing, then retry"
            )


def _published(store: Store, dataset: str, version: str) -> dict[str, Any] | None:
    try:
        return store.collection(dataset, version)
    except (DatasetNotFound, VersionNotFound):
        return None


def _created(request: Request, path: str, created: bool) -> Response:
    location = {"Location": deps.base_url(request) + path}
    return Response(status_code=201 if created else 200, headers=location)


def _draft_path(dataset: str, version: str) -> str:
    return f"{collection_path(dataset)}/drafts/{version}"


# -- files ---------------------------------------------------------------------------------------

_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
_DIGEST = re.compile(r"(?:^|,)\s*sha-256=:([A-Za-z0-9+/=]+):")


def _expected_sha256(request: Request) -> str:
    """The sha256 a curator declares for an upload, from its RFC 9530 ``Content-Digest``."""
    header = request.headers.get("content-digest", "")
    found = _DIGEST.search(header)
    try:
        digest = base64.b64decode(found.group(1), validate=True) if found else b""
    except binascii.Error:
        digest = b""
    if len(digest) != 32:
        raise InvalidParameter(
            "an upload needs a Content-Digest header with the file's sha-256 (RFC 9530), "
            f"e.g. 'Content-Digest: sha-256=:<base64 of the 32-byte digest>:'; got {header!r}"
        )
    return digest.hex()


def _store_upload(request: Request, local: Path, key: str, sha256: str) -> bool:
    """Put an uploaded file in storage, unless it would change a published version."""
    dataset, version = key.split("/")[:2]
    storage = deps.storage(request)
    if storage.exists(key) and storage.sha256(key) == sha256:
        return False
    try:
        published = {a.path for a in deps.store(request).version_assets(dataset, version)}
    except (DatasetNotFound, VersionNotFound):
        published = None
    if published is not None:
        raise VersionExists(
            f"{dataset} {version} is published and its files never change; "
            f"{key!r} {'holds other bytes' if key in published else 'is not one of them'}"
        )
    storage.put(local, key, sha256)
    return True


@router.put(
    "/collections/{dataset}/versions/{version}/files/{name}",
    status_code=201,
    summary="Upload a file of a version before publishing it, checked against its Content-Digest",
    responses=CREATED_OR_SAME,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def upload_file(
    request: Request, dataset: str, version: str, name: str, writer: Writer
) -> Response:
    writer.require_write(dataset)
    if not _DATASET_ID.match(dataset):
        raise InvalidParameter(f"dataset id {dataset!r} is not valid; use kebab-case")
    Version.parse(version)
    if not _FILE_NAME.match(name):
        raise InvalidParameter(
            f"file name {name!r} is not valid: letters, digits, '.', '_' and '-', 200 at most"
        )
    expected = _expected_sha256(request)
    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory(prefix="astrobench-upload-") as tmp:
        local = Path(tmp) / name
        with local.open("wb") as handle:
            async for chunk in request.stream():
                digest.update(chunk)
                handle.write(chunk)
        if digest.hexdigest() != expected:
            raise InvalidParameter(
                f"the uploaded bytes have sha256 {digest.hexdigest()}, but Content-Digest "
                f"declares {expected}: the upload was damaged or the digest is wrong"
            )
        key = f"{dataset}/{version}/{name}"
        created = await anyio.to_thread.run_sync(_store_upload, request, local, key, expected)
    return _created(request, asset_href(key), created)


# -- one-shot publish ----------------------------------------------------------------------------


@router.post(
    "/collections/{dataset}/versions",
    status_code=201,
    summary="Publish a version in one request; a retry of the same version answers 200",
    responses=CREATED_OR_SAME,
)
def publish(request: Request, dataset: str, body: PublishBody, writer: Writer) -> Response:
    writer.require_write(dataset)
    _, version = _collection(body.collection, dataset)
    collection = _with_assets(body.collection)
    items = [_item(item, dataset, version) for item in body.items]
    store = deps.store(request)
    existing = _published(store, dataset, version)
    location = collection_path(dataset, version)
    if existing is not None:
        if existing == collection:
            return _created(request, location, created=False)
        raise VersionExists(f"{dataset} {version} is published and can never change")
    assets = _assets(collection, items)
    _verify_files(request, assets)
    # False: the same publish won a race
    created = store.publish(collection, items, assets, truths=body.truths)
    if created:
        _mint(request, dataset, version)
    return _created(request, location, created)


def _mint(request: Request, dataset: str, version: str) -> None:
    """Register the new version's DOI (a reserved draft when DataCite is not configured)."""
    settings = deps.settings(request)
    minting.mint(
        deps.store(request),
        settings.doi_scheme(),
        deps.base_url(request),
        dataset,
        version,
        settings.datacite(),
    )


# -- drafts --------------------------------------------------------------------------------------


@router.post("/collections", status_code=201, summary="Create a draft version from a Collection")
def create_collection(request: Request, body: JsonObject, writer: Writer) -> Response:
    dataset, version = _collection(body)
    writer.require_write(dataset)
    store = deps.store(request)
    if version in store.drafts(dataset):
        raise VersionExists(f"draft {dataset} {version} exists; replace it with PUT")
    store.put_draft(_with_assets(body))
    settings = deps.settings(request)
    minting.reserve(store, settings.doi_scheme(), dataset, version, settings.datacite())
    return _created(request, _draft_path(dataset, version), created=True)


@router.put(
    "/collections/{dataset}",
    summary="Create or replace the draft named by 'version'",
    responses=CREATED_OR_SAME,
)
def update_collection(request: Request, dataset: str, body: JsonObject, writer: Writer) -> Response:
    writer.require_write(dataset)
    _, version = _collection(body, dataset)
    created = deps.store(request).put_draft(_with_assets(body))
    return _created(request, _draft_path(dataset, version), created)


@router.put(
    "/collections/{dataset}/drafts/{version}",
    summary="Create or replace a draft's Collection",
    responses=CREATED_OR_SAME,
)
def put_draft(
    request: Request, dataset: str, version: str, body: JsonObject, writer: Writer
) -> Response:
    writer.require_write(dataset)
    if str(body.get("version")) != version:
        raise InvalidParameter(f"collection version must be {version!r}, as in the URL")
    _collection(body, dataset)
    created = deps.store(request).put_draft(_with_assets(body))
    return _created(request, _draft_path(dataset, version), created)


@router.get("/collections/{dataset}/drafts", summary="The open drafts of a dataset")
def list_drafts(request: Request, dataset: str, writer: Writer) -> dict[str, Any]:
    writer.require_write(dataset)
    return {"dataset": dataset, "drafts": deps.store(request).drafts(dataset)}


@router.get(
    "/collections/{dataset}/drafts/{version}", summary="A draft: its Collection and its Items"
)
def get_draft(request: Request, dataset: str, version: str, writer: Writer) -> dict[str, Any]:
    writer.require_write(dataset)
    collection, items = deps.store(request).draft(dataset, version)
    return {"collection": collection, "items": items}


@router.delete(
    "/collections/{dataset}/drafts/{version}", status_code=204, summary="Discard a draft"
)
def delete_draft(request: Request, dataset: str, version: str, writer: Writer) -> Response:
    writer.require_write(dataset)
    deps.store(request).delete_draft(dataset, version)
    return Response(status_code=204)


@router.delete(
    "/collections/{dataset}",
    status_code=204,
    summary="Discard every draft of a dataset that has no published version",
)
def delete_collection(request: Request, dataset: str, writer: Writer) -> Response:
    writer.require_write(dataset)
    store = deps.store(request)
    if _has_history(store, dataset):
        raise VersionExists(
            f"{dataset} has published versions, which are never deleted; "
            "deprecate or yank them with PATCH /collections/{dataset}/versions/{version}"
        )
    drafts = store.drafts(dataset)
    if not drafts:
        raise DatasetNotFound(dataset, store.dataset_ids())
    for version in drafts:
        store.delete_draft(dataset, version)
    return Response(status_code=204)


def _has_history(store: Store, dataset: str) -> bool:
    try:
        return bool(store.history(dataset))
    except DatasetNotFound:
        return False


@router.post(
    "/collections/{dataset}/items",
    status_code=201,
    summary="Add an Item to the draft named by its properties.version",
    responses=CREATED_OR_SAME,
)
def create_item(request: Request, dataset: str, body: JsonObject, writer: Writer) -> Response:
    writer.require_write(dataset)
    item = _item(body, dataset)
    version = item["properties"]["version"]
    created = deps.store(request).put_draft_item(dataset, version, item)
    path = f"{_draft_path(dataset, version)}/items/{item['id']}"
    return _created(request, path, created)


@router.put(
    "/collections/{dataset}/items/{item_id}",
    summary="Create or replace an Item of the draft named by its properties.version",
    responses=CREATED_OR_SAME,
)
def update_item(
    request: Request, dataset: str, item_id: str, body: JsonObject, writer: Writer
) -> Response:
    writer.require_write(dataset)
    if body.get("id") != item_id:
        raise InvalidParameter(f"item id {body.get('id')!r} must be {item_id!r}, as in the URL")
    return create_item(request, dataset, body, writer)


@router.delete(
    "/collections/{dataset}/items/{item_id}",
    status_code=204,
    summary="Delete an Item from the draft holding it",
)
def delete_item(request: Request, dataset: str, item_id: str, writer: Writer) -> Response:
    writer.require_write(dataset)
    store = deps.store(request)
    for version in store.drafts(dataset):
        try:
            store.delete_draft_item(dataset, version, item_id)
            return Response(status_code=204)
        except ItemNotFound:
            continue
    store.item(dataset, item_id)  # 404 if it is nowhere
    raise VersionExists(f"item {item_id!r} is published and can never change")


@router.post(
    "/collections/{dataset}/drafts/{version}/publish",
    status_code=201,
    summary="Publish a draft atomically, after checking every file against its checksum",
    responses=CREATED_OR_SAME,
)
def publish_draft(request: Request, dataset: str, version: str, writer: Writer) -> Response:
    writer.require_write(dataset)
    store = deps.store(request)
    location = collection_path(dataset, version)
    if version not in store.drafts(dataset) and _published(store, dataset, version) is not None:
        return _created(request, location, created=False)  # a retry after success
    checked = datetime.now(timezone.utc)
    collection, items = store.draft(dataset, version)
    if not items:
        raise InvalidParameter(f"draft {dataset} {version} has no items; add its splits first")
    assets = _assets(collection, items)
    _verify_files(request, assets)
    store.publish_draft(dataset, version, assets, checked_at=checked)
    _mint(request, dataset, version)
    return _created(request, location, created=True)


# -- lifecycle -----------------------------------------------------------------------------------


@router.patch(
    "/collections/{dataset}/versions/{version}",
    summary="Deprecate, yank or restore a published version, with a reason",
)
def set_status(
    request: Request, dataset: str, version: str, body: StatusBody, writer: Writer
) -> dict[str, Any]:
    writer.require_write(dataset)
    store = deps.store(request)
    exact = store.resolve(dataset, version)
    if exact != version:
        raise InvalidParameter(f"name the exact version ({exact!r}), not {version!r}")
    if body.successor is not None:
        store.collection(dataset, body.successor)
    store.set_status(dataset, version, Status(body.status), body.reason, body.successor)
    return deps.collection_json(request, dataset, version)

"""Publishing a version over HTTP, for curators holding the admin token.

The version's files must already be in asset storage; the service checks each one against the
checksum and size its item declares, then commits every record in one transaction.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict

from astrobench.catalog.errors import (
    DatasetNotFound,
    Forbidden,
    InvalidParameter,
    Unauthorized,
    VersionExists,
    VersionNotFound,
)
from astrobench.catalog.records import AssetRecord, collection_path
from astrobench.catalog.release import SHA256_MULTIHASH_PREFIX
from astrobench.catalog.versions import Version
from astrobench.service import deps

router = APIRouter()


class PublishBody(BaseModel):
    """A version to publish: its Collection and its Items."""

    model_config = ConfigDict(extra="forbid")

    collection: dict[str, Any]
    items: list[dict[str, Any]]


def require_admin(request: Request) -> None:
    expected = deps.settings(request).admin_token
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        raise Unauthorized("publishing needs 'Authorization: Bearer <token>'")
    if expected is None:
        raise Forbidden("this server accepts no writes: no admin token is configured")
    if not hmac.compare_digest(header[7:].strip(), expected.get_secret_value()):
        raise Forbidden("the token is not allowed to publish")


def _asset(item: dict[str, Any], dataset: str, version: str) -> AssetRecord:
    try:
        data = item["assets"]["data"]
        href, checksum, size = data["href"], data["file:checksum"], int(data["file:size"])
    except (KeyError, TypeError, ValueError):
        raise InvalidParameter(
            f"item {item.get('id')!r} needs a 'data' asset with href, file:checksum and file:size"
        ) from None
    path = href.split("/assets/", 1)[-1]
    if not path.startswith(f"{dataset}/{version}/"):
        raise InvalidParameter(f"asset {href!r} must live under /assets/{dataset}/{version}/")
    if not checksum.startswith(SHA256_MULTIHASH_PREFIX):
        raise InvalidParameter(f"file:checksum of {href!r} must be a sha2-256 multihash (1220...)")
    return AssetRecord(
        path,
        checksum[len(SHA256_MULTIHASH_PREFIX) :],
        size,
        data.get("type", "application/octet-stream"),
    )


@router.post(
    "/collections/{dataset}/versions",
    status_code=201,
    summary="Publish a new version (admin token); a published version is never changed",
)
def publish(request: Request, dataset: str, body: PublishBody) -> Response:
    require_admin(request)
    collection = body.collection
    version = str(collection.get("version", ""))
    Version.parse(version)
    if collection.get("id") != dataset:
        raise InvalidParameter(f"collection id {collection.get('id')!r} must be {dataset!r}")
    store, storage = deps.store(request), deps.storage(request)
    try:
        store.collection(dataset, version)
    except (DatasetNotFound, VersionNotFound):
        pass  # a new version: go on
    else:
        raise VersionExists(f"{dataset} {version} is already published and cannot be changed")
    assets = [_asset(item, dataset, version) for item in body.items]
    for asset in assets:
        if not storage.exists(asset.path) or storage.sha256(asset.path) != asset.sha256:
            raise InvalidParameter(
                f"storage has no file matching {asset.path!r} (sha256 {asset.sha256}); "
                "upload the files before publishing"
            )
    items = [dict(item, collection=dataset) for item in body.items]
    store.publish(collection, items, assets)
    location = deps.base_url(request) + collection_path(dataset, version)
    return Response(status_code=201, headers={"Location": location})

"""Version history of a dataset, and each version's own collection and items."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from astrobench.catalog.errors import ItemNotFound
from astrobench.catalog.queryables import ITEM_QUERYABLES
from astrobench.catalog.records import collection_path, iso
from astrobench.service import deps, pages
from astrobench.service.errors import READ_ERRORS
from astrobench.service.stac import (
    GeoJSONResponse,
    Params,
    SchemaResponse,
    queryables_document,
    version_items,
)

router = APIRouter(responses=READ_ERRORS)


@router.get("/collections/{dataset}/versions", summary="Every version of a dataset, oldest first")
def versions(request: Request, dataset: str) -> dict[str, Any]:
    catalogue = deps.store(request)
    history = catalogue.history(dataset)
    latest = catalogue.resolve(dataset, None, history)
    notes = catalogue.release_notes(dataset)
    entries = []
    for summary in history:
        entries.append(
            {
                "version": summary.version,
                "status": summary.status.value,
                "published": iso(summary.published),
                "release_notes": notes.get(summary.version, ""),
                "reason": summary.reason,
                "successor": summary.successor,
                "links": [
                    deps.link(
                        request,
                        "collection",
                        collection_path(dataset, summary.version),
                        title=f"{dataset} {summary.version}",
                    )
                ],
            }
        )
    return {
        "dataset": dataset,
        "latest": latest,
        "versions": entries,
        "links": [
            deps.link(
                request,
                "self",
                collection_path(dataset) + "/versions",
                title=f"Versions of {dataset}",
            ),
            deps.link(request, "collection", collection_path(dataset), title=dataset),
            deps.link(request, "root", "/", title=deps.settings(request).title),
        ],
    }


@router.get(
    "/collections/{dataset}/versions/{version}",
    summary="A version's collection; '1.2' resolves to the newest 1.2.x, 'latest' to the latest",
    description="Content negotiation as for /collections/{dataset}: the version's DOI resolves "
    "here, and browsers get its landing page.",
    response_model=None,
)
def version(request: Request, dataset: str, version: str) -> dict[str, Any] | Response:
    return pages.negotiated(request, dataset, version)


@router.get(
    "/collections/{dataset}/versions/{version}/queryables",
    summary="Queryables of a version's items",
    response_class=SchemaResponse,
)
def queryables(request: Request, dataset: str, version: str) -> dict[str, Any]:
    exact = deps.store(request).resolve(dataset, version)
    return queryables_document(request, f"Queryables of {dataset} {exact}", ITEM_QUERYABLES)


@router.get(
    "/collections/{dataset}/versions/{version}/items",
    summary="Items of one version",
    response_class=GeoJSONResponse,
)
def items(request: Request, dataset: str, version: str, params: Params) -> Response:
    return GeoJSONResponse(version_items(request, dataset, version, params))


@router.get(
    "/collections/{dataset}/versions/{version}/items/{item_id}",
    summary="One item",
    response_class=GeoJSONResponse,
)
def item(request: Request, dataset: str, version: str, item_id: str) -> Response:
    catalogue = deps.store(request)
    exact = catalogue.resolve(dataset, version)
    found = catalogue.item(dataset, item_id)
    if found["properties"]["version"] != exact:
        raise ItemNotFound(f"{dataset} {exact} has no item {item_id!r}")
    return GeoJSONResponse(deps.item_json(request, found, deps.app_path(request)))

"""STAC API core, collections, OGC API Features and item search."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request

from astrobench.catalog import benchmark
from astrobench.catalog.records import collection_path
from astrobench.catalog.store import Page, SearchQuery
from astrobench.service import deps
from astrobench.service.params import SearchBody, parse_limit, search_query

router = APIRouter()

GEOJSON = "application/geo+json"
CONFORMANCE = [
    "https://api.stacspec.org/v1.0.0/core",
    "https://api.stacspec.org/v1.0.0/collections",
    "https://api.stacspec.org/v1.0.0/ogcapi-features",
    "https://api.stacspec.org/v1.0.0/item-search",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
]


@router.get("/", summary="Landing page")
def landing(request: Request) -> dict[str, Any]:
    settings = deps.settings(request)
    latest = deps.store(request).latest_versions()
    links = [
        deps.link(request, "self", "/"),
        deps.link(request, "root", "/"),
        deps.link(request, "conformance", "/conformance"),
        deps.link(request, "data", "/collections"),
        deps.link(request, "search", "/search", GEOJSON, method="GET"),
        deps.link(request, "search", "/search", GEOJSON, method="POST"),
        deps.link(request, "service-desc", "/api", "application/vnd.oai.openapi+json;version=3.0"),
        deps.link(request, "service-doc", "/api.html", "text/html"),
        deps.link(
            request,
            "describedby",
            benchmark.SCHEMA_PATH,
            "application/schema+json",
            title="astrobench benchmark extension schema",
        ),
    ]
    links += [deps.link(request, "child", collection_path(d), title=d) for d in latest]
    return {
        "type": "Catalog",
        "stac_version": "1.1.0",
        "id": "astrobench",
        "title": settings.title,
        "description": settings.description,
        "conformsTo": CONFORMANCE,
        "links": links,
    }


@router.get("/conformance", summary="Conformance classes")
def conformance() -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE}


@router.get("/collections", summary="The latest version of every dataset")
def collections(request: Request) -> dict[str, Any]:
    latest = deps.store(request).latest_versions()
    found = [deps.collection_json(request, d, v) for d, v in latest.items()]
    return {
        "collections": found,
        "links": [deps.link(request, "self", "/collections"), deps.link(request, "root", "/")],
        "numberMatched": len(found),
        "numberReturned": len(found),
    }


@router.get("/collections/{dataset}", summary="A dataset: its latest version, with version links")
def collection(request: Request, dataset: str) -> dict[str, Any]:
    return deps.collection_json(request, dataset, deps.store(request).resolve(dataset, None))


def _feature_collection(
    request: Request, page: Page, self_path: str, next_link: dict[str, Any] | None
) -> dict[str, Any]:
    links = [deps.link(request, "self", self_path, GEOJSON), deps.link(request, "root", "/")]
    if next_link:
        links.append(next_link)
    return {
        "type": "FeatureCollection",
        "features": [deps.item_json(request, item) for item in page.items],
        "links": links,
        "numberMatched": page.matched,
        "numberReturned": len(page.items),
    }


def _get_next(request: Request, path: str, token: str | None) -> dict[str, Any] | None:
    if token is None:
        return None
    params = {k: v for k, v in request.query_params.items() if k != "token"}
    params["token"] = token
    return deps.link(request, "next", f"{path}?{urlencode(params)}", GEOJSON, method="GET")


def version_items(
    request: Request, dataset: str, version: str, limit: str | None, token: str | None
) -> dict[str, Any]:
    catalogue = deps.store(request)
    exact = catalogue.resolve(dataset, version)
    page = catalogue.items(
        dataset, exact, parse_limit(limit, deps.settings(request).max_limit), token
    )
    path = request.url.path
    return _feature_collection(request, page, path, _get_next(request, path, page.next_token))


@router.get("/collections/{dataset}/items", summary="Items of a dataset's latest version")
def items(
    request: Request, dataset: str, limit: str | None = None, token: str | None = None
) -> dict[str, Any]:
    return version_items(request, dataset, "latest", limit, token)


@router.get("/collections/{dataset}/items/{item_id}", summary="One item")
def item(request: Request, dataset: str, item_id: str) -> dict[str, Any]:
    return deps.item_json(request, deps.store(request).item(dataset, item_id))


@router.get("/search", summary="Item search (latest versions; any version when ids are given)")
def search_get(
    request: Request,
    collections: str | None = None,
    ids: str | None = None,
    bbox: str | None = None,
    datetime: str | None = None,
    limit: str | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    query = search_query(
        collections=collections,
        ids=ids,
        bbox=bbox,
        datetime_=datetime,
        limit=limit,
        token=token,
        max_limit=deps.settings(request).max_limit,
    )
    page = deps.store(request).search(query)
    return _feature_collection(
        request, page, "/search", _get_next(request, "/search", page.next_token)
    )


@router.post("/search", summary="Item search with a JSON body")
def search_post(request: Request, body: SearchBody) -> dict[str, Any]:
    query: SearchQuery = search_query(
        collections=body.collections,
        ids=body.ids,
        bbox=body.bbox,
        datetime_=body.datetime,
        limit=body.limit,
        token=body.token,
        max_limit=deps.settings(request).max_limit,
    )
    page = deps.store(request).search(query)
    next_link = None
    if page.next_token:
        next_body = body.model_dump(exclude_none=True) | {"token": page.next_token}
        next_link = deps.link(
            request, "next", "/search", GEOJSON, method="POST", body=next_body, merge=False
        )
    return _feature_collection(request, page, "/search", next_link)

"""STAC API core, collections with collection search, OGC API Features items, item search,
queryables and the CQL2 functions."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from astrobench.catalog import benchmark, cql2
from astrobench.catalog.queryables import COLLECTION_QUERYABLES, ITEM_QUERYABLES, json_schema
from astrobench.catalog.records import GEOJSON, QUERYABLES_REL, SCHEMA_JSON, collection_path
from astrobench.catalog.search import Page, SearchQuery
from astrobench.service import deps, negotiate, pages
from astrobench.service.errors import READ_ERRORS
from astrobench.service.fields import (
    COLLECTION_DEFAULT,
    COLLECTION_IDENTITY,
    ITEM_DEFAULT,
    ITEM_IDENTITY,
    Fields,
)
from astrobench.service.negotiate import HTML, JSON
from astrobench.service.params import SearchBody, SearchParams

router = APIRouter(responses=READ_ERRORS)

FUNCTIONS_REL = "http://www.opengis.net/def/rel/ogc/1.0/functions"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"

_STAC = "https://api.stacspec.org"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf"
CONFORMANCE = [
    f"{_STAC}/v1.0.0/core",
    f"{_STAC}/v1.0.0/collections",
    f"{_STAC}/v1.0.0/ogcapi-features",
    f"{_STAC}/v1.0.0/item-search",
    f"{_STAC}/v1.0.0/item-search#filter",
    f"{_STAC}/v1.0.0/item-search#fields",
    # pystac-client recognises v1.0.x sort URIs only; stac-fastapi advertises v1.1.0: serve both.
    f"{_STAC}/v1.0.0/item-search#sort",
    f"{_STAC}/v1.1.0/item-search#sort",
    f"{_STAC}/v1.0.0-rc.1/item-search#free-text",
    f"{_STAC}/v1.0.0/ogcapi-features#fields",
    f"{_STAC}/v1.0.0/ogcapi-features#sort",
    f"{_STAC}/v1.0.0/ogcapi-features#filter",
    f"{_STAC}/v1.0.0-rc.1/collection-search",
    f"{_STAC}/v1.0.0-rc.1/collection-search#free-text",
    f"{_STAC}/v1.0.0-rc.1/collection-search#filter",
    f"{_STAC}/v1.0.0-rc.1/collection-search#sort",
    f"{_STAC}/v1.0.0-rc.1/collection-search#fields",
    # Not the transaction extensions: their items change in place, while a published version
    # never changes. Writes build a draft version and publish it whole (service/transactions.py).
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/simple-query",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    f"{_CQL2}/cql2-text",
    f"{_CQL2}/cql2-json",
    f"{_CQL2}/basic-cql2",
    f"{_CQL2}/advanced-comparison-operators",
    f"{_CQL2}/case-insensitive-comparison",
    f"{_CQL2}/temporal-functions",
    f"{_CQL2}/array-functions",
    f"{_CQL2}/functions",
]
Params = Annotated[SearchParams, Depends()]


class FastJSONResponse(JSONResponse):
    """JSON written by orjson: what routes that return many records answer with, as instances,
    so that FastAPI neither validates nor re-encodes what the store already holds as JSON."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class GeoJSONResponse(FastJSONResponse):
    """Items and item collections are GeoJSON (STAC API item search, OGC API Features)."""

    media_type = GEOJSON


@router.get(
    "/", summary="Landing page (HTML for browsers: the list of benchmarks)", response_model=None
)
def landing(request: Request) -> dict[str, Any] | Response:
    if negotiate.choose(request.headers.get("accept"), [JSON, HTML]) == HTML:
        page = deps.store(request).search_collections(SearchQuery(limit=1000))
        found = [deps.collection_json(request, c["id"], c["version"], c) for c in page.items]
        return pages.catalogue(request, found, None)
    settings = deps.settings(request)
    link = partial(deps.link, request)
    links = [
        link("self", "/", title=settings.title),
        link("root", "/", title=settings.title),
        link("conformance", "/conformance", title="Conformance classes"),
        link("data", "/collections", title="Benchmark datasets (latest versions)"),
        link("search", "/search", GEOJSON, method="GET", title="Item search"),
        link("search", "/search", GEOJSON, method="POST", title="Item search"),
        link(QUERYABLES_REL, "/queryables", SCHEMA_JSON, title="Item queryables"),
        link(FUNCTIONS_REL, "/functions", title="CQL2 functions"),
        link("service-desc", "/api", OPENAPI, title="OpenAPI definition"),
        link("service-doc", "/api.html", "text/html", title="API documentation"),
        link(
            "describedby",
            benchmark.SCHEMA_PATH,
            SCHEMA_JSON,
            title="astrobench benchmark extension schema",
        ),
    ]
    titles = deps.published(request).titles
    links += [link("child", collection_path(d), title=t or d) for d, t in titles.items()]
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


@router.get(
    "/collections",
    summary="Collection search over the latest version of every dataset",
    description="Filter by free text (q), CQL2 over /collections-queryables (task, modality, "
    "licence, keywords, provenance, split roles...), datetime, cone and wavelength; sort; page. "
    "Browsers get the searchable HTML list.",
    response_model=None,
)
def collections(request: Request, params: Params) -> Response:
    html = negotiate.choose(request.headers.get("accept"), [JSON, HTML]) == HTML
    query, fields = params.query(deps.search_limits(request))
    page = deps.store(request).search_collections(query, deps.published(request))
    if html:
        found = [deps.collection_json(request, c["id"], c["version"], c) for c in page.items]
        return pages.catalogue(request, found, request.query_params.get("q"))
    found = [
        fields.apply(
            deps.collection_json(request, c["id"], c["version"], c, collection_path(c["id"])),
            COLLECTION_DEFAULT,
            COLLECTION_IDENTITY,
        )
        for c in page.items
    ]
    links = [
        deps.link(request, "self", requested(request), title="Benchmark datasets"),
        deps.link(request, "root", "/", title=deps.settings(request).title),
        deps.link(
            request,
            QUERYABLES_REL,
            "/collections-queryables",
            SCHEMA_JSON,
            title="Collection queryables",
        ),
    ]
    if page.next_token:
        links.append(_next_get(request, "/collections", page.next_token, JSON))
    return FastJSONResponse(
        {
            "collections": found,
            "links": links,
            "numberMatched": page.matched,
            "numberReturned": len(found),
        }
    )


@router.get(
    "/collections/{dataset}",
    summary="A dataset: its latest version, with version links",
    description="Content negotiation: STAC JSON by default; HTML, DataCite JSON "
    "(application/vnd.datacite.datacite+json), schema.org (application/ld+json) or Croissant "
    '(application/ld+json; profile="http://mlcommons.org/croissant/1.1") on request.',
    response_model=None,
)
def collection(request: Request, dataset: str) -> dict[str, Any] | Response:
    return pages.negotiated(request, dataset, None)


def requested(request: Request) -> str:
    """The path and query of this request, as its ``self`` link gives them."""
    query = request.url.query
    return deps.app_path(request) + (f"?{query}" if query else "")


def queryables_document(request: Request, title: str, which: Any) -> dict[str, Any]:
    return json_schema(which, deps.base_url(request) + deps.app_path(request), title)


class SchemaResponse(JSONResponse):
    """Queryables are JSON Schema documents (OGC API Features part 3)."""

    media_type = SCHEMA_JSON


@router.get(
    "/queryables",
    summary="Properties that item filters and sortby may use",
    response_class=SchemaResponse,
)
def queryables(request: Request) -> dict[str, Any]:
    return queryables_document(request, "Item queryables", ITEM_QUERYABLES)


@router.get(
    "/collections-queryables",
    summary="Properties that collection-search filters may use",
    response_class=SchemaResponse,
)
def collection_queryables(request: Request) -> dict[str, Any]:
    return queryables_document(request, "Collection queryables", COLLECTION_QUERYABLES)


@router.get(
    "/collections/{dataset}/queryables",
    summary="Queryables of a dataset's items",
    response_class=SchemaResponse,
)
def dataset_queryables(request: Request, dataset: str) -> dict[str, Any]:
    deps.store(request).history(dataset)
    return queryables_document(request, f"Queryables of {dataset}", ITEM_QUERYABLES)


@router.get("/functions", summary="CQL2 functions this server evaluates")
def functions() -> dict[str, Any]:
    return {"functions": [{"name": name, **spec} for name, spec in cql2.FUNCTIONS.items()]}


def feature_collection(
    request: Request, page: Page, fields: Fields, next_link: dict[str, Any] | None
) -> dict[str, Any]:
    links = [
        deps.link(request, "self", requested(request), GEOJSON, title="This page"),
        deps.link(request, "root", "/", title=deps.settings(request).title),
    ]
    if next_link:
        links.append(next_link)
    found = {
        "type": "FeatureCollection",
        "features": [
            fields.apply(deps.item_json(request, i, latest=latest), ITEM_DEFAULT, ITEM_IDENTITY)
            for i, (latest,) in zip(page.items, page.extra, strict=True)
        ],
        "links": links,
        "numberMatched": page.matched,
        "numberReturned": len(page.items),
    }
    if page.matched is None:
        del found["numberMatched"]
    return found


def _next_get(request: Request, path: str, token: str, media_type: str = GEOJSON) -> dict[str, Any]:
    params = {k: v for k, v in request.query_params.items() if k != "token"}
    params["token"] = token
    return deps.link(
        request, "next", f"{path}?{urlencode(params)}", media_type, method="GET", title="Next page"
    )


def version_items(
    request: Request, dataset: str, version: str, params: SearchParams
) -> dict[str, Any]:
    """A page of one version's items, filtered, sorted and projected as asked."""
    query, fields = params.query(deps.search_limits(request))
    page = deps.store(request).items(dataset, version, query, deps.published(request))
    path = deps.app_path(request)
    next_link = _next_get(request, path, page.next_token) if page.next_token else None
    return feature_collection(request, page, fields, next_link)


@router.get(
    "/collections/{dataset}/items",
    summary="Items of a dataset's latest version",
    response_class=GeoJSONResponse,
)
def items(request: Request, dataset: str, params: Params) -> Response:
    return GeoJSONResponse(version_items(request, dataset, "latest", params))


@router.get(
    "/collections/{dataset}/items/{item_id}", summary="One item", response_class=GeoJSONResponse
)
def item(request: Request, dataset: str, item_id: str) -> Response:
    found = deps.store(request).item(dataset, item_id)
    return GeoJSONResponse(deps.item_json(request, found, deps.app_path(request)))


@router.get(
    "/search",
    summary="Item search (latest versions; any version when ids are given)",
    response_class=GeoJSONResponse,
)
def search_get(request: Request, params: Params) -> Response:
    query, fields = params.query(deps.search_limits(request))
    page = deps.store(request).search(query, deps.published(request))
    next_link = _next_get(request, "/search", page.next_token) if page.next_token else None
    return GeoJSONResponse(feature_collection(request, page, fields, next_link))


@router.post("/search", summary="Item search with a JSON body", response_class=GeoJSONResponse)
def search_post(request: Request, body: SearchBody) -> Response:
    query, fields = body.query(deps.search_limits(request))
    page = deps.store(request).search(query, deps.published(request))
    next_link = None
    if page.next_token:
        next_body = body.model_dump(exclude_unset=True, by_alias=True) | {"token": page.next_token}
        next_link = deps.link(
            request,
            "next",
            "/search",
            GEOJSON,
            method="POST",
            body=next_body,
            merge=False,
            title="Next page",
        )
    return GeoJSONResponse(feature_collection(request, page, fields, next_link))

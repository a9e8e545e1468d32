"""STAC API core, collections with collection search, OGC API Features items, item search,
queryables and the CQL2 functions."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response

from astrobench.catalog import benchmark, cql2
from astrobench.catalog.queryables import COLLECTION_QUERYABLES, ITEM_QUERYABLES, json_schema
from astrobench.catalog.records import collection_path
from astrobench.catalog.search import Page, SearchQuery
from astrobench.service import deps, negotiate, pages
from astrobench.service.errors import READ_ERRORS
from astrobench.service.fields import COLLECTION_DEFAULT, ITEM_DEFAULT, Fields
from astrobench.service.negotiate import HTML, JSON
from astrobench.service.params import SearchBody, SearchParams

router = APIRouter(responses=READ_ERRORS)

GEOJSON = "application/geo+json"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
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
    f"{_STAC}/v1.0.0/ogcapi-features/extensions/transaction",
    f"{_STAC}/v1.0.0/collections/extensions/transaction",
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


@router.get(
    "/", summary="Landing page (HTML for browsers: the list of benchmarks)", response_model=None
)
def landing(request: Request) -> dict[str, Any] | Response:
    if negotiate.choose(request.headers.get("accept"), [JSON, HTML]) == HTML:
        page = deps.store(request).search_collections(SearchQuery(limit=1000))
        found = [deps.collection_json(request, c["id"], c["version"], c) for c in page.items]
        return pages.catalogue(request, found, None)
    settings = deps.settings(request)
    latest = deps.store(request).latest_versions()
    links = [
        deps.link(request, "self", "/"),
        deps.link(request, "root", "/"),
        deps.link(request, "conformance", "/conformance"),
        deps.link(request, "data", "/collections"),
        deps.link(request, "search", "/search", GEOJSON, method="GET"),
        deps.link(request, "search", "/search", GEOJSON, method="POST"),
        deps.link(request, QUERYABLES_REL, "/queryables", "application/schema+json"),
        deps.link(request, "http://www.opengis.net/def/rel/ogc/1.0/functions", "/functions"),
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


@router.get(
    "/collections",
    summary="Collection search over the latest version of every dataset",
    description="Filter by free text (q), CQL2 over /collections-queryables (task, modality, "
    "licence, keywords, provenance, split roles...), datetime, cone and wavelength; sort; page. "
    "Browsers get the searchable HTML list.",
    response_model=None,
)
def collections(request: Request, params: Params) -> dict[str, Any] | Response:
    html = negotiate.choose(request.headers.get("accept"), [JSON, HTML]) == HTML
    query, fields = params.query(deps.settings(request).max_limit)
    if html:
        page = deps.store(request).search_collections(query)
        found = [deps.collection_json(request, c["id"], c["version"], c) for c in page.items]
        return pages.catalogue(request, found, request.query_params.get("q"))
    page = deps.store(request).search_collections(query)
    found = [
        fields.apply(deps.collection_json(request, c["id"], c["version"], c), COLLECTION_DEFAULT)
        for c in page.items
    ]
    links = [
        deps.link(request, "self", "/collections"),
        deps.link(request, "root", "/"),
        deps.link(request, QUERYABLES_REL, "/collections-queryables", "application/schema+json"),
    ]
    if page.next_token:
        links.append(_next_get(request, "/collections", page.next_token, "application/json"))
    return {
        "collections": found,
        "links": links,
        "numberMatched": page.matched,
        "numberReturned": len(found),
    }


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


def _queryables_response(request: Request, path: str, title: str, which: Any) -> dict[str, Any]:
    return json_schema(which, deps.base_url(request) + path, title)


@router.get("/queryables", summary="Properties that item filters and sortby may use")
def queryables(request: Request) -> dict[str, Any]:
    return _queryables_response(request, "/queryables", "Item queryables", ITEM_QUERYABLES)


@router.get("/collections-queryables", summary="Properties that collection-search filters may use")
def collection_queryables(request: Request) -> dict[str, Any]:
    return _queryables_response(
        request, "/collections-queryables", "Collection queryables", COLLECTION_QUERYABLES
    )


@router.get("/collections/{dataset}/queryables", summary="Queryables of a dataset's items")
def dataset_queryables(request: Request, dataset: str) -> dict[str, Any]:
    deps.store(request).history(dataset)
    path = collection_path(dataset) + "/queryables"
    return _queryables_response(request, path, f"Queryables of {dataset}", ITEM_QUERYABLES)


@router.get("/functions", summary="CQL2 functions this server evaluates")
def functions() -> dict[str, Any]:
    return {"functions": [{"name": name, **spec} for name, spec in cql2.FUNCTIONS.items()]}


def feature_collection(
    request: Request, page: Page, fields: Fields, next_link: dict[str, Any] | None
) -> dict[str, Any]:
    links = [
        deps.link(request, "self", request.url.path, GEOJSON),
        deps.link(request, "root", "/"),
    ]
    if next_link:
        links.append(next_link)
    return {
        "type": "FeatureCollection",
        "features": [fields.apply(deps.item_json(request, i), ITEM_DEFAULT) for i in page.items],
        "links": links,
        "numberMatched": page.matched,
        "numberReturned": len(page.items),
    }


def _next_get(request: Request, path: str, token: str, media_type: str = GEOJSON) -> dict[str, Any]:
    params = {k: v for k, v in request.query_params.items() if k != "token"}
    params["token"] = token
    return deps.link(request, "next", f"{path}?{urlencode(params)}", media_type, method="GET")


def version_items(
    request: Request, dataset: str, version: str, params: SearchParams
) -> dict[str, Any]:
    """A page of one version's items, filtered, sorted and projected as asked."""
    query, fields = params.query(deps.settings(request).max_limit)
    page = deps.store(request).items(dataset, version, query)
    path = request.url.path
    next_link = _next_get(request, path, page.next_token) if page.next_token else None
    return feature_collection(request, page, fields, next_link)


@router.get("/collections/{dataset}/items", summary="Items of a dataset's latest version")
def items(request: Request, dataset: str, params: Params) -> dict[str, Any]:
    return version_items(request, dataset, "latest", params)


@router.get("/collections/{dataset}/items/{item_id}", summary="One item")
def item(request: Request, dataset: str, item_id: str) -> dict[str, Any]:
    return deps.item_json(request, deps.store(request).item(dataset, item_id))


@router.get("/search", summary="Item search (latest versions; any version when ids are given)")
def search_get(request: Request, params: Params) -> dict[str, Any]:
    query, fields = params.query(deps.settings(request).max_limit)
    page = deps.store(request).search(query)
    next_link = _next_get(request, "/search", page.next_token) if page.next_token else None
    return feature_collection(request, page, fields, next_link)


@router.post("/search", summary="Item search with a JSON body")
def search_post(request: Request, body: SearchBody) -> dict[str, Any]:
    query, fields = body.query(deps.settings(request).max_limit)
    page = deps.store(request).search(query)
    next_link = None
    if page.next_token:
        next_body = body.model_dump(exclude_none=True, by_alias=True) | {"token": page.next_token}
        next_link = deps.link(
            request, "next", "/search", GEOJSON, method="POST", body=next_body, merge=False
        )
    return feature_collection(request, page, fields, next_link)

"""Metadata exports of a version (DataCite, schema.org, BibTeX, CITATION.cff, text) and of a
dataset's concept DOI."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response

from astrobench.catalog import citation, datacite, schemaorg
from astrobench.catalog.citation import Citable
from astrobench.catalog.doi import DoiScheme
from astrobench.catalog.records import collection_path
from astrobench.service import deps
from astrobench.service.errors import READ_ERRORS

router = APIRouter(responses=READ_ERRORS)


def _json(document: dict[str, Any], media_type: str) -> Response:
    return Response(json.dumps(document, indent=2, ensure_ascii=False), media_type=media_type)


EXPORTS: dict[str, tuple[str, Callable[[Citable, DoiScheme], str | dict[str, Any]]]] = {
    "datacite": ("application/vnd.datacite.datacite+json", datacite.version_record),
    "schemaorg": ("application/ld+json", lambda c, _: schemaorg.dataset(c)),
    "bibtex": ("application/x-bibtex", lambda c, _: citation.bibtex(c)),
    "cff": ("application/x-yaml", lambda c, _: citation.cff(c)),
    "text": ("text/plain; charset=utf-8", lambda c, _: citation.text(c)),
}
"""Format name -> (media type, renderer)."""


def scheme(request: Request) -> DoiScheme:
    return DoiScheme(deps.settings(request).doi_prefix)


def version_citable(request: Request, dataset: str, version: str) -> Citable:
    """The citable view of the version a request resolves to."""
    catalogue = deps.store(request)
    history = catalogue.history(dataset)
    exact = catalogue.resolve(dataset, version, history)
    collection = deps.collection_json(request, dataset, exact)
    page = catalogue.items(dataset, exact)
    items = [deps.item_json(request, item) for item in page.items]
    return citation.citable(collection, items, history, scheme(request), deps.base_url(request))


@router.get(
    "/collections/{dataset}/versions/{version}/export/{name}",
    summary="A version's metadata as DataCite 4.5 JSON, schema.org JSON-LD, BibTeX, CFF or text",
)
def export(request: Request, dataset: str, version: str, name: str) -> Response:
    if name not in EXPORTS:
        raise HTTPException(404, f"no export {name!r}; exports: {', '.join(EXPORTS)}")
    media_type, render = EXPORTS[name]
    document = render(version_citable(request, dataset, version), scheme(request))
    if isinstance(document, dict):
        return _json(document, media_type)
    return Response(document, media_type=media_type)


@router.get(
    "/collections/{dataset}/export/datacite",
    summary="The DataCite record of a dataset's concept DOI (resolves to the latest version)",
)
def concept(request: Request, dataset: str) -> Response:
    latest = version_citable(request, dataset, "latest")
    landing = deps.base_url(request) + collection_path(dataset)
    record = datacite.concept_record(latest, scheme(request), landing)
    return _json(record, EXPORTS["datacite"][0])

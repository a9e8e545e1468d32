"""Metadata exports of a version (DataCite, schema.org, BibTeX, CITATION.cff, text) and of a
dataset's concept DOI."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response

from astrobench.catalog import benchmark, citation, croissant, datacite, minting, schemaorg
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
"""Format name -> (media type, renderer) of the exports made from the citable view alone."""
CROISSANT = "croissant"
"""Croissant also needs each split's per-example table."""


@dataclass(frozen=True)
class Version:
    """A resolved version as the exports read it: its records, rendered, and its citable view."""

    collection: dict[str, Any]
    items: list[dict[str, Any]]
    citable: Citable


def resolved(request: Request, dataset: str, version: str) -> Version:
    catalogue = deps.store(request)
    exact = catalogue.resolve(dataset, version)
    base = deps.base_url(request)
    return Version(
        *minting.stored_version(catalogue, deps.doi_scheme(request), base, dataset, exact)
    )


def table_path(dataset: str, version: str, split: str) -> str:
    return f"{collection_path(dataset, version)}/items/{dataset}-{version}-{split}/table.csv"


@router.get(
    "/collections/{dataset}/versions/{version}/items/{item}/table.csv",
    summary="One row per example of a split (id and every per-example variable), as CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The table"}},
)
def table(request: Request, dataset: str, version: str, item: str) -> Response:
    exact = deps.store(request).resolve(dataset, version)
    split = item.removeprefix(f"{dataset}-{exact}-")
    if split == item:
        raise HTTPException(404, f"{item!r} is not an item of {dataset} {exact}")
    found = deps.gate(request).wait(deps.splits(request).table, dataset, exact, split)
    return Response(found.text, media_type="text/csv", headers={"ETag": f'"sha256-{found.sha256}"'})


def _croissant(request: Request, dataset: str, version: str) -> dict[str, Any]:
    here = resolved(request, dataset, version)
    exact = here.citable.version
    tables = {}
    for item in here.items:
        split = item["properties"][benchmark.SPLIT]
        url = deps.base_url(request) + table_path(dataset, exact, split)
        found = deps.gate(request).wait(deps.splits(request).table, dataset, exact, split)
        tables[split] = (url, found)
    return croissant.document(here.citable, here.collection, here.items, tables)


@router.get(
    "/collections/{dataset}/versions/{version}/export/{name}",
    summary="A version's metadata: DataCite 4.5 JSON, schema.org or Croissant JSON-LD, BibTeX, "
    "CFF or text",
    response_class=Response,
    responses={
        200: {
            "content": {media_type: {} for media_type, _ in EXPORTS.values()},
            "description": "The record, in the media type of the export named",
        }
    },
)
def export(request: Request, dataset: str, version: str, name: str) -> Response:
    if name == CROISSANT:
        return _json(_croissant(request, dataset, version), "application/ld+json")
    if name not in EXPORTS:
        raise HTTPException(404, f"no export {name!r}; exports: {', '.join([*EXPORTS, CROISSANT])}")
    media_type, render = EXPORTS[name]
    document = render(resolved(request, dataset, version).citable, deps.doi_scheme(request))
    if isinstance(document, dict):
        return _json(document, media_type)
    return Response(document, media_type=media_type)


@router.get(
    "/collections/{dataset}/export/datacite",
    summary="The DataCite record of a dataset's concept DOI (resolves to the latest version)",
    response_class=Response,
    responses={200: {"content": {EXPORTS["datacite"][0]: {}}, "description": "The record"}},
)
def concept(request: Request, dataset: str) -> Response:
    latest = resolved(request, dataset, "latest").citable
    landing = deps.base_url(request) + collection_path(dataset)
    record = datacite.concept_record(latest, deps.doi_scheme(request), landing)
    return _json(record, EXPORTS["datacite"][0])

"""Landing pages: the catalogue, each dataset and each version as HTML, for people and search
engines (schema.org JSON-LD embedded). A DOI resolves to the version's page."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from astrobench.catalog import citation, schemaorg
from astrobench.catalog.doi import DoiScheme
from astrobench.catalog.extension import Benchmark, Card
from astrobench.catalog.records import collection_path, iso
from astrobench.service import boards, deps, exports, negotiate
from astrobench.service.exports import resolved


@cache
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("astrobench.service", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(request: Request, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    settings = deps.settings(request)
    page = (
        _templates()
        .get_template(template)
        .render(base=deps.base_url(request), site_title=settings.title, **context)
    )
    return HTMLResponse(page, status_code=code)


def catalogue(request: Request, collections: list[dict[str, Any]], q: str | None) -> HTMLResponse:
    return render(
        request,
        "catalogue.html",
        collections=collections,
        q=q,
        description=deps.settings(request).description,
    )


def _size(size: int) -> str:
    """Bytes for people: 950 B, 12.3 kB, 1.9 MB."""
    value, unit = float(size), "B"
    for larger in ("kB", "MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, larger
    return f"{value:.0f} B" if unit == "B" else f"{value:.1f} {unit}"


def _scores(bench: Benchmark) -> tuple[list[str], list[dict[str, Any]]]:
    """Evaluated splits, and each baseline's primary metric on them, formatted."""
    splits = [s.name for s in bench.scored_splits()]
    rows = []
    for b in bench.baselines or ():
        values = [b.score(s, bench.primary(s)) for s in splits]
        cells = ["-" if value is None else f"{value:.3f}" for value in values]
        rows.append({"name": b.name, "kind": b.kind, "command": b.command, "cells": cells})
    return splits, rows


def version(request: Request, dataset: str, requested: str) -> HTMLResponse:
    """The page of one version (``requested`` may be ``latest`` or a prefix)."""
    here = resolved(request, dataset, requested)
    record, c = here.collection, here.citable
    catalogue = deps.store(request)
    history = catalogue.history(dataset)
    latest = catalogue.resolve(dataset, None, history)
    summary = next(h for h in history if h.version == c.version)
    ids: DoiScheme = deps.doi_scheme(request)
    bench = Benchmark.from_collection(record)
    splits, baselines = _scores(bench)
    assets = record.get("assets", {})
    figures = [a for a in assets.values() if "diagnostics" in a.get("roles", [])]
    quicklook = next(
        (
            a
            for a in assets.values()
            if "overview" in a.get("roles", []) and "diagnostics" not in a.get("roles", [])
        ),
        None,
    )
    card = bench.card or Card()
    downloads = [
        {
            "href": f["href"],
            "title": f.get("title", f["href"].rsplit("/", 1)[-1]),
            "size": _size(int(f.get("file:size", 0))),
            "sha256": str(f.get("file:checksum", ""))[4:],
        }
        for f in c.files
    ]
    jsonld = json.dumps(schemaorg.dataset(c), ensure_ascii=False).replace("</", "<\\/")
    version_url = deps.base_url(request) + collection_path(dataset, c.version)
    return render(
        request,
        "dataset.html",
        c=c,
        bench=bench,
        status=summary.status.value,
        reason=summary.reason,
        successor=summary.successor,
        is_latest=c.version == latest,
        latest=latest,
        self_url=version_url,
        version_url=version_url,
        jsonld=jsonld,
        licence_links=[link for link in record.get("links", []) if link.get("rel") == "license"],
        classes=[cl.name for cl in bench.classes or ()],
        primary={s.name: bench.primary(s.name) for s in bench.splits or ()},
        scored_splits=splits,
        baselines=baselines,
        podium=boards.podium(request, dataset, c.version),
        figures=figures,
        quicklook=quicklook,
        card=[(heading, text) for heading, text in card.sections() if text],
        card_href=assets.get("card", {}).get("href"),
        limitations=bench.limitations or [],
        downloads=downloads,
        doi_state=deps.doi_states(request),
        open_line=f'import astrobench\nds = astrobench.open("{dataset}", version="{c.version}", '
        f'split="{(bench.splits or ())[0].name}")',
        citation_text=citation.text(c),
        bibtex=citation.bibtex(c),
        history=[
            {
                "version": h.version,
                "published": iso(h.published)[:10],
                "status": h.status.value,
                "doi": ids.version(dataset, h.version),
                "notes": catalogue.collection(dataset, h.version).get(
                    "astrobench:release_notes", ""
                ),
            }
            for h in history
        ],
    )


def error(request: Request, status: int, body: dict[str, Any]) -> HTMLResponse:
    """A helpful error page: what was wrong, and links to what does exist."""
    path = deps.app_path(request).strip("/").split("/")
    dataset = path[1] if len(path) > 1 and path[0] == "collections" else ""
    title = {404: "Not found", 406: "Not acceptable"}.get(status, "Error")
    return render(
        request,
        "error.html",
        code=status,
        status=status,
        title=title,
        description=body.get("description", ""),
        suggestions=body.get("suggestions"),
        available=body.get("available"),
        dataset=dataset,
    )


def negotiated(request: Request, dataset: str, requested: str | None) -> Response | dict[str, Any]:
    """A version as the client asks for it: STAC JSON (default), HTML, DataCite or Croissant."""
    offered = [
        negotiate.JSON,
        negotiate.HTML,
        negotiate.DATACITE,
        negotiate.SCHEMA_ORG,
        negotiate.CROISSANT,
    ]
    chosen = negotiate.choose(request.headers.get("accept"), offered)
    exact = deps.store(request).resolve(dataset, requested)
    if chosen == negotiate.HTML:
        return version(request, dataset, exact)
    if chosen == negotiate.JSON:
        return deps.collection_json(request, dataset, exact, path=deps.app_path(request))
    name = {negotiate.DATACITE: "datacite", negotiate.SCHEMA_ORG: "schemaorg"}.get(
        chosen, exports.CROISSANT
    )
    return exports.export(request, dataset, exact, name)

"""schema.org ``Dataset`` JSON-LD, the form dataset search engines index (embedded in the landing
pages, and served on its own)."""

from __future__ import annotations

from typing import Any

from astrobench.catalog import doi as dois
from astrobench.catalog.citation import PUBLISHER, Citable, text

CONTEXT = "https://schema.org/"


def dataset(c: Citable) -> dict[str, Any]:
    """The ``Dataset`` description of one version."""
    record: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Dataset",
        "@id": dois.url(c.doi),
        "name": c.title,
        "description": c.description,
        "url": c.landing,
        "identifier": [
            {"@type": "PropertyValue", "propertyID": "DOI", "value": c.doi, "url": dois.url(c.doi)}
        ],
        "sameAs": dois.url(c.doi),
        "version": c.version,
        "datePublished": c.published.date().isoformat(),
        "keywords": c.keywords,
        "creator": [{"@type": "Organization", "name": name} for name in c.creators],
        "publisher": {"@type": "Organization", "name": PUBLISHER},
        "isAccessibleForFree": True,
        "isPartOf": {"@type": "Dataset", "@id": dois.url(c.concept_doi), "name": c.title},
        "citation": [p["citation"] for p in c.publications if p.get("citation")],
        "isBasedOn": [s["url"] for s in c.sources],
        "creditText": text(c),
        "distribution": [
            {
                "@type": "DataDownload",
                "name": f.get("title", ""),
                "contentUrl": f["href"],
                "encodingFormat": f.get("type", "application/octet-stream"),
                "contentSize": f"{f.get('file:size', 0)} B",
                "sha256": str(f.get("file:checksum", ""))[4:],
            }
            for f in c.files
        ],
    }
    if c.start and c.end:
        record["temporalCoverage"] = f"{c.start}/{c.end}"
    if c.license not in ("other", "proprietary", ""):
        record["license"] = f"https://spdx.org/licenses/{c.license}.html"
    return record

"""DataCite Metadata Schema 4.5 records, as the DataCite REST API takes them (JSON attributes).

Versions are linked to each other and to their concept DOI (IsVersionOf / HasVersion,
IsNewVersionOf / IsPreviousVersionOf), to the packages they were built from (IsDerivedFrom), and to
the papers that describe the data (IsSupplementTo).
"""

from __future__ import annotations

from typing import Any

from astrobench.catalog import doi as dois
from astrobench.catalog.citation import PUBLISHER, Citable

SCHEMA_VERSION = "http://datacite.org/schema/kernel-4"
RESOURCE_TYPE = "Machine-learning benchmark dataset"


def _related(c: Citable, scheme_dataset: str, scheme: dois.DoiScheme) -> list[dict[str, str]]:
    related = [_doi(c.concept_doi, "IsVersionOf")]
    if c.previous:
        related.append(_doi(scheme.version(scheme_dataset, c.previous), "IsNewVersionOf"))
    if c.next:
        related.append(_doi(scheme.version(scheme_dataset, c.next), "IsPreviousVersionOf"))
    for source in c.sources:
        related.append(
            {
                "relatedIdentifier": source["url"],
                "relatedIdentifierType": "URL",
                "relationType": "IsDerivedFrom",
                "resourceTypeGeneral": "Software",
            }
        )
    for paper in c.publications:
        if paper.get("doi"):
            related.append(_doi(paper["doi"], "IsSupplementTo", "JournalArticle"))
        elif paper.get("bibcode"):
            related.append(
                {
                    "relatedIdentifier": paper["bibcode"],
                    "relatedIdentifierType": "bibcode",
                    "relationType": "IsSupplementTo",
                    "resourceTypeGeneral": "JournalArticle",
                }
            )
    return related


def _doi(value: str, relation: str, kind: str = "Dataset") -> dict[str, str]:
    return {
        "relatedIdentifier": value,
        "relatedIdentifierType": "DOI",
        "relationType": relation,
        "resourceTypeGeneral": kind,
    }


def version_record(c: Citable, scheme: dois.DoiScheme) -> dict[str, Any]:
    """The DataCite record of one version."""
    record = _common(c)
    record.update(
        doi=c.doi,
        url=c.landing,
        version=c.version,
        relatedIdentifiers=_related(c, c.dataset, scheme),
        sizes=[
            f"{sum(int(f.get('file:size', 0)) for f in c.files)} bytes",
            f"{len(c.files)} files",
        ],
        formats=sorted({str(f["type"]) for f in c.files if f.get("type")}),
    )
    return record


def concept_record(c: Citable, scheme: dois.DoiScheme, landing: str) -> dict[str, Any]:
    """The DataCite record of the dataset as a whole (``c`` is its latest version)."""
    record = _common(c)
    record.update(
        doi=c.concept_doi,
        url=landing,
        relatedIdentifiers=[_doi(scheme.version(c.dataset, v), "HasVersion") for v in c.versions],
    )
    return record


def _common(c: Citable) -> dict[str, Any]:
    dates = [{"date": c.published.date().isoformat(), "dateType": "Issued"}]
    if c.start and c.end:
        dates.append({"date": f"{c.start[:10]}/{c.end[:10]}", "dateType": "Collected"})
    record: dict[str, Any] = {
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": RESOURCE_TYPE},
        "creators": [{"name": name, "nameType": "Organizational"} for name in c.creators],
        "titles": [{"title": c.title}],
        "publisher": {"name": PUBLISHER},
        "publicationYear": str(c.published.year),
        "subjects": [{"subject": k} for k in c.keywords],
        "contributors": [
            {"name": PUBLISHER, "nameType": "Organizational", "contributorType": "DataCurator"}
        ],
        "dates": dates,
        "language": "en",
        "descriptions": [{"description": c.description, "descriptionType": "Abstract"}],
        "schemaVersion": SCHEMA_VERSION,
    }
    if c.license not in ("other", "proprietary", ""):
        record["rightsList"] = [
            {
                "rights": c.license,
                "rightsIdentifier": c.license,
                "rightsIdentifierScheme": "SPDX",
                "rightsUri": f"https://spdx.org/licenses/{c.license}.html",
            }
        ]
    else:
        record["rightsList"] = [{"rights": "See the licence links of the dataset's STAC record"}]
    return record

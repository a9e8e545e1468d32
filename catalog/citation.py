"""What every export needs to know about one version, and the plain citation formats built on it:
a text citation, BibTeX and CITATION.cff."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from astrobench.catalog import doi as dois
from astrobench.catalog.records import VersionSummary, collection_path

PUBLISHER = "astrobench"
SOURCES = "astrobench:sources"
"""Collection field: the pinned source packages a version was built from."""


@dataclass(frozen=True)
class Citable:
    """One published version as the citation and metadata exports see it."""

    dataset: str
    version: str
    title: str
    description: str
    license: str
    keywords: list[str]
    published: datetime
    doi: str
    concept_doi: str
    landing: str
    """The version's page (where its DOI resolves)."""
    creators: list[str]
    versions: list[str]
    """Every published version, oldest first."""
    publications: list[dict[str, str]] = field(default_factory=list)
    sources: list[dict[str, str]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    """Every asset of the version: href, type, title, file:size, file:checksum."""
    start: str | None = None
    end: str | None = None

    @property
    def previous(self) -> str | None:
        here = self.versions.index(self.version)
        return self.versions[here - 1] if here > 0 else None

    @property
    def next(self) -> str | None:
        here = self.versions.index(self.version)
        return self.versions[here + 1] if here + 1 < len(self.versions) else None


def citable(
    collection: dict[str, Any],
    items: Sequence[dict[str, Any]],
    history: Sequence[VersionSummary],
    scheme: dois.DoiScheme,
    base_url: str,
) -> Citable:
    """The citable view of a stored version (``collection`` and its ``items``, hrefs absolute)."""
    dataset, version = collection["id"], collection["version"]
    published = next(h.published for h in history if h.version == version)
    producers = [
        p["name"] for p in collection.get("providers", []) if "producer" in p.get("roles", [])
    ]
    files = [a for a in collection.get("assets", {}).values()]
    files += [a for item in items for a in item.get("assets", {}).values()]
    interval = collection["extent"]["temporal"]["interval"][0]
    return Citable(
        dataset=dataset,
        version=version,
        title=collection["title"],
        description=collection["description"],
        license=collection["license"],
        keywords=list(collection.get("keywords", [])),
        published=published,
        doi=scheme.version(dataset, version),
        concept_doi=scheme.concept(dataset),
        landing=base_url.rstrip("/") + collection_path(dataset, version),
        creators=producers or [PUBLISHER],
        versions=[h.version for h in history],
        publications=list(collection.get("sci:publications", [])),
        sources=list(collection.get(SOURCES, [])),
        files=files,
        start=interval[0],
        end=interval[1],
    )


def text(c: Citable) -> str:
    """A citation for a reference list."""
    creators = "; ".join(c.creators)
    return (
        f"{creators} ({c.published.year}). {c.title} (version {c.version}) [Data set]. "
        f"{PUBLISHER}. {dois.url(c.doi)}"
    )


def key(c: Citable) -> str:
    """The BibTeX key of a version."""
    return re.sub(r"[^A-Za-z0-9]+", "_", f"astrobench_{c.dataset}_{c.version}")


def escape(value: str) -> str:
    """Text as BibTeX reads it literally."""
    return re.sub(r"([&%$#_{}])", r"\\\1", value)


def entry(cite_key: str, fields: dict[str, str]) -> str:
    """A BibTeX ``@misc`` entry of already escaped ``fields``."""
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items())
    return f"@misc{{{cite_key},\n{body}\n}}\n"


def bibtex(c: Citable) -> str:
    """A BibTeX ``@misc`` entry (biblatex reads it too); names of organisations and the title
    are braced so that styles keep them as written."""
    fields = {
        "author": " and ".join("{" + escape(name) + "}" for name in c.creators),
        "title": "{" + escape(c.title) + "}",
        "year": str(c.published.year),
        "month": c.published.strftime("%b").lower(),
        "version": c.version,
        "publisher": PUBLISHER,
        "doi": c.doi,
        "url": dois.url(c.doi),
        "howpublished": "Data set",
        "note": escape(f"Benchmark dataset {c.dataset}, version {c.version}"),
    }
    return entry(key(c), fields)


def _yaml(value: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def cff(c: Citable) -> str:
    """CITATION.cff (Citation File Format 1.2.0) for the version."""
    lines = [
        "cff-version: 1.2.0",
        'message: "If you use this dataset, please cite it as below."',
        "type: dataset",
        f"title: {_yaml(c.title)}",
        f"version: {_yaml(c.version)}",
        f"doi: {_yaml(c.doi)}",
        f"date-released: {_yaml(c.published.date().isoformat())}",
        f"url: {_yaml(c.landing)}",
        "authors:",
        *(f"  - name: {_yaml(name)}" for name in c.creators),
        "identifiers:",
        "  - type: doi",
        f"    value: {_yaml(c.doi)}",
        "    description: this version",
        "  - type: doi",
        f"    value: {_yaml(c.concept_doi)}",
        "    description: every version (resolves to the latest)",
    ]
    if c.license and c.license not in ("other", "proprietary"):
        lines.append(f"license: {_yaml(c.license)}")
    if c.keywords:
        lines += ["keywords:", *(f"  - {_yaml(k)}" for k in c.keywords)]
    lines.append(f"abstract: {_yaml(c.description)}")
    return "\n".join(lines) + "\n"

"""Croissant 1.1 JSON-LD (MLCommons), with the Responsible-AI fields that apply.

Croissant readers cannot open NetCDF, so each split's per-example table (its id, target and every
other one-value-per-example variable) is served as CSV beside the file: the record sets read those
tables, and the NetCDF files are listed as the full data.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from astrobench.catalog import benchmark, citation
from astrobench.catalog.citation import Citable
from astrobench.catalog.extension import Benchmark, Card

CONFORMS_TO = "http://mlcommons.org/croissant/1.1"
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
"""The Croissant JSON-LD context, as the specification publishes it."""
NETCDF = "application/x-netcdf"


@dataclass(frozen=True)
class Table:
    """A split's per-example table as CSV, with its checksum and column types."""

    text: str
    sha256: str
    columns: dict[str, str]
    """Column -> Croissant data type (``sc:Text``, ``sc:Float``, ...)."""


def _kind(values: np.ndarray) -> str:
    if values.dtype.kind == "b":
        return "sc:Boolean"
    if values.dtype.kind in "iu":
        return "sc:Integer"
    if values.dtype.kind == "f":
        return "sc:Float"
    return "sc:Text"


def table(data: xr.Dataset, target: str | None) -> Table:
    """The ``id`` and every variable with one value per example (a vector target: one column
    per component, ``shear_g1``), in the file's order; the examples run along the target's
    dimension (a file without its target: the first variable's first one)."""
    first = (
        data[target]
        if target is not None and target in data.variables
        else next(iter(data.data_vars.values()))
    )
    index = first.dims[0]
    columns = {"id": data[index].values.astype(str)}
    for name, variable in data.variables.items():
        if variable.dims == (index,) and name != index:
            columns[str(name)] = variable.values
        elif name == target and variable.ndim == 2:  # a vector target: a column per component
            parts = data[variable.dims[1]].values.astype(str)
            for k, part in enumerate(parts):
                columns[f"{name}_{part}"] = variable.values[:, k]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(columns))
    for row in zip(*columns.values(), strict=True):
        writer.writerow(["" if isinstance(v, float) and np.isnan(v) else v for v in row])
    text = out.getvalue()
    return Table(
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        columns={name: _kind(np.asarray(values)) for name, values in columns.items()},
    )


def document(
    c: Citable,
    collection: Mapping[str, Any],
    items: list[dict[str, Any]],
    tables: Mapping[str, tuple[str, Table]],
) -> dict[str, Any]:
    """The Croissant description of a version; ``tables`` maps each split to (URL, table)."""
    distribution: list[dict[str, Any]] = []
    record_sets = []
    by_split: dict[str, list[dict[str, Any]]] = {}
    for item in items:  # a split in shards has an Item, and a file, per shard
        by_split.setdefault(item["properties"][benchmark.SPLIT], []).append(item)
    for split, parts in by_split.items():
        item = parts[0]
        for part in parts:
            shard = part["properties"].get(benchmark.SHARD)
            name = f"{split}-netcdf" + ("" if shard is None else f"-{shard['index']:04d}")
            data = part["assets"]["data"]
            distribution.append(
                {
                    "@type": "cr:FileObject",
                    "@id": name,
                    "name": name,
                    "description": f"The {split} split, every variable (NetCDF-4)"
                    + (
                        "" if shard is None else f", shard {shard['index'] + 1} of {shard['count']}"
                    ),
                    "contentUrl": data["href"],
                    "contentSize": f"{data['file:size']} B",
                    "encodingFormat": NETCDF,
                    "sha256": str(data["file:checksum"])[4:],
                }
            )
        url, found = tables[split]
        distribution.append(
            {
                "@type": "cr:FileObject",
                "@id": f"{split}-table",
                "name": f"{split}-table",
                "description": f"One row per example of the {split} split (CSV)",
                "contentUrl": url,
                "encodingFormat": "text/csv",
                "sha256": found.sha256,
            }
        )
        record_sets.append(
            {
                "@type": "cr:RecordSet",
                "@id": split,
                "name": split,
                "description": item["properties"].get("description", ""),
                "key": {"@id": f"{split}/id"},
                "field": [
                    {
                        "@type": "cr:Field",
                        "@id": f"{split}/{column}",
                        "name": column,
                        "dataType": kind,
                        "source": {
                            "fileObject": {"@id": f"{split}-table"},
                            "extract": {"column": column},
                        },
                    }
                    for column, kind in found.columns.items()
                ],
            }
        )
    bench = Benchmark.from_collection(collection)
    card = bench.card or Card()
    record: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": c.dataset,
        "description": c.description,
        "url": c.landing,
        "sameAs": f"https://doi.org/{c.doi}",
        "version": c.version,
        "datePublished": c.published.date().isoformat(),
        "citeAs": citation.bibtex(c),
        "creator": [{"@type": "sc:Organization", "name": name} for name in c.creators],
        "publisher": {"@type": "sc:Organization", "name": citation.PUBLISHER},
        "keywords": c.keywords,
        "license": _license(c, collection),
        "distribution": distribution,
        "recordSet": record_sets,
        "rai:dataCollection": _lineage(collection),
        "rai:dataLimitations": " ".join(bench.limitations or ()),
        "rai:dataUseCases": f"Benchmark for {bench.task or 'ML'} of '{bench.target or ''}'. "
        f"Not for: {card.text('out_of_scope')}",
        "rai:personalSensitiveInformation": "None: astronomical measurements of stars and "
        "supernovae; no people are described.",
    }
    return record


def _license(c: Citable, collection: Mapping[str, Any]) -> str:
    """An SPDX licence URL, or the record's licence link where the licence is not SPDX."""
    if c.license not in ("other", "proprietary", ""):
        return f"https://spdx.org/licenses/{c.license}.html"
    links = [link["href"] for link in collection.get("links", []) if link.get("rel") == "license"]
    return links[0] if links else c.license


def _lineage(collection: Mapping[str, Any]) -> str:
    return (
        " ".join(
            str(p.get("processing:lineage", ""))
            for p in collection.get("providers", [])
            if p.get("processing:lineage")
        )
        or "See the sources listed in the record."
    )

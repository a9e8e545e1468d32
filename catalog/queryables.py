"""Queryables: the names that filter (CQL2) and sortby accept, their types, and their SQL.

A queryable is either a promoted, indexed column or a path into the stored JSON record, read in SQL
(``json_extract`` on SQLite, ``->>`` on PostgreSQL). Item search joins each item's version row, so
item queries can also use the dataset-level fields (task, modality, licence...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Float, String, case, cast, func

from astrobench.catalog import benchmark
from astrobench.catalog.errors import InvalidParameter
from astrobench.catalog.schema import ItemRow, VersionRow

STRING, NUMBER, INTEGER, TIMESTAMP, ARRAY = "string", "number", "integer", "timestamp", "array"
BOOLEAN = "boolean"
ANY = "any"
"""The type of a property that is not advertised: its literal decides how it compares."""
_JSON_SCHEMA_TYPES: dict[str, dict[str, Any]] = {
    STRING: {"type": "string"},
    NUMBER: {"type": "number"},
    INTEGER: {"type": "integer"},
    TIMESTAMP: {"type": "string", "format": "date-time"},
    ARRAY: {"type": "array", "items": {"type": "string"}},
    BOOLEAN: {"type": "boolean"},
}
_SEGMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_:\-]*", re.ASCII)
"""One key of an unadvertised property's dotted path (no quotes, no spaces: safe in JSON paths)."""
_JSON_TYPES: dict[str, dict[str, tuple[str, ...]]] = {
    "postgresql": {NUMBER: ("number",), BOOLEAN: ("boolean",), STRING: ("string",)},
    "sqlite": {NUMBER: ("integer", "real"), BOOLEAN: ("true", "false"), STRING: ("text",)},
}
"""What ``jsonb_typeof`` (PostgreSQL) and ``json_type`` (SQLite) call each queryable type."""


@dataclass(frozen=True)
class Queryable:
    """One filterable, sortable name."""

    name: str
    type: str
    description: str
    column: Any = None
    """A promoted column (preferred: indexed)."""
    path: tuple[str, ...] = ()
    """Else a path into the record JSON of ``record``."""
    record: Any = None
    enum: tuple[str, ...] = ()

    @property
    def sortable(self) -> bool:
        return self.type != ARRAY

    def expression(self) -> Any:
        """The SQL value of this queryable (scalars only; see ``read_as`` for unadvertised
        properties)."""
        if self.column is not None:
            return self.column
        value = self.record[self.path]
        if self.type == NUMBER:
            return value.as_float()
        if self.type == INTEGER:
            return value.as_integer()
        return value.as_string()

    def schema(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"title": self.name, "description": self.description}
        entry |= _JSON_SCHEMA_TYPES[self.type]
        if self.enum:
            entry["enum"] = list(self.enum)
        return entry


def _schema_enum(field: str) -> tuple[str, ...]:
    props = benchmark.schema()["definitions"]["collection_fields"]["properties"]
    return tuple(props.get(field, {}).get("enum", ()))


_V, _I = VersionRow, ItemRow
_COLLECTION_FIELDS = (
    Queryable("id", STRING, "Dataset id", _V.dataset_id),
    Queryable("title", STRING, "Title", _V.title),
    Queryable("version", STRING, "Semantic version", _V.version),
    Queryable("license", STRING, "SPDX licence id, or 'other'", _V.license),
    Queryable("keywords", ARRAY, "Keywords", path=("keywords",), record=_V.collection),
    Queryable(benchmark.TASK, STRING, "Benchmark task", _V.task, enum=_schema_enum(benchmark.TASK)),
    Queryable(
        benchmark.MODALITY,
        STRING,
        "Data modality",
        _V.modality,
        enum=_schema_enum(benchmark.MODALITY),
    ),
    Queryable(
        benchmark.PROVENANCE,
        STRING,
        "Observed or simulated",
        _V.provenance,
        enum=_schema_enum(benchmark.PROVENANCE),
    ),
    Queryable(
        benchmark.TARGET,
        STRING,
        "Variable to predict",
        path=(benchmark.TARGET,),
        record=_V.collection,
    ),
    Queryable(
        "bench:roles",
        ARRAY,
        "Roles of the version's splits (train, validation, test, robustness)",
        path=("summaries", benchmark.ROLE),
        record=_V.collection,
    ),
    Queryable(
        "bench:split_names",
        ARRAY,
        "Names of the version's splits",
        path=("summaries", benchmark.SPLIT),
        record=_V.collection,
    ),
    Queryable("sci:doi", STRING, "DOI of the version", path=("sci:doi",), record=_V.collection),
)
_DATASET_LEVEL = {q.name for q in _COLLECTION_FIELDS} - {"id", "title", "version"}

COLLECTION_QUERYABLES: Mapping[str, Queryable] = {
    q.name: q
    for q in (
        *_COLLECTION_FIELDS,
        Queryable("datetime", TIMESTAMP, "Start of the temporal extent", _V.start),
        Queryable("start_datetime", TIMESTAMP, "Start of the temporal extent", _V.start),
        Queryable("end_datetime", TIMESTAMP, "End of the temporal extent", _V.end),
    )
}

ITEM_QUERYABLES: Mapping[str, Queryable] = {
    q.name: q
    for q in (
        Queryable("id", STRING, "Item id", _I.id),
        Queryable("collection", STRING, "Dataset id", _I.dataset_id),
        Queryable("version", STRING, "Semantic version of the item's dataset", _I.version),
        Queryable("datetime", TIMESTAMP, "Start of the item's time range", _I.start),
        Queryable("start_datetime", TIMESTAMP, "Start of the item's time range", _I.start),
        Queryable("end_datetime", TIMESTAMP, "End of the item's time range", _I.end),
        Queryable(benchmark.SPLIT, STRING, "Split name", _I.split),
        Queryable(benchmark.ROLE, STRING, "Split role", _I.role, enum=tuple(benchmark.ROLES)),
        Queryable(benchmark.COUNT, INTEGER, "Number of examples", _I.count),
        Queryable("title", STRING, "Item title", path=("properties", "title"), record=_I.content),
        *(q for q in _COLLECTION_FIELDS if q.name in _DATASET_LEVEL),
    )
}


_RECORDS = {ItemRow: (ItemRow.content, ("properties",)), VersionRow: (VersionRow.collection, ())}
"""Where an unadvertised property is read: an item's ``properties``, a collection's top level."""


def lookup(
    queryables: Mapping[str, Queryable], name: str, what: str = "queryable", table: Any = None
) -> Queryable:
    """The queryable a property name means (``properties.`` prefixes are accepted).

    With ``table``, any other well-formed name is a property of the records in ``table`` (the
    queryables' ``additionalProperties: true``): a record without it holds null there.
    """
    key = name.removeprefix("properties.")
    found = queryables.get(key)
    if found is not None:
        return found
    keys = key.split(".")
    if table is not None and all(_SEGMENT.fullmatch(k) for k in keys):
        record, prefix = _RECORDS[table]
        return Queryable(key, ANY, "", path=(*prefix, *keys), record=record)
    raise InvalidParameter(
        f"unknown {what} {name!r}; known: {', '.join(sorted(queryables))} (see /queryables)"
    )


def json_type(queryable: Queryable, dialect: str) -> Any:
    """The JSON type name of an unadvertised property in each record (null where it is absent)."""
    if dialect == "postgresql":
        return func.jsonb_typeof(func.jsonb_extract_path(queryable.record, *queryable.path))
    return func.json_type(queryable.record, _sqlite_path(queryable.path))


def read_as(queryable: Queryable, kind: str, dialect: str) -> Any:
    """An unadvertised property as ``kind`` (string, number or boolean) where a record holds a
    JSON value of that type, else null: a string never compares as a number, nor the reverse."""
    if dialect == "postgresql":
        text = func.jsonb_extract_path_text(queryable.record, *queryable.path)
    else:
        text = func.json_extract(queryable.record, _sqlite_path(queryable.path))
    to: Any = {NUMBER: Float, BOOLEAN: Boolean, STRING: String}[kind]
    return case((json_type(queryable, dialect).in_(_JSON_TYPES[dialect][kind]), cast(text, to)))


def _sqlite_path(keys: tuple[str, ...]) -> str:
    return "$" + "".join(f'."{k}"' for k in keys)


def json_schema(queryables: Mapping[str, Queryable], schema_id: str, title: str) -> dict[str, Any]:
    """The queryables as the JSON Schema document the filter extension serves."""
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": schema_id,
        "type": "object",
        "title": title,
        "properties": {name: q.schema() for name, q in queryables.items()},
        # Any other property may be used in a filter: where a record lacks it, it is null.
        "additionalProperties": True,
    }

"""Validate emitted records against the STAC core and extension JSON schemas.

Core schemas ship with pystac and ours ships with astrobench; other extension schemas are fetched
from their URLs unless a local copy is given (for machines without web access).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pystac.validation
from pystac import STACObjectType
from pystac.errors import STACValidationError
from pystac.validation.stac_validator import JsonSchemaSTACValidator

from astrobench.catalog import benchmark
from astrobench.catalog.errors import InvalidParameter
from astrobench.catalog.records import STAC_VERSION, with_item_links


def stac_validator(local_schemas: Mapping[str, Path] | None = None) -> JsonSchemaSTACValidator:
    """A validator that knows the benchmark schema and any local copies of published schemas."""
    validator = JsonSchemaSTACValidator()
    for uri, version in benchmark.SCHEMA_URIS.items():
        validator.schema_cache[uri] = benchmark.schema(version)
    for uri, path in (local_schemas or {}).items():
        validator.schema_cache[uri] = json.loads(path.read_text(encoding="utf-8"))
    return validator


def validate(record: dict[str, Any], validator: JsonSchemaSTACValidator) -> list[str]:
    """Validate one record against core and every extension it declares; return the schema URIs.

    Raises ``pystac.errors.STACValidationError`` on the first record that does not validate.
    """
    return list(pystac.validation.validate_dict(record, validator=validator))


@cache
def _offline() -> JsonSchemaSTACValidator:
    return stac_validator()


def check(record: dict[str, Any]) -> None:
    """Check a record a curator sends: STAC core (schemas ship with pystac) and, when declared,
    the benchmark extension (ships with astrobench); no network needed.

    Raises ``InvalidParameter`` naming the first problem.
    """
    kind = record.get("type")
    if kind not in ("Collection", "Feature"):
        raise InvalidParameter(f"expected a STAC Collection or Item (Feature), got type {kind!r}")
    if kind == "Feature":
        record = with_item_links(record)
    object_type = STACObjectType.COLLECTION if kind == "Collection" else STACObjectType.ITEM
    validator = _offline()
    try:
        validator.validate_core(record, object_type, record.get("stac_version", STAC_VERSION))
        if uri := benchmark.declared(record):
            validator.validate_extension(record, object_type, STAC_VERSION, uri)
    except STACValidationError as error:
        first = str(error).splitlines()
        detail = "; ".join(line for line in first[1:3] if line) or first[0]
        causes = error.source if isinstance(error.source, list) else [error.source]
        found = [c for c in causes if isinstance(c, jsonschema.ValidationError)]
        cause = jsonschema.exceptions.best_match(found) if found else None
        if cause is not None and cause.absolute_path:
            where = "".join(
                f"[{part}]" if isinstance(part, int) else f".{part}" if i else str(part)
                for i, part in enumerate(cause.absolute_path)
            )
            detail = f"at {where}: {cause.message}"
        raise InvalidParameter(f"{kind} {record.get('id')!r} is not valid STAC: {detail}") from None

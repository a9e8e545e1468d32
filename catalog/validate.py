"""Validate emitted records against the STAC core and extension JSON schemas.

Core schemas ship with pystac and ours ships with astrobench; other extension schemas are fetched
from their URLs unless a local copy is given (for machines without web access).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pystac.validation
from pystac.validation.stac_validator import JsonSchemaSTACValidator

from astrobench.catalog import benchmark


def stac_validator(local_schemas: Mapping[str, Path] | None = None) -> JsonSchemaSTACValidator:
    """A validator that knows the benchmark schema and any local copies of published schemas."""
    validator = JsonSchemaSTACValidator()
    validator.schema_cache[benchmark.SCHEMA_URI] = benchmark.schema()
    for uri, path in (local_schemas or {}).items():
        validator.schema_cache[uri] = json.loads(path.read_text(encoding="utf-8"))
    return validator


def validate(record: dict[str, Any], validator: JsonSchemaSTACValidator) -> list[str]:
    """Validate one record against core and every extension it declares; return the schema URIs.

    Raises ``pystac.errors.STACValidationError`` on the first record that does not validate.
    """
    return list(pystac.validation.validate_dict(record, validator=validator))

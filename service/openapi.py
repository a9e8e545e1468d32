"""The OpenAPI document as the service really answers: errors are ``application/json``
``ErrorBody`` whatever a route's own media type, and invalid parameters are 400, never 422."""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from typing import Any

ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}
INVALID = {
    "description": "Invalid parameter, filter, sort field or body",
    "content": {"application/json": {"schema": ERROR_BODY}},
}
_UNUSED = ("HTTPValidationError", "ValidationError")
"""FastAPI's schemas for the 422 this service never sends."""


def as_answered(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of FastAPI's document with the error responses made true."""
    fixed = deepcopy(document)
    for operations in fixed.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is not None:
                responses.setdefault("400", deepcopy(INVALID))
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400 and "content" in response:
                    schemas = [c.get("schema") for c in response["content"].values()]
                    schema = next((s for s in schemas if s), ERROR_BODY)
                    response["content"] = {"application/json": {"schema": schema}}
    for name in _UNUSED:
        fixed.get("components", {}).get("schemas", {}).pop(name, None)
    return fixed


def install(openapi: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """Wrap an app's ``openapi`` method so that it serves ``as_answered``, computed once."""
    cached: dict[str, Any] = {}

    def document() -> dict[str, Any]:
        if not cached:
            cached.update(as_answered(openapi()))
        return cached

    return document

"""The one map from domain errors to HTTP statuses, and JSON error bodies."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from astrobench.catalog.errors import (
    AssetNotFound,
    CatalogError,
    DatasetNotFound,
    DraftNotFound,
    Forbidden,
    InvalidParameter,
    InvalidPredictions,
    ItemNotFound,
    LeaderboardNotFound,
    MirrorNotFound,
    ReadOnly,
    StorageUnavailable,
    SubmissionNotFound,
    TooManySubmissions,
    TruthNotHeld,
    Unauthorized,
    VersionExists,
    VersionNotFound,
)
from astrobench.service.negotiate import NotAcceptable, wants_html

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5
"""What a 503 asks clients to wait before trying again."""

STATUS: dict[type[CatalogError], int] = {
    InvalidParameter: 400,
    DatasetNotFound: 404,
    VersionNotFound: 404,
    DraftNotFound: 404,
    ItemNotFound: 404,
    AssetNotFound: 404,
    MirrorNotFound: 404,
    SubmissionNotFound: 404,
    TooManySubmissions: 429,
    TruthNotHeld: 404,
    LeaderboardNotFound: 404,
    ReadOnly: 405,
    VersionExists: 409,
    StorageUnavailable: 503,
    Unauthorized: 401,
    Forbidden: 403,
    NotAcceptable: 406,
}


class ErrorBody(BaseModel):
    """Every error response: a stable code, a message saying what was wrong and what is valid."""

    code: str
    description: str
    suggestions: list[str] | None = None
    """Dataset ids close to an unknown one."""
    available: list[str] | None = None
    """Versions (or drafts) that do exist."""
    offered: list[str] | None = None
    """Media types a resource is offered as (406)."""
    problems: list[str] | None = None
    """Every problem found in a predictions file."""


_MEANING = {
    400: "Invalid parameter, filter, sort field or body",
    401: "No valid bearer token",
    403: "The token may not write this dataset",
    404: "Unknown dataset, version, draft, item, asset, mirror or submission",
    405: "This catalogue is a read-only mirror",
    406: "None of the offered media types is acceptable; the body lists them",
    409: "A published version is immutable",
    413: "Request body too large",
    415: "Request body is not JSON (or CSV where predictions are scored)",
    429: "The token has submitted to this benchmark as often as allowed; see Retry-After",
    503: "Database or asset storage unavailable",
}


def responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI descriptions of the error responses a route may give."""
    return {s: {"model": ErrorBody, "description": _MEANING[s]} for s in statuses}


READ_ERRORS = responses(400, 404, 503)
WRITE_ERRORS = responses(400, 401, 403, 404, 405, 409, 413, 415, 503)


def error_body(error: CatalogError) -> dict[str, object]:
    body: dict[str, object] = {"code": error.code, "description": error.description}
    if isinstance(error, DatasetNotFound):
        body["suggestions"] = error.suggestions
    if isinstance(error, VersionNotFound | DraftNotFound):
        body["available"] = error.available
    if isinstance(error, InvalidPredictions):
        body["problems"] = error.problems
    if isinstance(error, NotAcceptable):
        body["offered"] = error.offered
    return body


def status_of(error: CatalogError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 500


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into ``{"code", "description"}`` JSON."""

    @app.exception_handler(CatalogError)
    async def catalog_error(request: Request, error: CatalogError) -> Response:
        status = status_of(error)
        if status >= 500:
            log.error("%s: %s", error.code, error.description)
        if status in (404, 406) and wants_html(request):
            from astrobench.service import pages

            return pages.error(request, status, error_body(error))
        headers = {"Allow": "GET, HEAD"} if status == 405 else None
        if status == 503:
            headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if isinstance(error, TooManySubmissions):
            headers = {"Retry-After": str(error.retry_after)}
        return JSONResponse(error_body(error), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}"
            for e in error.errors()
        )
        return JSONResponse(
            {"code": "InvalidParameter", "description": f"invalid request: {problems}"},
            status_code=400,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        code = {404: "NotFound", 405: "MethodNotAllowed"}.get(error.status_code, "HTTPError")
        if error.status_code == 404 and wants_html(request):
            from astrobench.service import pages

            body = {"code": code, "description": str(error.detail)}
            return pages.error(request, 404, body)
        return JSONResponse(
            {"code": code, "description": str(error.detail)},
            status_code=error.status_code,
            headers=error.headers,
        )

    @app.exception_handler(Exception)
    async def unexpected(_: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse(
            {"code": "InternalError", "description": "internal server error; see the server log"},
            status_code=500,
        )

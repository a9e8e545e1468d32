"""Request checks before routing: no NUL in URLs (400), and request-body limits for every write:
JSON or CSV only (415) and at most ``max_body_bytes`` (413); file uploads, of any media type, at
most ``max_upload_bytes``.

Checked before the body is parsed, as plain ASGI middleware, so an oversized upload is refused
without being read into memory.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_WRITES = {"POST", "PUT", "PATCH"}


class _TooLarge(Exception):
    pass


UPLOAD_PATH = re.compile(r"^/collections/[^/]+/versions/[^/]+/files/[^/]+$")
"""Where curators PUT a version's files, in any format."""
FORM_PATHS = ("/oai",)
"""Routes that take an HTML form body (OAI-PMH harvesters POST their arguments)."""
SUBMISSION_PATH = re.compile(r"^/collections/[^/]+/versions/[^/]+/submissions$")
"""Where predictions are submitted, as multipart form data."""


def _accepted(content_type: str, path: str) -> bool:
    """JSON (records, transactions), CSV (predictions to score), or a form where one is taken."""
    media = content_type.split(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        return path in FORM_PATHS
    if media == "multipart/form-data":
        return SUBMISSION_PATH.match(path) is not None
    return media in ("application/json", "text/csv") or (
        media.startswith("application/") and media.endswith("+json")
    )


class UrlChecks:
    """A NUL character in a request's path or query (raw or as ``%00``) gets a 400 before any
    route sees it: no database text column can hold one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"").lower()
            if "\x00" in scope["path"] or b"%00" in query or b"\x00" in query:
                await _error(send, 400, "InvalidParameter", "the URL holds a NUL character (%00)")
                return
        await self.app(scope, receive, send)


class BodyLimits:
    def __init__(self, app: ASGIApp, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WRITES:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        content_type = headers.get("content-type", "")
        has_body = headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
        upload = scope["method"] == "PUT" and UPLOAD_PATH.match(scope["path"]) is not None
        limit = self.max_upload_bytes if upload else self.max_body_bytes
        if has_body and not upload and not _accepted(content_type, scope["path"]):
            await _error(
                send,
                415,
                "UnsupportedMediaType",
                "request bodies must be JSON (Content-Type: application/json), predictions as "
                "text/csv, or a submission as multipart/form-data; not "
                f"{content_type or 'missing'!r}",
            )
            return
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _error(send, 413, "PayloadTooLarge", _too_large(int(declared), limit))
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _TooLarge
            return message

        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except _TooLarge:
            if not started:
                await _error(send, 413, "PayloadTooLarge", _too_large(seen, limit))


def _too_large(size: int, limit: int) -> str:
    return f"request body of {size} bytes or more exceeds the limit of {limit} bytes"


async def _error(send: Send, status: int, code: str, description: str) -> None:
    body = json.dumps({"code": code, "description": description}).encode()
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

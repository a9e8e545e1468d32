"""Versioned asset links: immutable bytes with Range, Content-Length and a checksum ETag."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import AsyncIterator
from typing import IO, Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from astrobench.catalog import benchmark
from astrobench.service import deps
from astrobench.service.errors import responses

router = APIRouter()

CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """(first, last) byte of a single satisfiable range; None to serve the whole file;
    ``"unsatisfiable"`` for a well-formed range outside the file (RFC 9110 section 14)."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None  # malformed or multi-range: ignoring Range is allowed
    first_text, last_text = match.groups()
    if not first_text:
        length = _position(last_text)
        if length == 0 or size == 0:
            return "unsatisfiable"
        return max(size - length, 0), size - 1
    first = _position(first_text)
    if last_text and _position(last_text) < first:
        return None  # an invalid range is ignored
    if first >= size:
        return "unsatisfiable"
    last = min(_position(last_text), size - 1) if last_text else size - 1
    return first, last


def _position(digits: str) -> int:
    """A byte position; any beyond 10**18 (and Python's int parsing limit) is past every file."""
    return int(digits) if len(digits) <= 18 else 10**18


async def _stream(
    request: Request, handle: IO[bytes], first_block: bytes, remaining: int
) -> AsyncIterator[bytes]:
    """``first_block``, then ``remaining`` more bytes, each read through the storage gate; a
    failure midway ends the response early (its Content-Length tells the client it is short)."""
    gate, storage = deps.gate(request), deps.storage(request)
    try:
        yield first_block
        while remaining > 0:
            block = await gate.call(storage.read, handle, min(CHUNK, remaining))
            if not block:
                break
            remaining -= len(block)
            yield block
    finally:  # a read the gate gave up on may still hold the file: never wait for it here
        threading.Thread(target=handle.close, daemon=True).start()


async def _open_at(request: Request, path: str, first: int, length: int) -> tuple[IO[bytes], bytes]:
    """The stored file, positioned, and its first block: read before any header is sent, so
    that storage failing or hanging answers 503 rather than a truncated body."""
    gate, storage = deps.gate(request), deps.storage(request)
    handle = await gate.call(storage.open, path)
    try:
        await gate.call(storage.seek, handle, first)
        return handle, await gate.call(storage.read, handle, min(CHUNK, length))
    except BaseException:
        threading.Thread(target=handle.close, daemon=True).start()
        raise


ASSET_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The file, in its published media type", "content": {"*/*": {}}},
    206: {"description": "The requested byte range", "content": {"*/*": {}}},
    304: {"description": "Not modified: the ETag (its sha256) matches If-None-Match"},
    307: {"description": "Redirect to a presigned URL (ASTROBENCH_ASSET_LINKS=presigned)"},
    416: {"description": "The range lies outside the file"},
    **responses(404, 503),
}


@router.head("/assets/{path:path}", summary="A published file's headers", responses=ASSET_RESPONSES)
@router.get(
    "/assets/{path:path}",
    summary="A published file, with Range support",
    response_class=Response,
    responses=ASSET_RESPONSES,
)
async def asset(request: Request, path: str) -> Response:
    record = await run_in_threadpool(deps.store(request).asset, path)
    etag = f'"sha256-{record.sha256}"'
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Cache-Control": "public, max-age=31536000, immutable",
    }
    if request.headers.get("if-none-match") in (etag, "*"):
        return Response(status_code=304, headers=headers)
    wanted = parse_range(request.headers.get("range"), record.size)
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range != etag:
        wanted = None
    if wanted == "unsatisfiable":
        return Response(
            status_code=416, headers=headers | {"Content-Range": f"bytes */{record.size}"}
        )
    status, first, last = 200, 0, record.size - 1
    if isinstance(wanted, tuple):
        status, (first, last) = 206, wanted
        headers["Content-Range"] = f"bytes {first}-{last}/{record.size}"
    length = last - first + 1
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=record.media_type)
    settings, storage, gate = deps.settings(request), deps.storage(request), deps.gate(request)
    if settings.asset_links == "presigned":
        signed = await gate.call(storage.sign, path, settings.presign_seconds)
        if signed is not None:  # the link keeps its meaning; the signature expires
            return RedirectResponse(
                signed, 307, headers={"ETag": etag, "Cache-Control": "no-store"}
            )
    handle, first_block = await _open_at(request, path, first, length)
    return StreamingResponse(
        _stream(request, handle, first_block, length - len(first_block)),
        status_code=status,
        headers=headers,
        media_type=record.media_type,
    )


@router.get(
    "/stac-extensions/benchmark/{version}/schema.json",
    summary="The benchmark extension's JSON schema, at any published version",
    responses=responses(404),
)
def benchmark_schema(version: str) -> Response:
    if version not in benchmark.VERSIONS:
        raise HTTPException(
            404,
            f"benchmark schema {version!r} does not exist; versions: {', '.join(benchmark.VERSIONS)}",
        )
    text = json.dumps(benchmark.schema(version), indent=2)
    return Response(text, media_type="application/schema+json")

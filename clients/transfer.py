"""Moving bytes reliably: retries with backoff, resumable verified downloads, progress bars.

Transient failures (refused or dropped connections, timeouts, 408/425/429/5xx answers) are retried
with exponential backoff and jitter, honouring ``Retry-After``. The same policy serves httpx (the
catalogue's JSON and whole-file downloads) and aiohttp (fsspec's lazy range reads).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
import random
import ssl
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from astrobench.errors import ChecksumMismatch, ServerError

RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True)
class Retry:
    """How often and how patiently to retry a transient failure."""

    attempts: int = 5
    """Tries in all, the first included."""
    backoff: float = 0.25
    """Seconds before the second try; each later wait doubles, up to ``cap``."""
    cap: float = 10.0

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait after failed try number ``attempt`` (0-based)."""
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), self.cap)
        return float(min(self.cap, self.backoff * 2**attempt) * random.uniform(0.5, 1.0))


DEFAULT_RETRY = Retry()
_TRANSIENT = (httpx.TransportError,)


@functools.cache
def ssl_context() -> ssl.SSLContext:
    """httpx's default TLS settings, made once per process: loading the certificates costs
    tens of milliseconds, which every new client would pay again."""
    return httpx.create_ssl_context()


class RetryingTransport(httpx.BaseTransport):
    """An httpx transport that retries idempotent requests on transient failures."""

    def __init__(self, retry: Retry = DEFAULT_RETRY, inner: httpx.BaseTransport | None = None):
        self.retry = retry
        self.inner = inner or httpx.HTTPTransport(verify=ssl_context())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        retryable = request.method in IDEMPOTENT
        attempt = 0
        while True:
            last = not retryable or attempt + 1 >= self.retry.attempts
            try:
                response = self.inner.handle_request(request)
            except _TRANSIENT:
                if last:
                    raise
                wait = self.retry.delay(attempt)
            else:
                if last or response.status_code not in RETRY_STATUS:
                    return response
                wait = self.retry.delay(attempt, response.headers.get("retry-after"))
                response.close()
            time.sleep(wait)
            attempt += 1

    def close(self) -> None:
        self.inner.close()


Handler = Callable[[Any], Awaitable[Any]]


def aiohttp_retry(retry: Retry = DEFAULT_RETRY) -> Callable[[Any, Handler], Awaitable[Any]]:
    """An aiohttp client middleware with the same policy, for fsspec's HTTP file system."""
    import aiohttp

    async def middleware(request: Any, handler: Handler) -> Any:
        attempt = 0
        while True:
            last = attempt + 1 >= retry.attempts
            try:
                response = await handler(request)
            except (aiohttp.ClientConnectionError, asyncio.TimeoutError):
                if last:
                    raise
                wait = retry.delay(attempt)
            else:
                if last or response.status not in RETRY_STATUS:
                    return response
                wait = retry.delay(attempt, response.headers.get("Retry-After"))
                response.release()
            await asyncio.sleep(wait)
            attempt += 1

    return middleware


def progress_bar(total: int | None, label: str, show: bool | None, position: int = 0) -> Any:
    """A tqdm bar in bytes; ``show=None`` shows it only on a terminal."""
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        desc=label,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        disable=None if show is None else not show,
        position=position,
        leave=False,
    )


@dataclass
class Download:
    """One file to fetch whole: where it may be found, and what its bytes must be."""

    hrefs: Sequence[str]
    """The primary location first, then mirrors."""
    sha256: str
    size: int | None
    target: Path
    label: str


def download(
    http: httpx.Client,
    job: Download,
    *,
    retry: Retry = DEFAULT_RETRY,
    progress: bool | None = None,
    position: int = 0,
) -> Path:
    """Fetch ``job`` into ``job.target``, trying each location in turn.

    Interrupted transfers resume with a Range request; the bytes are checked against the sha256
    before the file is moved into place, so ``target`` is never partial or wrong.
    """
    failures: list[ServerError | ChecksumMismatch] = []
    with progress_bar(job.size, job.label, progress, position) as bar:
        for href in job.hrefs:
            try:
                _fetch(http, href, job, retry, bar)
                return job.target
            except (ServerError, ChecksumMismatch) as error:
                failures.append(error)
    if len(failures) == 1:
        raise failures[0]
    kind = (
        ChecksumMismatch if all(isinstance(f, ChecksumMismatch) for f in failures) else ServerError
    )
    raise kind(
        f"{job.label} could not be fetched from any of its {len(failures)} locations: "
        + "; ".join(map(str, failures))
    )


class _Partial:
    """A download in progress, hidden beside its target, hashed as it is written."""

    def __init__(self, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        self.path = target.parent / f".{target.name}.{uuid.uuid4().hex}.partial"
        self.file = self.path.open("wb")
        self.hasher = hashlib.sha256()
        self.size = 0

    def write(self, block: bytes) -> None:
        self.file.write(block)
        self.hasher.update(block)
        self.size += len(block)

    def restart(self) -> None:
        self.file.seek(0)
        self.file.truncate()
        self.hasher = hashlib.sha256()
        self.size = 0

    def discard(self) -> None:
        self.file.close()
        self.path.unlink(missing_ok=True)


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _fetch(http: httpx.Client, href: str, job: Download, retry: Retry, bar: Any) -> None:
    partial = _Partial(job.target)
    bar.reset(job.size)
    try:
        attempt = 0
        while True:
            try:
                _receive(http, href, partial, bar)
                break
            except (httpx.TransportError, _Retryable) as error:
                if attempt + 1 >= retry.attempts:
                    raise ServerError(f"cannot download {href}: {error}") from error
                time.sleep(retry.delay(attempt, getattr(error, "retry_after", None)))
                attempt += 1
        partial.file.close()
        digest = partial.hasher.hexdigest()
        if digest != job.sha256:
            raise ChecksumMismatch(
                f"{href} has sha256 {digest}, but the catalogue publishes {job.sha256}"
            )
        os.replace(partial.path, job.target)
    finally:
        partial.discard()


def _receive(http: httpx.Client, href: str, partial: _Partial, bar: Any) -> None:
    """Append the rest of ``href`` to ``partial``, from where it stopped if it holds some."""
    headers = {"Range": f"bytes={partial.size}-"} if partial.size else {}
    with http.stream("GET", href, headers=headers) as response:
        if response.status_code in RETRY_STATUS:
            raise _Retryable(f"HTTP {response.status_code}", response.headers.get("retry-after"))
        if response.status_code not in (200, 206):
            raise ServerError(f"cannot download {href}: HTTP {response.status_code}")
        if partial.size and response.status_code == 200:  # Range was ignored: start again
            partial.restart()
            bar.reset(bar.total)
        for block in response.iter_bytes():
            partial.write(block)
            bar.update(len(block))

"""Storage calls off the request threads: a bounded number at once, each within a deadline.

Routes that read asset storage await ``StorageGate.call`` instead of calling it from the shared
thread pool, so a slow or hung object store answers 503 (with Retry-After) within
``storage_timeout`` and never holds the threads that database-only routes (``/collections``,
search, ``/healthz``'s database check) run on. Synchronous routes that read storage rarely
(exports, tables) use ``wait``: it holds their thread, but no longer than the timeout.
Publishing re-hashes whole files, which may take longer than any read should; it calls
storage directly, each backend call bounded by the storage's own timeout.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread

from astrobench.catalog.errors import StorageUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")


class StorageGate:
    """At most ``concurrency`` storage calls at once; each (waiting included) within ``timeout``
    seconds, else ``StorageUnavailable``.

    A call that times out is abandoned, not stopped: its thread runs on until the backend's own
    timeout ends it, outside the limit. ``AssetStorage(timeout=...)`` bounds that for S3."""

    def __init__(self, concurrency: int, timeout: float) -> None:
        self.concurrency, self.timeout = concurrency, timeout
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        if self._limiter is None:  # made in the event loop that uses it
            self._limiter = anyio.CapacityLimiter(self.concurrency)
        return self._limiter

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        try:
            with anyio.fail_after(self.timeout):
                return await anyio.to_thread.run_sync(
                    function, *args, limiter=self.limiter, abandon_on_cancel=True
                )
        except TimeoutError as error:
            log.warning("asset storage did not answer within %g s", self.timeout)
            raise StorageUnavailable(
                f"asset storage did not answer within {self.timeout:g} s; try again shortly"
            ) from error

    def wait(self, function: Callable[..., T], *args: Any) -> T:
        """``call`` from a synchronous route's worker thread."""
        return anyio.from_thread.run(self.call, function, *args)

"""Asset storage through fsspec: a local folder by default, any fsspec URL (s3://, ...) otherwise."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import fsspec
from fsspec.core import url_to_fs

from astrobench.catalog.errors import StorageUnavailable, VersionExists
from astrobench.catalog.release import sha256_stream

log = logging.getLogger(__name__)


class AssetStorage:
    """Published files under one root URL, addressed by their versioned key.

    Every failure of the backend (an ``OSError``, or a client's own connection and timeout
    errors, which an S3 client raises) is a ``StorageUnavailable``, logged with its cause and
    described without it. ``timeout`` bounds each attempt of an object-store call, which is
    tried at most twice; without it the backend's defaults apply (minutes for S3).
    """

    def __init__(self, url: str, timeout: float | None = None, **options: Any) -> None:
        self.url = url.rstrip("/")
        if timeout is not None and url.startswith(("s3://", "s3a://")):
            options.setdefault(
                "config_kwargs",
                {
                    "connect_timeout": timeout,
                    "read_timeout": timeout,
                    "retries": {"total_max_attempts": 2, "mode": "standard"},
                },
            )
            options.setdefault("skip_instance_cache", True)  # s3fs's own retries set below
        self.fs: fsspec.AbstractFileSystem
        self.fs, self.root = url_to_fs(self.url, **options)
        if timeout is not None and hasattr(self.fs, "retries"):
            self.fs.retries = 1  # botocore retries once already
        if self.local:
            self.fs.makedirs(self.root, exist_ok=True)

    @contextmanager
    def failures(self, doing: str) -> Iterator[None]:
        """Backend failures while ``doing`` as ``StorageUnavailable``; for callers that read an
        ``open`` file themselves (through xarray, say), around those reads."""
        try:
            yield
        except (StorageUnavailable, VersionExists, ValueError, NotImplementedError):
            raise  # ours, a bad key, or what the backend cannot do: not an outage
        except Exception as error:
            log.warning("asset storage %s failed while %s: %r", self.url, doing, error)
            raise StorageUnavailable(
                f"asset storage failed while {doing}; try again shortly"
            ) from error

    @property
    def local(self) -> bool:
        return getattr(self.fs, "protocol", None) in ("file", ("file", "local"))

    def ping(self) -> None:
        """Raise ``StorageUnavailable`` unless the asset root can be reached (for an object
        store, its bucket: prefixes exist only once something is stored under them)."""
        where = self.root if self.local else self.root.split("/", 1)[0]
        with self.failures("checking its root"):
            found = self.fs.exists(where)
        if not found:
            log.warning("asset storage %s has no root folder or bucket", self.url)
            raise StorageUnavailable("asset storage has no root folder or bucket")

    def _path(self, key: str) -> str:
        if key.startswith("/") or ".." in key.split("/"):
            raise ValueError(f"asset key {key!r} must be a relative path without '..'")
        return f"{self.root}/{key}"

    def put(self, local: Path, key: str, sha256: str) -> None:
        """Store a file under ``key``, never replacing different bytes already there.

        The upload goes to a temporary name first and is moved into place, so a reader never sees
        a partial file. Re-putting identical bytes is a no-op, which makes publishing retryable.
        """
        target = self._path(key)
        with self.failures(f"writing {key!r}"):
            if self.fs.exists(target):
                if self.sha256(key) == sha256:
                    return
                raise VersionExists(
                    f"storage already holds different bytes at {key!r}; published files never change"
                )
            parent = target.rsplit("/", 1)[0]
            self.fs.makedirs(parent, exist_ok=True)
            partial = f"{parent}/.{uuid.uuid4().hex}.partial"
            self.fs.put_file(str(local), partial)
            self.fs.mv(partial, target)

    def sha256(self, key: str) -> str:
        """Hex sha256 of a stored file (reads it whole)."""
        with self.open(key) as handle, self.failures(f"reading {key!r}"):
            return sha256_stream(handle)

    def open(self, key: str) -> IO[bytes]:
        """A stored file, for reading; its reads raise the backend's own errors (wrap them in
        ``read``, or catch them) so that a caller streaming it can tell failure from end."""
        path = self._path(key)
        with self.failures(f"opening {key!r}"):
            handle: IO[bytes] = self.fs.open(path, "rb")
        return handle

    def read(self, handle: IO[bytes], size: int) -> bytes:
        """Up to ``size`` bytes from an ``open`` file."""
        with self.failures("reading"):
            return handle.read(size)

    def seek(self, handle: IO[bytes], position: int) -> None:
        with self.failures("seeking"):
            handle.seek(position)

    def move(self, key: str, target: str) -> None:
        """Move a stored file to another key (``integrity.quarantine``)."""
        source, destination = self._path(key), self._path(target)
        with self.failures(f"moving {key!r}"):
            self.fs.makedirs(destination.rsplit("/", 1)[0], exist_ok=True)
            self.fs.mv(source, destination)

    def sign(self, key: str, seconds: int) -> str | None:
        """A time-limited URL that reaches the bytes directly, where the backend can make one
        (S3 and compatible stores); None otherwise."""
        if self.local:
            return None
        path = self._path(key)
        try:
            with self.failures(f"signing {key!r}"):
                url: str = self.fs.sign(path, expiration=seconds)
        except NotImplementedError:
            return None
        return url

    def exists(self, key: str) -> bool:
        path = self._path(key)
        with self.failures(f"looking for {key!r}"):
            return bool(self.fs.exists(path))

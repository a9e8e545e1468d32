"""Asset storage through fsspec: a local folder by default, any fsspec URL (s3://, ...) otherwise."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import IO, Any

import fsspec
from fsspec.core import url_to_fs

from astrobench.catalog.errors import StorageUnavailable, VersionExists
from astrobench.catalog.release import sha256_stream


class AssetStorage:
    """Published files under one root URL, addressed by their versioned key."""

    def __init__(self, url: str, **options: Any) -> None:
        self.url = url.rstrip("/")
        self.fs: fsspec.AbstractFileSystem
        self.fs, self.root = url_to_fs(self.url, **options)
        if self.local:
            self.fs.makedirs(self.root, exist_ok=True)

    @property
    def local(self) -> bool:
        return getattr(self.fs, "protocol", None) in ("file", ("file", "local"))

    def ping(self) -> None:
        """Raise ``StorageUnavailable`` unless the asset root can be reached (for an object
        store, its bucket: prefixes exist only once something is stored under them)."""
        where = self.root if self.local else self.root.split("/", 1)[0]
        try:
            found = self.fs.exists(where)
        except OSError as error:
            raise StorageUnavailable(f"asset storage {self.url} is unreachable: {error}") from error
        if not found:
            raise StorageUnavailable(f"asset storage {self.url} has no root folder or bucket")

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
        try:
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
        except OSError as error:
            raise StorageUnavailable(f"cannot write {key!r} to {self.url}: {error}") from error

    def sha256(self, key: str) -> str:
        """Hex sha256 of a stored file (reads it whole)."""
        with self.open(key) as handle:
            return sha256_stream(handle)

    def open(self, key: str) -> IO[bytes]:
        try:
            handle: IO[bytes] = self.fs.open(self._path(key), "rb")
        except (OSError, ValueError) as error:
            raise StorageUnavailable(f"cannot read {key!r} from {self.url}: {error}") from error
        return handle

    def sign(self, key: str, seconds: int) -> str | None:
        """A time-limited URL that reaches the bytes directly, where the backend can make one
        (S3 and compatible stores); None otherwise."""
        if self.local:
            return None
        try:
            url: str = self.fs.sign(self._path(key), expiration=seconds)
        except NotImplementedError:
            return None
        return url

    def exists(self, key: str) -> bool:
        return bool(self.fs.exists(self._path(key)))

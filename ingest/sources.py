"""Source packages fetched from the Python package index at pinned versions, verified by sha256.

Wheels come through ``pip download``, so pip's configuration (index, mirrors, proxies) applies.
A source distribution cannot: pip would build it to read its metadata, and some (``MLZ``) do not
build. Those are fetched as files from the index's simple API (PEP 691, JSON), from
``$PIP_INDEX_URL`` or PyPI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from astrobench.catalog.release import sha256_file


class SourceError(RuntimeError):
    """A source package could not be fetched, or its bytes are not the pinned ones."""


@dataclass(frozen=True)
class PackageSource:
    """One distribution file on the package index, pinned by version and sha256."""

    name: str
    version: str
    filename: str
    sha256: str
    license: str
    acknowledgement: str

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"

    def describe(self) -> dict[str, str]:
        """The source as published in a version's record (``astrobench:sources``)."""
        return {
            "name": self.name,
            "version": self.version,
            "filename": self.filename,
            "sha256": self.sha256,
            "url": f"https://pypi.org/project/{self.name}/{self.version}/",
            "license": self.license,
        }

    def fetch(self, cache_dir: Path) -> Path:
        """The verified file, from the cache or downloaded from the package index."""
        cache_dir.mkdir(parents=True, exist_ok=True)
        target = cache_dir / self.filename
        if target.exists() and sha256_file(target) == self.sha256:
            return target
        with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
            downloaded = Path(tmp) / self.filename
            self._download(downloaded)
            actual = sha256_file(downloaded)
            if actual != self.sha256:
                raise SourceError(
                    f"{self.filename} has sha256 {actual}, but the recipe pins {self.sha256}; "
                    "refusing to build from unverified source data"
                )
            shutil.move(str(downloaded), target)
        return target

    def _download(self, destination: Path) -> None:
        """Put the package's file at ``destination`` (not yet verified)."""
        if self.filename.endswith(".whl"):
            self._pip_download(destination.parent)
        else:
            self._index_download(destination)

    def _pip_download(self, folder: Path) -> None:
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "-q",
            "-d",
            str(folder),
            self.requirement,
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0 or not (folder / self.filename).exists():
            raise SourceError(
                f"could not download {self.requirement} ({self.filename}) from the package "
                f"index: {result.stderr.strip()[-500:]}"
            )

    def _index_download(self, destination: Path) -> None:
        index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
        page = f"{index}/{self.name.lower()}/"
        try:
            with httpx.Client(follow_redirects=True, timeout=120) as http:
                listing = http.get(page, headers={"Accept": SIMPLE_JSON})
                listing.raise_for_status()
                files = {f["filename"]: f["url"] for f in listing.json().get("files", [])}
                if self.filename not in files:
                    raise SourceError(f"{page} lists no {self.filename}")
                url = str(httpx.URL(page).join(files[self.filename]))
                with http.stream("GET", url) as response, destination.open("wb") as out:
                    response.raise_for_status()
                    for block in response.iter_bytes(1 << 20):
                        out.write(block)
        except (httpx.HTTPError, ValueError) as error:
            raise SourceError(
                f"could not download {self.filename} from the package index ({page}): {error}"
            ) from error


SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
"""PEP 691: the simple API as JSON."""


@dataclass(frozen=True)
class DebianSource(PackageSource):
    """One binary package of the Debian archive, pinned by version and sha256: fetched with
    ``apt-get download`` where apt is configured, else from the archive's pool."""

    pool: str = ""
    """The package's folder in the archive's pool, e.g. ``main/s/stellarium``."""
    mirror: str = "http://deb.debian.org/debian"

    @property
    def requirement(self) -> str:
        return f"{self.name}={self.version}"

    def describe(self) -> dict[str, str]:
        return {
            **super().describe(),
            "url": f"https://packages.debian.org/source/{self.pool.rsplit('/', 1)[-1]}",
            "archive": "Debian",
        }

    def _download(self, destination: Path) -> None:
        if shutil.which("apt-get"):
            result = subprocess.run(
                ["apt-get", "download", "-q", self.requirement],
                cwd=destination.parent,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode == 0 and destination.exists():
                return
        url = f"{self.mirror}/pool/{self.pool}/{self.filename}"
        try:
            with (
                httpx.Client(follow_redirects=True, timeout=600) as http,
                http.stream("GET", url) as response,
                destination.open("wb") as out,
            ):
                response.raise_for_status()
                for block in response.iter_bytes(1 << 20):
                    out.write(block)
        except httpx.HTTPError as error:
            raise SourceError(f"could not download {self.filename} from {url}: {error}") from error

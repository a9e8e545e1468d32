"""OpenNGC's database (the ``pyongc`` wheel's ``ongc.db``), opened from the pinned wheel."""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def database(wheel: Path) -> Iterator[Path]:
    """``ongc.db`` as a file, for as long as the context lasts."""
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ongc.db"
        path.write_bytes(archive.read("pyongc/ongc.db"))
        yield path

from pathlib import Path

import pytest

from astrobench.catalog.errors import VersionExists
from astrobench.catalog.release import sha256_file
from astrobench.catalog.storage import AssetStorage


def test_put_is_idempotent_and_never_replaces_bytes(tmp_path: Path) -> None:
    storage = AssetStorage(str(tmp_path / "assets"))
    first, second = tmp_path / "a.bin", tmp_path / "b.bin"
    first.write_bytes(b"published bytes")
    second.write_bytes(b"different bytes")
    storage.put(first, "d/1.0.0/f.bin", sha256_file(first))
    storage.put(first, "d/1.0.0/f.bin", sha256_file(first))  # a retry is a no-op
    with pytest.raises(VersionExists, match="never change"):
        storage.put(second, "d/1.0.0/f.bin", sha256_file(second))
    with storage.open("d/1.0.0/f.bin") as handle:
        assert handle.read() == b"published bytes"
    assert [p.name for p in (tmp_path / "assets" / "d" / "1.0.0").iterdir()] == ["f.bin"]


def test_keys_cannot_escape_the_root(tmp_path: Path) -> None:
    storage = AssetStorage(str(tmp_path / "assets"))
    with pytest.raises(ValueError, match=r"\.\."):
        storage.exists("../outside")

"""The asset-storage contract, on every backend: a local folder and S3 (moto_server over HTTP)."""

from pathlib import Path

import pytest

from astrobench.catalog import integrity
from astrobench.catalog.errors import StorageUnavailable, VersionExists
from astrobench.catalog.records import AssetRecord
from astrobench.catalog.release import sha256_file
from astrobench.catalog.storage import AssetStorage


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AssetStorage:
    root = (
        str(tmp_path / "assets") if request.param == "local" else request.getfixturevalue("s3_root")
    )
    return AssetStorage(root)


def test_put_is_idempotent_and_never_replaces_bytes(storage: AssetStorage, tmp_path: Path) -> None:
    first, second = tmp_path / "a.bin", tmp_path / "b.bin"
    first.write_bytes(b"published bytes")
    second.write_bytes(b"different bytes")
    storage.put(first, "d/1.0.0/f.bin", sha256_file(first))
    storage.put(first, "d/1.0.0/f.bin", sha256_file(first))  # a retry is a no-op
    with pytest.raises(VersionExists, match="never change"):
        storage.put(second, "d/1.0.0/f.bin", sha256_file(second))
    with storage.open("d/1.0.0/f.bin") as handle:
        assert handle.read() == b"published bytes"
    with storage.open("d/1.0.0/f.bin") as handle:  # ranged reads, as the service streams them
        handle.seek(10)
        assert handle.read(5) == b"bytes"
    listed = storage.fs.ls(f"{storage.root}/d/1.0.0", detail=False)
    assert [Path(p).name for p in listed] == ["f.bin"]  # no temporary name left behind
    storage.ping()


def test_keys_cannot_escape_the_root(storage: AssetStorage) -> None:
    with pytest.raises(ValueError, match=r"\.\."):
        storage.exists("../outside")


def test_presigned_links_only_where_the_store_signs(storage: AssetStorage, tmp_path: Path) -> None:
    local = tmp_path / "f.bin"
    local.write_bytes(b"x" * 100)
    storage.put(local, "d/1.0.0/f.bin", sha256_file(local))
    signed = storage.sign("d/1.0.0/f.bin", 60)
    if storage.local:
        assert signed is None
    else:
        assert signed is not None and "Signature=" in signed and "f.bin" in signed


def test_a_missing_bucket_is_unavailable(moto_endpoint: dict[str, str]) -> None:
    with pytest.raises(StorageUnavailable, match="no root folder or bucket"):
        AssetStorage("s3://no-such-bucket-here/assets").ping()


def test_damage_at_rest_is_found_and_quarantined(storage: AssetStorage, tmp_path: Path) -> None:
    local = tmp_path / "f.bin"
    local.write_bytes(bytes(range(256)) * 64)
    record = AssetRecord("d/1.0.0/f.bin", sha256_file(local), local.stat().st_size, "x/y")
    storage.put(local, record.path, record.sha256)
    assert integrity.check_one(storage, record).state is integrity.State.OK

    flipped = bytearray(local.read_bytes())
    flipped[5000] ^= 0x01
    storage.fs.pipe_file(f"{storage.root}/{record.path}", bytes(flipped))  # damage behind our back
    found = integrity.check_one(storage, record)
    assert found.state is integrity.State.DAMAGED and record.sha256 in found.detail

    moved = integrity.quarantine(storage, record)
    assert integrity.check_one(storage, record).state is integrity.State.MISSING
    with storage.open(moved) as handle:
        assert handle.read() == bytes(flipped)  # kept for inspection, out of the served path
    with pytest.raises(StorageUnavailable):
        storage.open(record.path)

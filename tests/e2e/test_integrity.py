"""Integrity at rest, end to end: a byte flipped in a stored file is caught by the clients that
read whole files and by ``astrobench verify``, quarantined so the service stops serving it, and
restored by ingesting the same version again."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import h5py
import httpx
import numpy as np
import pytest

import astrobench
from astrobench.catalog.records import release_records
from astrobench.catalog.release import Release
from astrobench.catalog.settings import CatalogSettings
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.errors import ChecksumMismatch
from astrobench.ingest.publish import LocalTarget, publish
from astrobench.service.process import running_server
from tests.catalog.factories import make_release


@dataclass
class Served:
    url: str
    settings: CatalogSettings
    release: Release
    stored: Path
    """The test split's file in asset storage."""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    settings = CatalogSettings(data_dir=tmp_path / "data")
    settings.prepare()
    store = Store(settings.database_url)
    store.create()
    release = make_release(tmp_path / "build")
    publish(release, LocalTarget(store, AssetStorage(settings.storage_url)))
    store.close()
    _, _, assets = release_records(release)
    [test] = [a for a in assets if a.path.endswith("-test.nc")]
    env = {"ASTROBENCH_DATA_DIR": str(settings.data_dir)}
    with running_server(env, tmp_path / "server.log") as url:
        yield Served(url, settings, release, Path(settings.storage_url) / test.path)


def verify(served: Served, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "astrobench.cli", "verify", *args],
        env={**os.environ, "ASTROBENCH_DATA_DIR": str(served.settings.data_dir)},
        capture_output=True,
        text=True,
    )


def test_damage_is_found_quarantined_and_restored(served: Served, tmp_path: Path) -> None:
    assert verify(served).returncode == 0
    original = served.stored.read_bytes()
    with astrobench.open("toy-spectra", "1.0.0", "test", url=served.url, verify=True) as ds:
        expected = ds.flux.values.copy()
    assert not list(Path(os.environ.get("TMPDIR", "/tmp")).glob("astrobench-*/data.nc"))

    with h5py.File(served.stored, "r") as hdf:
        offset = hdf["flux"].id.get_offset()  # in the data, not the checksummed HDF5 metadata
    damaged = bytearray(original)
    damaged[offset + 100] ^= 0xFF
    served.stored.write_bytes(bytes(damaged))
    with astrobench.open("toy-spectra", "1.0.0", "test", url=served.url) as lazy:
        assert not np.array_equal(lazy.flux.values, expected)  # a ranged read cannot tell
    with pytest.raises(ChecksumMismatch):
        astrobench.open("toy-spectra", "1.0.0", "test", url=served.url, verify=True)
    with pytest.raises(ChecksumMismatch):
        astrobench.open(
            "toy-spectra", "1.0.0", "test", url=served.url, cache=True, cache_dir=str(tmp_path)
        )

    found = verify(served, "toy-spectra", "--version", "1.0")
    assert found.returncode == 1
    assert found.stdout.startswith("damaged\ttoy-spectra/1.0.0/") and "-test.nc" in found.stdout
    assert "checked 2 file(s)" in found.stderr and "1 problem(s)" in found.stderr
    quarantined = verify(served, "--quarantine")
    assert quarantined.returncode == 1 and "quarantined at .quarantine/" in quarantined.stdout
    assert not served.stored.exists()
    href = f"{served.url}/assets/{served.stored.relative_to(served.settings.storage_url)}"
    refused = httpx.get(href)
    assert refused.status_code == 503 and refused.headers["retry-after"]  # not wrong bytes
    assert verify(served).stdout.startswith("missing\t")

    store = Store(served.settings.database_url)
    try:
        outcome = publish(
            served.release, LocalTarget(store, AssetStorage(served.settings.storage_url))
        )
    finally:
        store.close()
    assert outcome.status == "restored"
    assert verify(served).returncode == 0
    assert httpx.get(href).content == original

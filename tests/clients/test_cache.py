"""The cache against a real server: verified downloads, offline open, corruption, parallel
downloads with progress."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import astrobench
from astrobench.cache import Cache, sha256_of
from astrobench.catalog.release import sha256_file
from astrobench.catalog.settings import CatalogSettings
from astrobench.service.process import running_server
from tests.clients.flaky import Faults, flaky_proxy


def test_a_cached_version_opens_with_the_network_off(
    catalogue: CatalogSettings, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    with running_server({"ASTROBENCH_DATA_DIR": str(catalogue.data_dir)}, tmp_path / "log") as url:
        client = astrobench.Client(url)
        paths = client.download("sn-spectra", "1.2", cache_dir=cache)
        with client.open("sn-spectra", "1.3", "test", cache=True, cache_dir=cache) as online:
            expected = online.flux.isel(spectrum=3).values
    assert len(paths) == 4 and all(p.is_relative_to(cache) for p in paths)
    # The server is gone now: versions resolve from the cached records.
    with pytest.raises(astrobench.ServerUnreachable):
        astrobench.Client(url).versions("sn-spectra")
    with astrobench.open(
        "sn-spectra", "1.3", "test", url=url, cache=True, cache_dir=str(cache)
    ) as ds:
        assert np.array_equal(ds.flux.isel(spectrum=3).values, expected, equal_nan=True)
    with astrobench.open(
        "sn-spectra", "1.2", "validation", url=url, cache=True, cache_dir=str(cache)
    ) as ds:
        assert ds.attrs["dataset_version"] == "1.2.0"
    with astrobench.open(
        "sn-spectra", split="test", url=url, cache=True, cache_dir=str(cache)
    ) as ds:
        assert ds.attrs["dataset_version"] == "1.3.0"  # the newest cached version
    with pytest.raises(astrobench.ServerUnreachable, match=r"not in the cache.*1\.3\.0-train"):
        astrobench.open("sn-spectra", "1.3", "train", url=url, cache=True, cache_dir=str(cache))
    with pytest.raises(astrobench.VersionNotFound, match="only cached versions") as missing:
        astrobench.open("sn-spectra", "1.0", "test", url=url, cache=True, cache_dir=str(cache))
    assert missing.value.available == ["1.2.0", "1.3.0"]
    with pytest.raises(astrobench.ServerUnreachable, match="no version of 'ogle3-variables'"):
        astrobench.open("ogle3-variables", url=url, cache=True, cache_dir=str(cache))


def test_offline_mode_never_touches_the_network(server: str, tmp_path: Path) -> None:
    faults = Faults()
    with flaky_proxy(server, faults) as proxy:
        options = {"url": proxy, "cache": True, "cache_dir": str(tmp_path)}
        with astrobench.open("sn-spectra", "1.1", "train", **options):
            online = sum(faults.seen.values())
        with astrobench.open("sn-spectra", "1.1", "train", offline=True, **options) as ds:
            assert ds.attrs["split"] == "train"
    assert online > 0 and sum(faults.seen.values()) == online


def test_a_corrupted_cache_file_is_detected_and_fetched_again(server: str, tmp_path: Path) -> None:
    client = astrobench.Client(server)
    [path] = client.download("sn-spectra", "1.2", ["test"], cache_dir=tmp_path)
    good = sha256_file(path)
    with path.open("r+b") as handle:  # flip bytes in the middle of the file
        handle.seek(path.stat().st_size // 2)
        handle.write(b"\x00corrupt\x00")
    with (
        pytest.warns(RuntimeWarning, match="does not match its checksum"),
        client.open("sn-spectra", "1.2", "test", cache=True, cache_dir=tmp_path) as ds,
    ):
        assert ds.sizes["spectrum"] > 0
    assert sha256_file(path) == good
    # Offline, a corrupted file cannot be replaced: the error says so.
    with path.open("r+b") as handle:
        handle.write(b"junk")
    offline = astrobench.Client(server, offline=True)
    with (
        pytest.warns(RuntimeWarning),
        pytest.raises(astrobench.ServerUnreachable, match="not in the cache"),
    ):
        offline.open("sn-spectra", "1.2", "test", cache=True, cache_dir=tmp_path)
    assert not path.exists()


def test_downloads_run_in_parallel_with_a_progress_bar(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    faults = Faults()
    with flaky_proxy(server, faults) as proxy:
        client = astrobench.Client(proxy)
        paths = client.download("ogle3-variables", cache_dir=tmp_path, progress=True, workers=4)
        items = client.items("ogle3-variables")
    assert len(paths) == len(items) == 14  # the latest version, 2.1.0
    cache = Cache(tmp_path)
    for item in items:
        asset = item["assets"]["data"]
        assert cache.verified(asset) in paths
        assert sha256_file(cache.file_path(asset)) == sha256_of(asset)
    assert faults.most_in_flight > 1
    progress = capsys.readouterr().err
    assert "ogle3-variables-2.1.0-test-sparse" in progress and "B/s" in progress

"""Offline mode reads the cache by itself, and lazy reads fall back to an asset's mirrors, at open
time and mid-session, through a real proxy that fails on purpose."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import astrobench
from astrobench.io import bytes_fetched, open_lazy
from tests.clients.flaky import Faults, flaky_proxy

README_EXAMPLE = (
    "import astrobench\n"
    'ds = astrobench.open("sn-spectra", version="1.2", split="train")\n'
    'print(ds.attrs["dataset_version"], ds.attrs["split"], ds.sizes["spectrum"])\n'
)


def assets(path: str) -> bool:
    return path.startswith("/assets/")


def data_asset(server: str, version: str, split: str) -> dict[str, Any]:
    item = astrobench.Client(server).split_item("sn-spectra", version, split)
    asset: dict[str, Any] = item["assets"]["data"]
    return asset


def test_offline_opens_a_cached_version_without_cache_true(server: str, tmp_path: Path) -> None:
    faults = Faults()
    with flaky_proxy(server, faults) as proxy:
        astrobench.Client(proxy).download("sn-spectra", "1.1", ["train"], cache_dir=tmp_path)
        online = sum(faults.seen.values())
        with astrobench.open(
            "sn-spectra", "1.1", "train", url=proxy, cache_dir=str(tmp_path), offline=True
        ) as ds:
            assert ds.attrs["dataset_version"] == "1.1.0" and ds.attrs["split"] == "train"
            assert bytes_fetched(ds) is None  # read from the cache, not lazily over HTTP
        offline = astrobench.Client(proxy, offline=True)
        with offline.open("sn-spectra", "1.1", "train", cache_dir=tmp_path) as ds:
            assert ds.sizes["spectrum"] > 0
        with pytest.raises(astrobench.ServerUnreachable, match="not in the cache"):
            offline.open("sn-spectra", "1.1", "test", cache_dir=tmp_path)
    assert online > 0 and sum(faults.seen.values()) == online


def test_the_readme_example_runs_offline_from_the_environment(server: str, tmp_path: Path) -> None:
    with flaky_proxy(server, Faults()) as proxy:
        astrobench.Client(proxy).download("sn-spectra", "1.2", ["train"], cache_dir=tmp_path)
    # The proxy is gone: nothing answers at ASTROBENCH_URL any more.
    env = {
        **os.environ,
        "ASTROBENCH_URL": proxy,
        "ASTROBENCH_CACHE_DIR": str(tmp_path),
        "ASTROBENCH_OFFLINE": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", README_EXAMPLE], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    version, split, spectra = result.stdout.split()
    assert (version, split) == ("1.2.0", "train") and int(spectra) > 0


def test_a_lazy_open_falls_back_when_the_primary_answers_503(server: str) -> None:
    asset = data_asset(server, "1.2", "test")
    faults = Faults(spared=1, unavailable=1000, matches=assets)  # HEAD works, every read 503s
    with flaky_proxy(server, faults) as broken:
        primary = asset["href"].replace(server, broken)
        mirrored = {**asset, "href": primary, "alternate": {"mirror": {"href": asset["href"]}}}
        with open_lazy(mirrored) as ds:
            assert ds.encoding["source"] == asset["href"]
            assert np.isfinite(ds.flux.isel(spectrum=0).values).any()
    assert faults.seen["passed"] == 1 and faults.seen["unavailable"] > 0


def test_lazy_reads_move_to_a_mirror_when_the_primary_fails_mid_session(server: str) -> None:
    asset = data_asset(server, "1.2", "train")
    with open_lazy(asset) as direct:
        expected = direct.flux.values
    faults = Faults(matches=assets)
    with flaky_proxy(server, faults) as proxy:
        primary = asset["href"].replace(server, proxy)
        mirrored = {**asset, "href": primary, "alternate": {"mirror": {"href": asset["href"]}}}
        with open_lazy(mirrored) as ds:
            assert ds.encoding["source"] == primary
            faults.unavailable = 1000  # the primary goes down after the open
            assert np.array_equal(ds.flux.values, expected, equal_nan=True)
    assert faults.seen["unavailable"] > 0


def test_when_every_location_fails_the_error_names_each_and_why(server: str) -> None:
    asset = data_asset(server, "1.2", "test")
    other = data_asset(server, "1.2", "train")
    faults = Faults(spared=1, unavailable=1000, matches=assets)
    with flaky_proxy(server, faults) as broken:
        primary = asset["href"].replace(server, broken)
        gone = asset["href"] + ".gone"
        hrefs = [primary, gone, other["href"]]
        stale = {
            **asset,
            "href": primary,
            "alternate": {"gone": {"href": gone}, "stale": {"href": other["href"]}},
        }
        with pytest.raises(astrobench.ServerError) as failed:
            open_lazy(stale)
    message = str(failed.value)
    assert all(href in message for href in hrefs), message
    assert "from any location (3 tried)" in message
    assert f"{primary}: HTTP 503" in message and f"{gone}: HTTP 404" in message
    assert f"has {other['file:size']} bytes, the catalogue publishes {asset['file:size']}" in (
        message
    )

"""Retries, resumed downloads and mirror fallback, through a real proxy that fails on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest

import astrobench
from astrobench.cache import Cache, sha256_of
from astrobench.catalog.release import sha256_file
from astrobench.io import bytes_fetched, open_lazy
from astrobench.transfer import Download, Retry, download
from tests.clients.flaky import Faults, flaky_proxy

QUICK = Retry(attempts=3, backoff=0.01)


def assets(path: str) -> bool:
    return path.startswith("/assets/")


def test_transient_errors_are_retried_with_backoff(server: str) -> None:
    faults = Faults(unavailable=3)
    with flaky_proxy(server, faults) as proxy:
        versions = astrobench.Client(proxy).versions("sn-spectra")
    assert [v["version"] for v in versions][-1] == "2.0.0"
    assert faults.seen["unavailable"] == 3


def test_lazy_reads_are_retried(server: str) -> None:
    faults = Faults(unavailable=2, matches=assets)
    with (
        flaky_proxy(server, faults) as proxy,
        astrobench.open("sn-spectra", "1.2", "train", url=proxy) as ds,
    ):
        assert ds.flux.isel(spectrum=0).shape == (1081,)
        assert (bytes_fetched(ds) or 0) > 0


def test_an_interrupted_download_resumes_where_it_stopped(server: str, tmp_path: Path) -> None:
    faults = Faults(cut=1, matches=assets)
    with flaky_proxy(server, faults) as proxy:
        [path] = astrobench.Client(proxy).download(
            "sn-spectra", "1.2", ["train"], cache_dir=tmp_path
        )
    item = astrobench.Client(server).split_item("sn-spectra", "1.2", "train")
    assert sha256_file(path) == sha256_of(item["assets"]["data"])
    size = item["assets"]["data"]["file:size"]
    assert faults.seen["cut"] == 1
    assert faults.ranges == [None, f"bytes={size // 2}-"]  # the second request resumes
    assert [p.name for p in path.parent.iterdir() if "partial" in p.name] == []


def test_persistent_failure_gives_up_with_the_cause(server: str, tmp_path: Path) -> None:
    faults = Faults(unavailable=1000)
    with flaky_proxy(server, faults) as proxy:
        client = astrobench.Client(proxy, retry=QUICK)
        with pytest.raises(astrobench.ServerError, match="HTTP 503"):
            client.versions("sn-spectra")
    assert faults.seen["unavailable"] == QUICK.attempts


def test_a_failing_primary_falls_back_to_a_mirror(server: str, tmp_path: Path) -> None:
    asset = astrobench.Client(server).split_item("sn-spectra", "1.2", "test")["assets"]["data"]
    faults = Faults(unavailable=1000, matches=assets)
    with flaky_proxy(server, faults) as broken:
        primary = asset["href"].replace(server, broken)
        mirrored = {**asset, "href": primary, "alternate": {"mirror": {"href": asset["href"]}}}
        with open_lazy(mirrored) as ds:
            assert ds.encoding["source"] == asset["href"]
            assert ds.sizes["spectrum"] > 0
        job = Download(
            hrefs=[primary, asset["href"]],
            sha256=sha256_of(asset),
            size=asset["file:size"],
            target=Cache(tmp_path).file_path(asset),
            label="test",
        )
        import httpx

        with httpx.Client() as http:
            assert download(http, job, retry=QUICK) == job.target
        assert sha256_file(job.target) == sha256_of(asset)
        with pytest.raises(astrobench.ServerError, match="any location"):
            open_lazy({**asset, "href": primary})
    assert faults.seen["unavailable"] >= 2

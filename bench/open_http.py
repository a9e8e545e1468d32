"""Time astrobench.open() + reading a whole split over HTTP against xarray reading the same file
from disk, and the bytes a one-spectrum read transfers.

    python bench/open_http.py [--data-dir DIR] [--repeat N] [--large]

Ingests sn-spectra (and galaxy-shear) into DIR where missing, starts ``astrobench serve`` on a
free port, and prints median timings and their ratio. With ``--large``, also opens galaxy-shear's
training split (in shards) and reads one stamp: time and bytes moved.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xarray as xr

import astrobench
from astrobench.io import bytes_fetched
from astrobench.service.process import running_server

DATASET, VERSION, SPLIT = "sn-spectra", "1.2.0", "train"


def median_seconds(action, repeat: int) -> float:  # type: ignore[no-untyped-def]
    return alternated([action], repeat)[0]


def alternated(actions, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Median seconds of each action, run in turn ``repeat`` times (A B C A B C ...), so that
    drift in the machine's speed falls on all of them alike."""
    timings: list[list[float]] = [[] for _ in actions]
    for _ in range(repeat):
        for action, times in zip(actions, timings, strict=True):
            start = time.perf_counter()
            action()
            times.append(time.perf_counter() - start)
    return [statistics.median(times) for times in timings]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "astrobench-bench"))
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--large", action="store_true", help="and one stamp of galaxy-shear")
    args = parser.parse_args()
    env = dict(os.environ, ASTROBENCH_DATA_DIR=args.data_dir)
    for name in [DATASET, *(["galaxy-shear"] if args.large else [])]:
        if any(Path(args.data_dir, "assets", name).glob("*/*.nc")):
            continue  # ingested by an earlier run
        subprocess.run(
            [sys.executable, "-m", "astrobench.cli", "ingest", name],
            env=env,
            check=True,
            capture_output=True,
        )
    log = Path(args.data_dir) / "bench-server.log"
    with running_server({"ASTROBENCH_DATA_DIR": args.data_dir}, log) as url:
        local = (
            Path(args.data_dir) / "assets" / DATASET / VERSION / f"{DATASET}-{VERSION}-{SPLIT}.nc"
        )

        def over_http() -> None:
            with astrobench.open(DATASET, VERSION, SPLIT, url=url) as ds:
                ds.load()

        def from_disk() -> None:
            with xr.open_dataset(local, engine="h5netcdf") as ds:
                ds.load()

        cache = Path(args.data_dir) / "client-cache"

        def cached() -> None:
            with astrobench.open(
                DATASET, VERSION, SPLIT, url=url, cache=True, cache_dir=str(cache)
            ) as ds:
                ds.load()

        shutil.rmtree(cache, ignore_errors=True)
        first_cached_s = median_seconds(cached, 1)
        over_http()  # warm: imports, connections
        http_s, disk_s, cached_s = alternated([over_http, from_disk, cached], args.repeat)
        with astrobench.open(DATASET, VERSION, SPLIT, url=url) as ds:
            ds.flux.isel(spectrum=0).load()
            one = bytes_fetched(ds) or 0
        size = local.stat().st_size
        print(f"split file: {DATASET} {VERSION} {SPLIT}, {size / 1e6:.2f} MB")
        print(f"open()+load over HTTP : {http_s * 1000:8.1f} ms (median of {args.repeat}, A/B)")
        print(f"xarray from disk      : {disk_s * 1000:8.1f} ms (median of {args.repeat}, A/B)")
        print(f"ratio HTTP / disk     : {http_s / disk_s:8.2f}x")
        print(f"cache=True, first     : {first_cached_s * 1000:8.1f} ms (download, verify, open)")
        print(
            f"cache=True, cached    : {cached_s * 1000:8.1f} ms (median; ratio to disk {cached_s / disk_s:.2f}x)"
        )
        print(
            f"one-spectrum read     : {one / 1e3:8.1f} kB fetched, {100 * one / size:.1f}% of file"
        )
        if args.large:
            one_stamp(url)


def one_stamp(url: str) -> None:
    """Open galaxy-shear's training split (every shard, lazily) and read one stamp."""
    items = astrobench.Client(url).split_items("galaxy-shear", None, "train")
    size = sum(item["assets"]["data"]["file:size"] for item in items)
    start = time.perf_counter()
    with astrobench.open("galaxy-shear", split="train", url=url) as ds:
        opened = time.perf_counter() - start
        metadata = bytes_fetched(ds) or 0
        ds.image[12345].load()
        read = time.perf_counter() - start - opened
        moved = bytes_fetched(ds) or 0
    print(f"galaxy-shear train    : {len(items)} shards, {size / 1e9:.2f} GB")
    print(f"  open (lazy, dask)   : {opened * 1000:8.1f} ms, {metadata / 1e6:.2f} MB of metadata")
    print(f"  one stamp read      : {read * 1000:8.1f} ms, {moved / 1e6:.2f} MB moved in all")


if __name__ == "__main__":
    main()

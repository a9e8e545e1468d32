"""One epoch of a training split through ``astrobench.torch.BenchmarkDataset``, training nothing:
over HTTP with 0, 2 and 4 DataLoader workers, and from the verified local copy, side by side.
Prints samples/s and the ratio to the local copy, bytes moved against the split's size, and
peak memory (this process and its workers).

    python bench/loader.py [--data-dir DIR] [--dataset NAME] [--split SPLIT] [--batch-size N]

Ingests the bundled datasets into DIR if it holds none (and the dataset, if it is a large one
and missing), and serves them on a free port. ``--dataset galaxy-shear`` reads the large split
in shards (1.2 GB of training stamps).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

import astrobench
from astrobench.io import bytes_fetched
from astrobench.service.process import running_server
from astrobench.torch import BenchmarkDataset


class PeakMemory:
    """Peak resident memory of this process and its children, sampled every 20 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = me.memory_info().rss
            for child in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            self.peak = max(self.peak, total)
            time.sleep(0.02)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    default = Path(tempfile.gettempdir()) / "astrobench-bench-loader"
    parser.add_argument("--data-dir", default=str(default))
    parser.add_argument("--dataset", default="ngc-morphology")
    parser.add_argument("--split", default="train")
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()
    env = dict(os.environ, ASTROBENCH_DATA_DIR=args.data_dir)
    if not Path(args.data_dir, "catalog.sqlite").exists():
        subprocess.run(
            [sys.executable, "-m", "astrobench.cli", "ingest", "--all"], env=env, check=True
        )
    if not any(Path(args.data_dir, "assets", args.dataset).glob("*/*.nc")):
        subprocess.run(
            [sys.executable, "-m", "astrobench.cli", "ingest", args.dataset], env=env, check=True
        )
    log = Path(args.data_dir) / "bench-loader-server.log"
    cache = Path(args.data_dir) / "loader-cache"
    with running_server({"ASTROBENCH_DATA_DIR": args.data_dir}, log) as url:
        items = astrobench.Client(url).split_items(args.dataset, None, args.split)
        size = sum(int(item["assets"]["data"]["file:size"]) for item in items)
        with astrobench.open(args.dataset, split=args.split, url=url) as lazy:
            opening = bytes_fetched(lazy) or 0
        numpy_epoch = astrobench.batches(
            args.dataset, split=args.split, url=url, batch_size=args.batch_size, shuffle=True
        )
        for _ in numpy_epoch:
            pass
        moved = numpy_epoch.moved or 0

        def epoch(workers: int, cached: bool) -> tuple[float, int, int]:
            data = BenchmarkDataset(
                args.dataset,
                split=args.split,
                url=url,
                batch_size=args.batch_size,
                shuffle=True,
                cache=cached,
                cache_dir=str(cache),
            )
            examples = 0
            with PeakMemory() as memory:
                start = time.perf_counter()
                for batch in data.loader(num_workers=workers):
                    examples += len(batch["id"])
                seconds = time.perf_counter() - start
            return seconds, examples, memory.peak

        epoch(0, cached=True)  # fills the cache, and warms imports
        runs = {}
        for label, workers, cached in [
            ("local copy, 0 workers", 0, True),
            ("HTTP, 0 workers", 0, False),
            ("HTTP, 2 workers", 2, False),
            ("HTTP, 4 workers", 4, False),
        ]:
            seconds, examples, peak = epoch(workers, cached)
            runs[label] = (examples / seconds, peak)
    local = runs["local copy, 0 workers"][0]
    print(
        f"{args.dataset} {args.split}: {examples} examples, {size / 1e6:.1f} MB in "
        f"{len(items)} file(s), batches of {args.batch_size}, shuffled"
    )
    print(f"{'':24}{'samples/s':>11}{'vs local':>10}{'peak MB':>9}")
    for label, (rate, peak) in runs.items():
        print(f"{label:24}{rate:11.0f}{rate / local:10.2f}{peak / 1e6:9.0f}")
    print(
        f"bytes moved by one epoch over HTTP: {moved / 1e6:.2f} MB, {moved / size:.2f}x the "
        f"files; each further worker adds its opening, {opening / 1e3:.0f} kB"
    )


if __name__ == "__main__":
    main()

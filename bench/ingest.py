"""Time ``astrobench ingest --all`` from an empty data folder: one dataset built at a time against
two at a time, side by side, with each run's peak memory (all its processes together).

    python bench/ingest.py [--source-dir DIR]

Source packages come from DIR (default ``.cache/sources``), so downloads are not timed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(workers: int, source_dir: Path) -> tuple[float, float]:
    """Wall seconds and peak resident MB (the ingest's processes together) of one full ingest."""
    import psutil

    with tempfile.TemporaryDirectory(prefix="astrobench-bench-ingest-") as data:
        env = {**os.environ, "ASTROBENCH_DATA_DIR": data, "ASTROBENCH_SOURCE_DIR": str(source_dir)}
        command = [sys.executable, "-m", "astrobench.cli", "ingest", "--all"]
        start = time.perf_counter()
        process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        watched, peak = psutil.Process(process.pid), 0
        while process.poll() is None:
            try:
                tree = [watched, *watched.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree))
            except psutil.Error:
                pass
            time.sleep(0.2)
        seconds = time.perf_counter() - start
        if process.returncode:
            raise SystemExit(f"ingest --workers {workers} failed ({process.returncode})")
    return seconds, peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source-dir", type=Path, default=ROOT / ".cache" / "sources")
    args = parser.parse_args()
    print(f"astrobench ingest --all on {os.cpu_count()} cores")
    found = {workers: run(workers, args.source_dir) for workers in (1, 2)}
    for workers, (seconds, peak) in found.items():
        print(f"--workers {workers}: {seconds:6.1f} s wall, peak {peak:6.0f} MB resident in all")
    print(f"two at a time / one at a time: {found[2][0] / found[1][0]:.2f} x the wall time")


if __name__ == "__main__":
    main()

"""Time ``astrobench ingest --all`` from an empty data folder: one dataset built at a time against
two at a time, side by side, with each run's peak memory (all its processes together).

    python bench/ingest.py [--source-dir DIR] [--large]

With ``--large``, the large dataset instead: ``astrobench ingest galaxy-shear`` whole (drawing on
every core, then its baselines), and a tenth of its drawing with one process against every core.
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


def run(
    workers: int, source_dir: Path, what: tuple[str, ...] = ("--all",), keep: Path | None = None
) -> tuple[float, float]:
    """Wall seconds and peak resident MB (the ingest's processes together) of one ingest, into
    a temporary data folder or ``keep``."""
    import psutil

    with tempfile.TemporaryDirectory(prefix="astrobench-bench-ingest-") as temporary:
        data = str(keep or temporary)
        env = {
            **os.environ,
            "ASTROBENCH_DATA_DIR": data,
            "ASTROBENCH_SOURCE_DIR": str(source_dir),
        }
        command = [sys.executable, "-m", "astrobench.cli", "ingest", *what]
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


def drawing(processes: int, source_dir: Path, galaxies: int) -> float:
    """Seconds to draw ``galaxies`` galaxies per split of galaxy-shear (no baselines)."""
    script = (
        "import sys, tempfile, pathlib;"
        "from astrobench.ingest.recipe import get_recipe;"
        "r = get_recipe('galaxy-shear');"
        f"s = {{p.name: p.fetch(pathlib.Path({str(source_dir)!r})) for p in r.sources}};"
        f"r.build('1.0.0', s, pathlib.Path(tempfile.mkdtemp()), limit={galaxies})"
    )
    env = {**os.environ, "ASTROBENCH_BUILD_WORKERS": str(processes)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", script], env=env, check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def large(source_dir: Path, keep: Path | None) -> None:
    cores = len(os.sched_getaffinity(0))
    tenth = {n: drawing(n, source_dir, 4000) for n in sorted({1, cores})}
    print(f"galaxy-shear, drawing 40,000 stamps (4,000 galaxies per split) on {cores} cores:")
    for n, seconds in tenth.items():
        print(f"  {n} process(es): {seconds:6.1f} s, {40_000 / seconds:5.0f} stamps/s")
    print(f"  {cores} / 1: {tenth[cores] / tenth[1]:.2f} x the wall time")
    seconds, peak = run(1, source_dir, ("galaxy-shear",), keep)
    print(
        f"astrobench ingest galaxy-shear (110,000 stamps, then three baselines): {seconds:.0f} s "
        f"wall, peak {peak:.0f} MB resident in all"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source-dir", type=Path, default=ROOT / ".cache" / "sources")
    parser.add_argument("--large", action="store_true", help="the large dataset instead")
    parser.add_argument(
        "--data-dir", type=Path, help="with --large: ingest into this folder and keep it"
    )
    args = parser.parse_args()
    if args.large:
        large(args.source_dir, args.data_dir)
        return
    print(f"astrobench ingest --all on {os.cpu_count()} cores")
    found = {workers: run(workers, args.source_dir) for workers in (1, 2)}
    for workers, (seconds, peak) in found.items():
        print(f"--workers {workers}: {seconds:6.1f} s wall, peak {peak:6.0f} MB resident in all")
    print(f"two at a time / one at a time: {found[2][0] / found[1][0]:.2f} x the wall time")


if __name__ == "__main__":
    main()

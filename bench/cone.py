"""Time cone searches over the ingested catalogue: footprints searched through their MOCs (the
service's query) against the same query on their boxes alone, side by side, and what each finds.

    python bench/cone.py [--data-dir DIR] [--repeat N]

Ingests the bundled datasets into DIR if it holds none.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from astrobench.catalog import search, sky
from astrobench.catalog.search import SearchQuery
from astrobench.catalog.settings import CatalogSettings
from astrobench.catalog.sky import Cone
from astrobench.catalog.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    default = Path(tempfile.gettempdir()) / "astrobench-bench-cone"
    parser.add_argument("--data-dir", default=str(default))
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    settings = CatalogSettings(data_dir=Path(args.data_dir))
    if not Path(settings.data_dir, "catalog.sqlite").exists():
        env = dict(os.environ, ASTROBENCH_DATA_DIR=args.data_dir)
        subprocess.run(
            [sys.executable, "-m", "astrobench.cli", "ingest", "--all"], env=env, check=True
        )
    store = Store(settings.database_url)
    rng = np.random.default_rng(0)
    cones = [
        Cone(float(rng.uniform(0, 360)), float(np.degrees(np.arcsin(rng.uniform(-1, 1)))), r)
        for r in rng.choice([0.1, 1.0, 5.0, 20.0], args.repeat)
    ]

    def box_only(table: Any, cone: Cone, ranges: Any = None) -> Any:
        return sky.cone_condition(table, cone)  # no MOC ranges: the boxes decide alone

    def timed(use_moc: bool) -> tuple[float, float, float]:
        search.cone_condition = sky.cone_condition if use_moc else box_only  # type: ignore[assignment]
        seconds, found = [], []
        for cone in cones:
            start = time.perf_counter()
            page = store.search_collections(SearchQuery(cone=cone, limit=100))
            seconds.append(time.perf_counter() - start)
            found.append(len(page.items))
        items = []
        for cone in cones[:50]:
            start = time.perf_counter()
            store.search(SearchQuery(cone=cone, limit=100))
            items.append(time.perf_counter() - start)
        return statistics.median(seconds), statistics.median(items), float(np.mean(found))

    timed(True)  # warm: imports, statement caches
    moc = timed(True)
    box = timed(False)
    print(f"{len(cones)} random cones (radius 0.1 to 20 degrees), {settings.database_url}")
    print(f"{'':22}{'MOC':>10}{'box only':>10}{'ratio':>8}")
    print(
        f"{'collections p50 (ms)':22}{moc[0] * 1e3:10.2f}{box[0] * 1e3:10.2f}{moc[0] / box[0]:8.2f}"
    )
    print(f"{'items p50 (ms)':22}{moc[1] * 1e3:10.2f}{box[1] * 1e3:10.2f}{moc[1] / box[1]:8.2f}")
    print(f"{'collections found':22}{moc[2]:10.2f}{box[2]:10.2f}{moc[2] / box[2]:8.2f}")
    store.close()


if __name__ == "__main__":
    main()

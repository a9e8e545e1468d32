"""Scoring speed: parsing and checking a predictions CSV plus computing every official metric, for
1k, 10k and 100k examples and 10 classes with scores; and, given a running catalogue, the HTTP
evaluate round trip for every split of a published baseline.

    python bench/scoring.py                                   # local parse + metrics only
    python bench/scoring.py --url http://127.0.0.1:8000       # plus HTTP evaluate
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import httpx
import numpy as np

from astrobench.catalog import metrics, predictions
from astrobench.catalog.predictions import Truth

CLASSES = tuple(f"class{k}" for k in range(10))


def timed(run: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median and best wall time in ms."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def local(size: int, repeats: int) -> None:
    rng = np.random.default_rng(0)
    ids = [f"star-{i:07d}" for i in range(size)]
    truth = Truth("test", np.array(ids), rng.choice(CLASSES, size).astype(object), CLASSES)
    scores = rng.dirichlet(np.ones(len(CLASSES)), size)
    labels = np.array(CLASSES, dtype=object)[scores.argmax(axis=1)]
    text = predictions.to_csv(ids, labels.tolist(), scores, CLASSES)
    parse = timed(lambda: predictions.parse(text, truth), repeats)
    parsed = predictions.parse(text, truth)
    score = timed(lambda: metrics.score(truth, parsed), repeats)
    print(
        f"{size:>7} rows ({len(text) / 1e6:5.1f} MB CSV): parse+check {parse[0]:8.1f} ms "
        f"(best {parse[1]:.1f}), metrics {score[0]:7.1f} ms (best {score[1]:.1f})"
    )


def remote(url: str, repeats: int) -> None:
    for name in ("sn-spectra", "ogle3-variables"):
        record = httpx.get(f"{url}/collections/{name}", timeout=30).json()
        items = httpx.get(f"{url}/collections/{name}/items", timeout=30).json()["features"]
        baseline = record["bench:baselines"][-1]["name"]
        files = {
            i["properties"]["bench:split"]: httpx.get(
                i["assets"][f"predictions-{baseline}"]["href"]
            ).text
            for i in items
        }
        endpoint = f"{url}/collections/{name}/versions/{record['version']}/evaluate"

        def post(endpoint: str = endpoint, body: object = {"predictions": files}) -> None:
            httpx.post(endpoint, json=body, timeout=60).raise_for_status()

        first = timed(post, 1)
        warm = timed(post, repeats)
        rows = sum(t.count("\n") - 1 for t in files.values())
        print(
            f"HTTP evaluate {name} {record['version']} ({len(files)} splits, {rows} rows): "
            f"first {first[0]:.0f} ms (reads the truth), then median {warm[0]:.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--url", help="a running catalogue with the bundled datasets")
    args = parser.parse_args()
    for size in args.sizes:
        local(size, args.repeats)
    if args.url:
        remote(args.url, args.repeats)


if __name__ == "__main__":
    main()

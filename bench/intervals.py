"""Bootstrap intervals: seconds and peak memory for 1000 draws at several split sizes, beside the
direct computation (``metrics.score`` of each resampled split, timed on 20 draws and scaled).

    python bench/intervals.py [--sizes 500 5000 100000]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from astrobench.catalog import intervals, metrics
from astrobench.catalog.predictions import Predictions, Truth

CLASSES = tuple(f"class{i}" for i in range(10))


def splits(n: int) -> dict[str, tuple[Truth, Predictions]]:
    rng = np.random.default_rng(n)
    ids = np.array([f"x{i}" for i in range(n)])
    labels = rng.choice(CLASSES, size=n).astype(object)
    guessed = np.where(rng.random(n) < 0.7, labels, rng.choice(CLASSES, size=n)).astype(object)
    target = rng.uniform(0, 1, n)
    return {
        "classification": (
            Truth("test", ids, labels, CLASSES),
            Predictions(guessed, rng.dirichlet(np.ones(len(CLASSES)), size=n)),
        ),
        "regression": (Truth("test", ids, target), Predictions(target + rng.normal(0, 0.1, n))),
    }


def direct(truth: Truth, predictions: Predictions, draws: int) -> float:
    """Seconds per draw of scoring each resampled split with ``metrics.score``."""
    start = time.perf_counter()
    for weights in intervals.Draws.of(truth.ids, draws).weights:
        rows = np.repeat(np.arange(weights.size), weights)
        scores = None if predictions.scores is None else predictions.scores[rows]
        metrics.score(
            Truth("test", truth.ids[rows], truth.values[rows], truth.classes),
            Predictions(predictions.values[rows], scores),
        )
    return (time.perf_counter() - start) / draws


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000, 100_000])
    args = parser.parse_args()
    print(
        f"{'task':15} {'examples':>9} {'1000 draws s':>13} {'direct s':>9} {'ratio':>6} {'peak MB':>8}"
    )
    for n in args.sizes:
        for task, (truth, predictions) in splits(n).items():
            tracemalloc.start()
            start = time.perf_counter()
            intervals.intervals(truth, predictions, truth.ids)
            seconds = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            reference = 1000 * direct(truth, predictions, 20 if n <= 5000 else 3)
            print(
                f"{task:15} {n:9d} {seconds:13.2f} {reference:9.1f} {seconds / reference:6.3f} "
                f"{peak:8.0f}"
            )


if __name__ == "__main__":
    main()

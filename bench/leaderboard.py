"""Leaderboards and blind scoring against a running catalogue: what a submission costs, what a
board costs to rebuild after one (cold) and to serve until the next (warm), what a version's page
with the top of its board costs, and blind against public scoring of the same predictions.

    ASTROBENCH_SUBMISSIONS_PER_DAY=1000 astrobench serve --port 8000 &
    python bench/leaderboard.py --url http://127.0.0.1:8000 \\
        --token "$(astrobench token create bench --submit)" [--submissions 10]

Each submission is a published baseline's predictions with its rows in another order (another
file, so a new submission). Figures are medians over ``--repeats``; ratios are against the warm
(cached) request of the same kind.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

import httpx

DATASET, VERSION, BASELINE = "ogle3-variables", "2.1.0", "random-forest"


def timed(run: Callable[..., httpx.Response], *args: object, **kwargs: object) -> float:
    """Milliseconds ``run(*args, **kwargs)`` takes, which must succeed."""
    start = time.perf_counter()
    answer = run(*args, **kwargs)
    answer.raise_for_status()
    return (time.perf_counter() - start) * 1000


def shuffled(text: str, seed: int) -> str:
    header, *rows = text.splitlines()
    random.Random(seed).shuffle(rows)
    return "\n".join([header, *rows]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True, help="a token made with --submit")
    parser.add_argument("--submissions", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    http = httpx.Client(base_url=args.url, timeout=600)
    auth = {"Authorization": f"Bearer {args.token}"}
    version = f"/collections/{DATASET}/versions/{VERSION}"
    record = http.get(version).json()
    scored = [s["name"] for s in record["bench:splits"] if s["role"] in ("test", "robustness")]
    blind = [s["name"] for s in record["bench:splits"] if s.get("blind")]
    items = http.get(f"{version}/items", params={"limit": 100}).json()["features"]
    files = {
        i["properties"]["bench:split"]: http.get(
            i["assets"][f"predictions-{BASELINE}"]["href"]
        ).text
        for i in items
        if i["properties"]["bench:split"] in scored
    }
    print(f"{DATASET} {VERSION}: {len(scored)} evaluation splits ({len(blind)} blind)")

    posted, cold, warm, page_cold, page_warm = [], [], [], [], []
    for k in range(args.submissions):
        parts = [("p", (f"{s}.csv", shuffled(t, k).encode(), "text/csv")) for s, t in files.items()]
        fields = {"model_name": f"bench {k}", "description": "timing", "code_url": "https://x.org"}
        posted.append(
            timed(http.post, f"{version}/submissions", files=parts, data=fields, headers=auth)
        )
        html = {"Accept": "text/html"}
        if k % 2:  # the board first after a change
            cold.append(timed(http.get, f"{version}/leaderboard"))
            warm.append(timed(http.get, f"{version}/leaderboard"))
        else:  # the page first: it builds the board to show its top
            page_cold.append(timed(http.get, version, headers=html))
            page_warm.append(timed(http.get, version, headers=html))
    entries = sum(len(s["entries"]) for s in http.get(f"{version}/leaderboard").json()["splits"])
    median = statistics.median
    print(f"submission (score {len(files)} splits, keep):   {median(posted):8.1f} ms")
    print(
        f"board after a submission (cold):       {median(cold):8.1f} ms "
        f"({median(cold) / median(warm):.0f}x warm); {entries} entries over all splits"
    )
    print(f"board until the next change (warm):    {median(warm):8.1f} ms")
    print(
        f"version page after a change (cold):    {median(page_cold):8.1f} ms "
        f"({median(page_cold) / median(page_warm):.0f}x warm)"
    )
    print(f"version page until the next change:    {median(page_warm):8.1f} ms")

    public = [s.removesuffix("-blind") for s in blind]  # the same field shifts, published
    for name, splits in (("public", public), ("blind", blind)):
        body = {"predictions": {s: files[s] for s in splits}}
        times = [
            timed(http.post, f"{version}/evaluate", json=body, headers=auth)
            for _ in range(args.repeats)
        ]
        print(
            f"evaluate {len(splits)} {name} splits ({', '.join(splits)}): {median(times):7.1f} ms"
        )


if __name__ == "__main__":
    main()

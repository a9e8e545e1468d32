"""Load: 64 concurrent clients for 60 s against ``astrobench serve --workers 4`` on PostgreSQL,
mixing searches (with and without filters), item listings, landing pages and 64 KiB asset range
reads. Prints requests per second, p50 and p99 per kind, errors, and the workers' memory (RSS)
before and after; with ``--ref REV``, the same run against a reference git revision and the
ratios (this / reference).

    python bench/load.py [--ref 88fe718] [--clients 64] [--seconds 60] [--workers 4]

The catalogue (every bundled dataset) is ingested once into the PostgreSQL database
``--database-url`` (by default ``astrobench_load`` on 127.0.0.1:5432, created if missing) with
its files under ``--data-dir``; later runs reuse it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import psutil
import psycopg

from astrobench.catalog.store import Store
from astrobench.service.process import running_server

sys.path.insert(0, str(Path(__file__).parent))
from api import reference

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
RANGE = 64 * 1024


@dataclass
class Tally:
    """Latencies by kind of request, and the failures."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)


def database(url: str | None) -> str:
    """The catalogue's SQLAlchemy URL, creating the default database if it is missing."""
    if url:
        return url
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        if not admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = 'astrobench_load'"
        ).fetchone():
            admin.execute("CREATE DATABASE astrobench_load")
    return "postgresql+psycopg://postgres@127.0.0.1:5432/astrobench_load"


def ensure_catalogue(env: dict[str, str]) -> None:
    store = Store(env["ASTROBENCH_DATABASE_URL"])
    try:
        store.create()
        empty = not store.dataset_ids()
    finally:
        store.close()
    if empty:
        print("ingesting every bundled dataset (once)", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "astrobench.cli", "ingest", "--all"],
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )


Request = tuple[str, str, dict[str, Any] | None, dict[str, str]]
"""Method, URL, JSON body, headers."""
Mix = dict[str, list[Request]]


def requests(url: str) -> Mix:
    """The requests of each kind; asset reads at random 64 KiB ranges of every data file."""
    collections = httpx.get(f"{url}/collections").json()["collections"]
    mix: Mix = {
        "landing": [("GET", f"{url}/", None, {}), ("GET", f"{url}/collections", None, {})],
        "search": [
            ("GET", f"{url}/search?limit=10", None, {}),
            ("GET", f"{url}/search?filter=bench:role='test'&limit=10", None, {}),
            ("GET", f"{url}/search?q=supernova", None, {}),
            (
                "POST",
                f"{url}/search",
                {
                    "limit": 20,
                    "filter-lang": "cql2-json",
                    "filter": {"op": ">", "args": [{"property": "bench:count"}, 50]},
                    "fields": {"include": ["properties.bench:split"]},
                },
                {},
            ),
        ],
        "items": [],
        "asset range": [],
    }
    for collection in collections:
        name, version = collection["id"], collection["version"]
        mix["landing"].append(("GET", f"{url}/collections/{name}", None, {}))
        mix["items"] += [
            ("GET", f"{url}/collections/{name}/items?limit=10", None, {}),
            ("GET", f"{url}/collections/{name}/versions/{version}/items", None, {}),
        ]
        items = httpx.get(f"{url}/collections/{name}/items?limit=100").json()["features"]
        for item in items:
            asset = item["assets"]["data"]
            for _ in range(3):
                first = random.randrange(max(asset["file:size"] - RANGE, 1))
                headers = {"Range": f"bytes={first}-{first + RANGE - 1}"}
                mix["asset range"].append(("GET", asset["href"], None, headers))
    return mix


async def client(
    session: aiohttp.ClientSession, mix: Mix, deadline: float, tally: Tally, seed: int
) -> None:
    chooser = random.Random(seed)
    while time.monotonic() < deadline:
        kind = chooser.choice(sorted(mix))  # every kind equally often
        method, url, body, headers = chooser.choice(mix[kind])
        start = time.perf_counter()
        try:
            async with session.request(method, url, json=body, headers=headers) as answer:
                await answer.read()
                ok = answer.status in (200, 206)
                status = str(answer.status)
        except (aiohttp.ClientError, TimeoutError) as error:
            ok, status = False, type(error).__name__
        tally.seconds[kind].append(time.perf_counter() - start)
        if not ok:
            tally.errors[kind] += 1
            if len(tally.examples) < 5:
                tally.examples.append(f"{status} {method} {url}")


async def load(mix: Mix, clients: int, seconds: float) -> Tally:
    tally = Tally()
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(client(session, mix, deadline, tally, i) for i in range(clients)))
    return tally


def workers_rss(url: str) -> list[float]:
    """MB resident in each worker process of the server listening at ``url``."""
    port = int(url.rsplit(":", 1)[1])
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if "serve" in cmdline and str(port) in cmdline:
            children = process.children(recursive=True)
            found = [c for c in children if "spawn_main" in " ".join(c.cmdline())] or children
            return sorted(c.memory_info().rss / 1e6 for c in found)
    return []


@dataclass
class Result:
    seconds: float
    tally: Tally
    rss_before: list[float]
    rss_after: list[float]

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.tally.seconds.values())


def run(env: dict[str, str], log: Path, args: argparse.Namespace) -> Result:
    with running_server(env, log, ["--workers", str(args.workers)], timeout=120) as url:
        random.seed(7)
        mix = requests(url)
        asyncio.run(load(mix, 8, 5))  # warm every worker's caches and pools
        before = workers_rss(url)
        start = time.monotonic()
        tally = asyncio.run(load(mix, args.clients, args.seconds))
        elapsed = time.monotonic() - start
        return Result(elapsed, tally, before, workers_rss(url))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def report(name: str, result: Result) -> dict[str, float]:
    figures = {"req/s": result.total / result.seconds}
    print(f"\n{name}: {result.total} requests in {result.seconds:.1f} s")
    print(f"  {'kind':12} {'count':>7} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    everything: list[float] = []
    for kind, values in sorted(result.tally.seconds.items()):
        everything += values
        print(
            f"  {kind:12} {len(values):7d} {len(values) / result.seconds:7.1f} "
            f"{1000 * statistics.median(values):8.1f} {1000 * percentile(values, 0.99):8.1f} "
            f"{result.tally.errors[kind]:7d}"
        )
    errors = sum(result.tally.errors.values())
    figures |= {
        "p50 ms": 1000 * statistics.median(everything),
        "p99 ms": 1000 * percentile(everything, 0.99),
        "errors": errors,
        "max worker RSS MB": max(result.rss_after, default=float("nan")),
    }
    print(
        f"  {'all':12} {result.total:7d} {figures['req/s']:7.1f} {figures['p50 ms']:8.1f} "
        f"{figures['p99 ms']:8.1f} {errors:7d}"
    )
    print("  worker RSS MB before: " + ", ".join(f"{r:.0f}" for r in result.rss_before))
    print("  worker RSS MB after:  " + ", ".join(f"{r:.0f}" for r in result.rss_after))
    for example in result.tally.examples:
        print(f"  failed: {example}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ref", help="git revision to compare with")
    parser.add_argument("--database-url")
    parser.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "astrobench-load"))
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    env = {
        "ASTROBENCH_DATA_DIR": args.data_dir,
        "ASTROBENCH_DATABASE_URL": database(args.database_url),
    }
    ensure_catalogue(env)
    logs = Path(tempfile.mkdtemp(prefix="astrobench-load-logs-"))
    print(
        f"{args.clients} clients, {args.seconds:g} s, astrobench serve --workers {args.workers}, "
        f"PostgreSQL; server logs in {logs}"
    )
    this = report("this checkout", run(env, logs / "this.log", args))
    if args.ref:
        with reference(args.ref) as tree:
            ref_env = {**env, "PYTHONPATH": str(tree), "ASTROBENCH_AUTO_MIGRATE": "false"}
            ref = report(args.ref, run(ref_env, logs / "ref.log", args))
        print(f"\n{'figure':18} {'this':>9} {args.ref:>9} {'ratio':>6}")
        for key, value in this.items():
            ratio = value / ref[key] if ref[key] else float("nan")
            print(f"{key:18} {value:9.1f} {ref[key]:9.1f} {ratio:6.2f}")


if __name__ == "__main__":
    main()

"""Search latency (p50, p99) and throughput for typical queries, at 1k, 10k and 100k items, on SQLite
and PostgreSQL.

A seeded generator publishes synthetic datasets (two versions each, so half the items are outside
the latest scope) through the real store; the queries run through ``Store.search`` and
``Store.search_collections``, i.e. the SQL the service runs, without HTTP.

    python bench/search.py                     # SQLite and PostgreSQL (127.0.0.1:5432), 1k/10k/100k
    python bench/search.py --sizes 1000 --dialects sqlite
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from astrobench.catalog import benchmark, cql2
from astrobench.catalog.records import STAC_VERSION, iso
from astrobench.catalog.release import multihash
from astrobench.catalog.search import SearchQuery
from astrobench.catalog.sky import Cone
from astrobench.catalog.store import Store

MODALITIES = ("spectrum", "light-curve", "image", "tabular")
LICENCES = ("CC-BY-4.0", "CC0-1.0", "other")
ROLES = ("train", "validation", "test", "robustness")
WORDS = (
    "supernova",
    "galaxy",
    "quasar",
    "variable",
    "exoplanet",
    "cluster",
    "transient",
    "lensing",
)


def synthetic(
    rng: random.Random, dataset: str, version: str, n_items: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One version's Collection and Items, shaped like the real records."""
    ra, dec = rng.uniform(0, 360), rng.uniform(-80, 80)
    start = datetime(2000, 1, 1, tzinfo=timezone.utc) + timedelta(days=rng.uniform(0, 7000))
    end = start + timedelta(days=rng.uniform(30, 2000))
    words = rng.sample(WORDS, 2)
    collection = {
        "type": "Collection",
        "stac_version": STAC_VERSION,
        "stac_extensions": [benchmark.SCHEMA_URI],
        "id": dataset,
        "title": f"{words[0].title()} {words[1]} benchmark {dataset}",
        "description": f"Synthetic {words[0]} and {words[1]} data.",
        "version": version,
        "keywords": words,
        "license": rng.choice(LICENCES),
        "extent": {
            "spatial": {"bbox": [[-180.0, -90.0, 180.0, 90.0]]},
            "temporal": {"interval": [[iso(start), iso(end)]]},
        },
        benchmark.TASK: rng.choice(("classification", "regression")),
        benchmark.MODALITY: rng.choice(MODALITIES),
        benchmark.PROVENANCE: rng.choice(("observed", "simulated")),
        benchmark.WAVELENGTH_RANGE: sorted(rng.uniform(300, 2000) for _ in range(2)),
        benchmark.SKY_FOOTPRINT: {
            "frame": "icrs",
            "ra_min": ra,
            "ra_max": (ra + rng.uniform(1, 40)) % 360,
            "dec_min": dec,
            "dec_max": min(dec + rng.uniform(1, 10), 90),
        },
        "summaries": {benchmark.ROLE: list(ROLES)},
        "links": [],
    }
    items = []
    for index in range(n_items):
        role = ROLES[index % 4]
        item_id = f"{dataset}-{version}-{role}-{index:05d}"
        items.append(
            {
                "type": "Feature",
                "stac_version": STAC_VERSION,
                "id": item_id,
                "collection": dataset,
                "geometry": None,
                "properties": {
                    "datetime": None,
                    "start_datetime": iso(start),
                    "end_datetime": iso(end),
                    "title": f"{collection['title']} {version}: {role} shard {index}",
                    "version": version,
                    benchmark.SPLIT: f"{role}-{index}",
                    benchmark.ROLE: role,
                    benchmark.COUNT: rng.randint(10, 100_000),
                },
                "links": [],
                "assets": {
                    "data": {
                        "href": f"/assets/{dataset}/{version}/{item_id}.nc",
                        "type": "application/netcdf",
                        "roles": ["data"],
                        "file:checksum": multihash(uuid.UUID(int=rng.getrandbits(128)).hex * 2),
                        "file:size": rng.randint(10_000, 10_000_000),
                    }
                },
            }
        )
    return collection, items


def load(store: Store, total: int, seed: int = 0) -> float:
    """Publish ``total`` items; return seconds taken."""
    rng = random.Random(seed)
    datasets = max(10, total // 1000)
    per_version = total // (datasets * 2)
    began = time.perf_counter()
    for d in range(datasets):
        for version in ("1.0.0", "1.1.0"):
            collection, items = synthetic(rng, f"bench-{d:04d}", version, per_version)
            store.publish(collection, items, [])
    return time.perf_counter() - began


def queries() -> dict[str, Callable[[Store], Any]]:
    def items(**kwargs: Any) -> Callable[[Store], Any]:
        if "filter" in kwargs:
            kwargs["filter"] = cql2.parse(kwargs["filter"])
        return lambda store: store.search(SearchQuery(**kwargs))

    def collections(**kwargs: Any) -> Callable[[Store], Any]:
        if "filter" in kwargs:
            kwargs["filter"] = cql2.parse(kwargs["filter"])
        return lambda store: store.search_collections(SearchQuery(**kwargs))

    def page_five(store: Store) -> None:
        token = None
        for _ in range(5):
            token = store.search(SearchQuery(limit=10, token=token)).next_token

    return {
        "first page (latest versions)": items(limit=10),
        "filter role (indexed column)": items(filter="bench:role = 'robustness'"),
        "filter modality AND count (join + JSON)": items(
            filter="bench:modality = 'spectrum' AND bench:count > 50000"
        ),
        "free text q": items(q=["quasar"]),
        "cone 5 deg": items(cone=Cone(150.0, 20.0, 5.0)),
        "sort -bench:count": items(sortby=[("bench:count", True)]),
        "ids (any version)": items(
            ids=["bench-0003-1.0.0-test-00002", "bench-0001-1.1.0-train-00000"]
        ),
        "5 pages via tokens": page_five,
        "collections: licence + roles": collections(
            filter="license = 'CC-BY-4.0' AND A_CONTAINS(bench:roles, ('robustness'))"
        ),
        "collections: q + wavelength": collections(
            q=["galaxy"], filter="wavelength_overlaps(500, 600)"
        ),
    }


def measure(store: Store, run: Callable[[Store], Any], repeats: int) -> tuple[float, float, float]:
    run(store)  # warm caches and the connection pool
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        run(store)
        times.append(time.perf_counter() - began)
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    return statistics.median(times) * 1000, p99 * 1000, repeats / sum(times)


@contextmanager
def database(dialect: str, admin: str) -> Iterator[str]:
    if dialect == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        return
    import psycopg

    name = f"astrobench_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--dialects", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    for dialect in args.dialects:
        for size in args.sizes:
            with database(dialect, args.postgres) as url:
                store = Store(url)
                store.create()
                seconds = load(store, size)
                if dialect == "postgresql":
                    with store.engine.begin() as conn:
                        conn.exec_driver_sql("ANALYZE")
                print(
                    f"\n{dialect}, {size:,} items: loaded in {seconds:.1f} s ({size / seconds:,.0f} items/s)"
                )
                print(f"  {'query':42} {'p50 ms':>8} {'p99 ms':>8} {'queries/s':>10}")
                for name, run in queries().items():
                    p50, p99, rate = measure(store, run, args.repeats)
                    print(f"  {name:42} {p50:8.1f} {p99:8.1f} {rate:10.0f}")
                store.close()


if __name__ == "__main__":
    main()

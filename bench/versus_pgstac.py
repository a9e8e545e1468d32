"""Search and publishing against the reference STAC server, stac-fastapi-pgstac, side by side on
this machine: the same seeded items, the same PostgreSQL, the same closed-loop load, A/B alternated.

    python bench/versus_pgstac.py [--items 100000] [--seconds 20] [--rounds 2] [--clients 1 8]

Set-up, done once when missing (as root, for apt): Debian's ``postgresql-15-postgis-3`` (pgstac
needs PostGIS) and a virtual environment at ``--venv`` holding ``stac-fastapi.pgstac==7.2.0``,
``pypgstac[psycopg]==0.10.0`` and ``uvicorn[standard]``.

Each round loads the items into both (``pypgstac load items`` against ``Store.publish``, JSON
parsing included on both sides, then ``ANALYZE`` on both PostgreSQL databases; the SQLite store is
left as publishing leaves it), checks that every query of the mix returns the same items on both
servers by following every page, and runs the mix against each server in turn: astrobench on
PostgreSQL, pgstac, astrobench on the embedded SQLite default, and astrobench on PostgreSQL with
``--workers 2``. Every server runs one worker unless said, and is first warmed by every request of
the mix three times over, on 8 connections, so that the figures are of a server in its steady
state. The load generator then holds C keep-alive connections, each sending its next request
when the last is answered, for ``--seconds``. The mix, one kind in five each:

- ``collections``: ``GET /collections`` (the first page)
- ``items``: ``GET /collections/{id}/items?limit=10``
- ``item``: ``GET /collections/{id}/items/{item}``
- ``filter``: ``GET /search?limit=10&filter=bench:role='...'`` (CQL2 text, every collection)
- ``datetime``: ``GET /search?limit=10&datetime=A/B`` (a 60-day window somewhere in 2000-2024)

The items are shaped like the real records (bench/search.py's generator), one version per
dataset, 1,000 items each; their geometry is null, as astrobench's are, but pgstac requires a
geometry, so its copy of each item has the whole-sky box. CPU per request is the server process's (with its
children), and the rest of the machine's but the load generator's (PostgreSQL, mostly).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import orjson
import psutil
import psycopg

from astrobench.catalog.store import Store
from astrobench.service.process import free_port, running_server

sys.path.insert(0, str(Path(__file__).parent))
from search import ROLES, synthetic

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGIS = Path("/usr/share/postgresql/15/extension/postgis.control")
REFERENCE = ("stac-fastapi.pgstac==7.2.0", "pypgstac[psycopg]==0.10.0", "uvicorn[standard]")
WHOLE_SKY = {
    "type": "Polygon",
    "coordinates": [
        [[-180.0, -90.0], [180.0, -90.0], [180.0, 90.0], [-180.0, 90.0], [-180.0, -90.0]]
    ],
}
PER_DATASET = 1000
KINDS = ("collections", "items", "item", "filter", "datetime")


# -- set-up -----------------------------------------------------------------------------------


def ensure_reference(venv: Path) -> Path:
    """The reference's Python, installing PostGIS and the reference's packages if missing."""
    if not POSTGIS.exists():
        print("installing postgresql-15-postgis-3 (apt)", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-q", "postgresql-15-postgis-3"], check=True)
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"installing {', '.join(REFERENCE)} into {venv}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *REFERENCE], check=True)
    return python


def fresh_database(name: str) -> str:
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def analyze(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ANALYZE")


# -- the records ------------------------------------------------------------------------------


@dataclass
class Records:
    """The seeded collections and items, as NDJSON files for both servers."""

    folder: Path
    collections: list[dict[str, Any]] = field(default_factory=list)
    item_ids: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ours(self) -> Path:
        return self.folder / "items.ndjson"

    @property
    def theirs(self) -> Path:
        return self.folder / "items-pgstac.ndjson"

    @property
    def theirs_collections(self) -> Path:
        return self.folder / "collections.ndjson"


def make_records(folder: Path, total: int, seed: int) -> Records:
    rng = random.Random(seed)
    records = Records(folder)
    with records.ours.open("w") as ours, records.theirs.open("w") as theirs:
        for d in range(max(1, total // PER_DATASET)):
            collection, items = synthetic(rng, f"bench-{d:04d}", "1.0.0", PER_DATASET)
            records.collections.append(collection)
            records.item_ids[collection["id"]] = [i["id"] for i in items]
            for item in items:
                ours.write(json.dumps(item) + "\n")
                theirs.write(
                    json.dumps(item | {"geometry": WHOLE_SKY, "bbox": [-180, -90, 180, 90]}) + "\n"
                )
    with records.theirs_collections.open("w") as out:
        for collection in records.collections:
            out.write(json.dumps(collection) + "\n")
    return records


# -- loading ----------------------------------------------------------------------------------


def load_pgstac(python: Path, records: Records, dsn: str) -> float:
    """Seconds ``pypgstac load items`` takes (after migrating and loading the collections)."""
    pypgstac = [str(python.parent / "pypgstac")]
    subprocess.run([*pypgstac, "migrate", "--dsn", dsn], check=True, capture_output=True)
    subprocess.run(
        [*pypgstac, "load", "collections", str(records.theirs_collections), "--dsn", dsn],
        check=True,
        capture_output=True,
    )
    began = time.perf_counter()
    subprocess.run(
        [*pypgstac, "load", "items", str(records.theirs), "--dsn", dsn, "--method", "insert"],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - began


def fresh_sqlite(path: Path) -> str:
    path.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def load_astrobench(records: Records, url: str) -> float:
    """Seconds publishing every version takes, reading and parsing the NDJSON included (with
    orjson, as ``pypgstac load`` parses it)."""
    store = Store(url)
    store.create()
    try:
        began = time.perf_counter()
        with records.ours.open() as lines:
            for collection in records.collections:
                items = [orjson.loads(next(lines)) for _ in range(PER_DATASET)]
                store.publish(collection, items, [])
        return time.perf_counter() - began
    finally:
        store.close()


# -- servers ----------------------------------------------------------------------------------


@contextmanager
def pgstac_server(python: Path, dbname: str, log: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {
        **os.environ,
        "PGUSER": "postgres",
        "PGPASSWORD": "",
        "PGHOST": "127.0.0.1",
        "PGPORT": "5432",
        "PGDATABASE": dbname,
    }
    command = [
        str(python),
        "-m",
        "uvicorn",
        "stac_fastapi.pgstac.app:create_app",
        "--factory",
        "--port",
        str(port),
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--log-level", "warning"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/_mgmt/ping", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"pgstac did not start: {log.read_text()}")
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def astrobench_server(
    url: str, data: Path, log: Path, workers: int = 1
) -> Iterator[tuple[str, int]]:
    env = {
        "ASTROBENCH_DATABASE_URL": url,
        "ASTROBENCH_DATA_DIR": str(data),
        "ASTROBENCH_AUTO_MIGRATE": "false",
    }
    with running_server(env, log, ["--workers", str(workers)], timeout=120) as address:
        port = address.rsplit(":", 1)[1]
        pid = next(
            p.pid
            for p in psutil.process_iter(["cmdline"])
            if "serve" in (p.info["cmdline"] or []) and port in (p.info["cmdline"] or [])
        )
        yield address, pid


# -- the load ---------------------------------------------------------------------------------


def the_mix(records: Records, seed: int) -> dict[str, list[str]]:
    """Request paths of each kind, the same for every server."""
    rng = random.Random(seed)
    names = [c["id"] for c in records.collections]
    mix: dict[str, list[str]] = {kind: [] for kind in KINDS}
    mix["collections"] = ["/collections"]
    for _ in range(500):
        name = rng.choice(names)
        mix["items"].append(f"/collections/{name}/items?limit=10")
        mix["item"].append(f"/collections/{name}/items/{rng.choice(records.item_ids[name])}")
        mix["filter"].append(f"/search?limit=10&filter=bench:role='{rng.choice(ROLES)}'")
        start = datetime(2000, 1, 1, tzinfo=timezone.utc) + timedelta(days=rng.uniform(0, 9000))
        window = f"{start:%Y-%m-%dT%H:%M:%SZ}/{start + timedelta(days=60):%Y-%m-%dT%H:%M:%SZ}"
        mix["datetime"].append(f"/search?limit=10&datetime={window}")
    return mix


@dataclass
class Run:
    seconds: float
    latencies: dict[str, list[float]]
    errors: list[str]
    server_cpu: float
    other_cpu: float

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def everything(self) -> list[float]:
        return [s for values in self.latencies.values() for s in values]


async def _client(
    session: aiohttp.ClientSession,
    base: str,
    mix: dict[str, list[str]],
    deadline: float,
    seed: int,
    run: Run,
) -> None:
    chooser = random.Random(seed)
    while time.monotonic() < deadline:
        kind = chooser.choice(KINDS)
        path = chooser.choice(mix[kind])
        began = time.perf_counter()
        async with session.get(base + path) as answer:
            await answer.read()
            if answer.status != 200 and len(run.errors) < 5:
                run.errors.append(f"{answer.status} {path}")
        run.latencies[kind].append(time.perf_counter() - began)


async def _load(
    base: str, mix: dict[str, list[str]], clients: int, seconds: float, run: Run
) -> None:
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        deadline = time.monotonic() + seconds
        await asyncio.gather(
            *(_client(session, base, mix, deadline, i, run) for i in range(clients))
        )


def _cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def _tree(pid: int) -> list[int]:
    return [pid, *(c.pid for c in psutil.Process(pid).children(recursive=True))]


def _busy() -> float:
    """CPU seconds the whole machine has spent busy."""
    times = psutil.cpu_times()
    return float(sum(getattr(times, name, 0.0) for name in ("user", "system", "irq", "softirq")))


WARM_PASSES = 3
"""How often each server answers every request of the mix before it is measured."""


def warm(base: str, mix: dict[str, list[str]], clients: int = 8) -> None:
    """Steady state: every request of the mix, ``WARM_PASSES`` times in a random order, over
    ``clients`` connections, so that each worker has met most of them (a worker keeps what it
    derives until the catalogue changes; the reference keeps nothing)."""
    paths = [path for paths in mix.values() for path in paths] * WARM_PASSES
    random.Random(0).shuffle(paths)

    async def send() -> None:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as session:

            async def one(chunk: list[str]) -> None:
                for path in chunk:
                    async with session.get(base + path) as answer:
                        await answer.read()

            await asyncio.gather(*(one(paths[i::clients]) for i in range(clients)))

    asyncio.run(send())


def measure(base: str, pid: int, mix: dict[str, list[str]], clients: int, seconds: float) -> Run:
    again = Run(0, {k: [] for k in KINDS}, [], 0, 0)
    asyncio.run(_load(base, mix, clients, 1.0, again))  # the connections, the pools
    server, generator = _tree(pid), psutil.Process()
    cpu_server, cpu_generator, busy = _cpu(server), sum(generator.cpu_times()[:2]), _busy()
    run = Run(seconds, {k: [] for k in KINDS}, [], 0, 0)
    began = time.monotonic()
    asyncio.run(_load(base, mix, clients, seconds, run))
    run.seconds = time.monotonic() - began
    run.server_cpu = _cpu(server) - cpu_server
    generated = sum(generator.cpu_times()[:2]) - cpu_generator
    run.other_cpu = _busy() - busy - run.server_cpu - generated
    return run


# -- checking -----------------------------------------------------------------------------------


def every_page(base: str, path: str) -> list[str]:
    """Every id a query returns, following ``next`` links (GET) to the end."""
    found: list[str] = []
    url: str | None = base + path.replace("limit=10", "limit=1000")
    with httpx.Client(timeout=120) as http:
        while url:
            page = http.get(url).raise_for_status().json()
            if "collections" in page:
                found += [c["id"] for c in page["collections"]]
            elif "features" in page:
                found += [f"{f['collection']}/{f['id']}" for f in page["features"]]
            else:
                found.append(f"{page['collection']}/{page['id']}")
            url = next((ln["href"] for ln in page.get("links", []) if ln["rel"] == "next"), None)
    return sorted(found)


def check_same(ours: list[str], theirs: str, mix: dict[str, list[str]]) -> None:
    """Every astrobench server returns what pgstac returns, for the first requests of each kind."""
    for kind in KINDS:
        for path in mix[kind][:3]:
            expected = every_page(theirs, path)
            for server in ours:
                found = every_page(server, path)
                if found != expected:
                    raise SystemExit(
                        f"{path}: {server} returned {len(found)} records, pgstac {len(expected)}"
                    )
            print(f"  same {len(expected):6d} records: {path}", file=sys.stderr)


# -- reporting ----------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def figures(run: Run) -> dict[str, float]:
    n = max(run.requests, 1)
    return {
        "req/s": run.requests / run.seconds,
        "p50 ms": 1000 * statistics.median(run.everything),
        "p99 ms": 1000 * percentile(run.everything, 0.99),
        "server CPU ms/req": 1000 * run.server_cpu / n,
        "other CPU ms/req": 1000 * run.other_cpu / n,
    }


def show(name: str, clients: int, run: Run) -> dict[str, float]:
    found = figures(run)
    kinds = " ".join(
        f"{k}={1000 * statistics.median(v):.1f}" for k, v in run.latencies.items() if v
    )
    print(
        f"{name:22} C={clients:<2} {found['req/s']:8.1f} req/s  p50 {found['p50 ms']:6.1f}  "
        f"p99 {found['p99 ms']:6.1f} ms  CPU {found['server CPU ms/req']:5.2f} + other "
        f"{found['other CPU ms/req']:5.2f} ms/req  errors {len(run.errors)}  p50 by kind: {kinds}"
    )
    for error in run.errors:
        print(f"    {error}")
    return found


def ratio(
    table: dict[tuple[str, int], list[dict[str, float]]], a: str, b: str, c: int, key: str
) -> str:
    mine = [r[key] for r in table[(a, c)]]
    theirs = [r[key] for r in table[(b, c)]]
    ratios = [x / y for x, y in zip(mine, theirs, strict=True)]
    return ", ".join(f"{r:.2f}" for r in ratios) + f"  (median {statistics.median(ratios):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    parser.add_argument(
        "--venv", type=Path, default=Path.home() / ".cache" / "astrobench-pgstac-venv"
    )
    parser.add_argument("--skip-load", action="store_true", help="reuse the last run's databases")
    parser.add_argument("--load-only", action="store_true", help="measure loading only")
    args = parser.parse_args()
    python = ensure_reference(args.venv)
    work = Path(tempfile.gettempdir()) / "astrobench-versus-pgstac"
    work.mkdir(exist_ok=True)
    records = make_records(work, args.items, args.seed)
    sqlite_file = work / "catalogue.sqlite"
    sqlite = f"sqlite:///{sqlite_file}"
    theirs_db, ours_db = "versus_pgstac", "versus_astrobench"
    ours_pg = f"postgresql+psycopg://postgres@127.0.0.1:5432/{ours_db}"
    loads: dict[str, list[float]] = {
        "pgstac": [],
        "astrobench PostgreSQL": [],
        "astrobench SQLite": [],
    }
    table: dict[tuple[str, int], list[dict[str, float]]] = {}
    print(
        f"{args.items:,} items in {len(records.collections)} collections; {args.seconds:g} s per run"
    )
    for round_ in range(args.rounds):
        print(f"\n-- round {round_ + 1}")
        if not args.skip_load:
            steps = {
                "pgstac": lambda: load_pgstac(python, records, fresh_database(theirs_db)),
                "astrobench PostgreSQL": lambda: load_astrobench(
                    records, fresh_database(ours_db).replace("postgresql:", "postgresql+psycopg:")
                ),
                "astrobench SQLite": lambda: load_astrobench(records, fresh_sqlite(sqlite_file)),
            }
            for name in list(steps) if round_ % 2 == 0 else list(steps)[::-1]:
                seconds = steps[name]()
                loads[name].append(seconds)
                print(f"load {name:22} {seconds:7.1f} s  {args.items / seconds:8.0f} items/s")
            for name in (theirs_db, ours_db):
                analyze(f"postgresql://postgres@127.0.0.1:5432/{name}")
        if args.load_only:
            continue
        logs = work / "logs"
        logs.mkdir(exist_ok=True)
        with ExitStack() as stack:
            servers = {
                "astrobench PostgreSQL": stack.enter_context(
                    astrobench_server(ours_pg, work, logs / "pg.log")
                ),
                "pgstac": stack.enter_context(
                    pgstac_server(python, theirs_db, logs / "pgstac.log")
                ),
                "astrobench SQLite": stack.enter_context(
                    astrobench_server(sqlite, work, logs / "sqlite.log")
                ),
                "astrobench PG 2 workers": stack.enter_context(
                    astrobench_server(ours_pg, work, logs / "pg2.log", workers=2)
                ),
            }
            mix = the_mix(records, args.seed + round_)
            if round_ == 0:
                ours = [servers["astrobench PostgreSQL"][0], servers["astrobench SQLite"][0]]
                check_same(ours, servers["pgstac"][0], mix)
            order = list(servers) if round_ % 2 == 0 else list(servers)[::-1]
            for name in order:
                warm(servers[name][0], mix)
            for clients in args.clients:
                for name in order:
                    base, pid = servers[name]
                    found = show(name, clients, measure(base, pid, mix, clients, args.seconds))
                    table.setdefault((name, clients), []).append(found)
    print("\n-- ratios, one per round")
    if loads["pgstac"]:
        for name in ("astrobench PostgreSQL", "astrobench SQLite"):
            speed = [t / o for o, t in zip(loads[name], loads["pgstac"], strict=True)]
            print(f"loading, {name} / pgstac (speed): " + ", ".join(f"{s:.2f}" for s in speed))
    for clients in args.clients if table else ():
        for name in ("astrobench PostgreSQL", "astrobench SQLite"):
            for key in ("req/s", "p99 ms", "server CPU ms/req"):
                print(
                    f"C={clients} {name} / pgstac, {key}: {ratio(table, name, 'pgstac', clients, key)}"
                )
        print(
            f"C={clients} 2 workers / 1 worker, req/s: "
            f"{ratio(table, 'astrobench PG 2 workers', 'astrobench PostgreSQL', clients, 'req/s')}"
        )
    shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    main()

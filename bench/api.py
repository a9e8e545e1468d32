"""Latency of the requests STAC clients make, this checkout beside a reference git revision, side by
side on one ingested catalogue (SQLite, one worker each), A/B alternated.

    python bench/api.py --ref 6f90ee0 [--data-dir DIR] [--repeat 200]

The reference is checked out with ``git archive`` into a temporary folder and run from a link tree
of its package folders on ``PYTHONPATH`` (the same installed dependencies). The catalogue in DIR is
ingested by this checkout if it has none; both revisions must read the same schema. Prints the
median and p95 of each request for both, and their ratio (this / reference).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import tomllib

from astrobench.service.process import running_server

ROOT = Path(__file__).resolve().parents[1]
AREA = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
REQUESTS: dict[str, tuple[str, str, dict | None]] = {  # type: ignore[type-arg]
    "landing page": ("GET", "/", None),
    "collections": ("GET", "/collections", None),
    "one collection": ("GET", "/collections/sn-spectra", None),
    "version history": ("GET", "/collections/sn-spectra/versions", None),
    "items": ("GET", "/collections/sn-spectra/items", None),
    "search, 10 items": ("GET", "/search?limit=10", None),
    "search, filter": ("GET", "/search?filter=bench:role='test'", None),
    "search POST, fields": (
        "POST",
        "/search",
        {"limit": 10, "fields": {"include": ["properties.bench:split"]}},
    ),
}


def link_tree(source: Path, target: Path) -> Path:
    """``target`` laid out as the installed package: each ``package-dir`` entry of the source's
    pyproject.toml linked in place (``astrobench`` -> ``clients``, ...)."""
    config = tomllib.loads((source / "pyproject.toml").read_text())
    for package, folder in sorted(config["tool"]["setuptools"]["package-dir"].items()):
        place = target.joinpath(*package.split("."))
        place.mkdir(parents=True, exist_ok=True)
        for entry in (source / folder).iterdir():
            if not (place / entry.name).exists() and entry.name != "__pycache__":
                (place / entry.name).symlink_to(entry)
    return target


@contextmanager
def reference(ref: str) -> Iterator[Path]:
    """The reference revision's package, importable from the yielded folder."""
    with tempfile.TemporaryDirectory(prefix="astrobench-ref-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", ref],
            check=True,
            capture_output=True,
        ).stdout
        source = Path(tmp) / "source"
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(source, filter="data")
        yield link_tree(source, Path(tmp) / "tree")


def timed(
    client: httpx.Client,
    url: str,
    method: str,
    path: str,
    body: dict | None,  # type: ignore[type-arg]
) -> tuple[float, int]:
    """Seconds one request took, and the size of its body."""
    start = time.perf_counter()
    answer = client.request(method, url + path, json=body)
    elapsed = time.perf_counter() - start
    answer.raise_for_status()
    return elapsed, len(answer.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ref", required=True, help="git revision to compare with, e.g. 6f90ee0")
    parser.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "astrobench-bench"))
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    env = {"ASTROBENCH_DATA_DIR": args.data_dir}
    if not (Path(args.data_dir) / "catalog.sqlite").exists():
        print(f"ingesting into {args.data_dir}", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "astrobench.cli", "ingest", "--all"],
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
    logs = Path(tempfile.mkdtemp(prefix="astrobench-bench-logs-"))
    with reference(args.ref) as tree:
        ref_env = {**env, "PYTHONPATH": str(tree), "ASTROBENCH_AUTO_MIGRATE": "false"}
        with (
            running_server(env, logs / "this.log") as this,
            running_server(ref_env, logs / "ref.log") as ref,
            httpx.Client(timeout=30) as client,
        ):
            servers = {"this": this, args.ref: ref}
            found: dict[str, dict[str, list[float]]] = {
                n: {s: [] for s in servers} for n in REQUESTS
            }
            sizes: dict[str, dict[str, int]] = {n: {} for n in REQUESTS}
            for _ in range(args.repeat):
                for name, (method, path, body) in REQUESTS.items():
                    for server, url in servers.items():  # A/B alternated
                        seconds, sizes[name][server] = timed(client, url, method, path, body)
                        found[name][server].append(seconds)
    print(f"ms per request, median (p95), {args.repeat} each, this checkout vs {args.ref}")
    print(f"{'request':22} {'this':>16} {args.ref:>16} {'ratio':>6} {'bytes':>15}")
    for name, by_server in found.items():
        cells = []
        for values in by_server.values():
            ordered = sorted(values)
            median, p95 = statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]
            cells.append((median, f"{1000 * median:7.2f} ({1000 * p95:6.2f})"))
        ratio = cells[0][0] / cells[1][0]
        size = " / ".join(str(sizes[name][server]) for server in servers)
        print(f"{name:22} {cells[0][1]:>16} {cells[1][1]:>16} {ratio:6.2f} {size:>15}")
    print(json.dumps({"logs": str(logs)}))


if __name__ == "__main__":
    main()

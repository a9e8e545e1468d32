"""Run STAC tools (stac-api-validator, stac-validator, stac-check, pystac) in a subprocess that
reaches nothing but loopback, with schema URLs answered from ``tests/data/stac-schemas``.

``environment()`` gives the subprocess ``startup/sitecustomize.py`` (which patches requests, urllib
and urllib3; see its docstring), a URL map, a log of every outside URL it asked for, and proxy
variables pointing at a closed loopback port as a backstop for any other HTTP client.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

STARTUP = Path(__file__).resolve().parent / "startup"
SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "stac-schemas"
BENCHMARK_SCHEMAS = "https://astrobench.github.io/stac-extensions/benchmark/"
"""Our extension's public schema folder; ``url_map`` points it at a running server's copy."""
DEAD_PROXY = "http://127.0.0.1:9"
"""The discard port: nothing listens, so a request sent through it fails at once."""


def vendored() -> dict[str, str]:
    """Each vendored schema's public URL, to its absolute file path."""
    mapping: dict[str, str] = json.loads((SCHEMAS / "map.json").read_text(encoding="utf-8"))
    return {url: str(SCHEMAS / rel) for url, rel in mapping.items()}


def url_map(server: str | None = None) -> dict[str, str]:
    """The vendored schemas and, given a server URL, the benchmark extension's schemas served
    by it (``<server>/stac-extensions/benchmark/<version>/schema.json``)."""
    mapping = vendored()
    if server is not None:
        mapping[BENCHMARK_SCHEMAS] = f"{server.rstrip('/')}/stac-extensions/benchmark/"
    return mapping


def environment(mapping: Mapping[str, str], workdir: Path) -> dict[str, str]:
    """``os.environ`` plus what makes a Python subprocess offline with ``mapping``; writes the
    map to ``workdir`` and logs requests to ``fetch_log(workdir)``."""
    map_file = workdir / "stac-offline-map.json"
    map_file.write_text(json.dumps(dict(mapping), indent=1), encoding="utf-8")
    fetch_log(workdir).write_text("", encoding="utf-8")
    path = os.pathsep.join(p for p in (str(STARTUP), os.environ.get("PYTHONPATH")) if p)
    proxies = {name: DEAD_PROXY for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")}
    no_proxy = "127.0.0.1,localhost,::1"
    return {
        **os.environ,
        **proxies,
        **{name.lower(): value for name, value in proxies.items()},
        "NO_PROXY": no_proxy,
        "no_proxy": no_proxy,
        "PYTHONPATH": path,
        "STAC_OFFLINE_MAP": str(map_file),
        "STAC_OFFLINE_LOG": str(fetch_log(workdir)),
    }


def fetch_log(workdir: Path) -> Path:
    """The subprocess's log of outside URLs: ``served<TAB>url<TAB>target`` or ``refused<TAB>url``."""
    return workdir / "stac-offline-fetches.tsv"


def fetches(workdir: Path) -> list[tuple[str, str]]:
    """``(outcome, url)`` for each outside URL the subprocess asked for, in order."""
    lines = fetch_log(workdir).read_text(encoding="utf-8").splitlines()
    return [(line.split("\t")[0], line.split("\t")[1]) for line in lines if line]

"""Concurrent writes against a real server process on both databases: identical publishes
raced against each other give one 201 and otherwise 200, and lifecycle changes to many versions
of one dataset at once all succeed (no deadlock, no 'database is locked')."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from astrobench.catalog import auth
from astrobench.catalog.records import local_files, release_records
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.service.process import running_server
from tests.catalog.factories import make_release

CLIENTS = 16


@dataclass
class Live:
    url: str
    headers: dict[str, str]
    storage: AssetStorage


@pytest.fixture
def live(tmp_path: Path, database_url: str) -> Iterator[Live]:
    """``astrobench serve`` on the parametrised database, and an admin token for it."""
    store = Store(database_url)
    store.create()
    token = auth.issue(store, "ops", auth.Role.ADMIN)
    store.close()
    data = tmp_path / "data"
    env = {"ASTROBENCH_DATA_DIR": str(data), "ASTROBENCH_DATABASE_URL": database_url}
    with running_server(env, tmp_path / "server.log") as url:
        yield Live(url, {"Authorization": f"Bearer {token}"}, AssetStorage(str(data / "assets")))


def _uploaded(live: Live, tmp: Path, version: str) -> dict[str, Any]:
    """A version's publish body, its files already in the server's storage."""
    release = make_release(tmp / version, version=version)
    collection, items, assets = release_records(release)
    local = local_files(release)
    for asset in assets:
        live.storage.put(local[asset.path], asset.path, asset.sha256)
    return {"collection": collection, "items": items}


def _all(calls: list[Any]) -> list[httpx.Response]:
    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(lambda call: call(), calls))


def test_identical_concurrent_publishes_are_idempotent(live: Live, tmp_path: Path) -> None:
    body = _uploaded(live, tmp_path, "1.0.0")
    url = f"{live.url}/collections/toy-spectra/versions"

    def publish() -> httpx.Response:
        return httpx.post(url, json=body, headers=live.headers, timeout=60)

    answers = _all([publish] * CLIENTS)
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 1, 200: CLIENTS - 1}, [a.text for a in answers if a.status_code > 201]
    found = httpx.get(f"{live.url}/search?collections=toy-spectra").json()
    assert found["numberMatched"] == 2


def test_concurrent_lifecycle_changes_never_deadlock(live: Live, tmp_path: Path) -> None:
    versions = [f"1.{minor}.0" for minor in range(10)]
    for version in versions:
        body = _uploaded(live, tmp_path, version)
        published = httpx.post(
            f"{live.url}/collections/toy-spectra/versions", json=body, headers=live.headers
        )
        assert published.status_code == 201, published.text

    def change(version: str, status: str) -> Any:
        return lambda: httpx.patch(
            f"{live.url}/collections/toy-spectra/versions/{version}",
            json={"status": status, "reason": f"{status} in a race"},
            headers=live.headers,
            timeout=60,
        )

    calls = [
        change(versions[i % len(versions)], ("deprecated", "yanked", "published")[i % 3])
        for i in range(50)
    ]
    answers = _all(calls)
    assert [a.status_code for a in answers] == [200] * len(calls), {
        a.text for a in answers if a.status_code != 200
    }
    history = httpx.get(f"{live.url}/collections/toy-spectra/versions").json()["versions"]
    kept = [v["version"] for v in history if v["status"] != "yanked"]
    latest = httpx.get(f"{live.url}/collections/toy-spectra").json()["version"]
    assert latest == max(kept, key=lambda v: tuple(map(int, v.split("."))))

"""Asset storage failing under a running service: an S3 endpoint (moto_server over HTTP) paused,
then stopped, mid-traffic. Asset reads answer 503 with Retry-After, never 500 and never a hang;
routes that need only the database keep answering; everything recovers without a restart."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from astrobench.catalog.records import local_files, release_records
from astrobench.catalog.release import Release
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.service.process import free_port, running_server
from tests.catalog.factories import make_release
from tests.conftest import S3_ENV, moto_server

TIMEOUT = 2.0
"""The service's storage timeout in these tests."""
PATIENCE = httpx.Timeout(TIMEOUT * 4)
"""How long the test waits for any answer: far less than a hung call would take."""


@dataclass
class Faulty:
    url: str
    asset: str
    """A published split's asset URL."""
    endpoint: str
    release: Release


def _upload(release: Release, endpoint: str, bucket: str) -> AssetStorage:
    options = {"endpoint_url": endpoint, "key": "testing", "secret": "testing"}
    storage = AssetStorage(f"s3://{bucket}/assets", skip_instance_cache=True, **options)
    storage.fs.mkdir(bucket)
    _, _, assets = release_records(release)
    local = local_files(release)
    for asset in assets:
        storage.put(local[asset.path], asset.path, asset.sha256)
    return storage


@pytest.fixture
def faulty(tmp_path: Path) -> Iterator[tuple[Faulty, subprocess.Popen[bytes]]]:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with moto_server(port, tmp_path / "moto.log") as moto:
        release = make_release(tmp_path / "build")
        _upload(release, endpoint, "faults")
        data = tmp_path / "data"
        data.mkdir()
        store = Store(f"sqlite:///{data}/catalog.sqlite")
        store.create()
        store.publish(*release_records(release))
        store.close()
        env = {
            **S3_ENV,
            "AWS_ENDPOINT_URL": endpoint,
            "ASTROBENCH_DATA_DIR": str(data),
            "ASTROBENCH_STORAGE_URL": "s3://faults/assets",
            "ASTROBENCH_STORAGE_TIMEOUT": str(TIMEOUT),
        }
        with running_server(env, tmp_path / "server.log") as url:
            item = httpx.get(f"{url}/collections/toy-spectra/items/toy-spectra-1.0.0-test").json()
            yield Faulty(url, item["assets"]["data"]["href"], endpoint, release), moto


def _range(faulty: Faulty) -> httpx.Response:
    return httpx.get(faulty.asset, headers={"Range": "bytes=0-65535"}, timeout=PATIENCE)


def _table(faulty: Faulty) -> httpx.Response:
    """A split's per-example table: read from its file through xarray, not streamed."""
    path = "/collections/toy-spectra/versions/1.0.0/items/toy-spectra-1.0.0-test/table.csv"
    return httpx.get(faulty.url + path, timeout=PATIENCE)


def _database_routes(faulty: Faulty) -> list[int]:
    return [
        httpx.get(faulty.url + path, timeout=PATIENCE).status_code
        for path in ("/", "/collections", "/search?limit=5", "/collections/toy-spectra/items")
    ]


def _unavailable(answer: httpx.Response) -> bool:
    body = answer.json()
    return (
        answer.status_code == 503
        and answer.headers.get("retry-after") == "5"
        and body["code"] == "StorageUnavailable"
        and "127.0.0.1" not in body["description"]  # the endpoint is logged, not served
    )


def test_a_paused_then_stopped_object_store(
    faulty: tuple[Faulty, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    service, moto = faulty
    assert _range(service).status_code == 206

    moto.send_signal(signal.SIGSTOP)  # accepts connections, answers nothing
    try:
        with ThreadPoolExecutor(48) as pool:
            readers = [pool.submit(_range, service) for _ in range(40)]
            health = pool.submit(httpx.get, service.url + "/healthz", timeout=PATIENCE)
            table = pool.submit(_table, service)
            assert _database_routes(service) == [200] * 4  # while 40 reads wait on storage
            answers = [reader.result() for reader in readers]
        assert all(_unavailable(answer) for answer in answers), {a.text for a in answers}
        assert _unavailable(health.result()) and _unavailable(table.result())
    finally:
        moto.send_signal(signal.SIGCONT)
    assert _range(service).status_code == 206  # recovered, no restart

    moto.kill()  # refuses connections
    moto.wait()
    stopped = [_range(service) for _ in range(3)] + [_table(service)]
    assert all(_unavailable(answer) for answer in stopped), {a.text for a in stopped}
    assert _database_routes(service) == [200] * 4
    assert httpx.get(service.url + "/healthz", timeout=PATIENCE).status_code == 503
    for probe in ("/readyz", "/livez"):  # still ready: the catalogue works without its files
        assert httpx.get(service.url + probe, timeout=PATIENCE).status_code == 200

    port = int(service.endpoint.rsplit(":", 1)[1])
    with moto_server(port, tmp_path / "moto-again.log"):  # back, empty: files restored
        _upload(service.release, service.endpoint, "faults")
        assert _range(service).status_code == 206
        assert _table(service).status_code == 200
        assert httpx.get(service.url + "/healthz", timeout=PATIENCE).status_code == 200

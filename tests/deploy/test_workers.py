"""The service run as deploy/ runs it: the migration step, then several workers on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import uvloop
import yaml

from astrobench.catalog.records import release_records
from astrobench.catalog.storage import AssetStorage
from astrobench.service.commands import tcp_listener
from astrobench.service.process import running_server
from tests.catalog.factories import make_release

COMPOSE = Path(__file__).resolve().parents[2] / "deploy" / "compose.yaml"


def _service(name: str) -> dict[str, Any]:
    found: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())["services"][name]
    return found


def _cli(command: list[str], env: dict[str, str]) -> str:
    assert command[0] == "astrobench"
    result = subprocess.run(
        [sys.executable, "-m", "astrobench.cli", *command[1:]],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _worker_count(port: str) -> int:
    """Worker processes spawned by the server listening on ``port`` (a child of this test)."""
    [server] = [p for p in _children(os.getpid()) if f"--port {port} " in _cmdline(p) + " "]
    return sum("spawn_main" in _cmdline(child) for child in _children(server))


def test_compose_deployment_runs_several_workers_on_postgres(
    postgres_url: str, tmp_path: Path
) -> None:
    api = _service("api")
    env = {k: str(v) for k, v in api["environment"].items() if k.startswith("ASTROBENCH_")}
    assert env["ASTROBENCH_AUTO_MIGRATE"] == "false"
    # This machine's database and a local folder stand in for the compose hosts.
    env |= {
        "ASTROBENCH_DATABASE_URL": postgres_url,
        "ASTROBENCH_STORAGE_URL": str(tmp_path / "assets"),
        "ASTROBENCH_DATA_DIR": str(tmp_path),
        "ASTROBENCH_BASE_URL": "",
    }
    _cli(_service("migrate")["command"], env)
    token = _cli(["astrobench", "token", "create", "ops", "--admin"], env).strip()

    command = api["command"]
    assert command[:2] == ["astrobench", "serve"]
    workers = int(command[command.index("--workers") + 1])
    assert workers >= 2
    extra = ["--workers", str(workers)]
    with running_server(env, tmp_path / "server.log", extra_args=extra, timeout=60) as url:
        assert _worker_count(url.rsplit(":", 1)[1]) == workers

        release = make_release(tmp_path / "release")
        collection, items, assets = release_records(release)
        storage = AssetStorage(env["ASTROBENCH_STORAGE_URL"])
        for split, asset in zip(release.splits, assets, strict=True):
            storage.put(split.path, asset.path, asset.sha256)
        created = httpx.post(
            url + "/collections/toy-spectra/versions",
            json={"collection": collection, "items": items},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 201

        def read(_: int) -> tuple[str, int]:
            with httpx.Client(base_url=url, timeout=10) as client:  # a new connection each time
                found = client.get("/collections/toy-spectra").json()
                search = client.get("/search", params={"filter": "bench:role = 'test'"}).json()
                return found["version"], search["numberMatched"]

        with ThreadPoolExecutor(8) as pool:
            answers = set(pool.map(read, range(64)))
        assert answers == {("1.0.0", 1)}  # every worker sees the write
        assert httpx.get(url + "/healthz").json()["status"] == "ok"
        for probe in _k8s_probes():  # the manifest's probes name routes that answer
            assert httpx.get(url + probe).status_code == 200, probe


def _k8s_probes() -> list[str]:
    manifest = COMPOSE.parent / "k8s" / "astrobench.yaml"
    deployments = [d for d in yaml.safe_load_all(manifest.read_text()) if d["kind"] == "Deployment"]
    containers = [c for d in deployments for c in d["spec"]["template"]["spec"]["containers"]]
    probes = [
        c[p]["httpGet"]["path"] for c in containers for p in ("readinessProbe", "livenessProbe")
    ]
    assert probes, "the Deployment has no HTTP probes"
    return probes


def _nodelay_of_accepted(listener: socket.socket, loop_factory: Any = None) -> int:
    """TCP_NODELAY of a connection that an event loop accepted on ``listener``, as uvicorn's
    workers accept them (``create_server(sock=...)``)."""

    async def accept_one() -> int:
        loop = asyncio.get_running_loop()
        seen: asyncio.Future[int] = loop.create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: Any) -> None:
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await loop.create_server(Probe, sock=listener)
        _, writer = await asyncio.open_connection(*listener.getsockname())
        try:
            return await seen
        finally:
            writer.close()
            server.close()

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(accept_one())


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_workers_answer_keep_alive_requests_without_waiting_for_acks(loop: str) -> None:
    """With --workers, uvicorn binds the socket that the workers share; connections accepted on
    it must have Nagle's algorithm off, or each keep-alive response waits ~40 ms for an ACK."""
    factory = uvloop.new_event_loop if loop == "uvloop" else None
    config = uvicorn.Config("astrobench.service.app:create_app", host="127.0.0.1", port=0)
    assert _nodelay_of_accepted(tcp_listener(config.bind_socket()), factory) == 1
    if loop == "asyncio":  # what the fix is for: uvicorn's own socket leaves Nagle on
        assert _nodelay_of_accepted(config.bind_socket(), factory) == 0

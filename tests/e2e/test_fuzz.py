"""Schemathesis against a real server process on a copy of the ingested catalogue, with an admin
token, so that writes are fuzzed too: no server error, and every status code, content type and
body is one the OpenAPI document describes. The server must still be healthy afterwards.

The seed is fixed so that the suite is reproducible; ``ASTROBENCH_FUZZ_SEED`` and
``ASTROBENCH_FUZZ_EXAMPLES`` explore further."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from astrobench.catalog import auth
from astrobench.catalog.settings import CatalogSettings
from astrobench.catalog.store import Store
from astrobench.service.process import running_server

CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)


def _dictionaries(store: Store) -> dict[str, list[str]]:
    """Real dataset ids, versions, item ids and asset paths, so that the fuzzer reaches
    existing resources as often as missing ones."""
    datasets = store.dataset_ids()
    versions, items, assets = set(), set(), set()
    for dataset in datasets:
        for summary in store.history(dataset):
            versions.add(summary.version)
            assets.update(a.path for a in store.version_assets(dataset, summary.version))
            page = store.items(dataset, summary.version)
            items.update(item["id"] for item in page.items)
    return {
        "dataset": datasets,
        "version": sorted(versions | {"latest", "1"}),
        "item_id": sorted(items),
        "item": sorted(items),
        "path": sorted(assets),
    }


def _config(tmp: Path, values: dict[str, list[str]]) -> Path:
    lines = []
    for name, entries in values.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(entries)}", ""]
    lines.append("[parameters]")
    for name in values:
        lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.6 }}')
    config = tmp / "schemathesis.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


def test_fuzzing_finds_no_server_error_and_no_undocumented_answer(
    catalogue: CatalogSettings, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(catalogue.data_dir, data, ignore=shutil.ignore_patterns("sources"))
    store = Store(f"sqlite:///{data / 'catalog.sqlite'}")
    try:
        token = auth.issue(store, "fuzzer", auth.Role.ADMIN)
        config = _config(tmp_path, _dictionaries(store))
    finally:
        store.close()
    env = {"ASTROBENCH_DATA_DIR": str(data)}
    with running_server(env, tmp_path / "server.log") as url:
        run = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"),
                "--config-file",
                str(config),
                "run",
                f"{url}/api",
                "--checks",
                CHECKS,
                "--max-examples",
                os.environ.get("ASTROBENCH_FUZZ_EXAMPLES", "25"),
                "--seed",
                os.environ.get("ASTROBENCH_FUZZ_SEED", "20261128"),
                "--workers",
                "1",  # with more, schemathesis 4.32's coverage phase at times fails internally
                "--request-timeout",
                "30",
                "--header",
                f"Authorization: Bearer {token}",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=900,
            env={**os.environ, "NO_COLOR": "1"},
        )
        summary = run.stdout[run.stdout.find("SUMMARY") :]
        assert run.returncode == 0, run.stdout[-20000:]
        assert "generated" in summary and " passed" in summary
        assert httpx.get(f"{url}/healthz").status_code == 200
    assert "Traceback" not in (tmp_path / "server.log").read_text()

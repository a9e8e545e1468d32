"""``astrobench mirror`` against real servers: a complete valid static tree, incremental runs,
resuming after kill -9, S3 destinations, serving a mirror read-only and registering it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pystac
import pytest

import astrobench
from astrobench.cache import sha256_of
from astrobench.catalog.release import sha256_file
from astrobench.catalog.settings import CatalogSettings
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.catalog.validate import validate
from astrobench.catalog.versions import Status
from astrobench.ingest.publish import LocalTarget, publish
from astrobench.ingest.recipe import RECIPES, get_recipe
from astrobench.mirror import PARTIAL, mirror
from astrobench.service.process import running_server
from astrobench.transfer import Retry
from tests.catalog.factories import make_release
from tests.clients.flaky import Faults, flaky_proxy

ITEMS = 2 + 3 + 4 + 4 + 4 + 8 + 12 + 14 + 5 + 2 * (5 + 4 + 5) + 5 * 2
"""Items of every version: sn-spectra 1.0.0 to 2.0.0, ogle3-variables 1.0.0 to 2.1.0,
sdss-photoz 1.0.0, the 1.0.0s and 1.1.0s of ngc-morphology, dso-images and slsn-photoz, and
galaxy-shear 1.0.0's five splits in two shards each."""
VERSIONS = sorted(f"{name} {v}" for name in RECIPES for v in get_recipe(name).versions)
QUICK = Retry(attempts=2, backoff=0.01)


def assets(path: str) -> bool:
    return path.startswith("/assets/")


def source_assets(url: str) -> dict[str, dict]:  # type: ignore[type-arg]
    """Storage key -> asset, for every file of every published version at ``url``."""
    client = astrobench.Client(url)
    found = {}
    for dataset in client.datasets():
        for entry in client.versions(dataset):
            collection, items = client.records(dataset, entry["version"])
            for record in [collection, *items]:
                for asset in record.get("assets", {}).values():
                    found[asset["href"].split("/assets/", 1)[1]] = asset
    return found


def tree_files(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and PARTIAL not in p.parts
    }


def check_tree(root: Path, expected: dict[str, dict], validator) -> int:  # type: ignore[no-untyped-def,type-arg]
    """Every file verified, every JSON valid STAC with links that resolve; returns item count."""
    for key, asset in expected.items():
        assert sha256_file(root / key) == sha256_of(asset), key
    for path in root.rglob("*.json"):
        if PARTIAL in path.parts or path.name in ("versions.json", "leaderboard.json"):
            continue
        record = json.loads(path.read_text())
        validate(record, validator)
        for link in record["links"]:
            if link["href"].startswith("."):
                assert (path.parent / link["href"]).resolve().exists(), (path, link)
        for asset in record.get("assets", {}).values():
            assert (path.parent / asset["href"]).resolve().is_file()
            assert asset["alternate"]["source"]["href"].startswith("http")
    catalog = pystac.Catalog.from_file(str(root / "catalog.json"))
    return sum(len(list(items)) for _, _, items in catalog.walk())


def test_mirror_is_a_complete_verified_static_catalogue(
    server: str,
    tmp_path: Path,
    validator,  # type: ignore[no-untyped-def]
) -> None:
    expected = source_assets(server)
    first = mirror(server, str(tmp_path))
    assert first.copied == len(expected) and first.skipped == 0
    assert sorted(first.versions) == VERSIONS
    assert check_tree(tmp_path, expected, validator) == ITEMS
    again = mirror(server, str(tmp_path))
    assert again.copied == 0 and again.skipped == len(expected)
    root = json.loads((tmp_path / "catalog.json").read_text())
    assert {ln["href"] for ln in root["links"] if ln["rel"] == "child"} == {
        f"./{name}/catalog.json" for name in RECIPES
    }


def test_latest_only_then_the_rest_of_one_dataset(
    server: str,
    tmp_path: Path,
    validator,  # type: ignore[no-untyped-def]
) -> None:
    run = [sys.executable, "-m", "astrobench.cli", "mirror", server, str(tmp_path)]
    latest = subprocess.run(
        [*run, "--versions", "latest", "--datasets", "sn-spectra"], capture_output=True, text=True
    )
    assert latest.returncode == 0, latest.stderr
    assert sorted(p.name for p in (tmp_path / "sn-spectra").iterdir() if p.is_dir()) == ["2.0.0"]
    assert not (tmp_path / "ogle3-variables").exists()
    collection = json.loads((tmp_path / "sn-spectra/2.0.0/collection.json").read_text())
    predecessor = next(ln for ln in collection["links"] if ln["rel"] == "predecessor-version")
    assert predecessor["href"].startswith(server)  # not mirrored: points at the source
    everything = subprocess.run(
        [*run, "--datasets", "sn-spectra"], capture_output=True, text=True, check=True
    )
    assert "5 versions" in everything.stdout and "already there" in everything.stdout
    collection = json.loads((tmp_path / "sn-spectra/2.0.0/collection.json").read_text())
    predecessor = next(ln for ln in collection["links"] if ln["rel"] == "predecessor-version")
    assert predecessor["href"] == "../1.3.0/collection.json"
    bad = subprocess.run([*run, "--versions", "some"], capture_output=True, text=True)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    unknown = subprocess.run([*run, "--datasets", "sn-spectrum"], capture_output=True, text=True)
    assert unknown.returncode == 1 and "sn-spectra" in unknown.stderr


@pytest.fixture
def toy_source(tmp_path: Path) -> Iterator[tuple[str, Store, AssetStorage]]:
    """A small catalogue of its own, served; tests publish new versions into it."""
    settings = CatalogSettings(data_dir=tmp_path / "source")
    settings.prepare()
    store = Store(settings.database_url)
    store.create()
    storage = AssetStorage(settings.storage_url)
    publish(make_release(tmp_path / "build", version="1.0.0"), LocalTarget(store, storage))
    env = {"ASTROBENCH_DATA_DIR": str(settings.data_dir)}
    with running_server(env, tmp_path / "source.log") as url:
        yield url, store, storage
    store.close()


def test_an_incremental_run_copies_only_the_new_version(
    toy_source: tuple[str, Store, AssetStorage],
    tmp_path: Path,
    validator,  # type: ignore[no-untyped-def]
) -> None:
    url, store, storage = toy_source
    dest = tmp_path / "mirror"
    assert mirror(url, str(dest)).copied == 2
    publish(make_release(tmp_path / "build2", version="1.1.0", seed=1), LocalTarget(store, storage))
    store.set_status("toy-spectra", "1.0.0", Status.DEPRECATED, "superseded", "1.1.0")
    second = mirror(url, str(dest))
    assert (second.copied, second.skipped) == (2, 2)
    assert second.versions == ["toy-spectra 1.0.0", "toy-spectra 1.1.0"]
    old = json.loads((dest / "toy-spectra/1.0.0/collection.json").read_text())
    assert old["deprecated"] is True and old["astrobench:status_reason"] == "superseded"
    assert check_tree(dest, source_assets(url), validator) == 4


def test_a_killed_mirror_leaves_no_partial_file_and_resumes(
    server: str,
    tmp_path: Path,
    validator,  # type: ignore[no-untyped-def]
) -> None:
    expected = source_assets(server)
    faults = Faults(spared=5, stall=1, matches=assets)
    with flaky_proxy(server, faults) as proxy:
        run = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "astrobench.cli",
                "mirror",
                proxy,
                str(tmp_path),
                "--workers",
                "1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while faults.seen["stall"] == 0 or not list((tmp_path / PARTIAL).glob("*.partial")):
            assert time.monotonic() < deadline and run.poll() is None
            time.sleep(0.05)
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
    visible = tree_files(tmp_path)
    assert len(visible) == 5  # the files copied before the stall, each whole,
    for key in visible:
        assert sha256_file(tmp_path / key) == sha256_of(expected[key])
    # and no record yet: records are written after the files they list
    assert list((tmp_path / PARTIAL).iterdir())  # the half file waits out of sight
    resumed = mirror(server, str(tmp_path))
    assert (resumed.copied, resumed.skipped) == (len(expected) - 5, 5)
    assert not (tmp_path / PARTIAL).exists()
    assert check_tree(tmp_path, expected, validator) == ITEMS


def test_mirror_to_s3_and_serve_it_read_only(server: str, s3_root: str, tmp_path: Path) -> None:
    import s3fs

    dest = s3_root.replace("/assets", "/mirror")
    first = mirror(server, dest, datasets=["sn-spectra"], versions="latest")
    assert first.versions == ["sn-spectra 2.0.0"] and first.copied > 0
    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    bucket = dest.removeprefix("s3://")
    assert fs.exists(f"{bucket}/catalog.json") and fs.exists(
        f"{bucket}/sn-spectra/2.0.0/collection.json"
    )
    assert mirror(server, dest, datasets=["sn-spectra"], versions="latest").copied == 0
    env = {"ASTROBENCH_DATA_DIR": str(tmp_path)}
    with running_server(env, tmp_path / "mirror.log", ["--mirror", dest]) as url:
        item = astrobench.Client(url).split_item("sn-spectra", None, "test")
        source = astrobench.Client(server).split_item("sn-spectra", None, "test")
        assert item["assets"]["data"]["file:checksum"] == source["assets"]["data"]["file:checksum"]
        with astrobench.open("sn-spectra", split="test", url=url) as ds:
            assert ds.attrs["dataset_version"] == "2.0.0"


def test_a_served_mirror_is_read_only_and_registers_as_alternate(
    server: str,
    admin_token: str,
    tmp_path: Path,
    validator,  # type: ignore[no-untyped-def]
) -> None:
    dest = tmp_path / "mirror"
    mirror(server, str(dest), datasets=["sn-spectra"])
    snapshot = {f: sha256_file(dest / f) for f in tree_files(dest)}
    admin = {"Authorization": f"Bearer {admin_token}"}
    env = {"ASTROBENCH_DATA_DIR": str(tmp_path / "data")}
    with running_server(env, tmp_path / "mirror.log", ["--mirror", str(dest)]) as url:

        def history(at: str) -> list[tuple[str, str, str]]:
            found = astrobench.Client(at).versions("sn-spectra")
            return [(v["version"], v["status"], v["published"]) for v in found]

        assert history(url) == history(server)
        for method, path in [
            ("POST", "/collections/sn-spectra/versions"),
            ("PUT", "/mirrors/other"),
            ("DELETE", "/mirrors/other"),
            ("PATCH", "/collections/sn-spectra/versions/1.0.0"),
        ]:
            refused = httpx.request(method, url + path, json={}, headers=admin)
            assert refused.status_code == 405, (method, path, refused.text)
            assert refused.json()["code"] == "ReadOnly" and refused.headers["allow"] == "GET, HEAD"
        registered = subprocess.run(
            [
                sys.executable,
                "-m",
                "astrobench.cli",
                "mirror",
                server,
                str(dest),
                "--datasets",
                "sn-spectra",
                "--register",
                "archive",
                "--public-url",
                url + "/assets",
            ],
            env={**os.environ, "ASTROBENCH_TOKEN": admin_token},
            capture_output=True,
            text=True,
        )
        assert registered.returncode == 0, registered.stderr
        assert "registered as mirror 'archive'" in registered.stdout
        try:
            item = astrobench.Client(server).split_item("sn-spectra", "1.2", "train")
            alternate = item["assets"]["data"]["alternate"]["archive"]
            assert alternate["href"] == f"{url}/assets/sn-spectra/1.2.0/sn-spectra-1.2.0-train.nc"
            validate(item, validator)
            other = astrobench.Client(server).split_item("ogle3-variables", None, "test")
            assert "alternate" not in other["assets"]["data"]
            [listed] = httpx.get(server + "/mirrors").json()["mirrors"]
            assert listed["versions"] == {
                "sn-spectra": ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "2.0.0"]
            }
            faults = Faults(unavailable=10**6, matches=assets)
            with flaky_proxy(server, faults) as proxy:
                with astrobench.open("sn-spectra", "1.2", "train", url=proxy) as ds:
                    assert ds.encoding["source"] == alternate["href"]
                [path] = astrobench.Client(proxy, retry=QUICK).download(
                    "sn-spectra", "1.2", ["train"], cache_dir=tmp_path / "cache"
                )
            assert sha256_file(path) == sha256_of(item["assets"]["data"])
            assert faults.seen["unavailable"] > 0
        finally:
            httpx.delete(server + "/mirrors/archive", headers=admin)
    item = astrobench.Client(server).split_item("sn-spectra", "1.2", "train")
    assert "alternate" not in item["assets"]["data"]
    assert {f: sha256_file(dest / f) for f in tree_files(dest)} == snapshot


def test_bad_registrations_are_refused(server: str, admin_token: str) -> None:
    admin = {"Authorization": f"Bearer {admin_token}"}
    put = server + "/mirrors/archive"
    body = {"url": "https://archive.example.org/ab", "versions": {"sn-spectra": ["9.9.9"]}}
    cases = [
        (put, body, admin, 400, "9.9.9"),
        (put, {**body, "url": "ftp://x", "versions": {}}, admin, 400, "http"),
        (put, {**body, "versions": {"sn-spectrum": ["1.0.0"]}}, admin, 404, "sn-spectra"),
        (server + "/mirrors/Bad%20Name", {**body, "versions": {}}, admin, 400, "lower-case"),
        (put, {**body, "versions": {}}, {}, 401, "token"),
    ]
    for url, sent, headers, status, says in cases:
        answer = httpx.put(url, json=sent, headers=headers)
        assert answer.status_code == status and says in answer.json()["description"], answer.text
    missing = httpx.delete(server + "/mirrors/nobody", headers=admin)
    assert missing.status_code == 404 and missing.json()["code"] == "MirrorNotFound"
    assert httpx.get(server + "/mirrors").json() == {"mirrors": []}

"""The one publish pipeline, into the local catalogue and into a remote one over HTTP: records
validated, files uploaded and verified, versions immutable, retries harmless, DOIs minted."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import astrobench
from astrobench.catalog import auth, minting
from astrobench.catalog.errors import InvalidParameter, VersionExists
from astrobench.catalog.records import release_records
from astrobench.catalog.settings import CatalogSettings
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.errors import InvalidRequest
from astrobench.ingest.publish import LocalTarget, publish
from astrobench.ingest.remote import RemoteTarget, content_digest
from astrobench.service.process import running_server
from tests.catalog.factories import make_release


@pytest.fixture
def local(tmp_path: Path) -> Iterator[LocalTarget]:
    store = Store(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    store.create()
    yield LocalTarget(store, AssetStorage(str(tmp_path / "assets")))
    store.close()


def test_an_invalid_record_is_refused_before_anything_is_stored(
    local: LocalTarget, tmp_path: Path
) -> None:
    release = make_release(tmp_path / "build", task="astrology")  # not a benchmark task
    with pytest.raises(InvalidParameter, match="task"):
        publish(release, local)
    assert local.history("toy-spectra") == []
    assert not [p for p in (tmp_path / "assets").rglob("*") if p.is_file()]


def test_a_retry_changes_nothing_and_a_changed_version_is_refused(
    local: LocalTarget, tmp_path: Path
) -> None:
    release = make_release(tmp_path / "build")
    assert publish(release, local).status == "published"
    assert publish(release, local).status == "unchanged"
    before = local.store.collection("toy-spectra", "1.0.0")
    renamed = dataclasses.replace(release, description="Other words, same files.")
    with pytest.raises(VersionExists):  # identical files, different record: still a change
        publish(renamed, local)
    other = make_release(tmp_path / "other", seed=1)  # different bytes under the same names
    with pytest.raises(VersionExists):
        publish(other, local)
    assert local.store.collection("toy-spectra", "1.0.0") == before
    _, _, assets = release_records(release)
    assert all(local.storage.sha256(a.path) == a.sha256 for a in assets)


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[tuple[str, str, CatalogSettings]]:
    """An empty catalogue served over HTTP, and a curator's token for toy-spectra."""
    settings = CatalogSettings(data_dir=tmp_path / "remote")
    settings.prepare()
    store = Store(settings.database_url)
    store.create()
    token = auth.issue(store, "toy-team", auth.Role.CURATOR, ["toy-spectra"])
    store.close()
    env = {"ASTROBENCH_DATA_DIR": str(settings.data_dir)}
    with running_server(env, tmp_path / "server.log") as url:
        yield url, token, settings


def test_a_release_is_published_to_a_remote_catalogue(
    remote: tuple[str, str, CatalogSettings], tmp_path: Path
) -> None:
    url, token, settings = remote
    release = make_release(tmp_path / "build")
    target = RemoteTarget(url, token)
    try:
        assert publish(release, target).status == "published"
        assert publish(release, target).status == "unchanged"
        with pytest.raises(InvalidRequest, match="never change"):
            publish(make_release(tmp_path / "other", seed=1), target)
    finally:
        target.close()
    with astrobench.open("toy-spectra", "1.0.0", "test", url=url, verify=True) as ds:
        assert ds.flux.shape == (20, 50)
    store = Store(settings.database_url)
    try:
        minted = {s.version for s in minting.states(store)}  # the concept DOI and the version's
        assert minted == {None, "1.0.0"}
    finally:
        store.close()


def test_an_upload_is_checked_against_its_digest_and_never_changes_a_published_file(
    remote: tuple[str, str, CatalogSettings], tmp_path: Path
) -> None:
    url, token, _ = remote
    release = make_release(tmp_path / "build")
    target = RemoteTarget(url, token)
    try:
        publish(release, target)
    finally:
        target.close()
    _, _, assets = release_records(release)
    key = assets[0].path
    files = f"{url}/collections/toy-spectra/versions/1.0.0/files/{key.rsplit('/', 1)[1]}"
    bearer = {"Authorization": f"Bearer {token}"}
    data = b"other bytes"
    refused = httpx.put(files, content=data, headers=bearer)
    assert refused.status_code == 400 and "Content-Digest" in refused.json()["description"]
    wrong = httpx.put(
        files, content=data, headers={**bearer, "Content-Digest": content_digest("00" * 32)}
    )
    assert wrong.status_code == 400 and "sha256" in wrong.json()["description"]
    honest = {**bearer, "Content-Digest": content_digest(hashlib.sha256(data).hexdigest())}
    changed = httpx.put(files, content=data, headers=honest)
    assert changed.status_code == 409
    assert httpx.put(files, content=data).status_code == 401
    fresh = f"{url}/collections/toy-spectra/versions/1.1.0/files/notes.txt"
    assert httpx.put(fresh, content=data, headers=honest).status_code == 201
    assert httpx.put(fresh, content=data, headers=honest).status_code == 200
    other = f"{url}/collections/other-set/versions/1.0.0/files/notes.txt"
    assert httpx.put(other, content=data, headers=honest).status_code == 403
    bad_name = f"{url}/collections/toy-spectra/versions/1.1.0/files/..hidden"
    assert httpx.put(bad_name, content=data, headers=honest).status_code == 400


def test_ingest_to_a_remote_catalogue_from_the_command_line(
    remote: tuple[str, str, CatalogSettings], tmp_path: Path, source_dir: Path
) -> None:
    url, toy_token, settings = remote
    store = Store(settings.database_url)
    token = auth.issue(store, "sn-team", auth.Role.CURATOR, ["sn-spectra"])
    store.close()

    def ingest(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "astrobench.cli", "ingest", "sn-spectra", "--to", url, *args],
            env={
                **os.environ,
                "ASTROBENCH_DATA_DIR": str(tmp_path / "local"),
                "ASTROBENCH_SOURCE_DIR": str(source_dir),
            },
            capture_output=True,
            text=True,
        )

    missing = ingest("--version", "1.0.0")
    assert missing.returncode == 1 and "needs a curator's token" in missing.stderr
    wrong = ingest("--version", "1.0.0", "--token", toy_token)
    assert wrong.returncode == 1 and "sn-spectra" in wrong.stderr and "building" not in wrong.stderr
    done = ingest("--version", "1.0.0", "--token", token)
    assert done.returncode == 0, done.stderr
    assert "sn-spectra 1.0.0: published" in done.stderr
    assert [v["version"] for v in astrobench.Client(url).versions("sn-spectra")] == ["1.0.0"]
    assert not (tmp_path / "local" / "catalog.sqlite").exists()  # nothing written locally

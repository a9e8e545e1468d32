"""Publishing over HTTP: admin token, file checks, and immutability (409)."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from astrobench.catalog.errors import StorageUnavailable
from astrobench.catalog.records import release_records
from astrobench.catalog.storage import AssetStorage
from astrobench.service.app import create_app
from astrobench.service.settings import Settings
from tests.catalog.factories import make_release

TOKEN = "s3cret"


@pytest.fixture
def api(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path / "data", admin_token=TOKEN)
    with TestClient(create_app(settings)) as client:
        yield client, settings


def upload(settings: Settings, tmp: Path, version: str = "1.0.0", seed: int = 0) -> dict:  # type: ignore[type-arg]
    release = make_release(tmp / version / str(seed), version=version, seed=seed)
    collection, items, assets = release_records(release)
    storage = AssetStorage(settings.storage_url)
    for split, asset in zip(release.splits, assets, strict=True):
        storage.put(split.path, asset.path, asset.sha256)
    return {"collection": collection, "items": items}


def test_publish_needs_a_token(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, settings = api
    body = upload(settings, tmp_path)
    assert client.post("/collections/toy-spectra/versions", json=body).status_code == 401
    wrong = client.post(
        "/collections/toy-spectra/versions", json=body, headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 403 and wrong.json()["code"] == "Forbidden"
    assert client.get("/collections/toy-spectra").status_code == 404


def test_publish_then_republish_is_refused(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, settings = api
    auth = {"Authorization": f"Bearer {TOKEN}"}
    created = client.post(
        "/collections/toy-spectra/versions", json=upload(settings, tmp_path), headers=auth
    )
    assert created.status_code == 201
    assert created.headers["location"].endswith("/collections/toy-spectra/versions/1.0.0")
    before = client.get("/collections/toy-spectra/versions/1.0.0/items").json()

    again = upload(settings, tmp_path, seed=0)
    again["collection"]["title"] = "Rewritten"
    conflict = client.post("/collections/toy-spectra/versions", json=again, headers=auth)
    assert conflict.status_code == 409 and conflict.json()["code"] == "VersionExists"
    assert client.get("/collections/toy-spectra/versions/1.0.0").json()["title"] == "Toy spectra"
    assert client.get("/collections/toy-spectra/versions/1.0.0/items").json() == before


def test_publish_refuses_files_not_in_storage(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, settings = api
    body = upload(settings, tmp_path, version="1.1.0")
    body["items"][0]["assets"]["data"]["file:checksum"] = "1220" + "0" * 64
    refused = client.post(
        "/collections/toy-spectra/versions", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert refused.status_code == 400 and "upload the files" in refused.json()["description"]
    assert client.get("/collections/toy-spectra").status_code == 404


def test_unreachable_database_is_a_storage_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="postgresql+psycopg://nobody@127.0.0.1:1/x")
    with pytest.raises(StorageUnavailable, match="database is unavailable"):
        create_app(settings)


def test_missing_file_in_storage_gives_503(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, settings = api
    body = upload(settings, tmp_path)
    client.post(
        "/collections/toy-spectra/versions", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    href = body["items"][0]["assets"]["data"]["href"]
    (Path(settings.storage_url) / href.removeprefix("/assets/")).unlink()
    lost = client.get(href)
    assert lost.status_code == 503 and lost.json()["code"] == "StorageUnavailable"

"""Writes over HTTP on both databases: scoped tokens, drafts, atomic publish, lifecycle, limits."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from astrobench.catalog import auth, minting
from astrobench.catalog.errors import StorageUnavailable
from astrobench.catalog.records import local_files, release_records
from astrobench.catalog.release import ExtraFile
from astrobench.catalog.storage import AssetStorage
from astrobench.service.app import create_app
from astrobench.service.settings import Settings
from tests.catalog.factories import make_release


@dataclass
class Api:
    client: TestClient
    settings: Settings
    admin: dict[str, str]
    curator: dict[str, str]
    """A curator of toy-spectra only."""


@pytest.fixture
def api(tmp_path: Path, database_url: str) -> Iterator[Api]:
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database_url, max_body_bytes=200_000
    )
    app = create_app(settings)
    store = app.state.store
    admin = auth.issue(store, "ops", auth.Role.ADMIN)
    curator = auth.issue(store, "toy-team", auth.Role.CURATOR, ["toy-spectra"])
    with TestClient(app) as client:
        yield Api(
            client,
            settings,
            {"Authorization": f"Bearer {admin}"},
            {"Authorization": f"Bearer {curator}"},
        )


def release(
    settings: Settings, tmp: Path, version: str = "1.0.0", upload: bool = True, **kwargs: Any
) -> dict[str, Any]:
    """A release's records (its splits and a card on the Collection), with its files in the
    service's storage unless ``upload`` is False."""
    folder = tmp / version / str(kwargs)
    built = make_release(folder, version=version, **kwargs)
    card = folder / "card.md"
    card.write_text(f"# {built.title} {version}\n")
    built = dataclasses.replace(
        built, files=[ExtraFile("card", card, "text/markdown", "Card", ("metadata",))]
    )
    collection, items, assets = release_records(built)
    local = local_files(built)
    files = [(local[asset.path], asset) for asset in assets]
    if upload:
        storage = AssetStorage(settings.storage_url)
        for path, asset in files:
            storage.put(path, asset.path, asset.sha256)
    return {"collection": collection, "items": items, "files": files}


def body(records: dict[str, Any]) -> dict[str, Any]:
    return {"collection": records["collection"], "items": records["items"]}


def test_writes_need_a_token_in_scope(api: Api, tmp_path: Path) -> None:
    records = release(api.settings, tmp_path)
    url = "/collections/toy-spectra/versions"
    missing = api.client.post(url, json=body(records))
    assert missing.status_code == 401 and "Bearer" in missing.json()["description"]
    wrong = api.client.post(url, json=body(records), headers={"Authorization": "Bearer abt_nope"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "Unauthorized"
    other = release(api.settings, tmp_path, dataset="other-set")
    outside = api.client.post(
        "/collections/other-set/versions", json=body(other), headers=api.curator
    )
    assert (
        outside.status_code == 403 and "its datasets: toy-spectra" in outside.json()["description"]
    )
    assert api.client.get("/collections/other-set").status_code == 404
    assert api.client.post(url, json=body(records), headers=api.curator).status_code == 201
    assert (
        api.client.post(
            "/collections/other-set/versions", json=body(other), headers=api.admin
        ).status_code
        == 201
    )


def test_publish_retry_and_immutability(api: Api, tmp_path: Path) -> None:
    records = release(api.settings, tmp_path)
    url = "/collections/toy-spectra/versions"
    created = api.client.post(url, json=body(records), headers=api.curator)
    assert created.status_code == 201
    assert created.headers["location"].endswith("/collections/toy-spectra/versions/1.0.0")
    reserved = {s.doi: s.state for s in minting.states(api.client.app.state.store)}  # type: ignore[attr-defined]
    assert reserved == {  # no DataCite credentials here: reserved drafts
        "10.5072/astrobench.toy-spectra": "draft",
        "10.5072/astrobench.toy-spectra.v1.0.0": "draft",
    }
    card = api.client.get(
        api.client.get(created.headers["location"]).json()["assets"]["card"]["href"]
    )
    assert card.status_code == 200 and card.headers["content-type"].startswith("text/markdown")
    retried = api.client.post(url, json=body(records), headers=api.curator)
    assert retried.status_code == 200  # the same version again: nothing changes
    before = api.client.get("/collections/toy-spectra/versions/1.0.0/items").json()

    changed = body(release(api.settings, tmp_path, seed=1, upload=False))
    changed["collection"]["title"] = "Rewritten"
    conflict = api.client.post(url, json=changed, headers=api.admin)
    assert conflict.status_code == 409 and conflict.json()["code"] == "VersionExists"
    for path in (
        "/collections/toy-spectra",
        "/collections/toy-spectra/items/toy-spectra-1.0.0-train",
    ):
        method = api.client.put if path.endswith("spectra") else api.client.delete
        kwargs = {"json": records["collection"]} if method == api.client.put else {}
        assert method(path, headers=api.admin, **kwargs).status_code == 409
    assert api.client.delete("/collections/toy-spectra", headers=api.admin).status_code == 409
    assert (
        api.client.get("/collections/toy-spectra/versions/1.0.0").json()["title"] == "Toy spectra"
    )
    assert api.client.get("/collections/toy-spectra/versions/1.0.0/items").json() == before


def test_a_failed_upload_publishes_nothing_and_a_retry_completes(api: Api, tmp_path: Path) -> None:
    records = release(api.settings, tmp_path, upload=False)
    storage = AssetStorage(api.settings.storage_url)
    (first, first_asset), (second, second_asset), (card, card_asset) = records["files"]
    storage.put(first, first_asset.path, first_asset.sha256)  # the rest never arrived
    url = "/collections/toy-spectra/versions"
    refused = api.client.post(url, json=body(records), headers=api.curator)
    assert refused.status_code == 400 and "upload the files" in refused.json()["description"]
    assert api.client.get("/collections/toy-spectra").status_code == 404
    assert api.client.get("/search").json()["numberMatched"] == 0

    storage.put(second, second_asset.path, second_asset.sha256)
    missing_card = api.client.post(url, json=body(records), headers=api.curator)
    assert missing_card.status_code == 400 and card_asset.path in missing_card.json()["description"]
    storage.put(card, card_asset.path, card_asset.sha256)
    assert api.client.post(url, json=body(records), headers=api.curator).status_code == 201
    assert api.client.get("/search").json()["numberMatched"] == 2


def test_draft_workflow_through_stac_transaction_paths(api: Api, tmp_path: Path) -> None:
    records = release(api.settings, tmp_path)
    collection, items = records["collection"], records["items"]
    created = api.client.post("/collections", json=collection, headers=api.curator)
    assert created.status_code == 201
    assert created.headers["location"].endswith("/collections/toy-spectra/drafts/1.0.0")
    assert api.client.post("/collections", json=collection, headers=api.curator).status_code == 409
    for item in items:
        assert (
            api.client.post(
                "/collections/toy-spectra/items", json=item, headers=api.curator
            ).status_code
            == 201
        )
    assert api.client.get("/collections/toy-spectra").status_code == 404  # drafts are not public
    draft = api.client.get("/collections/toy-spectra/drafts/1.0.0", headers=api.curator).json()
    assert [i["id"] for i in draft["items"]] == sorted(i["id"] for i in items)
    renamed = dict(collection, title="Toy spectra, reviewed")
    assert (
        api.client.put("/collections/toy-spectra", json=renamed, headers=api.curator).status_code
        == 200
    )
    gone = api.client.delete(
        f"/collections/toy-spectra/items/{items[0]['id']}", headers=api.curator
    )
    assert gone.status_code == 204
    assert (
        api.client.put(
            f"/collections/toy-spectra/items/{items[0]['id']}", json=items[0], headers=api.curator
        ).status_code
        == 201
    )

    published = api.client.post(
        "/collections/toy-spectra/drafts/1.0.0/publish", headers=api.curator
    )
    assert published.status_code == 201
    served = api.client.get("/collections/toy-spectra").json()
    assert served["title"] == "Toy spectra, reviewed"
    card = api.client.get(served["assets"]["card"]["href"])  # collection-level files are recorded
    assert card.status_code == 200 and card.text == "# Toy spectra 1.0.0\n"
    assert api.client.get("/search?collections=toy-spectra").json()["numberMatched"] == 2
    again = api.client.post("/collections/toy-spectra/drafts/1.0.0/publish", headers=api.curator)
    assert again.status_code == 200


def test_draft_publish_checks_files(api: Api, tmp_path: Path) -> None:
    records = release(api.settings, tmp_path, upload=False)
    draft = "/collections/toy-spectra/drafts/1.0.0"
    assert api.client.put(draft, json=records["collection"], headers=api.admin).status_code == 201
    for item in records["items"]:
        api.client.post("/collections/toy-spectra/items", json=item, headers=api.admin)
    refused = api.client.post(draft + "/publish", headers=api.admin)
    assert refused.status_code == 400
    assert api.client.get("/collections/toy-spectra").status_code == 404
    assert api.client.get(draft, headers=api.admin).status_code == 200  # the draft is intact
    assert api.client.delete(draft, headers=api.admin).status_code == 204
    assert api.client.get(draft, headers=api.admin).status_code == 404


def test_deprecate_and_yank(api: Api, tmp_path: Path) -> None:
    for version in ("1.0.0", "1.1.0"):
        records = release(api.settings, tmp_path, version=version)
        api.client.post(
            "/collections/toy-spectra/versions", json=body(records), headers=api.curator
        )
    url = "/collections/toy-spectra/versions/1.1.0"
    yank = {"status": "yanked", "reason": "labels were shuffled", "successor": "1.0.0"}
    assert api.client.patch(url, json=yank).status_code == 401
    changed = api.client.patch(url, json=yank, headers=api.curator)
    assert changed.status_code == 200 and changed.json()["astrobench:status"] == "yanked"
    assert api.client.get("/collections/toy-spectra").json()["version"] == "1.0.0"
    assert api.client.get(url).json()["astrobench:status_reason"] == "labels were shuffled"
    bad = api.client.patch(url, json={"status": "deleted", "reason": "x"}, headers=api.curator)
    assert bad.status_code == 400
    edit = api.client.patch(
        url, json={"status": "published", "reason": "x", "title": "new"}, headers=api.curator
    )
    assert edit.status_code == 400 and "title" in edit.json()["description"]
    missing = api.client.patch(
        url, json={"status": "deprecated", "reason": "x", "successor": "9.0.0"}, headers=api.curator
    )
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "Toy_Spectra"}, "kebab-case"),
        ({"version": "one"}, "semantic version"),
        ({"bench:task": "dance"}, "'dance' is not one of"),
        ({"extent": None}, "not valid STAC"),
    ],
)
def test_invalid_records_are_refused(
    api: Api, tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    collection = dict(release(api.settings, tmp_path)["collection"], **change)
    refused = api.client.post("/collections", json=collection, headers=api.admin)
    assert refused.status_code == 400 and message in refused.json()["description"]


def test_body_limits(api: Api) -> None:
    huge = {"type": "Collection", "description": "x" * 300_000}
    too_big = api.client.post("/collections", json=huge, headers=api.admin)
    assert too_big.status_code == 413 and "200000" in too_big.json()["description"]
    form = api.client.post("/collections", data={"a": "b"}, headers=api.admin)
    assert form.status_code == 415 and "application/json" in form.json()["description"]
    search = api.client.post("/search", content=b"limit=1", headers={"Content-Type": "text/plain"})
    assert search.status_code == 415


def test_unreachable_database_is_a_storage_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="postgresql+psycopg://nobody@127.0.0.1:1/x")
    with pytest.raises(StorageUnavailable, match="database is unavailable"):
        create_app(settings)


def test_missing_file_in_storage_gives_503(api: Api, tmp_path: Path) -> None:
    records = release(api.settings, tmp_path)
    api.client.post("/collections/toy-spectra/versions", json=body(records), headers=api.admin)
    href = records["items"][0]["assets"]["data"]["href"]
    (Path(api.settings.storage_url) / href.removeprefix("/assets/")).unlink()
    lost = api.client.get(href)
    assert lost.status_code == 503 and lost.json()["code"] == "StorageUnavailable"

"""DOI registration against a stand-in for the DataCite REST API (DataCite itself is outside
this machine's reach): reserved drafts without credentials, findable DOIs with them, and a
failed registration retried by sync."""

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from datacite import schema45
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from astrobench.catalog import minting
from astrobench.catalog.doi import DoiScheme
from astrobench.catalog.records import release_records
from astrobench.catalog.store import Store
from astrobench.service.process import free_port
from tests.catalog.factories import make_release

SCHEME = DoiScheme("10.80000")
USER, PASSWORD = "REPO.ASTROBENCH", "secret"


@dataclass
class FakeDataCite:
    url: str
    received: dict[str, dict[str, Any]] = field(default_factory=dict)
    failing: bool = False


@pytest.fixture
def datacite() -> Iterator[FakeDataCite]:
    """The DataCite REST API's PUT /dois/{doi}: basic auth, JSON:API body, 201 or 200."""
    app = FastAPI()
    port = free_port()
    fake = FakeDataCite(f"http://127.0.0.1:{port}")

    @app.put("/dois/{doi:path}")
    async def put(doi: str, request: Request) -> JSONResponse:
        if request.headers.get("authorization") != httpx.BasicAuth(USER, PASSWORD)._auth_header:
            return JSONResponse({"errors": [{"title": "Bad credentials"}]}, status_code=401)
        if fake.failing:
            return JSONResponse({"errors": [{"title": "Internal error"}]}, status_code=500)
        body = await request.json()
        status = 200 if doi in fake.received else 201
        fake.received[doi] = body
        return JSONResponse(body, status_code=status)

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield fake
    server.should_exit = True
    thread.join(5)


def publish(store: Store, tmp_path: Path, version: str) -> None:
    store.publish(*release_records(make_release(tmp_path / version, version=version)))


def test_without_credentials_dois_are_reserved_drafts(store: Store, tmp_path: Path) -> None:
    publish(store, tmp_path, "1.0.0")
    found = minting.mint(store, SCHEME, "http://cat.example", "toy-spectra", "1.0.0", None)
    assert {(s.doi, s.state) for s in found} == {
        ("10.80000/astrobench.toy-spectra", "draft"),
        ("10.80000/astrobench.toy-spectra.v1.0.0", "draft"),
    }
    assert all("no DataCite credentials" in (s.message or "") for s in found)


def test_publishing_registers_findable_dois(
    store: Store, tmp_path: Path, datacite: FakeDataCite
) -> None:
    api = minting.DataCiteApi(datacite.url, USER, PASSWORD)
    for version in ("1.0.0", "1.1.0"):
        publish(store, tmp_path, version)
        minting.mint(store, SCHEME, "http://cat.example", "toy-spectra", version, api)
    assert {s.state for s in minting.states(store)} == {"findable"}
    sent = datacite.received["10.80000/astrobench.toy-spectra.v1.1.0"]["data"]
    assert sent["type"] == "dois" and sent["attributes"]["event"] == "publish"
    attributes = {k: v for k, v in sent["attributes"].items() if k != "event"}
    assert schema45.validate(attributes)
    assert attributes["url"] == "http://cat.example/collections/toy-spectra/versions/1.1.0"
    relations = {
        (r["relationType"], r["relatedIdentifier"]) for r in attributes["relatedIdentifiers"]
    }
    assert ("IsNewVersionOf", "10.80000/astrobench.toy-spectra.v1.0.0") in relations
    concept = datacite.received["10.80000/astrobench.toy-spectra"]["data"]["attributes"]
    assert concept["url"] == "http://cat.example/collections/toy-spectra"  # the latest, always
    assert [r["relatedIdentifier"] for r in concept["relatedIdentifiers"]] == [
        "10.80000/astrobench.toy-spectra.v1.0.0",
        "10.80000/astrobench.toy-spectra.v1.1.0",
    ]


def test_a_failed_registration_stays_draft_until_sync(
    store: Store, tmp_path: Path, datacite: FakeDataCite
) -> None:
    publish(store, tmp_path, "1.0.0")
    datacite.failing = True
    api = minting.DataCiteApi(datacite.url, USER, PASSWORD)
    failed = minting.mint(store, SCHEME, "http://cat.example", "toy-spectra", "1.0.0", api)
    assert {s.state for s in failed} == {"draft"}
    assert all("HTTP 500" in (s.message or "") for s in failed)
    wrong = minting.DataCiteApi(datacite.url, USER, "not-the-password")
    datacite.failing = False
    assert {s.state for s in minting.sync(store, SCHEME, "http://cat.example", wrong)} == {"draft"}
    assert {s.state for s in minting.sync(store, SCHEME, "http://cat.example", api)} == {"findable"}
    unreachable = minting.DataCiteApi(f"http://127.0.0.1:{free_port()}", USER, PASSWORD)
    with pytest.raises(minting.RegistrationFailed, match="unreachable"):
        unreachable.register("10.80000/x", {})

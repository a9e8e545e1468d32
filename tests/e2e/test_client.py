"""The thin client against a real server: open(), versions, search, pystac-client, errors."""

import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import pystac_client
import pytest

import astrobench
from astrobench.ingest.recipe import RECIPES
from astrobench.io import bytes_fetched


def test_open_reads_one_spectrum_lazily(server: str) -> None:
    ds = astrobench.open("sn-spectra", version="1.2", split="train", url=server)
    try:
        assert ds.attrs["dataset_version"] == "1.2.0" and ds.attrs["split"] == "train"
        spectrum = ds.flux.isel(spectrum=0).values
        assert spectrum.shape == (1081,) and np.isfinite(spectrum).any()
        assert str(ds.label[0].values) in {"Ia", "II", "Ibc"}
        fetched = bytes_fetched(ds)
        size = httpx.head(ds.encoding["source"]).headers["content-length"]
        assert fetched is not None and 0 < fetched < int(size) / 2, (fetched, size)
    finally:
        ds.close()


def test_latest_and_exact_versions(server: str) -> None:
    with astrobench.open("sn-spectra", split="test-highz", url=server) as latest:
        assert latest.attrs["dataset_version"] == "2.0.0"
    with astrobench.open("sn-spectra", version="1.0.0", split="test", url=server) as old:
        assert old.attrs["dataset_version"] == "1.0.0"


def test_client_versions_and_search(server: str) -> None:
    client = astrobench.Client(server)
    versions = client.versions("sn-spectra")
    assert [v["version"] for v in versions] == ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "2.0.0"]
    items = list(client.search(collections=["sn-spectra"]).items())
    assert {i.properties["bench:split"] for i in items} == {
        "train",
        "validation",
        "test",
        "test-highz",
    }


def test_pystac_client_searches_the_catalogue(server: str) -> None:
    catalog = pystac_client.Client.open(server)
    items = list(catalog.search(collections=["sn-spectra"], max_items=10).items())
    assert len(items) == 4 and all(i.collection_id == "sn-spectra" for i in items)
    collection = items[0].get_collection()
    assert collection.extra_fields["version"] == "2.0.0"
    assert sorted(c.id for c in catalog.get_collections()) == sorted(RECIPES)


def test_errors_carry_what_exists(server: str) -> None:
    client = astrobench.Client(server)
    with pytest.raises(astrobench.DatasetNotFound) as unknown:
        astrobench.open("sn-spectrum", url=server)
    assert unknown.value.suggestions == ["sn-spectra"]
    with pytest.raises(astrobench.VersionNotFound) as missing:
        astrobench.open("sn-spectra", version="1.4", split="train", url=server)
    assert missing.value.available == ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "2.0.0"]
    with pytest.raises(astrobench.SplitNotFound) as split:
        client.open("sn-spectra", "1.0", "validation")
    assert split.value.available == ["train", "test"]
    with pytest.raises(astrobench.InvalidRequest, match=r"MAJOR\.MINOR\.PATCH"):
        client.collection("sn-spectra", "1.x")


def test_bad_requests_change_nothing(server: str, admin_token: str) -> None:
    def state() -> list:  # type: ignore[type-arg]
        items = httpx.get(
            server + "/search",
            params={
                "ids": ",".join(
                    f"sn-spectra-{v}-{s}"
                    for v in ("1.0.0", "1.1.0", "1.2.0")
                    for s in ("train", "validation", "test", "test-highz")
                ),
                "limit": 100,
            },
        ).json()
        return [
            httpx.get(server + "/collections/sn-spectra/versions").json()["versions"],
            sorted((f["id"], f["assets"]["data"]["file:checksum"]) for f in items["features"]),
        ]

    before = state()
    for path in [
        "/collections/nope",
        "/collections/sn-spectra/versions/7",
        "/search?bbox=x",
        "/search?limit=-1",
        "/assets/../../etc/passwd",
    ]:
        assert 400 <= httpx.get(server + path).status_code < 500
    publish = server + "/collections/sn-spectra/versions"
    assert httpx.post(publish, json={}).status_code == 401
    admin = {"Authorization": f"Bearer {admin_token}"}
    assert httpx.post(publish, json={}, headers=admin).status_code == 400
    assert httpx.post(publish, content=b"x", headers=admin).status_code == 415
    assert state() == before


def test_cached_open_is_verified(server: str, tmp_path: Path) -> None:
    with astrobench.open(
        "sn-spectra", "1.1.0", "validation", url=server, cache=True, cache_dir=str(tmp_path)
    ) as ds:
        assert ds.sizes["spectrum"] > 50
    [cached] = list(tmp_path.rglob("*.nc"))
    item = astrobench.Client(server).split_item("sn-spectra", "1.1.0", "validation")
    assert "1220" + cached.stem == item["assets"]["data"]["file:checksum"]


def test_cli_lists_versions(server: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "astrobench.cli", "versions", "sn-spectra", "--url", server],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "2.0.0"]


def test_importing_astrobench_is_light() -> None:
    code = (
        "import sys, astrobench; heavy = {'xarray', 'fastapi', 'sqlalchemy', 'fsspec'} & "
        "set(sys.modules); print(sorted(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"

"""The catalogue on S3 (moto_server over HTTP): ingest uploads there, and the service reaches the
bytes either proxied with Range or by redirect to a presigned URL."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

import astrobench
from astrobench.catalog.settings import CatalogSettings
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.ingest.publish import LocalTarget, publish
from astrobench.service.process import running_server
from tests.catalog.factories import make_release


@pytest.fixture(scope="module")
def catalogue_on_s3(
    tmp_path_factory: pytest.TempPathFactory, moto_endpoint: dict[str, str]
) -> dict[str, str]:
    import s3fs

    tmp = tmp_path_factory.mktemp("on-s3")
    bucket = "astrobench-published"
    s3fs.S3FileSystem(skip_instance_cache=True).mkdir(bucket)
    settings = CatalogSettings(data_dir=tmp / "data", storage_url=f"s3://{bucket}/assets")
    settings.prepare()
    store = Store(settings.database_url)
    store.create()
    release = make_release(tmp / "build", splits=("train", "test"))
    assert (
        publish(release, LocalTarget(store, AssetStorage(settings.storage_url))).status
        == "published"
    )
    store.close()
    local = {s.name: s.path.read_bytes() for s in release.splits}
    (tmp / "expected.bin").write_bytes(local["test"])
    return {
        "ASTROBENCH_DATA_DIR": str(settings.data_dir),
        "ASTROBENCH_STORAGE_URL": settings.storage_url,
        "expected": str(tmp / "expected.bin"),
        **moto_endpoint,
    }


def serve(env: dict[str, str], tmp_path: Path, **extra: str) -> Iterator[str]:
    settings = {k: v for k, v in env.items() if k != "expected"} | extra
    with running_server(settings, tmp_path / "server.log") as url:
        yield url


@pytest.fixture
def proxied(catalogue_on_s3: dict[str, str], tmp_path: Path) -> Iterator[str]:
    yield from serve(catalogue_on_s3, tmp_path)


@pytest.fixture
def presigned(catalogue_on_s3: dict[str, str], tmp_path: Path) -> Iterator[str]:
    yield from serve(catalogue_on_s3, tmp_path, ASTROBENCH_ASSET_LINKS="presigned")


def test_ingest_uploaded_the_files_to_s3(catalogue_on_s3: dict[str, str]) -> None:
    import s3fs

    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    keys = fs.find("astrobench-published/assets")
    assert sorted(Path(k).name for k in keys) == [
        "toy-spectra-1.0.0-test.nc",
        "toy-spectra-1.0.0-train.nc",
    ]


def data_href(server: str) -> str:
    item = httpx.get(f"{server}/collections/toy-spectra/items/toy-spectra-1.0.0-test").json()
    return str(item["assets"]["data"]["href"])


def test_proxied_links_stream_ranges_from_s3(proxied: str, catalogue_on_s3: dict[str, str]) -> None:
    expected = Path(catalogue_on_s3["expected"]).read_bytes()
    href = data_href(proxied)
    part = httpx.get(href, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == expected[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(expected)}"
    whole = httpx.get(href)
    assert whole.content == expected and whole.headers["etag"].startswith('"sha256-')
    with astrobench.open("toy-spectra", "1.0.0", "test", url=proxied) as ds:
        assert np.isfinite(ds.flux.values).any()


def test_presigned_links_redirect_to_the_object_store(
    presigned: str, catalogue_on_s3: dict[str, str]
) -> None:
    expected = Path(catalogue_on_s3["expected"]).read_bytes()
    href = data_href(presigned)
    redirect = httpx.get(href)
    assert redirect.status_code == 307
    location = redirect.headers["location"]
    assert location.startswith(catalogue_on_s3["AWS_ENDPOINT_URL"]) and "Signature=" in location
    followed = httpx.get(href, follow_redirects=True, headers={"Range": "bytes=0-63"})
    assert followed.status_code == 206 and followed.content == expected[:64]
    head = httpx.head(href)  # size and checksum still come from the catalogue
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(expected)
    with astrobench.open("toy-spectra", "1.0.0", "test", url=presigned) as ds:
        assert np.isfinite(ds.flux.values).any()

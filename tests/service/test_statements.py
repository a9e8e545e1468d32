"""What a request costs the database: a fixed number of statements, however many datasets,
versions and mirrors the catalogue holds, and nothing read twice while the catalogue stays as
it was."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from astrobench.catalog import mirrors
from astrobench.catalog.store import Store
from astrobench.service.app import create_app
from astrobench.service.settings import Settings
from tests.catalog.factories import records

REQUESTS = (
    "/",
    "/collections",
    "/collections/set-0/versions",
    "/collections/set-0/items",
    "/collections/set-0/items/set-0-1.0.0-train",
    "/search?limit=1",
    "/search?filter=bench:role='test'&limit=1",
)


def _publish(store: Store, tmp: Path, datasets: range) -> None:
    for n in datasets:
        for version in ("1.0.0", "1.1.0"):
            collection, items, assets = records(
                tmp / f"{n}-{version}", dataset=f"set-{n}", version=version
            )
            store.publish(collection, items, assets)
        mirrors.register(store, f"mirror-{n}", f"https://m{n}.example", "", {f"set-{n}": ["1.0.0"]})


@pytest.fixture
def counted(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, list[str]]]:
    app = create_app(Settings(database_url=database_url, data_dir=tmp_path))
    statements: list[str] = []
    event.listen(
        app.state.store.engine,
        "before_cursor_execute",
        lambda _conn, _cursor, statement, *_: statement == "BEGIN" or statements.append(statement),
    )
    with TestClient(app) as client:
        yield client, statements


def _cost(client: TestClient, statements: list[str], path: str) -> int:
    statements.clear()
    assert client.get(path).status_code == 200, path
    return len(statements)


def test_statements_per_request_do_not_grow_with_the_catalogue(
    counted: tuple[TestClient, list[str]], tmp_path: Path
) -> None:
    client, statements = counted
    store = client.app.state.store  # type: ignore[attr-defined]
    _publish(store, tmp_path, range(2))
    for path in REQUESTS:
        _cost(client, statements, path)  # what the catalogue's generation lets a worker keep
    small = {path: _cost(client, statements, path) for path in REQUESTS}
    assert max(small.values()) == 2, small  # the generation, then the records

    _publish(store, tmp_path, range(2, 12))  # ten more datasets, each with a mirror
    for path in REQUESTS:
        _cost(client, statements, path)
    large = {path: _cost(client, statements, path) for path in REQUESTS}
    assert large == small


def test_a_change_is_seen_by_the_next_request(
    counted: tuple[TestClient, list[str]], tmp_path: Path
) -> None:
    client, _ = counted
    _publish(client.app.state.store, tmp_path, range(1))  # type: ignore[attr-defined]
    item = "/collections/set-0/versions/1.0.0/items/set-0-1.0.0-train"
    assert set(client.get(item).json()["assets"]["data"]["alternate"]) == {"mirror-0"}
    assert client.get("/search?limit=1").json()["numberMatched"] == 2
    other = Store(client.app.state.store.url)  # type: ignore[attr-defined]
    try:  # as the command line would, from another process
        mirrors.register(other, "late", "https://late.example", "", {"set-0": ["1.0.0"]})
        collection, items, assets = records(
            tmp_path / "2.0.0",
            dataset="set-0",
            version="2.0.0",
            splits=("train", "validation", "test"),
        )
        other.publish(collection, items, assets)
    finally:
        other.close()
    assert set(client.get(item).json()["assets"]["data"]["alternate"]) == {"mirror-0", "late"}
    assert client.get("/search?limit=1").json()["numberMatched"] == 3
    assert client.get("/collections/set-0").json()["version"] == "2.0.0"

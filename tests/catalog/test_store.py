"""The store suite: every test runs against SQLite and PostgreSQL."""

from datetime import datetime, timezone
from pathlib import Path

import pytest

from astrobench.catalog.errors import (
    DatasetNotFound,
    DraftNotFound,
    InvalidParameter,
    ItemNotFound,
    VersionExists,
    VersionNotFound,
)
from astrobench.catalog.store import SearchQuery, Store
from astrobench.catalog.versions import Status
from tests.catalog.factories import records


def publish(store: Store, tmp: Path, **kwargs) -> None:  # type: ignore[no-untyped-def]
    collection, items, assets = records(tmp / kwargs.get("version", "1.0.0"), **kwargs)
    store.publish(collection, items, assets)


def test_publish_and_read_back(store: Store, tmp_path: Path) -> None:
    publish(store, tmp_path)
    assert store.dataset_ids() == ["toy-spectra"]
    assert store.collection("toy-spectra", "1.0.0")["version"] == "1.0.0"
    page = store.items("toy-spectra", "1.0.0", SearchQuery(limit=10))
    assert [i["id"] for i in page.items] == ["toy-spectra-1.0.0-test", "toy-spectra-1.0.0-train"]
    assert (
        store.item("toy-spectra", "toy-spectra-1.0.0-train")["properties"]["bench:split"] == "train"
    )
    [asset] = [
        a for a in store.version_assets("toy-spectra", "1.0.0") if a.path.endswith("train.nc")
    ]
    assert store.asset(asset.path) == asset


def test_published_version_is_immutable(store: Store, tmp_path: Path) -> None:
    publish(store, tmp_path)
    before = store.collection("toy-spectra", "1.0.0")
    changed, items, assets = records(tmp_path / "again", seed=1)
    changed["title"] = "Something else"
    with pytest.raises(VersionExists, match="never change"):
        store.publish(changed, items, assets)
    assert store.collection("toy-spectra", "1.0.0") == before
    assert store.version_assets("toy-spectra", "1.0.0") != assets  # the new checksums were refused


def test_failed_publish_leaves_nothing_visible(store: Store, tmp_path: Path) -> None:
    collection, items, assets = records(tmp_path)
    with pytest.raises(VersionExists):  # two items with one id: the insert fails midway
        store.publish(collection, [items[0], items[0]], assets)
    with pytest.raises(DatasetNotFound):
        store.history("toy-spectra")
    store.publish(collection, items, assets)  # a retry completes it
    assert len(store.items("toy-spectra", "1.0.0", SearchQuery(limit=10)).items) == 2


def test_history_resolution_and_status(store: Store, tmp_path: Path) -> None:
    for version in ("1.0.0", "1.1.0", "1.10.0", "2.0.0"):
        publish(store, tmp_path, version=version)
    assert [h.version for h in store.history("toy-spectra")] == [
        "1.0.0",
        "1.1.0",
        "1.10.0",
        "2.0.0",
    ]
    assert store.resolve("toy-spectra", "1") == "1.10.0"
    store.set_status("toy-spectra", "2.0.0", Status.YANKED, "broken labels", successor="1.10.0")
    assert store.resolve("toy-spectra", None) == "1.10.0"
    assert store.latest_versions() == {"toy-spectra": "1.10.0"}
    yanked = store.history("toy-spectra")[-1]
    assert (yanked.status, yanked.reason, yanked.successor) == (
        Status.YANKED,
        "broken labels",
        "1.10.0",
    )
    assert store.collection("toy-spectra", "2.0.0")["version"] == "2.0.0"  # still resolvable


def test_not_found_errors_name_what_exists(store: Store, tmp_path: Path) -> None:
    publish(store, tmp_path)
    with pytest.raises(DatasetNotFound) as caught:
        store.history("toy-spectrum")
    assert caught.value.suggestions == ["toy-spectra"]
    with pytest.raises(VersionNotFound) as missing:
        store.collection("toy-spectra", "9.9.9")
    assert missing.value.available == ["1.0.0"]
    with pytest.raises(ItemNotFound):
        store.item("toy-spectra", "nope")


def test_search_scopes_to_latest_and_pages(store: Store, tmp_path: Path) -> None:
    publish(store, tmp_path, version="1.0.0")
    publish(store, tmp_path, version="1.1.0", splits=("train", "validation", "test"))
    publish(store, tmp_path, dataset="other-set", version="1.0.0")
    everything = store.search(SearchQuery(limit=100))
    assert {i["id"] for i in everything.items} == {
        "toy-spectra-1.1.0-train",
        "toy-spectra-1.1.0-validation",
        "toy-spectra-1.1.0-test",
        "other-set-1.0.0-train",
        "other-set-1.0.0-test",
    }
    assert everything.matched == 5

    seen, token = [], None
    while True:
        page = store.search(SearchQuery(collections=["toy-spectra"], limit=2, token=token))
        seen += [i["id"] for i in page.items]
        assert page.matched == 3
        token = page.next_token
        if token is None:
            break
    assert len(seen) == len(set(seen)) == 3

    old = store.search(SearchQuery(ids=["toy-spectra-1.0.0-train"]))
    assert [i["id"] for i in old.items] == ["toy-spectra-1.0.0-train"]


def test_search_by_datetime(store: Store, tmp_path: Path) -> None:
    publish(store, tmp_path)
    inside = datetime(2005, 6, 1, tzinfo=timezone.utc)
    after = datetime(2007, 1, 1, tzinfo=timezone.utc)
    assert store.search(SearchQuery(start=inside, end=inside)).matched == 2
    assert store.search(SearchQuery(start=after)).matched == 0
    assert store.search(SearchQuery(end=datetime(2004, 1, 1, tzinfo=timezone.utc))).matched == 0


def test_search_bbox_never_matches_items_without_footprint(store: Store, tmp_path: Path) -> None:
    publish(store, tmp_path)
    assert store.search(SearchQuery(bbox=(-180, -90, 180, 90))).matched == 0


def test_bad_token_is_invalid_parameter(store: Store, tmp_path: Path) -> None:
    publish(store, tmp_path)
    with pytest.raises(InvalidParameter, match="token"):
        store.search(SearchQuery(token="not-a-token!"))


def test_each_call_needs_one_connection(database_url: str, tmp_path: Path) -> None:
    """Lookups made inside a session (the not-found paths, latest-version refreshes) reuse
    its connection: with a pool of one, nothing waits for a second."""
    store = Store(database_url, pool_size=1, max_overflow=0, pool_timeout=2)
    try:
        store.create()
        publish(store, tmp_path)
        with pytest.raises(VersionNotFound):
            store.collection("toy-spectra", "9.9.9")
        with pytest.raises(ItemNotFound):
            store.item("toy-spectra", "no-such-item")
        with pytest.raises(DraftNotFound):
            store.draft("toy-spectra", "2.0.0")
        store.set_status("toy-spectra", "1.0.0", Status.DEPRECATED, "superseded")
        assert store.history("toy-spectra")[0].status is Status.DEPRECATED
        with store.transaction():  # a write inside a write joins it
            store.set_status("toy-spectra", "1.0.0", Status.PUBLISHED, "restored")
        assert store.history("toy-spectra")[0].status is Status.PUBLISHED
    finally:
        store.close()


def test_every_committed_write_advances_the_generation(store: Store, tmp_path: Path) -> None:
    start = store.generation()
    publish(store, tmp_path)
    assert store.generation() == start + 1
    collection, items, assets = records(tmp_path / "again", seed=1)
    with pytest.raises(VersionExists):
        store.publish(collection | {"title": "changed"}, items, assets)
    assert store.generation() == start + 1  # a refused write changes nothing
    store.set_status("toy-spectra", "1.0.0", Status.DEPRECATED, "superseded")
    assert store.generation() == start + 2


def test_what_a_store_keeps_follows_writes_made_elsewhere(
    database_url: str, tmp_path: Path
) -> None:
    """Histories, latest versions and counts of matches are kept per generation: a store sees
    at once what another store (another worker, the command line) publishes or yanks."""
    reader, writer = Store(database_url), Store(database_url)
    try:
        reader.create()
        publish(writer, tmp_path, version="1.0.0")
        query = SearchQuery(limit=1)
        assert reader.search(query).matched == 2
        assert reader.latest_versions() == {"toy-spectra": "1.0.0"}
        kept = reader.published()
        assert reader.published() is kept  # nothing changed: nothing read again

        publish(writer, tmp_path, version="1.1.0", splits=("train", "validation", "test"))
        assert reader.search(query).matched == 3
        assert reader.latest_versions() == {"toy-spectra": "1.1.0"}
        assert [h.version for h in reader.history("toy-spectra")] == ["1.0.0", "1.1.0"]

        writer.set_status("toy-spectra", "1.1.0", Status.YANKED, "wrong labels")
        assert reader.search(query).matched == 2
        assert reader.latest_versions() == {"toy-spectra": "1.0.0"}
        assert reader.cached("n", lambda: 1) == 1
        assert reader.cached("n", lambda: 2) == 1  # kept while the catalogue stays as it was
        writer.set_status("toy-spectra", "1.1.0", Status.PUBLISHED, "relabelled")
        assert reader.cached("n", lambda: 2) == 2
    finally:
        reader.close()
        writer.close()


@pytest.mark.parametrize("count", [True, False])
def test_number_matched_on_every_page_or_where_it_costs_nothing(
    database_url: str, tmp_path: Path, count: bool
) -> None:
    store = Store(database_url, count_matches=count)
    try:
        store.create()
        publish(store, tmp_path, splits=("train", "validation", "test"))
        first = store.search(SearchQuery(limit=2))
        second = store.search(SearchQuery(limit=2, token=first.next_token))
        assert (first.matched, second.matched) == ((3, 3) if count else (None, None))
        assert store.search(SearchQuery(limit=3)).matched == 3  # the page holds every match
        assert store.items("toy-spectra", "1.0.0", SearchQuery(limit=1)).matched == (
            3 if count else None
        )
    finally:
        store.close()

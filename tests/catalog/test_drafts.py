"""Drafts, atomic publishing and the lifecycle, on both databases."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from astrobench.catalog.errors import DatasetNotFound, DraftNotFound, ItemNotFound, VersionExists
from astrobench.catalog.store import SearchQuery, Store
from tests.catalog.factories import records


def _now() -> datetime:
    return datetime.now(timezone.utc)


def test_a_draft_is_invisible_until_published(store: Store, tmp_path: Path) -> None:
    collection, items, assets = records(tmp_path)
    assert store.put_draft(collection) is True
    for item in items:
        assert store.put_draft_item("toy-spectra", "1.0.0", item) is True
    assert store.drafts("toy-spectra") == ["1.0.0"]
    with pytest.raises(DatasetNotFound):
        store.history("toy-spectra")
    assert store.search(SearchQuery()).matched == 0
    assert store.search_collections(SearchQuery()).matched == 0
    with pytest.raises(DatasetNotFound):
        store.item("toy-spectra", items[0]["id"])

    store.publish_draft("toy-spectra", "1.0.0", assets, checked_at=_now())
    assert store.latest_versions() == {"toy-spectra": "1.0.0"}
    assert store.search(SearchQuery()).matched == 2
    assert sorted(store.version_assets("toy-spectra", "1.0.0")) == sorted(assets)
    with pytest.raises(VersionExists):
        store.put_draft(collection)
    with pytest.raises(VersionExists):
        store.put_draft_item("toy-spectra", "1.0.0", items[0])
    with pytest.raises(VersionExists):
        store.delete_draft("toy-spectra", "1.0.0")


def test_draft_edits(store: Store, tmp_path: Path) -> None:
    collection, items, _ = records(tmp_path)
    store.put_draft(collection)
    store.put_draft_item("toy-spectra", "1.0.0", items[0])
    changed = dict(items[0], properties=dict(items[0]["properties"], title="renamed"))
    assert store.put_draft_item("toy-spectra", "1.0.0", changed) is False
    assert store.put_draft(dict(collection, title="Renamed")) is False
    draft, draft_items = store.draft("toy-spectra", "1.0.0")
    assert draft["title"] == "Renamed"
    assert [i["properties"]["title"] for i in draft_items] == ["renamed"]
    store.delete_draft_item("toy-spectra", "1.0.0", items[0]["id"])
    with pytest.raises(ItemNotFound):
        store.delete_draft_item("toy-spectra", "1.0.0", items[0]["id"])
    store.delete_draft("toy-spectra", "1.0.0")
    with pytest.raises(DraftNotFound, match="open drafts: none"):
        store.draft("toy-spectra", "1.0.0")


def test_a_draft_changed_after_its_files_were_checked_is_not_published(
    store: Store, tmp_path: Path
) -> None:
    collection, items, assets = records(tmp_path)
    store.put_draft(collection)
    checked = _now()
    store.put_draft_item("toy-spectra", "1.0.0", items[0])  # lands after the check
    with pytest.raises(VersionExists, match="changed while it was being published"):
        store.publish_draft("toy-spectra", "1.0.0", assets, checked_at=checked)
    assert store.drafts("toy-spectra") == ["1.0.0"]
    store.publish_draft("toy-spectra", "1.0.0", assets, checked_at=_now())  # a retry completes it
    assert store.drafts("toy-spectra") == []


def test_one_shot_publish_replaces_a_draft(store: Store, tmp_path: Path) -> None:
    collection, items, assets = records(tmp_path)
    store.put_draft(dict(collection, title="draft title"))
    store.publish(collection, items, assets)
    assert store.collection("toy-spectra", "1.0.0")["title"] == collection["title"]
    assert store.drafts("toy-spectra") == []

"""Versions a recipe declares deprecated are marked so at ingest, once their successor is out."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from astrobench.catalog.records import release_records
from astrobench.catalog.release import Release
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.catalog.versions import Status
from astrobench.ingest.publish import LocalTarget, apply_statuses
from astrobench.ingest.recipe import Recipe
from tests.catalog.factories import make_release


class Toy(Recipe):
    name: ClassVar[str] = "toy-spectra"
    versions: ClassVar[tuple[str, ...]] = ("1.0.0", "2.0.0")
    sources: ClassVar[tuple] = ()  # type: ignore[type-arg]
    statuses: ClassVar[dict[str, tuple[str, str, str | None]]] = {
        "1.0.0": ("deprecated", "labels were wrong", "2.0.0")
    }

    def build(self, version: str, sources: dict[str, Path], workdir: Path) -> Release:
        return make_release(workdir, version=version)


def test_a_version_is_deprecated_once_its_successor_is_published(
    store: Store, tmp_path: Path
) -> None:
    recipe = Toy()
    target = LocalTarget(store, AssetStorage(str(tmp_path / "assets")))
    store.publish(*release_records(recipe.build("1.0.0", {}, tmp_path / "1")))
    apply_statuses(recipe, target)  # no successor yet: nothing changes
    assert store.history("toy-spectra")[0].status is Status.PUBLISHED
    store.publish(*release_records(recipe.build("2.0.0", {}, tmp_path / "2")))
    for _ in range(2):  # and again: nothing more to do
        apply_statuses(recipe, target)
        first, second = store.history("toy-spectra")
        assert (first.status, first.reason, first.successor) == (
            Status.DEPRECATED,
            "labels were wrong",
            "2.0.0",
        )
        assert second.status is Status.PUBLISHED
    assert store.latest_versions() == {"toy-spectra": "2.0.0"}

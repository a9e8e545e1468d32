"""Blind splits from build to store: the public file loses its answers, the truth is kept by the
store against the checksum the record commits to, and nothing else of it is published."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from astrobench.catalog import benchmark, blind, evaluation, lint, validate
from astrobench.catalog.errors import (
    BlindSplit,
    DatasetNotFound,
    InvalidParameter,
    TruthNotHeld,
)
from astrobench.catalog.records import release_records, release_truths
from astrobench.catalog.release import Release, SplitFile, multihash
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.ingest import rebuild
from astrobench.ingest.blind import withhold
from astrobench.ingest.publish import LocalTarget, publish

CLASSES = ("a", "b", "c")
PER_CLASS = {"macro_f1": 0.5, "completeness:a": 1.0, "purity:a": 1.0}


def _split(tmp: Path, name: str, role: str, seed: int, blind_split: bool = False) -> SplitFile:
    rng = np.random.default_rng(seed)
    labels = np.array([CLASSES[i % 3] for i in range(30)], dtype=object)
    data = xr.Dataset(
        {
            "flux": (("spectrum", "wavelength"), rng.normal(size=(30, 8))),
            "label": ("spectrum", labels),
            "label_code": ("spectrum", np.array([CLASSES.index(c) for c in labels], np.int8)),
            "object": ("spectrum", np.array([f"obj-{i // 2}" for i in range(30)], dtype=object)),
        },
        coords={"spectrum": [f"{name}-{i:03d}" for i in range(30)]},
    )
    path = tmp / f"toy-blind-1.0.0-{name}.nc"
    data.to_netcdf(path, engine="h5netcdf")
    return SplitFile(
        name=name,
        role=role,
        path=path,
        description=f"{name} split",
        count=30,
        class_counts={c: 10 for c in CLASSES},
        class_objects={c: 5 for c in CLASSES},
        criteria={"primary": "macro_f1", "metrics": ["macro_f1", "completeness", "purity"]},
        model_selection=role in ("train", "validation"),
        blind=blind_split,
        dimensions={"spectrum": {"type": "index", "extent": [0, 29]}},
        variables={
            "flux": {"type": "data", "dimensions": ["spectrum"]},
            "label": {"type": "auxiliary", "dimensions": ["spectrum"]},
        },
    )


def _release(tmp: Path) -> Release:
    splits = [
        _split(tmp, "train", "train", 0),
        _split(tmp, "test", "test", 1),
        _split(tmp, "test-blind", "robustness", 2, blind_split=True),
    ]
    return Release(
        dataset="toy-blind",
        version="1.0.0",
        title="Toy with a blind split",
        description="Synthetic spectra; one split is blind.",
        release_notes="First release.",
        license="CC-BY-4.0",
        keywords=["toy"],
        providers=[{"name": "astrobench", "roles": ["producer", "processor"]}],
        citation="Toy.",
        publications=[],
        start=datetime(2005, 1, 1, tzinfo=timezone.utc),
        end=datetime(2006, 1, 1, tzinfo=timezone.utc),
        benchmark={
            benchmark.TASK: "classification",
            benchmark.TARGET: "label",
            benchmark.OBJECT: "object",
            benchmark.CLASSES: [{"name": c} for c in CLASSES],
            benchmark.METRICS: [
                {"name": "macro_f1", "direction": "maximize", "primary": True},
                {"name": "completeness", "direction": "maximize", "per_class": True},
                {"name": "purity", "direction": "maximize", "per_class": True},
            ],
            benchmark.MODALITY: "spectrum",
            benchmark.PROVENANCE: "simulated",
            benchmark.BASELINES: [
                {
                    "name": "guess",
                    "kind": "trivial",
                    "scores": {"test": PER_CLASS, "test-blind": PER_CLASS},
                    "intervals": {
                        "test": {k: [0.0, 1.0] for k in PER_CLASS},
                        "test-blind": {k: [0.0, 1.0] for k in PER_CLASS},
                    },
                }
            ],
        },
        splits=splits,
        answers=("label_code",),
        extension="v1.6.0",
    )


@pytest.fixture
def withheld(tmp_path: Path) -> Release:
    return withhold(_release(tmp_path), tmp_path)


def test_a_blind_file_lacks_the_target_and_its_truth_is_committed_to(withheld: Release) -> None:
    split = withheld.splits[2]
    assert split.truth is not None
    with xr.open_dataset(split.path, engine="h5netcdf") as public:
        assert "label" not in public and "label_code" not in public
        assert public.sizes["spectrum"] == 30 and "flux" in public and "object" in public
    with xr.open_dataset(split.truth, engine="h5netcdf") as truth:
        assert set(truth.variables) == {"label", "object", "spectrum"}
        assert truth["label"].values.tolist() == [CLASSES[i % 3] for i in range(30)]
    collection, items, assets = release_records(withheld)
    for record in (collection, *items):
        validate.check(record)
    entry = {s["name"]: s for s in collection["bench:splits"]}["test-blind"]
    digest = hashlib.sha256(split.truth.read_bytes()).hexdigest()
    assert entry["blind"] is True and entry["truth_checksum"] == multihash(digest)
    assert "class_objects" not in entry
    [item] = [i for i in items if i["properties"]["bench:split"] == "test-blind"]
    assert "bench:class_counts" not in item["properties"]
    assert list(item["properties"]["cube:variables"]) == ["flux"]
    assert digest not in {a.sha256 for a in assets}  # never an asset
    assert set(release_truths(withheld)) == {"test-blind"}
    [guess] = collection["bench:baselines"]
    assert guess["scores"]["test-blind"] == {"macro_f1": 0.5}  # per-class scores give answers
    assert guess["intervals"]["test-blind"] == {"macro_f1": [0.0, 1.0]}
    assert guess["scores"]["test"] == PER_CLASS  # a public split keeps them
    assert not [f for f in lint.lint(collection) if "blind" in str(f)]
    with xr.open_dataset(split.path, engine="h5netcdf") as public, pytest.raises(BlindSplit):
        evaluation.truth_of(collection, "test-blind", public)  # the offline evaluator cannot


def test_withholding_twice_changes_nothing(withheld: Release, tmp_path: Path) -> None:
    again = withhold(withheld, tmp_path)
    assert release_records(again) == release_records(withheld)


def test_a_blind_split_must_be_kept_from_model_selection(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameter, match="blind"):
        _split(tmp_path, "validation", "validation", 3, blind_split=True)
    release = _release(tmp_path)
    with pytest.raises(InvalidParameter, match=r"v1\.6\.0"):
        dataclasses.replace(release, extension="v1.5.0")


def test_the_store_keeps_the_truth_it_is_committed_to(
    store: Store, withheld: Release, tmp_path: Path
) -> None:
    storage = AssetStorage(str(tmp_path / "assets"))
    assert publish(withheld, LocalTarget(store, storage)).status == "published"
    truth = store.truth("toy-blind", "1.0.0", "test-blind")
    assert truth == withheld.splits[2].truth.read_bytes()  # type: ignore[union-attr]
    found = evaluation.truth_of(
        store.collection("toy-blind", "1.0.0"), "test-blind", blind.truth_data(truth)
    )
    assert found.ids.tolist() == [f"test-blind-{i:03d}" for i in range(30)]
    assert found.groups is not None and len(set(found.groups)) == 15  # resampled by object
    assert publish(withheld, LocalTarget(store, storage)).status == "unchanged"
    for split in ("train", "test"):
        with pytest.raises(TruthNotHeld):
            store.truth("toy-blind", "1.0.0", split)  # a public split has no kept truth
    stored = {hashlib.sha256(Path(p).read_bytes()).digest() for p in storage.fs.find(storage.root)}
    assert len(stored) == 3 and hashlib.sha256(truth).digest() not in stored


def test_a_version_with_blind_splits_needs_exactly_their_truth(
    store: Store, withheld: Release
) -> None:
    collection, items, assets = release_records(withheld)
    truth = release_truths(withheld)["test-blind"]
    refused = {
        "needs its truth file": {},
        "commits to": {"test-blind": truth + b"\0"},
        "not blind": {"test-blind": truth, "test": truth},
    }
    for message, truths in refused.items():
        with pytest.raises(InvalidParameter, match=message):
            store.publish(collection, items, assets, truths=truths)
    with pytest.raises(DatasetNotFound):  # nothing of the refused versions was kept
        store.collection("toy-blind", "1.0.0")


def test_a_mirror_publishes_blind_splits_without_their_truth(
    store: Store, withheld: Release
) -> None:
    collection, items, assets = release_records(withheld)
    assert store.publish(collection, items, assets, truths=None)
    with pytest.raises(TruthNotHeld, match="does not hold its truth"):
        store.truth("toy-blind", "1.0.0", "test-blind")


def test_a_rebuild_checks_the_truth_a_blind_split_commits_to(withheld: Release) -> None:
    collection, items, _ = release_records(withheld)
    published = rebuild.published_files([collection, *items])
    truth = withheld.splits[2].truth.read_bytes()  # type: ignore[union-attr]
    assert published[rebuild.TRUTH + "test-blind"] == hashlib.sha256(truth).hexdigest()
    assert len(published) == 3 + 1  # the three split files, and the truth

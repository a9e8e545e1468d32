import copy
from datetime import datetime
from pathlib import Path

import pytest
from pystac.errors import STACValidationError

from astrobench.catalog import benchmark
from astrobench.catalog.records import (
    VersionSummary,
    render,
    with_item_links,
    with_version_links,
)
from astrobench.catalog.validate import validate
from astrobench.catalog.versions import Status
from tests.catalog.factories import records


def test_records_validate_against_core_and_extensions(tmp_path: Path, validator) -> None:  # type: ignore[no-untyped-def]
    collection, items, _ = records(tmp_path)
    assert any("benchmark" in uri for uri in validate(collection, validator))
    for item in items:
        schemas = validate(render(with_item_links(item), "http://x"), validator)
        assert any("file/v2.1.0" in uri for uri in schemas)


def test_benchmark_schema_rejects_bad_fields(tmp_path: Path, validator) -> None:  # type: ignore[no-untyped-def]
    collection, items, _ = records(tmp_path)
    bad = copy.deepcopy(collection)
    bad[benchmark.METRICS][0]["direction"] = "up"
    with pytest.raises(STACValidationError):
        validate(bad, validator)
    bad_item = copy.deepcopy(items[0])
    bad_item["properties"][benchmark.ROLE] = "holdout"
    with pytest.raises(STACValidationError):
        validate(bad_item, validator)
    missing = {k: v for k, v in collection.items() if k != benchmark.TASK}
    with pytest.raises(STACValidationError):
        validate(missing, validator)


def test_asset_checksum_is_sha256_multihash(tmp_path: Path) -> None:
    import hashlib

    _, items, assets = records(tmp_path)
    data = items[0]["assets"]["data"]
    expected = hashlib.sha256(
        (tmp_path / assets[0].path.rsplit("/", 1)[1]).read_bytes()
    ).hexdigest()
    assert data["file:checksum"] == "1220" + expected
    assert data["file:size"] == assets[0].size


def test_version_links(tmp_path: Path, validator) -> None:  # type: ignore[no-untyped-def]
    collection, _, _ = records(tmp_path, version="1.1.0")
    moment = datetime(2026, 1, 1)
    history = [
        VersionSummary("1.0.0", Status.PUBLISHED, moment),
        VersionSummary("1.1.0", Status.DEPRECATED, moment, "superseded"),
        VersionSummary("1.2.0", Status.PUBLISHED, moment),
    ]
    record = render(with_version_links(collection, history, latest="1.2.0"), "http://h/")
    rels = {link["rel"]: link["href"] for link in record["links"]}
    assert rels["predecessor-version"] == "http://h/collections/toy-spectra/versions/1.0.0"
    assert rels["successor-version"] == "http://h/collections/toy-spectra/versions/1.2.0"
    assert rels["latest-version"] == "http://h/collections/toy-spectra/versions/1.2.0"
    assert rels["version-history"] == "http://h/collections/toy-spectra/versions"
    assert record["deprecated"] is True
    assert collection["links"] == []  # the stored record is not mutated
    validate(record, validator)

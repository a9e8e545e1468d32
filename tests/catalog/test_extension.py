"""The typed benchmark extension: every published record round-trips exactly, unknown keys
survive, and the questions asked of a record are answered from the model."""

from __future__ import annotations

import copy

import pytest

from astrobench.catalog import benchmark
from astrobench.catalog.errors import InvalidParameter
from astrobench.catalog.extension import CARD_HEADINGS, Benchmark, Card, MalformedRecord, Split
from astrobench.catalog.lint import lint
from astrobench.catalog.settings import CatalogSettings
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.ingest import card

RECORD = {
    "bench:task": "classification",
    "bench:target": "label",
    "bench:classes": [
        {"name": "a"},
        {"name": "b", "description": "the b kind"},
        {"name": "c", "held_out": True},
    ],
    "bench:metrics": [
        {"name": "macro_f1", "direction": "maximize", "primary": True},
        {"name": "nmad", "direction": "minimize", "primary": False},
    ],
    "bench:splits": [
        {"name": "train", "role": "train", "count": 3, "model_selection": True},
        {
            "name": "test",
            "role": "test",
            "criteria": {"primary": "macro_f1", "metrics": ["macro_f1"], "future_key": 1},
            "model_selection": False,
        },
        {"name": "old", "role": "robustness"},
    ],
    "bench:card": {"domain_reference": "cuts", "robustness_tests": ["faint"]},
    "bench:a_future_field": {"kept": True},
}


def test_a_record_round_trips_with_what_it_does_not_know() -> None:
    original = copy.deepcopy(RECORD)
    bench = Benchmark.from_collection({**RECORD, "id": "x", "title": "not bench"})
    assert bench.to_fields() == RECORD
    assert original == RECORD  # never changes the caller's record
    assert bench.extra == {"a_future_field": {"kept": True}}
    assert bench.split("test").criteria is not None
    assert bench.split("test").criteria.extra == {"future_key": 1}


def test_questions_are_answered_from_the_model() -> None:
    bench = Benchmark.from_collection(RECORD)
    assert bench.training_classes() == ["a", "b"]
    assert bench.primary("test") == "macro_f1" and bench.primary("old") == "macro_f1"
    assert bench.lower_is_better("nmad") and not bench.lower_is_better("macro_f1")
    assert isinstance(bench.test_split(), Split) and bench.test_split().name == "test"  # type: ignore[union-attr]
    assert [s.evaluation for s in bench.splits or ()] == [False, True, True]
    with pytest.raises(InvalidParameter, match="no split 'nope'; splits: train, test, old"):
        bench.split("nope")


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"bench:splits": [{"role": "test"}]}, "bench:splits[0]: missing 'name'"),
        ({"bench:splits": {"name": "test"}}, "bench:splits: expected a list, got dict"),
        (
            {"bench:splits": [{"name": "t", "criteria": ["macro_f1"]}]},
            "bench:splits[0].criteria: expected an object, got list",
        ),
        ({"bench:card": "see the paper"}, "bench:card: expected an object, got str"),
    ],
)
def test_a_malformed_record_is_refused_where_it_is_wrong(
    change: dict[str, object], says: str
) -> None:
    with pytest.raises(MalformedRecord) as raised:
        Benchmark.from_collection({**RECORD, **change})
    assert str(raised.value) == says
    assert isinstance(raised.value, InvalidParameter)


def test_a_lint_of_a_malformed_record_says_where() -> None:
    found = lint({**RECORD, "bench:baselines": [{"kind": "ml"}]})
    assert [(f.field, f.message) for f in found] == [("bench:baselines[0]", "missing 'name'")]


def test_the_card_has_one_set_of_headings() -> None:
    assert set(CARD_HEADINGS) == set(benchmark.CARD_FIELDS)
    sections = Card.from_dict(RECORD["bench:card"]).sections()
    assert [h for h, _ in sections] == list(CARD_HEADINGS.values())
    assert sections[0] == ("Domain reference", "cuts")
    card = Card.from_dict(RECORD["bench:card"])
    assert card.text("robustness_tests") == "faint" and card.text("out_of_scope") == ""


def test_every_published_record_round_trips(catalogue: CatalogSettings) -> None:
    store = Store(catalogue.database_url)
    try:
        for dataset in store.dataset_ids():
            for version in store.history(dataset):
                collection = store.collection(dataset, version.version)
                fields = {k: v for k, v in collection.items() if k.startswith(benchmark.PREFIX)}
                bench = Benchmark.from_collection(collection)
                assert bench.to_fields() == fields, (dataset, version.version)
                assert not bench.extra, (dataset, version.version)  # the model knows them all
    finally:
        store.close()


def test_every_published_card_renders_from_the_model(catalogue: CatalogSettings) -> None:
    """The Markdown card is rendered from the typed model: the published cards come out the same."""
    store, storage = Store(catalogue.database_url), AssetStorage(catalogue.storage_url)
    rendered = set()
    try:
        for dataset in store.dataset_ids():
            for version in store.history(dataset):
                collection = store.collection(dataset, version.version)
                assets = collection["assets"]
                if "card" not in assets:  # versions from before cards were published
                    continue
                figures = [
                    (a["title"], a["href"].rsplit("/", 1)[-1])
                    for a in assets.values()
                    if "diagnostics" in a["roles"]
                ]
                with storage.open(assets["card"]["href"].removeprefix("/assets/")) as handle:
                    published = handle.read().decode()
                assert card.render(collection, figures) == published, (dataset, version.version)
                rendered.add(dataset)
        assert rendered == set(store.dataset_ids())
    finally:
        store.close()

"""Submissions in the store, on SQLite and PostgreSQL: scored once, kept as sent, found again by
their files, limited per token and benchmark, refused whole when anything is wrong."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from astrobench.catalog import submissions
from astrobench.catalog.auth import Principal, Role
from astrobench.catalog.errors import Forbidden, InvalidParameter, TooManySubmissions
from astrobench.catalog.predictions import Truth
from astrobench.catalog.store import Store
from astrobench.catalog.submissions import Details, Limit
from tests.catalog.factories import records

NOW = datetime(2026, 11, 29, 12, tzinfo=timezone.utc)
LABELS = ["a"] * 12 + ["b"] * 8
TRUTH = Truth(
    split="test",
    ids=np.array([f"x{i:02d}" for i in range(20)]),
    values=np.array(LABELS, dtype=object),
    classes=("a", "b"),
)
DETAILS = Details("toy model", "Says 'a' for the first 15.", "https://example.org/toy")
SUBMITTER = Principal("team", Role.SUBMITTER)


def _csv(labels: list[str]) -> str:
    return "id,label\n" + "".join(f"x{i:02d},{label}\n" for i, label in enumerate(labels))


GUESS = _csv(["a"] * 15 + ["b"] * 5)


@pytest.fixture
def published(store: Store, tmp_path: Path) -> dict:  # type: ignore[type-arg]
    collection, items, assets = records(tmp_path)
    store.publish(collection, items, assets)
    return collection  # type: ignore[no-any-return]


def _submit(store: Store, collection: dict, text: str = GUESS, **kwargs):  # type: ignore[no-untyped-def, type-arg]
    return submissions.submit(
        store,
        kwargs.pop("principal", SUBMITTER),
        collection,
        {"test": text},
        kwargs.pop("details", DETAILS),
        {"test": TRUTH},
        now=kwargs.pop("now", NOW),
        **kwargs,
    )


def test_a_submission_is_scored_kept_and_found_again(store: Store, published: dict) -> None:  # type: ignore[type-arg]
    found, new = _submit(store, published)
    assert new and found.dataset == "toy-spectra" and found.version == "1.0.0"
    [row] = found.report["splits"]
    assert row["metrics"]["accuracy"] == pytest.approx(17 / 20)
    assert row["intervals"]["accuracy"][0] < 17 / 20 < row["intervals"]["accuracy"][1]
    assert submissions.predictions_text(store, found.id, "test") == GUESS
    again, new = _submit(store, published, details=Details("renamed", "x", "https://e.org"))
    assert not new and again.id == found.id and again.details == DETAILS
    other, new = _submit(
        store, published, principal=Principal("other", Role.SUBMITTER), now=NOW + timedelta(1)
    )
    assert new and other.id != found.id  # another token's submission of the same files
    assert [s.id for s in submissions.listed(store, "toy-spectra", "1.0.0")] == [
        found.id,
        other.id,
    ]


def test_only_submit_tokens_and_admins_submit(store: Store, published: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(Forbidden, match="--submit"):
        _submit(store, published, principal=Principal("c", Role.CURATOR, ("toy-spectra",)))
    assert _submit(store, published, principal=Principal("root", Role.ADMIN))[1]


def test_the_limit_counts_a_tokens_submissions_to_one_benchmark(
    store: Store,
    published: dict,  # type: ignore[type-arg]
) -> None:
    limit = Limit(count=2, seconds=3600)
    _submit(store, published, limit=limit)
    _submit(store, published, _csv(["a"] * 20), limit=limit, now=NOW + timedelta(minutes=10))
    with pytest.raises(TooManySubmissions) as refused:
        _submit(store, published, _csv(["b"] * 20), limit=limit, now=NOW + timedelta(minutes=20))
    assert refused.value.retry_after == 40 * 60 + 1  # when the first leaves the window
    assert _submit(store, published, limit=limit, now=NOW + timedelta(minutes=20))[1] is False
    later = NOW + timedelta(minutes=61)
    assert _submit(store, published, _csv(["b"] * 20), limit=limit, now=later)[1]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"details": Details("", "d", "https://e.org")}, "model_name"),
        ({"details": Details("m", " ", "https://e.org")}, "description"),
        ({"details": Details("m", "d", "on my laptop")}, "code_url"),
        ({"details": Details("m", "d", "https://e.org", paper_doi="arXiv:1")}, "paper_doi"),
        ({"details": Details("m", "d", "https://e.org", trained_on=("test",))}, "scored on"),
        ({"details": Details("m", "d", "https://e.org", trained_on=("dev",))}, "its splits"),
        ({"text": "id,label\nx00,a\n"}, "have no prediction"),
    ],
)
def test_a_bad_submission_is_refused_whole(
    store: Store,
    published: dict,  # type: ignore[type-arg]
    change: dict,  # type: ignore[type-arg]
    message: str,
) -> None:
    with pytest.raises(InvalidParameter, match=message):
        _submit(store, published, **change)
    assert submissions.listed(store, "toy-spectra", "1.0.0") == []


def test_only_evaluation_splits_are_submitted(store: Store, published: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidParameter, match="scored on test"):
        submissions.submit(store, SUBMITTER, published, {"train": GUESS}, DETAILS, {}, now=NOW)

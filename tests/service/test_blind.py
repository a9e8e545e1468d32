"""ogle3-variables 2.1.0's blind splits against a real server: published without labels, scored
only for submit tokens within the submission limit, ranked on the leaderboard, and never mirrored."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import httpx
import pytest
import xarray as xr

from astrobench.catalog import evaluation
from astrobench.catalog.errors import BlindSplit
from astrobench.catalog.release import multihash, sha256_file
from astrobench.catalog.settings import CatalogSettings
from astrobench.catalog.store import Store
from astrobench.mirror import mirror
from astrobench.service.process import running_server
from tests.service.test_scoring import collection, published_predictions
from tests.service.test_submissions import DETAILS, _token

DATASET, VERSION, BASELINE = "ogle3-variables", "2.1.0", "random-forest"
BLIND = ("test-smc-blind", "test-bulge-blind")
EVALUATE = f"/collections/{DATASET}/versions/{VERSION}/evaluate"


@pytest.fixture(scope="module")
def forest(server: str) -> dict[str, str]:
    """The random forest's published predictions on every split of 2.1.0."""
    return published_predictions(server, DATASET, VERSION, BASELINE)


@pytest.fixture(scope="module")
def truths(catalogue: CatalogSettings) -> dict[str, bytes]:
    """The truth files the catalogue keeps, read from its store."""
    store = Store(catalogue.database_url)
    try:
        return {split: store.truth(DATASET, VERSION, split) for split in BLIND}
    finally:
        store.close()


def _evaluate(url: str, texts: dict[str, str], token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(url + EVALUATE, json={"predictions": texts}, headers=headers, timeout=120)


def test_blind_files_carry_no_label_and_the_truth_is_never_served(
    server: str, truths: dict[str, bytes]
) -> None:
    record = collection(server, DATASET, VERSION)
    entries = {s["name"]: s for s in record["bench:splits"]}
    hrefs = [a["href"] for a in record["assets"].values()]
    items = httpx.get(f"{server}/collections/{DATASET}/versions/{VERSION}/items?limit=100").json()
    for item in items["features"]:
        hrefs += [a["href"] for a in item["assets"].values()]
        split = item["properties"]["bench:split"]
        if split not in BLIND:
            continue
        entry = entries[split]
        assert entry["blind"] is True and entry["model_selection"] is False
        assert "class_objects" not in entry and "bench:class_counts" not in item["properties"]
        assert entry["truth_checksum"] == multihash(hashlib.sha256(truths[split]).hexdigest())
        content = httpx.get(item["assets"]["data"]["href"], timeout=30).content
        with xr.open_dataset(io.BytesIO(content), engine="h5netcdf") as public:
            assert "label" not in public and "label_code" not in public
            assert public.sizes["star"] == entry["count"] > 200
            with pytest.raises(BlindSplit, match="blind"):
                evaluation.truth_of(record, split, public)
        for baseline in record["bench:baselines"]:  # other scores would give answers away
            assert list(baseline["scores"][split]) == ["macro_f1"]
    served = {hashlib.sha256(httpx.get(h, timeout=30).content).digest() for h in hrefs}
    assert len(hrefs) >= len(served) > 40
    assert not served & {hashlib.sha256(t).digest() for t in truths.values()}


def test_blind_splits_are_scored_for_submit_tokens_within_their_limit(
    strict: str, catalogue: CatalogSettings, forest: dict[str, str]
) -> None:
    blind = {split: forest[split] for split in BLIND}
    anonymous = _evaluate(strict, blind)
    assert anonymous.status_code == 401, anonymous.text
    curator = _token(catalogue, "blind-curator", "--dataset", DATASET)
    assert _evaluate(strict, blind, curator).status_code == 403
    token = _token(catalogue, "blind-scorer", "--submit")
    scored = _evaluate(strict, blind, token)
    assert scored.status_code == 200, scored.text
    published = {b["name"]: b for b in collection(strict, DATASET, VERSION)["bench:baselines"]}[
        BASELINE
    ]
    for row in scored.json()["splits"]:
        split = row["split"]
        assert row["metrics"] == pytest.approx(published["scores"][split])  # the same truth
        bounds = published["intervals"][split]
        assert row["intervals"].keys() == bounds.keys()
        for metric, interval in row["intervals"].items():
            assert interval == pytest.approx(bounds[metric])
        assert "confusion" not in row  # it would tell which star is which
    bad = _evaluate(strict, {BLIND[0]: "id,label\nstar-x,RRab\n"}, token)
    assert bad.status_code == 400  # an invalid file is refused and costs nothing
    assert _evaluate(strict, {BLIND[0]: forest[BLIND[0]]}, token).status_code == 200
    third = _evaluate(strict, blind, token)
    assert third.status_code == 429 and third.json()["code"] == "TooManySubmissions"
    assert int(third.headers["retry-after"]) > 0
    assert (
        _submit(strict, blind, token).status_code == 429
    )  # scorings and submissions share the limit
    public = _evaluate(strict, {"test": forest["test"]})
    assert public.status_code == 200  # a public split needs no token, and costs nothing


def _submit(url: str, texts: dict[str, str], token: str) -> httpx.Response:
    return httpx.post(
        f"{url}/collections/{DATASET}/versions/{VERSION}/submissions",
        files=[("p", (f"{s}.csv", t.encode(), "text/csv")) for s, t in texts.items()],
        data=DETAILS,
        headers={"Authorization": f"Bearer {token}"},
        timeout=300,
    )


def test_the_leaderboard_ranks_a_blind_split(
    server: str, catalogue: CatalogSettings, forest: dict[str, str]
) -> None:
    record = collection(server, DATASET, VERSION)
    scored = [s["name"] for s in record["bench:splits"] if s["role"] in ("test", "robustness")]
    token = _token(catalogue, "blind-board", "--submit")
    submitted = _submit(server, {s: forest[s] for s in scored}, token)
    assert submitted.status_code == 201, submitted.text
    rows = {row["split"]: row for row in submitted.json()["splits"]}
    for split in BLIND:  # its primary metric only: every other number would answer a prober
        assert list(rows[split]["metrics"]) == list(rows[split]["intervals"]) == ["macro_f1"]
        assert "confusion" not in rows[split]
    assert any(":" in k for k in rows["test"]["metrics"])  # a public split keeps them
    board = httpx.get(f"{server}/collections/{DATASET}/versions/{VERSION}/leaderboard", timeout=300)
    splits = {s["split"]: s for s in board.json()["splits"]}
    published = {b["name"]: b for b in record["bench:baselines"]}
    for split in BLIND:
        entries = {e.get("submission") or e["name"]: e for e in splits[split]["entries"]}
        assert set(published) < set(entries)
        mine, theirs = entries[submitted.json()["id"]], entries[BASELINE]
        assert (
            mine["value"]
            == theirs["value"]
            == pytest.approx(published[BASELINE]["scores"][split]["macro_f1"])
        )
        assert mine["group"] == theirs["group"]


def test_a_mirror_holds_no_blind_truth_and_serves_the_board_as_it_was_at_the_sync(
    server: str,
    catalogue: CatalogSettings,
    truths: dict[str, bytes],
    forest: dict[str, str],
    tmp_path: Path,
) -> None:
    dest = tmp_path / "mirror"
    mirror(server, str(dest), datasets=[DATASET], versions="latest")
    copied = {sha256_file(p) for p in dest.rglob("*") if p.is_file()}
    assert len(copied) > 40
    assert not copied & {hashlib.sha256(t).hexdigest() for t in truths.values()}
    board_path = f"/collections/{DATASET}/versions/{VERSION}/leaderboard"
    kept = json.loads((dest / DATASET / VERSION / "leaderboard.json").read_text())
    assert kept["source"] == server + board_path and kept["synced"]
    at_sync = httpx.get(server + board_path, timeout=300).json()
    assert {k: v for k, v in kept.items() if k not in ("synced", "source")} == at_sync
    token = _token(catalogue, "blind-after-sync", "--submit")
    later = _submit(server, {"test": forest["test"]}, token)
    assert later.status_code == 201, later.text
    env = {"ASTROBENCH_DATA_DIR": str(tmp_path / "data")}
    with running_server(env, tmp_path / "mirror.log", ["--mirror", str(dest)]) as url:
        refused = _evaluate(url, {BLIND[0]: forest[BLIND[0]]})
        assert refused.status_code == 404 and refused.json()["code"] == "TruthNotHeld"
        assert "mirror" in refused.json()["description"]
        assert _evaluate(url, {"test": forest["test"]}).status_code == 200
        served = httpx.get(url + board_path, timeout=30)
        assert served.json() == kept  # the board as it was at the sync
        ids = {e.get("submission") for s in served.json()["splits"] for e in s["entries"]}
        assert later.json()["id"] not in ids
        page = httpx.get(url + board_path, headers={"Accept": "text/html"}, timeout=30).text
        assert "as it was at its last sync" in page and kept["synced"] in page
        collection_links = httpx.get(f"{url}/collections/{DATASET}/versions/{VERSION}").json()
        [link] = [ln for ln in collection_links["links"] if ln["rel"] == "leaderboard"]
        assert link["href"] == url + board_path
        refused = _submit(url, {"test": forest["test"]}, token)
        assert refused.status_code == 405 and refused.json()["code"] == "ReadOnly"
        older = httpx.get(f"{url}/collections/{DATASET}/versions/2.0.0/leaderboard", timeout=30)
        assert older.status_code == 404  # only the latest version was mirrored

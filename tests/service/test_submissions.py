"""Submissions against a real server: a baseline's published predictions, submitted with the CLI,
are scored as the catalogue published them; tokens, repeats, the rate limit and bad files."""

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pybtex.database import parse_string

from astrobench.catalog.doi import TEST_PREFIX
from astrobench.catalog.settings import CatalogSettings
from astrobench.service.process import running_server
from tests.service.test_scoring import collection, published_predictions

DATASET, VERSION, BASELINE = "ogle3-variables", "2.0.0", "random-forest"
DETAILS = {
    "model_name": "Random forest, again",
    "description": "The published random forest's predictions, resubmitted.",
    "code_url": "https://example.org/astrobench/random-forest",
}
PATH = f"/collections/{DATASET}/versions/{VERSION}/submissions"


def _cli(catalogue: CatalogSettings, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "astrobench.cli", *args],
        env={**os.environ, "ASTROBENCH_DATA_DIR": str(catalogue.data_dir), **(env or {})},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _token(catalogue: CatalogSettings, name: str, *scope: str) -> str:
    return _cli(catalogue, "token", "create", name, *scope)


@pytest.fixture(scope="module")
def evaluated(server: str) -> dict[str, str]:
    """The baseline's published predictions for the version's evaluation splits."""
    record = collection(server, DATASET, VERSION)
    scored = {s["name"] for s in record["bench:splits"] if s["role"] in ("test", "robustness")}
    files = published_predictions(server, DATASET, VERSION, BASELINE)
    return {split: text for split, text in files.items() if split in scored}


def _post(server: str, files: dict[str, str], token: str | None, **fields: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    parts = [("predictions", (f"{s}.csv", text.encode(), "text/csv")) for s, text in files.items()]
    return httpx.post(
        server + PATH, files=parts, data={**DETAILS, **fields}, headers=headers, timeout=120
    )


def _shuffled(text: str) -> str:
    """The same predictions, rows in another order: another file."""
    header, *rows = text.splitlines()
    return "\n".join([header, *reversed(rows)]) + "\n"


def test_a_new_user_submits_a_baselines_predictions_with_the_cli(
    server: str, catalogue: CatalogSettings, evaluated: dict[str, str], tmp_path: Path
) -> None:
    token = _token(catalogue, "submit-cli", "--submit")
    folder = tmp_path / "predictions"
    folder.mkdir()
    for split, text in evaluated.items():
        (folder / f"{split}.csv").write_text(text)
    args = [f"--{k.replace('_', '-')}={v}" for k, v in DETAILS.items()]
    found = json.loads(
        _cli(
            catalogue,
            "submit",
            DATASET,
            str(folder),
            "--version",
            VERSION,
            *args,
            "--trained-on",
            "train,validation",
            "--json",
            "--url",
            server,
            env={"ASTROBENCH_TOKEN": token},
        )
    )
    record = collection(server, DATASET, VERSION)
    [published] = [b for b in record["bench:baselines"] if b["name"] == BASELINE]
    assert found["scored_on"] == sorted(evaluated)
    assert found["trained_on"] == ["train", "validation"]
    assert found["submitted_by"] == "submit-cli" and found["evaluator"].startswith("astrobench")
    for row in found["splits"]:  # the catalogue's own scores and intervals for these files
        assert row["metrics"] == pytest.approx(published["scores"][row["split"]], abs=1e-12)
        for metric, bounds in published["intervals"][row["split"]].items():
            assert row["intervals"][metric] == pytest.approx(bounds, abs=1e-12)
    for entry in found["files"]:
        sent = evaluated[entry["split"]]
        assert entry["sha256"] == hashlib.sha256(sent.encode()).hexdigest()
        assert httpx.get(entry["href"], timeout=10).text == sent
    again = httpx.get(found["links"][0]["href"], timeout=10).json()
    assert again["id"] == found["id"] and again["splits"] == found["splits"]
    listed = httpx.get(server + PATH, timeout=10).json()["submissions"]
    assert found["id"] in [s["id"] for s in listed]


def test_submitting_needs_a_submit_token_and_a_repeat_finds_the_first(
    server: str, catalogue: CatalogSettings, evaluated: dict[str, str]
) -> None:
    missing = _post(server, evaluated, None)
    assert missing.status_code == 401 and missing.json()["code"] == "Unauthorized"
    curator = _token(catalogue, "submit-curator", "--dataset", DATASET)
    refused = _post(server, evaluated, curator)
    assert refused.status_code == 403 and "--submit" in refused.json()["description"]
    token = _token(catalogue, "submit-twice", "--submit")
    first = _post(server, evaluated, token)
    assert first.status_code == 201, first.text
    assert first.headers["location"].endswith(f"/submissions/{first.json()['id']}")
    repeat = _post(server, evaluated, token, description="The same files, described again.")
    assert repeat.status_code == 200 and repeat.json()["id"] == first.json()["id"]
    mine = [
        s
        for s in httpx.get(server + PATH, timeout=10).json()["submissions"]
        if s["submitted_by"] == "submit-twice"
    ]
    assert len(mine) == 1  # one row, however often it is sent


def test_bad_submissions_say_what_is_wrong(
    server: str, catalogue: CatalogSettings, evaluated: dict[str, str]
) -> None:
    token = _token(catalogue, "submit-bad", "--submit")
    header, *rows = evaluated["test"].splitlines()
    short = _post(server, {"test": "\n".join([header, *rows[:-3]]) + "\n"}, token)
    assert short.status_code == 400 and short.json()["problems"]  # the evaluator's own 400
    train = _post(server, {"train": evaluated["test"]}, token)
    assert train.status_code == 400 and "test" in train.json()["description"]
    peeked = _post(server, evaluated, token, trained_on="train,test")
    assert peeked.status_code == 400 and "scored on" in peeked.json()["description"]
    for field, value in [("code_url", "my laptop"), ("paper_doi", "arXiv:2401.00001")]:
        answer = _post(server, evaluated, token, **{field: value})
        assert answer.status_code == 400 and field in answer.json()["description"]
    assert _post(server, evaluated, token, model_name="").status_code == 400
    mine = [
        s
        for s in httpx.get(server + PATH, timeout=10).json()["submissions"]
        if s["submitted_by"] == "submit-bad"
    ]
    assert mine == []  # nothing refused was kept


def test_a_token_may_submit_to_a_benchmark_only_so_often(
    strict: str, catalogue: CatalogSettings, evaluated: dict[str, str]
) -> None:
    token = _token(catalogue, "submit-often", "--submit")
    test = {"test": evaluated["test"]}
    assert _post(strict, test, token).status_code == 201
    assert _post(strict, {"test": _shuffled(evaluated["test"])}, token).status_code == 201
    assert _post(strict, test, token).status_code == 200  # a repeat is not a new submission
    third = _post(strict, evaluated, token)
    assert third.status_code == 429 and third.json()["code"] == "TooManySubmissions"
    assert 0 < int(third.headers["retry-after"]) <= 86_400
    other = _token(catalogue, "submit-other", "--submit")
    assert _post(strict, evaluated, other).status_code == 201  # the limit is the token's


def test_a_read_only_catalogue_takes_no_submissions(
    catalogue: CatalogSettings, evaluated: dict[str, str], tmp_path: Path
) -> None:
    token = _token(catalogue, "submit-mirror", "--submit")
    env = {"ASTROBENCH_DATA_DIR": str(catalogue.data_dir), "ASTROBENCH_READ_ONLY": "true"}
    with running_server(env, tmp_path / "server.log") as url:
        answer = _post(url, evaluated, token)
    assert answer.status_code == 405 and answer.json()["code"] == "ReadOnly"


def test_the_leaderboard_ranks_submissions_among_the_baselines(
    server: str, catalogue: CatalogSettings, evaluated: dict[str, str]
) -> None:
    token = _token(catalogue, "submit-board", "--submit")
    submitted = _post(server, evaluated, token, model_name="Forest, resubmitted")
    assert submitted.status_code in (200, 201), submitted.text
    board = httpx.get(f"{server}/collections/{DATASET}/versions/{VERSION}/leaderboard", timeout=300)
    assert board.status_code == 200, board.text
    record = collection(server, DATASET, VERSION)
    baselines = {b["name"]: b for b in record["bench:baselines"]}
    splits = {s["split"]: s for s in board.json()["splits"]}
    assert set(splits) == set(evaluated)
    for name, found in splits.items():
        entries = found["entries"]
        assert [e["rank"] for e in entries] == list(range(1, len(entries) + 1))
        by_name = {e.get("submission") or e["name"]: e for e in entries}
        assert set(baselines) <= set(by_name)  # every published baseline, on every split
        for baseline, published in baselines.items():
            entry = by_name[baseline]
            assert entry["value"] == pytest.approx(published["scores"][name][found["primary"]])
            assert entry["interval"] == pytest.approx(
                published["intervals"][name][found["primary"]]
            )
            assert entry["command"] == published["command"]
            download = httpx.get(entry["predictions"], timeout=10)
            assert download.status_code == 200 and download.text.startswith("id,")
        mine = by_name[submitted.json()["id"]]
        forest = by_name[BASELINE]
        assert mine["value"] == forest["value"] and mine["group"] == forest["group"]  # tied
        assert mine["predictions"].endswith(f"/predictions/{name}.csv")
        assert mine["code_url"] == DETAILS["code_url"]
        if found["role"] == "robustness":
            test = {e.get("submission") or e["name"]: e for e in splits["test"]["entries"]}
            assert forest["gap"] == pytest.approx(forest["value"] - test[BASELINE]["value"])


def test_the_leaderboard_page_in_chromium(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    path = f"{server}/collections/{DATASET}/versions/{VERSION}/leaderboard"
    board = httpx.get(path, headers={"Accept": "application/json"}, timeout=300).json()
    browser.set_window_size(390, 844)  # a phone
    browser.get(path)
    assert browser.find_element("tag name", "h1").text.startswith("Leaderboard")
    tables = browser.find_elements("css selector", "table.board")
    assert len(tables) == len(board["splits"])
    for table, split in zip(tables, board["splits"], strict=True):
        rows = table.find_elements("css selector", "tbody tr")
        assert [int(r.get_attribute("data-group")) for r in rows] == [
            e["group"] for e in split["entries"]
        ]
        tied = sum(e["versus_group_head"] is not None for e in split["entries"])
        assert len(table.find_elements("css selector", ".tag")) - len(rows) == tied
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1  # wide tables scroll inside their box, not the page
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_a_version_links_its_leaderboard(server: str) -> None:
    record = collection(server, DATASET, VERSION)
    [link] = [ln for ln in record["links"] if ln["rel"] == "leaderboard"]
    assert link["href"] == f"{server}/collections/{DATASET}/versions/{VERSION}/leaderboard"
    page = httpx.get(
        f"{server}/collections/{DATASET}/versions/{VERSION}", headers={"Accept": "text/html"}
    )
    assert f'href="{link["href"]}"' in page.text


def test_a_submission_is_cited_with_its_benchmark_and_changes_no_dataset_record(
    server: str, catalogue: CatalogSettings, evaluated: dict[str, str]
) -> None:
    version_url = f"{server}/collections/{DATASET}/versions/{VERSION}"
    oai = f"{server}/oai?verb=ListRecords&metadataPrefix=oai_datacite"

    def records() -> list[str]:  # the DataCite record, and what OAI-PMH harvesters see
        listed = re.sub(r"<responseDate>[^<]*</responseDate>", "", httpx.get(oai).text)
        return [httpx.get(f"{version_url}/export/datacite").text, listed]

    before = records()
    token = _token(catalogue, "submit-cited", "--submit")
    submitted = _post(
        server, {"test": _shuffled(evaluated["test"])}, token, paper_doi="10.1234/x_y"
    )
    assert submitted.status_code == 201, submitted.text
    found = submitted.json()
    assert found["benchmark_doi"] == f"{TEST_PREFIX}/astrobench.{DATASET}.v{VERSION}"
    [cite_as] = [ln for ln in found["links"] if ln["rel"] == "cite-as"]
    assert cite_as["href"] == f"{server}/submissions/{found['id']}"
    [described] = [ln for ln in found["links"] if ln["rel"] == "describedby"]
    answer = httpx.get(described["href"])
    assert answer.headers["content-type"].startswith("application/x-bibtex")
    entries = parse_string(answer.text, "bibtex").entries
    mine, benchmark = entries.values()
    assert mine.fields["url"] == cite_as["href"]
    assert mine.persons["author"][0].last_names == ["{submit-cited}"]
    assert mine.fields["year"] == found["created"][:4]
    note = mine.fields["note"]
    assert f"doi:{found['benchmark_doi']}" in note and benchmark.key.replace("_", r"\_") in note
    assert "scored on test by astrobench" in note and r"doi:10.1234/x\_y" in note
    assert benchmark.fields["doi"] == found["benchmark_doi"]
    dataset = parse_string(httpx.get(f"{version_url}/export/bibtex").text, "bibtex")
    assert dict(dataset.entries[benchmark.key].fields) == dict(benchmark.fields)
    board = httpx.get(f"{version_url}/leaderboard", timeout=300).json()
    assert board["benchmark_doi"] == found["benchmark_doi"]
    [row] = [e for e in board["splits"][0]["entries"] if e.get("submission") == found["id"]]
    assert row["bibtex"] == described["href"]
    # submissions are not datasets: the DataCite record and the OAI-PMH listing do not change
    assert records() == before


def test_the_version_page_shows_the_top_of_its_leaderboard(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    version_url = f"{server}/collections/{DATASET}/versions/{VERSION}"
    board = httpx.get(f"{version_url}/leaderboard", timeout=300).json()
    test = next(s for s in board["splits"] if s["role"] == "test")
    browser.get(version_url)
    podium = browser.find_element("css selector", "table.podium")
    rows = podium.find_elements("css selector", "tbody tr")
    assert len(rows) == min(5, len(test["entries"]))
    for row, entry in zip(rows, test["entries"], strict=False):
        cells = row.find_elements("tag name", "td")
        assert int(cells[0].text) == entry["rank"] and entry["name"] in cells[2].text
        assert cells[3].text == f"{entry['value']:.4g}"
    section = browser.find_element("id", "leaderboard").find_element("xpath", "following::p")
    link = section.find_element("link text", "The full leaderboard")
    assert link.get_attribute("href") == f"{version_url}/leaderboard"
    assert f"all {len(test['entries'])} entries" in section.text

"""Scoring over HTTP, through the client and the CLI, against a real server: the published
baseline scores are reproduced from the published prediction files, and bad files are refused
with every problem named."""

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import astrobench
from astrobench.catalog.lint import lint

DATASETS = {"sn-spectra": "2.0.0", "ogle3-variables": "2.0.0"}
"""Each dataset's latest version."""
BENCHMARKED = [("sn-spectra", "1.3.0"), ("ogle3-variables", "1.0.0"), *DATASETS.items()]
"""Every version published with baselines."""
"""The latest benchmarked version of each dataset."""


def collection(server: str, name: str, version: str) -> dict:  # type: ignore[type-arg]
    return httpx.get(f"{server}/collections/{name}/versions/{version}", timeout=10).json()


def published_predictions(server: str, name: str, version: str, baseline: str) -> dict[str, str]:
    items = httpx.get(
        f"{server}/collections/{name}/versions/{version}/items?limit=100", timeout=10
    ).json()
    return {
        item["properties"]["bench:split"]: httpx.get(
            item["assets"][f"predictions-{baseline}"]["href"], timeout=10
        ).text
        for item in item_list(items)
    }


def item_list(page: dict) -> list[dict]:  # type: ignore[type-arg]
    return page["features"]


@pytest.mark.parametrize(("name", "version"), BENCHMARKED)
def test_evaluate_reproduces_every_published_baseline_score(
    server: str, name: str, version: str
) -> None:
    record = collection(server, name, version)
    baselines = record["bench:baselines"]
    modern = "bench:bootstrap" in record  # extension v1.2.0: a trivial baseline and intervals
    expected = {"domain-reference", "ml", "trivial"} if modern else {"domain-reference", "ml"}
    assert {b["kind"] for b in baselines} == expected
    for baseline in baselines:
        files = published_predictions(server, name, version, baseline["name"])
        assert set(files) == {s["name"] for s in record["bench:splits"]}
        report = astrobench.evaluate(name, files, version, url=server)
        for split, scores in baseline["scores"].items():
            assert report.metrics(split) == pytest.approx(scores, abs=1e-12), (
                baseline["name"],
                split,
            )
            if modern:  # the evaluator's intervals are the published ones
                found = report.splits[split]["intervals"]
                for metric, bounds in baseline["intervals"][split].items():
                    assert found[metric] == pytest.approx(bounds, abs=1e-12), (split, metric)
        assert report.baseline_scores(baseline["name"])["test"] == baseline["scores"]["test"]


def test_report_puts_robustness_beside_the_test_split(server: str) -> None:
    files = published_predictions(server, "ogle3-variables", "1.0.0", "random-forest")
    report = astrobench.Client(server).evaluate("ogle3-variables", files, "1.0")
    test = report.metrics("test")["macro_f1"]
    for split, row in report.splits.items():
        if row["role"] == "robustness":
            assert report.gap(split) == pytest.approx(row["metrics"]["macro_f1"] - test)
        else:
            assert report.gap(split) is None
    text = str(report)
    assert "gap vs test" in text and "period-amplitude" in text and "test-unseen" in text
    assert report.metrics("test-unseen")["completeness:unknown"] > 0  # abstains on T2Cep


def test_one_split_as_csv_over_http(server: str) -> None:
    text = published_predictions(server, "sn-spectra", "1.3.0", "snid-xcorr")["test-highz"]
    url = f"{server}/collections/sn-spectra/versions/1.3/evaluate"
    response = httpx.post(
        url, params={"split": "test-highz"}, content=text, headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "1.3.0" and [r["split"] for r in body["splits"]] == ["test-highz"]
    assert body["splits"][0]["confusion"]["labels"][:2] == ["Ia", "II"]
    assert "roc_auc" in body["splits"][0]["metrics"]


def test_bad_predictions_get_a_400_listing_every_problem(server: str) -> None:
    url = f"{server}/collections/sn-spectra/versions/1.3.0/evaluate"
    bad = "id,label,p_Ia,p_II,p_Ibc\nsn1-1,Ia,0.5,0.5,nan\nsn1-1,SLSN,1,0,0\n"
    response = httpx.post(url, json={"predictions": {"test": bad}})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "InvalidPredictions"
    joined = " ".join(body["problems"])
    for expected in ("duplicate id", "have no prediction", "not in split 'test'", "'SLSN'", "NaN"):
        assert expected in joined
    with pytest.raises(astrobench.InvalidPredictions) as caught:
        astrobench.evaluate("sn-spectra", bad, "1.3.0", split="test", url=server)
    assert len(caught.value.problems) == len(body["problems"])


@pytest.mark.parametrize(
    ("path", "params", "body", "content_type", "status", "words"),
    [
        ("sn-spectra/versions/1.3.0", {}, "id,label\n", "text/csv", 400, "split=NAME"),
        (
            "sn-spectra/versions/1.3.0",
            {"split": "tset"},
            "id,label\n",
            "text/csv",
            400,
            "splits: train",
        ),
        (
            "sn-spectra/versions/1.3.0",
            {},
            '{"predictions": []}',
            "application/json",
            400,
            '{"predictions"',
        ),
        (
            "sn-spectra/versions/1.3.0",
            {"split": "test"},
            "id,label\n",
            "text/plain",
            415,
            "text/csv",
        ),
        (
            "sn-spectro/versions/1.3.0",
            {"split": "test"},
            "id,label\n",
            "text/csv",
            404,
            "sn-spectra",
        ),
        ("sn-spectra/versions/9.9", {"split": "test"}, "id,label\n", "text/csv", 404, "1.3.0"),
    ],
)
def test_evaluate_request_errors(
    server: str,
    path: str,
    params: dict,
    body: str,
    content_type: str,
    status: int,
    words: str,  # type: ignore[type-arg]
) -> None:
    response = httpx.post(
        f"{server}/collections/{path}/evaluate",
        params=params,
        content=body,
        headers={"Content-Type": content_type},
    )
    assert response.status_code == status, response.text
    assert words in response.json()["description"]


def run_cli(server: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "astrobench.cli", *args, "--url", server],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_cli_evaluate_a_file_and_a_folder(server: str, tmp_path: Path) -> None:
    files = published_predictions(server, "ogle3-variables", "1.0.0", "period-amplitude")
    for split, text in files.items():
        (tmp_path / f"{split}.csv").write_text(text)
    folder = run_cli(server, "evaluate", "ogle3-variables", str(tmp_path), "--version", "1.0")
    assert folder.returncode == 0, folder.stderr
    assert "gap vs test" in folder.stdout and "test-bulge" in folder.stdout
    one = run_cli(
        server,
        "evaluate",
        "ogle3-variables",
        str(tmp_path / "test.csv"),
        "--split",
        "test",
        "--version",
        "1.0",
        "--json",
    )
    assert one.returncode == 0, one.stderr
    (tmp_path / "broken.csv").write_text("id,label\nOGLE-LMC-X,RRab\n")
    broken = run_cli(
        server, "evaluate", "ogle3-variables", str(tmp_path / "broken.csv"), "--split", "test"
    )
    assert broken.returncode == 1 and "have no prediction" in broken.stderr


@pytest.mark.parametrize(
    ("name", "baseline"),
    [
        ("ogle3-variables", "random-forest"),
        ("ogle3-variables", "period-amplitude"),
        ("sn-spectra", "logistic-regression"),
        ("sn-spectra", "snid-templates"),
    ],
)
def test_cli_baseline_reproduces_the_published_scores(
    server: str, tmp_path: Path, name: str, baseline: str
) -> None:
    out = tmp_path / "predictions"
    result = run_cli(server, "baseline", name, baseline, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "scores match the published" in result.stderr
    published = published_predictions(server, name, DATASETS[name], baseline)
    assert {p.stem: p.read_text() for p in out.glob("*.csv")} == published


def test_lint_passes_both_datasets_and_names_what_an_old_version_lacks(server: str) -> None:
    for name in DATASETS:
        result = run_cli(server, "lint", name)
        assert result.returncode == 0 and "complete" in result.stdout, result.stdout + result.stderr
    old = run_cli(server, "lint", "sn-spectra", "--version", "1.2")
    assert old.returncode == 1
    for missing in (
        "domain_reference",
        "lessons_learned",
        "criteria",
        "'domain-reference'",
        "no Markdown card",
    ):
        assert missing in old.stdout


def test_lint_reports_each_missing_card_part(server: str) -> None:
    record = collection(server, "ogle3-variables", "1.0.0")
    assert lint(record) == []
    del record["bench:card"]["lessons_learned"]
    record["bench:card"]["split_rationale"] = ""
    record["bench:baselines"][0]["scores"].pop("test-smc")
    record["assets"] = {k: v for k, v in record["assets"].items() if k != "card"}
    found = {f.field: f.message for f in lint(record)}
    assert "lessons learned" in found["bench:card.lessons_learned"]
    assert "how the splits were made" in found["bench:card.split_rationale"]
    assert "test-smc" in found["bench:baselines[period-amplitude]"]
    assert "card" in found["assets"]


@pytest.mark.parametrize(("name", "version"), BENCHMARKED)
def test_figures_and_card_are_published(server: str, name: str, version: str) -> None:
    record = collection(server, name, version)
    assets = record["assets"]
    for baseline in record["bench:baselines"]:
        figure = assets[f"{baseline['name']}-confusion"]
        png = httpx.get(figure["href"]).content
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) == figure["file:size"] > 10_000
    assert any(key.endswith("-roc") for key in assets)
    card = httpx.get(assets["card"]["href"]).text
    for heading in (
        "## Domain reference",
        "## How the splits were made",
        "## Why these metrics",
        "## Robustness tests",
        "## Known limitations",
        "## Where a model trained here should not be used",
        "## Lessons learned",
        "## Where the data are",
        "## Where the code is",
    ):
        assert heading in card
    for baseline in record["bench:baselines"]:
        assert baseline["command"] in card
        figure_name = assets[f"{baseline['name']}-confusion"]["href"].rsplit("/", 1)[1]
        assert f"]({figure_name})" in card  # linked beside the card, relatively

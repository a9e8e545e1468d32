"""Mistakes on the command line get one line on stderr that says what exists, never a traceback:
the real CLI as a subprocess against a real server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from astrobench.service.process import free_port


def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Exit code and the one line the CLI wrote on stderr (it must write exactly one)."""
    result = subprocess.run(
        [sys.executable, "-m", "astrobench.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("astrobench"), result.stderr
    return result.returncode, lines[0]


def test_an_unknown_collection_in_search_names_the_datasets(server: str) -> None:
    code, line = run_cli("search", "--collections", "sn-spectrum", "--url", server)
    assert code == 1 and "'sn-spectrum' does not exist" in line and "sn-spectra" in line
    code, line = run_cli("search", "--collections", "nothing-like-it", "--url", server)
    assert code == 1 and "ogle3-variables" in line and "sn-spectra" in line


def test_a_missing_predictions_file(server: str, tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    code, line = run_cli("evaluate", "sn-spectra", "--split", "test", str(missing), "--url", server)
    assert code == 1 and f"{missing} does not exist" in line and "<split>.csv" in line
    code, line = run_cli("evaluate", "sn-spectra", str(tmp_path), "--url", server)
    assert code == 1 and "holds no <split>.csv predictions files" in line


def test_an_unknown_split_or_version_names_those_that_exist(server: str, tmp_path: Path) -> None:
    predictions = tmp_path / "test.csv"
    predictions.write_text("id,label\nx,Ia\n")
    code, line = run_cli(
        "evaluate", "sn-spectra", "--split", "tset", str(predictions), "--url", server
    )
    assert code == 1 and "no split 'tset'" in line and "test-highz" in line
    code, line = run_cli("lint", "sn-spectra", "--version", "9", "--url", server)
    assert code == 1 and "1.0.0, 1.1.0, 1.2.0, 1.3.0, 2.0.0" in line


@pytest.mark.parametrize("command", ["search", "versions sn-spectra"])
def test_an_unreachable_catalogue(command: str) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, line = run_cli(*command.split(), "--url", url)
    assert code == 1 and "reach the catalogue" in line and "Connection refused" in line


def test_a_file_system_failure_names_the_path(server: str, tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    code, line = run_cli(
        "download", "sn-spectra", "--split", "test", "--cache-dir", str(blocked), "--url", server
    )
    assert code == 1 and str(blocked) in line


def test_bad_settings_and_database_urls(tmp_path: Path) -> None:
    code, line = run_cli("serve", env={"ASTROBENCH_PORT": "eighty"})
    assert code == 1 and "port (ASTROBENCH_PORT)" in line and "integer" in line
    code, line = run_cli("db", "current", "--data-dir", str(tmp_path), "--database-url", "nope")
    assert code == 1 and "database URL" in line

"""``astrobench rebuild``: the recorded software is checked first, then every published file is
rebuilt from its recipe and compared by checksum."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from astrobench.ingest import environment, rebuild


def test_a_published_version_rebuilds_byte_identically(server: str, source_dir: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "astrobench.cli",
            "rebuild",
            "sn-spectra",
            "--version",
            "1.0.0",
            "--url",
            server,
        ],
        env={**os.environ, "ASTROBENCH_SOURCE_DIR": str(source_dir)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "byte-identical" in result.stderr and result.stdout == ""


def test_a_different_environment_is_named_before_any_claim() -> None:
    recorded = {"numpy": "1.0.0", "h5py": environment.describe()["h5py"], "nifty-ls": "9.9"}
    found = environment.differences(recorded, environment.describe("nifty-ls"))
    assert any(line.startswith("numpy ") and "1.0.0 when published" in line for line in found)
    assert not any(line.startswith("h5py ") for line in found)
    assert any(line.startswith("nifty-ls ") for line in found)


def test_files_are_compared_both_ways() -> None:
    published = rebuild.published_files(
        [
            {"assets": {"a": {"href": "http://x/assets/d/1/a.nc", "file:checksum": "1220aa"}}},
            {"assets": {"b": {"href": "http://x/assets/d/1/b.nc", "file:checksum": "1220bb"}}},
        ]
    )
    assert published == {"d/1/a.nc": "aa", "d/1/b.nc": "bb"}
    checks = rebuild.compare(published, {"d/1/a.nc": "aa", "d/1/c.nc": "cc"})
    assert [(c.path, c.same) for c in checks] == [
        ("d/1/a.nc", True),
        ("d/1/b.nc", False),
        ("d/1/c.nc", False),
    ]

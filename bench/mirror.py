"""Time ``astrobench mirror`` over the whole catalogue: a first run, an incremental run after one
new version is published, and a run with nothing new.

    python bench/mirror.py [--data-dir DIR] [--workers N]

Ingests the bundled datasets into DIR (sn-spectra without its newest version), serves them on a
free port, mirrors into a fresh folder, publishes sn-spectra's newest version, and mirrors again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from astrobench.ingest.recipe import get_recipe
from astrobench.mirror import MirrorReport, mirror
from astrobench.service.process import running_server


def ingest(env: dict[str, str], name: str, version: str | None = None) -> None:
    command = [sys.executable, "-m", "astrobench.cli", "ingest", name]
    subprocess.run(
        command + (["--version", version] if version else []),
        env=env,
        check=True,
        capture_output=True,
    )


def show(label: str, report: MirrorReport) -> None:
    rate = report.copied_bytes / report.seconds / 1e6 if report.seconds else 0.0
    print(
        f"{label:<28} {report.seconds:6.2f} s  {report.copied:3d} files  "
        f"{report.copied_bytes / 1e6:6.1f} MB copied  {rate:6.1f} MB/s  "
        f"{report.skipped:3d} already there"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--data-dir", default=str(Path(tempfile.gettempdir()) / "astrobench-bench-mirror")
    )
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    shutil.rmtree(args.data_dir, ignore_errors=True)
    env = dict(os.environ, ASTROBENCH_DATA_DIR=args.data_dir)
    sn_versions = list(get_recipe("sn-spectra").versions)
    ingest(env, "ogle3-variables")
    for version in sn_versions[:-1]:
        ingest(env, "sn-spectra", version)
    dest = Path(args.data_dir) / "mirror"
    with running_server(
        {"ASTROBENCH_DATA_DIR": args.data_dir}, Path(args.data_dir) / "server.log"
    ) as url:
        show("first run", mirror(url, str(dest), workers=args.workers))
        ingest(env, "sn-spectra", sn_versions[-1])
        show(f"after sn-spectra {sn_versions[-1]}", mirror(url, str(dest), workers=args.workers))
        show("nothing new", mirror(url, str(dest), workers=args.workers))
        show("nothing new, --verify", mirror(url, str(dest), workers=args.workers, verify=True))
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    print(f"mirror: {size / 1e6:.1f} MB in {sum(1 for p in dest.rglob('*') if p.is_file())} files")


if __name__ == "__main__":
    main()

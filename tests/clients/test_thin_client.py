"""The client is thin: it imports and works with the server's packages unimportable, and the
one-way dependencies between the packages hold (import-linter contracts in pyproject.toml)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]

SERVER_PACKAGES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "pydantic",
    "sklearn",
)

WITHOUT_SERVER = textwrap.dedent(
    """
    import sys, importlib.abc

    BLOCKED = set(sys.argv[2].split(","))

    class Unimportable(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Unimportable())

    import numpy as np
    import astrobench
    from astrobench.cli import main

    url = sys.argv[1]
    with astrobench.open("sn-spectra", version="2.0.0", split="test", url=url) as ds:
        first = ds.flux.isel(spectrum=0).values
        ids = ds.spectrum.values.tolist()
        labels = ds.label.values.tolist()
    assert np.isfinite(first).any()
    client = astrobench.Client(url)
    assert "sn-spectra" in client.datasets()
    found = list(client.search(collections=["sn-spectra"], max_items=5).items())
    assert found
    assert "2.0.0" in client.cite("sn-spectra", "2.0.0")
    csv = "id,label\\n" + "".join(f"{i},{t}\\n" for i, t in zip(ids, labels))
    report = client.evaluate("sn-spectra", {"test": csv}, "2.0.0")
    assert report.metrics("test")["macro_f1"] == 1.0, report.metrics("test")
    assert main(["versions", "sn-spectra", "--url", url]) == 0
    loaded = [m for m in sys.modules if m.split(".")[0] in BLOCKED]
    assert not loaded, loaded
    print("ok")
    """
)


def test_the_client_works_without_the_server_packages(server: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_SERVER, server, ",".join(SERVER_PACKAGES)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and result.stdout.endswith("ok\n"), result.stderr


def test_a_server_command_without_the_server_packages_says_what_to_install() -> None:
    code = textwrap.dedent(
        """
        import sys, importlib.abc

        class Unimportable(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "sqlalchemy":
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)
                return None

        sys.meta_path.insert(0, Unimportable())
        from astrobench.cli import main
        sys.exit(main(["db", "current"]))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0
    assert "pip install 'astrobench[server]'" in result.stderr and "sqlalchemy" in result.stderr


def package_tree(folder: Path) -> Path:
    """The ``astrobench`` package as one folder of links, laid out as ``package-dir`` in
    pyproject.toml maps the repository's folders, so that import-linter finds every module
    whatever the editable install's mode."""
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    root = folder / "astrobench"
    root.mkdir()
    for module in (ROOT / mapping["package-dir"]["astrobench"]).glob("*.py"):
        (root / module.name).symlink_to(module)
    for package, path in mapping["package-dir"].items():
        if package.count(".") == 1:  # astrobench.catalog, .service, .ingest: whole folders
            (root / package.split(".")[1]).symlink_to(ROOT / path)
    return folder


def test_the_packages_depend_one_way(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(package_tree(tmp_path))},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout

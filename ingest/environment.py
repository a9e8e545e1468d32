"""The software a version's bytes depend on: recorded at build time (``processing:software``),
and checked before a rebuild claims to be byte-identical."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version

DECISIVE = (
    "astrobench",
    "numpy",
    "xarray",
    "h5netcdf",
    "h5py",
    "scipy",
    "scikit-learn",
    "matplotlib",
)
"""Packages whose versions can change a build's bytes: the file writers, the numerics behind
features and baselines, and the plotting library behind the figures."""
HDF5 = "hdf5"
PYTHON = "python"


def describe(*extra: str) -> dict[str, str]:
    """Versions of every decisive package installed here, ``extra`` ones, the HDF5 library
    that wrote the files, and Python."""
    import h5py

    found = {}
    for name in (*DECISIVE, *extra):
        try:
            found[name] = package_version(name)
        except PackageNotFoundError:
            continue
    found[HDF5] = h5py.version.hdf5_version
    found[PYTHON] = platform.python_version()
    return found


def differences(published: dict[str, str], here: dict[str, str]) -> list[str]:
    """What differs between the software a version was built with and this environment's."""
    return [
        f"{name} {here.get(name, 'missing')} here, {wanted} when published"
        for name, wanted in sorted(published.items())
        if here.get(name) != wanted
    ]

"""astrobench: versioned, citable machine-learning benchmark datasets for astronomy.

>>> import astrobench
>>> ds = astrobench.open("sn-spectra", version="1.2", split="train")

Importing this package is cheap: xarray, fsspec and pystac-client load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from astrobench.errors import (
    AstrobenchError,
    ChecksumMismatch,
    DatasetNotFound,
    InvalidPredictions,
    InvalidRequest,
    ServerError,
    ServerUnreachable,
    SplitNotFound,
    VersionNotFound,
)

if TYPE_CHECKING:
    import xarray as xr

    from astrobench.client import Client
    from astrobench.loading import batches
    from astrobench.report import Predictions, Report

__all__ = [
    "AstrobenchError",
    "ChecksumMismatch",
    "Client",
    "DatasetNotFound",
    "InvalidPredictions",
    "InvalidRequest",
    "ServerError",
    "ServerUnreachable",
    "SplitNotFound",
    "VersionNotFound",
    "batches",
    "cite",
    "evaluate",
    "open",
]


def open(
    name: str,
    version: str | None = None,
    split: str | None = None,
    *,
    url: str | None = None,
    cache: bool = False,
    cache_dir: str | None = None,
    offline: bool | None = None,
    progress: bool | None = None,
    verify: bool = False,
) -> xr.Dataset:
    """Open one split of a benchmark dataset as an ``xarray.Dataset``.

    ``version`` may be exact (``"1.2.0"``), a prefix (``"1.2"``: the newest 1.2.x) or None for the
    latest. The server is ``url``, else ``$ASTROBENCH_URL``, else http://127.0.0.1:8000.

    Reads are lazy: a slice fetches only its bytes. ``cache=True`` downloads the whole file once
    into ``cache_dir`` (default ``$ASTROBENCH_CACHE_DIR`` or ``~/.cache/astrobench``), verified
    by checksum; a cached version then opens with the network off. ``offline=True`` (default
    ``$ASTROBENCH_OFFLINE``) implies ``cache=True`` and never contacts the catalogue: the version
    resolves among the cached ones. ``verify=True`` reads the whole file, checked against its
    checksum, into a temporary folder removed on close. See ``Client.open``.
    """
    from astrobench.client import Client

    with Client(url, offline=offline) as client:
        return client.open(
            name,
            version,
            split,
            cache=cache,
            cache_dir=cache_dir,
            progress=progress,
            verify=verify,
        )


def cite(
    name: str, version: str | None = None, style: str = "bibtex", *, url: str | None = None
) -> str:
    """How to cite a dataset version (see ``Client.cite``)."""
    from astrobench.client import Client

    with Client(url) as client:
        return client.cite(name, version, style)


def evaluate(
    name: str,
    predictions: Predictions | dict[str, Predictions],
    version: str | None = None,
    split: str | None = None,
    *,
    url: str | None = None,
) -> Report:
    """Score predictions with the official metrics (see ``Client.evaluate``)."""
    from astrobench.client import Client

    with Client(url) as client:
        return client.evaluate(name, predictions, version, split)


def __getattr__(name: str) -> Any:
    if name == "batches":
        from astrobench.loading import batches

        return batches
    if name == "Client":
        from astrobench.client import Client

        return Client
    raise AttributeError(f"module 'astrobench' has no attribute {name!r}")

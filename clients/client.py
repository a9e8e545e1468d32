"""The HTTP client of an astrobench catalogue."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from astrobench.errors import (
    AstrobenchError,
    DatasetNotFound,
    InvalidPredictions,
    InvalidRequest,
    ServerError,
    SplitNotFound,
    VersionNotFound,
)

if TYPE_CHECKING:
    import xarray as xr
    from pystac_client.item_search import ItemSearch

    from astrobench.report import Predictions, Report

DEFAULT_URL = "http://127.0.0.1:8000"


def default_url() -> str:
    return os.environ.get("ASTROBENCH_URL", DEFAULT_URL)


class Client:
    """A catalogue at ``url`` (default ``$ASTROBENCH_URL``, else http://127.0.0.1:8000)."""

    def __init__(self, url: str | None = None, *, timeout: float = 30.0) -> None:
        self.url = (url or default_url()).rstrip("/")
        self._http = httpx.Client(base_url=self.url, timeout=timeout, follow_redirects=True)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request; error responses become client exceptions."""
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise ServerError(f"cannot reach the catalogue at {self.url}: {error}") from error
        if not response.is_success:
            raise _error_from(response)
        return response

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        """GET a JSON document, turning error responses into client exceptions."""
        response = self._send("GET", path, params={k: v for k, v in params.items() if v})
        body: dict[str, Any] = response.json()
        return body

    def datasets(self) -> list[str]:
        """Ids of every dataset in the catalogue."""
        return [c["id"] for c in self.get("/collections")["collections"]]

    def versions(self, name: str) -> list[dict[str, Any]]:
        """Every version of a dataset, oldest first, with status, date and release notes."""
        versions: list[dict[str, Any]] = self.get(f"/collections/{name}/versions")["versions"]
        return versions

    def collection(self, name: str, version: str | None = None) -> dict[str, Any]:
        """The STAC Collection of the version a request resolves to (None: the latest)."""
        return self.get(f"/collections/{name}/versions/{version or 'latest'}")

    def items(self, name: str, version: str | None = None) -> list[dict[str, Any]]:
        """Every Item of a dataset version, following next links."""
        page = self.get(f"/collections/{name}/versions/{version or 'latest'}/items", limit=1000)
        found = list(page["features"])
        while next_link := next((ln for ln in page["links"] if ln["rel"] == "next"), None):
            page = self.get(next_link["href"])
            found += page["features"]
        return found

    def split_item(self, name: str, version: str | None, split: str | None) -> dict[str, Any]:
        """The Item holding one split of a dataset version."""
        collection = self.collection(name, version)
        exact = collection["version"]
        found = {item["properties"]["bench:split"]: item for item in self.items(name, exact)}
        order = [s["name"] for s in collection.get("bench:splits", []) if s["name"] in found]
        splits = {s: found[s] for s in order + sorted(set(found) - set(order))}
        if split is None and len(splits) == 1:
            return next(iter(splits.values()))
        if split not in splits:
            names = ", ".join(splits)
            problem = f"has no split {split!r}" if split else "has several splits; choose one"
            raise SplitNotFound(f"{name} {exact} {problem}: {names}", list(splits))
        return splits[split]

    def cite(self, name: str, version: str | None = None, style: str = "bibtex") -> str:
        """How to cite a dataset version: ``bibtex``, ``text``, ``cff`` (CITATION.cff),
        ``datacite`` (DataCite 4.5 JSON) or ``schemaorg`` (JSON-LD)."""
        path = f"/collections/{name}/versions/{version or 'latest'}/export/{style}"
        return self._send("GET", path).text

    def evaluate(
        self,
        name: str,
        predictions: Predictions | Mapping[str, Predictions],
        version: str | None = None,
        split: str | None = None,
    ) -> Report:
        """Score predictions with the official metrics of a dataset version.

        ``predictions`` is one CSV (a path or its text) for ``split``, or a mapping of split
        names to CSVs; with several splits the report shows each robustness split's gap to the
        test split. Raises ``InvalidPredictions`` (with ``.problems``) for a file that does not
        fit the split.
        """
        from astrobench.report import Report, read_predictions

        if isinstance(predictions, Mapping):
            texts = {s: read_predictions(p) for s, p in predictions.items()}
        elif split is None:
            raise InvalidRequest("one predictions file needs split=NAME")
        else:
            texts = {split: read_predictions(predictions)}
        path = f"/collections/{name}/versions/{version or 'latest'}/evaluate"
        return Report(self._send("POST", path, json={"predictions": texts}).json())

    def search(self, **parameters: Any) -> ItemSearch:
        """STAC item search through pystac-client (``collections=``, ``ids=``, ``bbox=``, ...)."""
        from pystac_client import Client as StacClient

        return StacClient.open(self.url).search(**parameters)

    def open(
        self,
        name: str,
        version: str | None = None,
        split: str | None = None,
        *,
        cache: bool = False,
        cache_dir: str | None = None,
    ) -> xr.Dataset:
        """One split of a dataset version as an ``xarray.Dataset`` (lazy unless ``cache``)."""
        from astrobench.io import open_asset

        item = self.split_item(name, version, split)
        return open_asset(item["assets"]["data"], cache=cache, cache_dir=cache_dir)


def _error_from(response: httpx.Response) -> AstrobenchError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = body.get("code", "")
    message = body.get("description") or f"HTTP {response.status_code} from {response.url}"
    if code == "DatasetNotFound":
        return DatasetNotFound(message, body.get("suggestions"))
    if code == "VersionNotFound":
        return VersionNotFound(message, body.get("available"))
    if code == "InvalidPredictions":
        return InvalidPredictions(message, body.get("problems"))
    if response.status_code < 500:
        return InvalidRequest(message)
    return ServerError(message)

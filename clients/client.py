"""The HTTP client of an astrobench catalogue."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from astrobench.errors import (
    AstrobenchError,
    DatasetNotFound,
    InvalidPredictions,
    InvalidRequest,
    ServerError,
    ServerUnreachable,
    SplitNotFound,
    VersionNotFound,
)
from astrobench.transfer import DEFAULT_RETRY, Retry, RetryingTransport

if TYPE_CHECKING:
    import xarray as xr
    from pystac_client.item_search import ItemSearch

    from astrobench.cache import Cache
    from astrobench.report import Predictions, Report

DEFAULT_URL = "http://127.0.0.1:8000"
Records = tuple[dict[str, Any], list[dict[str, Any]]]


def default_url() -> str:
    return os.environ.get("ASTROBENCH_URL", DEFAULT_URL)


def offline_by_default() -> bool:
    return os.environ.get("ASTROBENCH_OFFLINE", "").lower() in ("1", "true", "yes")


class Client:
    """A catalogue at ``url`` (default ``$ASTROBENCH_URL``, else http://127.0.0.1:8000).

    Transient network failures are retried by ``retry``. ``offline=True`` (default
    ``$ASTROBENCH_OFFLINE``) never touches the network: only cached versions open. ``token``
    (default ``$ASTROBENCH_TOKEN``) is sent as a bearer token, for writes.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        timeout: float = 30.0,
        retry: Retry = DEFAULT_RETRY,
        offline: bool | None = None,
        token: str | None = None,
    ) -> None:
        self.url = (url or default_url()).rstrip("/")
        token = token or os.environ.get("ASTROBENCH_TOKEN")
        self.retry = retry
        self.offline = offline_by_default() if offline is None else offline
        self._http = httpx.Client(
            base_url=self.url,
            timeout=timeout,
            follow_redirects=True,
            transport=RetryingTransport(retry),
            headers={"Authorization": f"Bearer {token}"} if token else None,
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request to the catalogue (``path`` from its root; ``kwargs`` as httpx takes
        them), with the client's token; error responses become client exceptions."""
        return self._send(method, path, **kwargs)

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request; error responses become client exceptions."""
        if self.offline:
            raise ServerUnreachable(f"offline: the catalogue at {self.url} is not contacted")
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise ServerUnreachable(f"cannot reach the catalogue at {self.url}: {error}") from error
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

    def records(self, name: str, version: str | None = None) -> Records:
        """The Collection and Items of the version a request resolves to."""
        collection = self.collection(name, version)
        return collection, self.items(name, collection["version"])

    def split_item(self, name: str, version: str | None, split: str | None) -> dict[str, Any]:
        """The one Item holding a split (``split_items`` for a split in shards)."""
        items = self.split_items(name, version, split)
        if len(items) > 1:
            raise InvalidRequest(
                f"{name} split {split!r} is stored in {len(items)} shards, one Item each: "
                "use split_items"
            )
        return items[0]

    def split_items(
        self, name: str, version: str | None, split: str | None
    ) -> list[dict[str, Any]]:
        """The Items holding one split of a dataset version (one, or one per shard, in order):
        one request when the split is named and exists (the items' listing resolves the
        version as the Collection does); else the Collection too, for the order of the splits
        the error lists."""
        if split is not None:
            found = [
                item
                for item in self.items(name, version)
                if item["properties"].get("bench:split") == split
            ]
            if found:
                return in_order(found)
        return choose_split(name, *self.records(name, version), split)

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

    def submit(
        self,
        name: str,
        predictions: Mapping[str, Predictions],
        *,
        model_name: str,
        description: str,
        code_url: str,
        version: str | None = None,
        paper_doi: str | None = None,
        software: str | None = None,
        trained_on: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Submit predictions (split -> CSV path or text) for a version's evaluation splits, to
        be scored and kept; needs a token made with ``astrobench token create NAME --submit``.

        Returns the submission: its id and URL, its scores with 95% intervals, and each file's
        sha256. Submitting the same files again returns the same submission.
        """
        from astrobench.report import read_predictions

        files = [
            ("predictions", (f"{split}.csv", read_predictions(p).encode(), "text/csv"))
            for split, p in predictions.items()
        ]
        fields = {
            "model_name": model_name,
            "description": description,
            "code_url": code_url,
            "paper_doi": paper_doi,
            "software": software,
            "trained_on": ",".join(trained_on),
        }
        path = f"/collections/{name}/versions/{version or 'latest'}/submissions"
        data = {k: v for k, v in fields.items() if v}
        found: dict[str, Any] = self._send("POST", path, data=data, files=files).json()
        return found

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
        cache_dir: str | Path | None = None,
        progress: bool | None = None,
        verify: bool = False,
    ) -> xr.Dataset:
        """One split of a dataset version as an ``xarray.Dataset``.

        Lazy by default: reading a slice fetches only the bytes it needs, and a slice cannot be
        checked against the file's checksum. With ``cache=True`` the whole file is downloaded
        once into the cache (checksum-verified, with a progress bar on a terminal) and opened
        from there; a cached version opens with no network at all. With ``verify=True`` the
        whole file is downloaded, checksum-verified, into a temporary folder that goes when the
        Dataset is closed: for loading everything once without keeping a copy. Bytes that do
        not match the published checksum at any location raise ``ChecksumMismatch``. An
        offline client always reads from the cache.
        """
        from astrobench.io import open_lazy, open_local, open_local_shards, open_shards

        if verify and not (cache or self.offline):
            return self._open_verified(self.split_items(name, version, split), progress)
        if not (cache or self.offline):
            items = self.split_items(name, version, split)
            if len(items) > 1:  # a sharded split: dask arrays over every shard
                return open_shards(
                    [item["assets"]["data"] for item in items],
                    [int(item["properties"]["bench:count"]) for item in items],
                )
            return open_lazy(items[0]["assets"]["data"])
        paths = self.download(name, version, [split], cache_dir=cache_dir, progress=progress)
        return open_local(paths[0]) if len(paths) == 1 else open_local_shards(paths)

    def _open_verified(self, items: list[dict[str, Any]], progress: bool | None) -> xr.Dataset:
        from astrobench.cache import sha256_of
        from astrobench.io import locations, open_local, open_local_shards
        from astrobench.transfer import Download, download

        folder = Path(tempfile.mkdtemp(prefix="astrobench-"))
        try:
            paths = []
            for n, item in enumerate(items):
                asset = item["assets"]["data"]
                job = Download(
                    locations(asset),
                    sha256_of(asset),
                    asset.get("file:size"),
                    folder / f"data-{n}.nc",
                    item["id"],
                )
                paths.append(download(self._http, job, retry=self.retry, progress=progress))
            dataset = open_local(paths[0]) if len(paths) == 1 else open_local_shards(paths)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

        xarray_close = dataset._close  # the backend's own closer, which set_close replaces

        def close() -> None:
            if xarray_close is not None:
                xarray_close()
            shutil.rmtree(folder, ignore_errors=True)

        dataset.set_close(close)
        return dataset

    def download(
        self,
        name: str,
        version: str | None = None,
        splits: Sequence[str | None] | None = None,
        *,
        cache_dir: str | Path | None = None,
        progress: bool | None = None,
        workers: int = 4,
    ) -> list[Path]:
        """Put the data files of ``splits`` (default: every split) of a version in the cache,
        ``workers`` at a time, and return their paths. Cached files are verified, not fetched;
        the version's records are kept so that it resolves offline afterwards."""
        from astrobench.cache import Cache, sha256_of
        from astrobench.io import locations
        from astrobench.transfer import Download, download

        store = Cache(cache_dir)
        (collection, items), unreachable = self._cached_records(store, name, version)
        chosen = (
            list(items)
            if splits is None
            else [item for split in splits for item in choose_split(name, collection, items, split)]
        )
        assets = [item["assets"]["data"] for item in chosen]
        paths: list[Path | None] = [store.verified(asset) for asset in assets]
        jobs = [
            (
                index,
                Download(
                    hrefs=locations(asset),
                    sha256=sha256_of(asset),
                    size=asset.get("file:size"),
                    target=store.file_path(asset),
                    label=item["id"],
                ),
            )
            for index, (item, asset, path) in enumerate(zip(chosen, assets, paths, strict=True))
            if path is None
        ]
        if jobs and unreachable:
            missing = ", ".join(job.label for _, job in jobs)
            raise ServerUnreachable(
                f"{unreachable}; and these files are not in the cache at {store.root}: {missing}"
            )

        def fetch(position: int, job: Download) -> Path:
            path = download(self._http, job, retry=self.retry, progress=progress, position=position)
            store.mark_verified(path)
            return path

        with ThreadPoolExecutor(max(1, min(workers, len(jobs) or 1))) as pool:
            futures = {
                index: pool.submit(fetch, position, job)
                for position, (index, job) in enumerate(jobs)
            }
            for index, future in futures.items():
                paths[index] = future.result()
        return [path for path in paths if path is not None]

    def _cached_records(
        self, store: Cache, name: str, version: str | None
    ) -> tuple[Records, ServerUnreachable | None]:
        """A version's records from the catalogue (kept in the cache), or from the cache with
        the reason when the catalogue cannot be reached."""
        try:
            collection, items = self.records(name, version)
        except ServerUnreachable as unreachable:
            return self._offline_records(store, name, version, unreachable), unreachable
        store.save_version(self.url, collection, items)
        return (collection, items), None

    def _offline_records(
        self, store: Cache, name: str, version: str | None, cause: ServerUnreachable
    ) -> Records:
        from astrobench.catalog import errors, versions

        cached = store.versions(self.url, name)
        if not cached:
            known = ", ".join(store.datasets(self.url)) or "none"
            raise ServerUnreachable(
                f"{cause}; and no version of {name!r} is cached in {store.root} "
                f"(cached datasets: {known})"
            ) from cause
        infos = [
            versions.VersionInfo(
                versions.Version.parse(exact),
                versions.Status(records["collection"].get("astrobench:status", "published")),
            )
            for exact, records in cached.items()
        ]
        try:
            chosen = versions.resolve(name, version, infos)
        except errors.VersionNotFound as missing:
            raise VersionNotFound(
                f"{missing} (offline: only cached versions are known)", missing.available
            ) from cause
        except errors.InvalidVersion as invalid:
            raise InvalidRequest(str(invalid)) from cause
        records = cached[str(chosen.version)]
        return records["collection"], records["items"]


def in_order(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One split's Items in the order of their shards (``bench:shard``)."""
    return sorted(items, key=lambda item: item["properties"].get("bench:shard", {}).get("index", 0))


def choose_split(
    name: str, collection: dict[str, Any], items: list[dict[str, Any]], split: str | None
) -> list[dict[str, Any]]:
    """The Items of ``split`` in a version's records (of the only split when ``split`` is
    None): one, or one per shard, in order."""
    exact = collection["version"]
    found: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        found.setdefault(item["properties"]["bench:split"], []).append(item)
    order = [s["name"] for s in collection.get("bench:splits", []) if s["name"] in found]
    splits = {s: found[s] for s in order + sorted(set(found) - set(order))}
    if split is None and len(splits) == 1:
        return in_order(next(iter(splits.values())))
    if split not in splits:
        names = ", ".join(splits)
        problem = f"has no split {split!r}" if split else "has several splits; choose one"
        raise SplitNotFound(f"{name} {exact} {problem}: {names}", list(splits))
    return in_order(splits[split])


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

"""``astrobench mirror SOURCE DEST``: a complete, verified, incremental static copy of a catalogue.

DEST is a folder or any fsspec URL (``s3://bucket/prefix``). Files are copied only when DEST lacks
them, each checked against its published sha256 before it appears under its final name, so a run
killed at any moment leaves no partial file in the tree and the next run picks up where it
stopped. A version's JSON is written after its files, and the catalogues that link to it after
that: whatever the tree links to is complete.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from fsspec.core import url_to_fs

from astrobench import static
from astrobench.cache import sha256_of
from astrobench.catalog.release import sha256_stream
from astrobench.client import Client
from astrobench.errors import InvalidRequest, ServerError
from astrobench.io import locations
from astrobench.transfer import Download, download, progress_bar

PARTIAL = ".astrobench-partial"
"""Folder of a local DEST where downloads wait until they are verified; never linked."""


@dataclass
class MirrorReport:
    """What one run did."""

    versions: list[str] = field(default_factory=list)
    copied: int = 0
    copied_bytes: int = 0
    skipped: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        rate = self.copied_bytes / self.seconds / 1e6 if self.seconds else 0.0
        return (
            f"{len(self.versions)} versions, {self.copied} files copied "
            f"({self.copied_bytes / 1e6:.1f} MB), {self.skipped} already there, "
            f"{self.seconds:.1f} s ({rate:.1f} MB/s)"
        )


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


class Destination:
    """Where a mirror is written: a local folder or an object store, through fsspec."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.fs, self.root = url_to_fs(self.url)
        self.local = getattr(self.fs, "protocol", None) in ("file", ("file", "local"))
        if self.local:
            self.fs.makedirs(self.root, exist_ok=True)
            self.staging = Path(self.root) / PARTIAL
            shutil.rmtree(self.staging, ignore_errors=True)  # left by a killed run
            self.staging.mkdir()
        else:
            self.staging = Path(tempfile.mkdtemp(prefix="astrobench-mirror-"))

    def close(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def path(self, key: str) -> str:
        return f"{self.root}/{key}"

    def size(self, key: str) -> int | None:
        try:
            return int(self.fs.size(self.path(key)))
        except (FileNotFoundError, OSError):
            return None

    def sha256(self, key: str) -> str:
        with self.fs.open(self.path(key), "rb") as handle:
            return sha256_stream(handle)

    def read_json(self, key: str) -> dict[str, Any] | None:
        try:
            with self.fs.open(self.path(key), "rb") as handle:
                found: dict[str, Any] = json.load(handle)
                return found
        except FileNotFoundError:
            return None

    def write_json(self, key: str, record: dict[str, Any]) -> None:
        """Write a JSON document whole: readers see the old one or the new one."""
        data = json.dumps(record, indent=2).encode() + b"\n"
        if not self.local:
            self.fs.pipe_file(self.path(key), data)  # an object appears whole
            return
        staged = self.staging / uuid.uuid4().hex
        staged.write_bytes(data)
        self.place(staged, key)

    def place(self, staged: Path, key: str) -> None:
        """Move a verified local file to ``key``."""
        target = self.path(key)
        if self.local:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(staged, target)
        else:
            self.fs.put_file(str(staged), target)
            staged.unlink()

    def held(self, dataset: str) -> list[str]:
        """Versions of ``dataset`` the mirror holds completely (their Collection is written)."""
        found = self.fs.glob(self.path(static.collection_path(dataset, "*")))
        return sorted({p.rstrip("/").split("/")[-2] for p in found}, key=version_key)

    def datasets(self) -> dict[str, str]:
        """Dataset -> title, for every dataset the root catalogue links to."""
        root = self.read_json(static.ROOT) or {"links": []}
        return {
            link["href"].split("/")[-2]: link.get("title", "")
            for link in root["links"]
            if link["rel"] == "child"
        }


def mirror(
    source: str,
    dest: str,
    *,
    versions: Literal["latest", "all"] = "all",
    datasets: Sequence[str] | None = None,
    workers: int = 4,
    verify: bool = False,
    progress: bool | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> MirrorReport:
    """Copy the catalogue at ``source`` into ``dest`` as a static STAC tree.

    ``versions="latest"`` takes each dataset's latest version, ``"all"`` every published one.
    Versions the mirror already holds have their records refreshed (a status may change) and
    their files checked by size, or re-hashed with ``verify``.
    """
    if versions not in ("latest", "all"):
        raise InvalidRequest(f"versions must be 'latest' or 'all', not {versions!r}")
    started = time.perf_counter()
    report = MirrorReport()
    target = Destination(dest)
    try:
        with Client(source) as client:
            titles = target.datasets()
            for name in datasets or client.datasets():
                titles[name] = _mirror_dataset(
                    client, target, name, versions, workers, verify, progress, report, log
                )
            title = str(client.get("/").get("title", "astrobench"))
            target.write_json(static.ROOT, static.root_catalog(title, client.url, titles))
    finally:
        target.close()
    report.seconds = time.perf_counter() - started
    return report


def _mirror_dataset(
    client: Client,
    target: Destination,
    name: str,
    versions: str,
    workers: int,
    verify: bool,
    progress: bool | None,
    report: MirrorReport,
    log: Callable[[str], None],
) -> str:
    history = client.get(f"/collections/{name}/versions")
    listed = [entry["version"] for entry in history["versions"]]
    latest = client.collection(name)
    chosen = set(listed) if versions == "all" else {latest["version"]}
    before = set(target.held(name))
    wanted = sorted(chosen | (before & set(listed)), key=version_key)
    held = before | set(wanted)
    for version in wanted:
        collection, items = client.records(name, version)
        copied, skipped = report.copied, report.skipped
        _copy_files(client, target, [collection, *items], workers, verify, progress, report)
        for item in items:
            path = static.item_path(name, version, item["id"])
            target.write_json(path, static.static_item(item, client.url))
        board = _board(client, name, version, log)
        kept = target.read_json(static.leaderboard_path(name, version)) or {}
        if board is not None and _ranked(board) != _ranked(kept):  # else the tree is unchanged
            target.write_json(static.leaderboard_path(name, version), board)
        board = board or (kept or None)
        ids = [item["id"] for item in items]
        record = static.static_collection(collection, ids, client.url, held, board is not None)
        target.write_json(static.collection_path(name, version), record)
        report.versions.append(f"{name} {version}")
        copied, skipped = report.copied - copied, report.skipped - skipped
        log(f"{name} {version}: {copied} files copied, {skipped} already there")
    target.write_json(static.history_path(name), history)
    catalog = static.dataset_catalog(name, latest, target.held(name), latest["version"])
    target.write_json(static.dataset_path(name), catalog)
    return str(latest.get("title", name))


def _board(
    client: Client, name: str, version: str, log: Callable[[str], None]
) -> dict[str, Any] | None:
    """A version's leaderboard as the source ranks it now, stamped with the time and place it
    was taken from; None where the source has none (or cannot give it now: the mirror then
    keeps the board of its last sync)."""
    path = f"/collections/{name}/versions/{version}/leaderboard"
    try:
        board = client.get(path)
    except (InvalidRequest, LookupError):
        return None
    except ServerError as error:
        log(f"{name} {version}: leaderboard not synced ({error})")
        return None
    synced = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {**board, "synced": synced, "source": client.url + path}


def _ranked(board: dict[str, Any]) -> dict[str, Any]:
    """What a board says, without when and whence it was taken."""
    return {k: v for k, v in board.items() if k not in ("synced", "source")}


def _copy_files(
    client: Client,
    target: Destination,
    records: list[dict[str, Any]],
    workers: int,
    verify: bool,
    progress: bool | None,
    report: MirrorReport,
) -> None:
    """Copy every asset of ``records`` that ``target`` lacks, ``workers`` at a time."""
    missing: list[tuple[str, dict[str, Any]]] = []
    for record in records:
        for asset in record.get("assets", {}).values():
            key = static.asset_key(asset["href"], client.url)
            if key is None:
                continue
            size = target.size(key)
            if size == asset.get("file:size") and not (
                verify and target.sha256(key) != sha256_of(asset)
            ):
                report.skipped += 1
            else:
                missing.append((key, asset))
    if not missing:
        return
    total = sum(int(asset.get("file:size", 0)) for _, asset in missing)
    label = records[0]["id"] + " " + records[0].get("version", "")
    lock = threading.Lock()
    with progress_bar(total, label, progress) as bar:

        def copy(key: str, asset: dict[str, Any]) -> None:
            digest = sha256_of(asset)
            job = Download(
                hrefs=locations(asset),
                sha256=digest,
                size=asset.get("file:size"),
                target=target.staging / f"{digest}-{uuid.uuid4().hex}",
                label=key,
            )
            staged = download(client._http, job, retry=client.retry, progress=False)
            size = staged.stat().st_size
            target.place(staged, key)
            with lock:
                bar.update(size)
                report.copied += 1
                report.copied_bytes += size

        with ThreadPoolExecutor(max(1, workers)) as pool:
            for future in [pool.submit(copy, key, asset) for key, asset in missing]:
                future.result()


def register(
    client: Client, name: str, public_url: str, dest: str, token: str | None, title: str = ""
) -> dict[str, Any]:
    """Tell the source that the mirror at ``dest`` serves its files under ``public_url``, so it
    lists them as alternate locations of the versions the mirror holds."""
    target = Destination(dest)
    try:
        holdings = {name_: target.held(name_) for name_ in target.datasets()}
    finally:
        target.close()
    body = {"url": public_url.rstrip("/"), "title": title or name, "versions": holdings}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client._send("PUT", f"/mirrors/{name}", json=body, headers=headers)
    registered: dict[str, Any] = response.json()
    return registered

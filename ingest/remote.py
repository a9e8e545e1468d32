"""Publish to a catalogue over HTTP, as a curator with a token: the same pipeline as a local
ingest (``astrobench.ingest.publish``), with the catalogue's own checks deciding.

Each file is uploaded with its RFC 9530 ``Content-Digest`` (``PUT .../versions/{v}/files/{name}``),
then the version's records are published in one request (``POST /collections/{id}/versions``),
which the catalogue commits only once storage holds every file it names, byte for byte.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from astrobench.catalog.records import AssetRecord, VersionSummary
from astrobench.catalog.versions import Status
from astrobench.client import Client
from astrobench.errors import DatasetNotFound
from astrobench.ingest.publish import Records


def content_digest(sha256_hex: str) -> str:
    """The ``Content-Digest`` header value of a file with this sha256."""
    return f"sha-256=:{base64.b64encode(bytes.fromhex(sha256_hex)).decode()}:"


class RemoteTarget:
    """A catalogue at ``url``, written with ``token`` (a curator's or an admin's)."""

    def __init__(self, url: str, token: str, timeout: float = 300.0) -> None:
        self.client = Client(url, token=token, timeout=timeout)

    def close(self) -> None:
        self.client.close()

    def check_access(self, dataset: str) -> None:
        """The token may write ``dataset`` (401 or 403 otherwise, as ``InvalidRequest``)."""
        self.client.request("GET", f"/collections/{dataset}/drafts")

    def upload(self, local: Path, asset: AssetRecord) -> bool:
        dataset, version, name = asset.path.split("/", 2)
        response = self.client.request(
            "PUT",
            f"/collections/{dataset}/versions/{version}/files/{name}",
            content=local.read_bytes(),  # bytes, so that a retried request resends them
            headers={
                "Content-Digest": content_digest(asset.sha256),
                "Content-Type": asset.media_type,
            },
        )
        return response.status_code == 201

    def publish(self, records: Records, truths: Mapping[str, bytes]) -> bool:
        collection, items, _ = records
        encoded = {split: base64.b64encode(content).decode() for split, content in truths.items()}
        response = self.client.request(
            "POST",
            f"/collections/{collection['id']}/versions",
            json={"collection": collection, "items": items, "truths": encoded},
        )
        return response.status_code == 201

    def history(self, dataset: str) -> list[VersionSummary]:
        try:
            found = self.client.versions(dataset)
        except DatasetNotFound:
            return []
        return [
            VersionSummary(
                v["version"],
                Status(v["status"]),
                datetime.fromisoformat(v["published"].replace("Z", "+00:00")),
                v["reason"],
                v["successor"],
            )
            for v in found
        ]

    def set_status(
        self, dataset: str, version: str, status: Status, reason: str, successor: str | None
    ) -> None:
        self.client.request(
            "PATCH",
            f"/collections/{dataset}/versions/{version}",
            json={"status": status.value, "reason": reason, "successor": successor},
        )

"""Registered mirrors, and the alternate locations they give published files.

A mirror serves every file it holds at ``<mirror url>/<storage key>`` (``astrobench mirror`` lays
files out that way). Rendering adds each mirror holding a version to the ``alternate`` map of that
version's assets (STAC alternate-assets extension), so clients can fall back to it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from astrobench.catalog.errors import InvalidParameter, MirrorNotFound
from astrobench.catalog.rows import naive_utc, utc_now
from astrobench.catalog.schema import MirrorRow
from astrobench.catalog.store import Store

ALTERNATE_EXT = "https://stac-extensions.github.io/alternate-assets/v1.2.0/schema.json"
ASSETS_PREFIX = "/assets/"
_NAME = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


@dataclass(frozen=True)
class Mirror:
    name: str
    url: str
    title: str
    versions: dict[str, list[str]]
    registered: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "url": self.url,
            "title": self.title,
            "versions": self.versions,
            "registered": self.registered.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


def _mirror(row: MirrorRow) -> Mirror:
    return Mirror(row.name, row.url, row.title, dict(row.versions), row.registered)


def register(
    store: Store, name: str, url: str, title: str, versions: dict[str, list[str]]
) -> Mirror:
    """Register (or update) a mirror. Every version it claims must be published here."""
    if not _NAME.match(name):
        raise InvalidParameter(
            f"mirror name {name!r} is not valid: use lower-case letters, digits, '-' and '_'"
        )
    if not url.startswith(("http://", "https://")):
        raise InvalidParameter(f"mirror url {url!r} must be an http:// or https:// URL")
    problems = []
    for dataset, held in versions.items():
        known = [h.version for h in store.history(dataset)]  # raises DatasetNotFound
        problems += [f"{dataset} {v}" for v in held if v not in known]
    if problems:
        raise InvalidParameter(
            "the mirror lists versions this catalogue has not published: " + ", ".join(problems)
        )
    row = MirrorRow(
        name=name,
        url=url.rstrip("/"),
        title=title or name,
        versions={d: sorted(set(v)) for d, v in versions.items() if v},
        registered=naive_utc(utc_now()),
    )
    with store.transaction() as session:
        session.merge(row)
    return _mirror(row)


def listed(store: Store) -> list[Mirror]:
    with store.session() as session:
        return [_mirror(r) for r in session.scalars(select(MirrorRow).order_by(MirrorRow.name))]


def remove(store: Store, name: str) -> None:
    with store.transaction() as session:
        row = session.get(MirrorRow, name)
        if row is None:
            raise MirrorNotFound(f"no mirror is registered as {name!r}")
        session.delete(row)


def with_alternates(
    record: dict[str, Any], dataset: str, version: str, mirrors: Sequence[Mirror]
) -> dict[str, Any]:
    """A copy of a stored record whose assets list the mirrors holding ``dataset version``."""
    holding = [m for m in mirrors if version in m.versions.get(dataset, [])]
    assets = record.get("assets", {})
    if not holding or not assets:
        return record
    record = copy.deepcopy(record)
    for asset in record["assets"].values():
        href = asset["href"]
        if not href.startswith(ASSETS_PREFIX):
            continue
        key = href[len(ASSETS_PREFIX) :]
        asset["alternate"] = {m.name: {"href": f"{m.url}/{key}", "title": m.title} for m in holding}
    extensions = record.setdefault("stac_extensions", [])
    if ALTERNATE_EXT not in extensions:
        extensions.append(ALTERNATE_EXT)
    return record

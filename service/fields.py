"""The fields extension (STAC API fields v1.0.0): include or exclude parts of each returned record
by dotted path.

- ``fields`` empty (``?fields=``, ``{}``, or both lists null or empty): the default set, what
  keeps a record valid STAC;
- ``include`` given: only those paths (and the few that identify the record);
- ``exclude`` only: every field but those; with ``include`` null or empty (and always in GET,
  which cannot tell missing from empty), the default set but those;
- a path in both lists is included; the more specific path wins (exclude ``properties`` and
  include ``properties.datetime``: ``datetime`` is the only property left).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

ITEM_DEFAULT = (
    "type",
    "stac_version",
    "id",
    "collection",
    "geometry",
    "bbox",
    "links",
    "assets",
    "properties.datetime",
    "properties.start_datetime",
    "properties.end_datetime",
)
ITEM_IDENTITY = ("type", "stac_version", "id", "collection")
"""Added to what ``include`` names, so that a projected item can still be told apart."""
COLLECTION_DEFAULT = (
    "type",
    "stac_version",
    "stac_extensions",
    "id",
    "title",
    "description",
    "license",
    "extent",
    "links",
    "version",
)
COLLECTION_IDENTITY = ("type", "stac_version", "id")


@dataclass(frozen=True)
class Fields:
    """A projection; ``given`` is False when the request had no ``fields`` at all."""

    include: tuple[str, ...] | None = None
    """None when ``include`` was missing (only a POST body can say so)."""
    exclude: tuple[str, ...] = ()
    given: bool = False

    @classmethod
    def of(cls, include: Sequence[str] | None, exclude: Sequence[str] | None) -> Fields:
        return cls(
            None if include is None else tuple(p for p in include if p),
            tuple(p for p in exclude or () if p),
            True,
        )

    @classmethod
    def parse(cls, value: str | None) -> Fields:
        """``a,+b,-c``: include a and b, exclude c (GET: a missing include is empty)."""
        if value is None:
            return cls()
        parts = [p.strip() for p in value.split(",") if p.strip()]
        return cls.of(
            [p.lstrip("+") for p in parts if not p.startswith("-")],
            [p[1:] for p in parts if p.startswith("-")],
        )

    def apply(
        self, record: dict[str, Any], default: Sequence[str], identity: Sequence[str]
    ) -> dict[str, Any]:
        """A projected copy of ``record`` (the record itself is never changed)."""
        if not self.given:
            return record
        include = self.include or ()
        if include:
            result = _copy_paths(record, [*identity, *include])
        elif self.include is None and self.exclude:
            result = copy.deepcopy(record)
        else:
            result = _copy_paths(record, default)
        for path in self.exclude:
            if path in include:
                continue
            _drop_path(result, path.split("."))
            inside = [p for p in include if p.startswith(path + ".")]
            _merge(result, _copy_paths(record, inside))
        return result


def _copy_paths(source: dict[str, Any], paths: Sequence[str]) -> dict[str, Any]:
    target: dict[str, Any] = {}
    for path in paths:
        _copy_path(source, target, path.split("."))
    return target


def _copy_path(source: dict[str, Any], target: dict[str, Any], keys: list[str]) -> None:
    head, rest = keys[0], keys[1:]
    if head not in source:
        return
    if not rest:
        target[head] = copy.deepcopy(source[head])
    elif isinstance(source[head], dict):
        _copy_path(source[head], target.setdefault(head, {}), rest)


def _merge(target: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def _drop_path(target: dict[str, Any], keys: list[str]) -> None:
    head, rest = keys[0], keys[1:]
    if head not in target:
        return
    if not rest:
        del target[head]
    elif isinstance(target[head], dict):
        _drop_path(target[head], rest)

"""The fields extension: include or exclude parts of each returned record by dotted path.

With only ``exclude``, records are whole minus those paths. With ``include``, records hold the
default set (what keeps an Item or Collection usable) plus the included paths. A path in both lists
is included, and a more specific path wins over a less specific one.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

ITEM_DEFAULT = (
    "type",
    "stac_version",
    "stac_extensions",
    "id",
    "collection",
    "geometry",
    "bbox",
    "links",
    "assets",
    "properties.datetime",
    "properties.version",
)
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


@dataclass(frozen=True)
class Fields:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @classmethod
    def of(cls, include: Sequence[str], exclude: Sequence[str]) -> Fields:
        return cls(tuple(p for p in include if p), tuple(p for p in exclude if p))

    @classmethod
    def parse(cls, value: str | None) -> Fields:
        """``a,+b,-c``: include a and b, exclude c."""
        parts = [p.strip() for p in (value or "").split(",") if p.strip()]
        return cls.of(
            [p.lstrip("+") for p in parts if not p.startswith("-")],
            [p[1:] for p in parts if p.startswith("-")],
        )

    def __bool__(self) -> bool:
        return bool(self.include or self.exclude)

    def apply(self, record: dict[str, Any], default: Sequence[str]) -> dict[str, Any]:
        """A projected copy of ``record`` (the record itself is never changed)."""
        if not self:
            return record
        if self.include:
            result: dict[str, Any] = {}
            for path in (*default, *self.include):
                _copy_path(record, result, path.split("."))
        else:
            result = copy.deepcopy(record)
        for path in self.exclude:
            if not any(_within(kept, path) for kept in self.include):
                _drop_path(result, path.split("."))
        return result


def _within(path: str, prefix: str) -> bool:
    """True if ``path`` is ``prefix`` or lies inside it."""
    return path == prefix or path.startswith(prefix + ".")


def _copy_path(source: dict[str, Any], target: dict[str, Any], keys: list[str]) -> None:
    head, rest = keys[0], keys[1:]
    if head not in source:
        return
    if not rest:
        target[head] = copy.deepcopy(source[head])
    elif isinstance(source[head], dict):
        _copy_path(source[head], target.setdefault(head, {}), rest)


def _drop_path(target: dict[str, Any], keys: list[str]) -> None:
    head, rest = keys[0], keys[1:]
    if head not in target:
        return
    if not rest:
        del target[head]
    elif isinstance(target[head], dict):
        _drop_path(target[head], rest)

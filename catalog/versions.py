"""Semantic versions and the rules that resolve a version request to one published version."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from astrobench.catalog.errors import InvalidVersion, VersionNotFound

_FULL = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
_REQUEST = re.compile(r"^(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?$")


class Status(str, Enum):
    """Lifecycle of a version. A draft is visible to curators only; every other status stays
    resolvable by its exact number."""

    DRAFT = "draft"
    PUBLISHED = "published"
    DEPRECATED = "deprecated"
    YANKED = "yanked"


@dataclass(frozen=True, order=True)
class Version:
    """A ``MAJOR.MINOR.PATCH`` version, ordered numerically."""

    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version:
        match = _FULL.match(text)
        if not match:
            raise InvalidVersion(
                f"version {text!r} is not a semantic version; expected MAJOR.MINOR.PATCH, e.g. 1.2.0"
            )
        return cls(*(int(part) for part in match.groups()))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


@dataclass(frozen=True)
class VersionInfo:
    """What resolution needs to know of a published version."""

    version: Version
    status: Status = Status.PUBLISHED


def resolve(dataset: str, request: str | None, versions: Sequence[VersionInfo]) -> VersionInfo:
    """Pick the version a request means.

    ``"1.2.0"`` is exactly that version (whatever its status); ``"1.2"`` is the newest ``1.2.x`` and
    ``"1"`` the newest ``1.x.y`` that is not yanked; ``None`` or ``"latest"`` the newest not yanked.
    """
    available = [str(v.version) for v in sorted(versions, key=lambda v: v.version)]
    if request is None or request == "latest":
        prefix: tuple[int, ...] = ()
    else:
        match = _REQUEST.match(request)
        if not match:
            raise InvalidVersion(
                f"version request {request!r} is not valid; use MAJOR.MINOR.PATCH, MAJOR.MINOR, "
                "MAJOR or 'latest'"
            )
        prefix = tuple(int(p) for p in match.groups() if p is not None)
        if len(prefix) == 3:
            exact = Version(*prefix)
            for info in versions:
                if info.version == exact:
                    return info
            raise VersionNotFound(dataset, request, available)
    candidates = [
        v
        for v in versions
        if v.status is not Status.YANKED
        and (v.version.major, v.version.minor, v.version.patch)[: len(prefix)] == prefix
    ]
    if not candidates:
        raise VersionNotFound(dataset, request or "latest", available)
    return max(candidates, key=lambda v: v.version)

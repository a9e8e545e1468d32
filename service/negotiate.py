"""Content negotiation: one URL serves HTML to people and STAC, DataCite or Croissant to programs.

The ``Accept`` header's media ranges are ranked by quality (RFC 9110 section 12.5.1); with no
header, or only ``*/*``, the first offered type wins, which is JSON, so every STAC client keeps
working. A header that accepts none of the offered types gets 406 with the list.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from astrobench.catalog.errors import CatalogError

HTML = "text/html"
JSON = "application/json"
GEOJSON = "application/geo+json"
DATACITE = "application/vnd.datacite.datacite+json"
CROISSANT = 'application/ld+json; profile="http://mlcommons.org/croissant/1.1"'
SCHEMA_ORG = "application/ld+json"


class NotAcceptable(CatalogError):
    """No offered representation matches the request's ``Accept`` header."""

    code = "NotAcceptable"

    def __init__(self, accept: str, offered: list[str]) -> None:
        self.offered = offered
        super().__init__(
            f"cannot answer Accept: {accept!r}; this resource is offered as: {', '.join(offered)}"
        )


@dataclass(frozen=True)
class Range:
    kind: str
    subtype: str
    profile: str | None
    quality: float

    def matches(self, offered: str) -> bool:
        media, _, params = offered.partition(";")
        kind, _, subtype = media.strip().partition("/")
        profile = _profile(params)
        if self.profile and self.profile != profile:
            return False
        if self.kind == "*":
            return not profile  # */* does not ask for a profiled variant
        return (
            self.kind == kind
            and self.subtype in ("*", subtype)
            and (self.profile is not None or not profile or self.subtype == subtype)
        )

    @property
    def specificity(self) -> int:
        return (self.kind != "*") + (self.subtype != "*") + (self.profile is not None)


def _profile(params: str) -> str | None:
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "profile":
            return value.strip().strip('"')
    return None


def _ranges(accept: str) -> list[Range]:
    ranges = []
    for part in accept.split(","):
        media, _, params = part.partition(";")
        kind, _, subtype = media.strip().lower().partition("/")
        if not kind:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append(Range(kind, subtype or "*", _profile(params), quality))
    return ranges


def choose(accept: str | None, offered: list[str]) -> str:
    """The offered media type the ``Accept`` header prefers (the first offered on a tie)."""
    if not accept or not accept.strip():
        return offered[0]
    ranges = _ranges(accept)
    best, best_key = None, (0.0, -1, 0)
    for position, media in enumerate(offered):
        matching = [r for r in ranges if r.matches(media)]
        if not matching:
            continue
        closest = max(matching, key=lambda r: r.specificity)
        key = (closest.quality, closest.specificity, -position)
        if closest.quality > 0 and key > best_key:
            best, best_key = media, key
    if best is None:
        raise NotAcceptable(accept, offered)
    return best


def wants_html(request: Request) -> bool:
    """Whether a browser-like client prefers a page to JSON (for error pages)."""
    try:
        return choose(request.headers.get("accept"), [JSON, HTML]) == HTML
    except NotAcceptable:
        return False

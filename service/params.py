"""Parse and validate item-search parameters from query strings and JSON bodies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict

from astrobench.catalog.errors import InvalidParameter
from astrobench.catalog.store import SearchQuery

DEFAULT_LIMIT = 10


def parse_bbox(value: str | Sequence[Any] | None) -> tuple[float, float, float, float] | None:
    """A 2D (4 numbers) or 3D (6 numbers) WGS84 bbox, as (west, south, east, north)."""
    if value is None or value == "":
        return None
    parts = value.split(",") if isinstance(value, str) else list(value)
    hint = (
        "bbox must be 4 numbers 'west,south,east,north' (or 6 with heights) in WGS84 degrees, "
        "-180 <= lon <= 180, -90 <= lat <= 90, south <= north"
    )
    try:
        numbers = [float(p) for p in parts]
    except (TypeError, ValueError):
        raise InvalidParameter(f"bbox {value!r} is not numeric; {hint}") from None
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4:
        raise InvalidParameter(f"bbox {value!r} has {len(parts)} values; {hint}")
    west, south, east, north = numbers
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise InvalidParameter(f"bbox {value!r} is out of range; {hint}")
    return west, south, east, north


def _instant(text: str, whole: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidParameter(
            f"datetime {whole!r} is not valid; use an RFC 3339 date-time such as "
            "2006-01-01T00:00:00Z, or an interval 'start/end' with '..' for an open end"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse_datetime(value: str | None) -> tuple[datetime | None, datetime | None]:
    """A single instant or a ``start/end`` interval (either end may be ``..`` or empty)."""
    if not value:
        return None, None
    if "/" not in value:
        moment = _instant(value, value)
        return moment, moment
    first, _, second = value.partition("/")
    start = None if first in ("", "..") else _instant(first, value)
    end = None if second in ("", "..") else _instant(second, value)
    if start is None and end is None:
        raise InvalidParameter(f"datetime {value!r} is open at both ends; give at least one end")
    if start and end and start > end:
        raise InvalidParameter(f"datetime {value!r} starts after it ends")
    return start, end


def parse_limit(value: str | int | None, maximum: int) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except (TypeError, ValueError):
        limit = 0
    if isinstance(value, float) or not 1 <= limit <= maximum:
        raise InvalidParameter(f"limit {value!r} is not valid; use an integer from 1 to {maximum}")
    return limit


def parse_list(value: str | Sequence[str] | None) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return list(value)


class SearchBody(BaseModel):
    """The JSON body of ``POST /search``."""

    model_config = ConfigDict(extra="forbid")

    collections: list[str] | None = None
    ids: list[str] | None = None
    bbox: list[float] | None = None
    datetime: str | None = None
    limit: int | None = None
    token: str | None = None


def search_query(
    *,
    collections: str | Sequence[str] | None,
    ids: str | Sequence[str] | None,
    bbox: str | Sequence[Any] | None,
    datetime_: str | None,
    limit: str | int | None,
    token: str | None,
    max_limit: int,
) -> SearchQuery:
    start, end = parse_datetime(datetime_)
    return SearchQuery(
        collections=parse_list(collections),
        ids=parse_list(ids),
        bbox=parse_bbox(bbox),
        start=start,
        end=end,
        limit=parse_limit(limit, max_limit),
        token=token or None,
    )

"""Parse and validate search parameters from query strings and JSON bodies into one query type.

GET and POST accept the same parameters (STAC item search, collection search, and the filter, sort,
fields and free-text extensions), plus ``cone`` (ra, dec, radius in ICRS degrees) and ``wavelength``
(min, max in nm). Every problem becomes an ``InvalidParameter`` that says what is valid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from astrobench.catalog import cql2, geometry, times
from astrobench.catalog.errors import InvalidParameter
from astrobench.catalog.search import SearchQuery
from astrobench.catalog.sky import Band, Cone
from astrobench.service.fields import Fields

DEFAULT_LIMIT = 10
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def parse_bbox(value: str | Sequence[Any] | None) -> tuple[float, float, float, float] | None:
    """A 2D (4 numbers) or 3D (6 numbers) WGS84 bbox, as (west, south, east, north)."""
    if value is None or value == "":
        return None
    parts = value.split(",") if isinstance(value, str) else list(value)
    hint = (
        "bbox must be 4 numbers 'west,south,east,north' (or 6 with heights) in WGS84 degrees, "
        "-180 <= lon <= 180, -90 <= lat <= 90, south <= north; for the sky use cone=ra,dec,radius"
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
        return times.instant(text)
    except ValueError:
        raise InvalidParameter(
            f"datetime {whole!r} is not valid; use an RFC 3339 date-time with a time zone such "
            "as 2006-01-01T00:00:00Z, or an interval 'start/end' with '..' for an open end"
        ) from None


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
    """A page size; one above ``maximum`` means ``maximum`` (OGC API Features)."""
    if value is None or value == "":
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except (TypeError, ValueError):
        limit = 0
    if isinstance(value, float) or limit < 1:
        raise InvalidParameter(
            f"limit {value!r} is not valid; use a positive integer (pages hold at most {maximum})"
        )
    return min(limit, maximum)


def parse_list(value: str | Sequence[str] | None) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return list(value)


def parse_q(value: str | Sequence[str] | None) -> list[str]:
    """Free-text terms: any of them may match (title, description, keywords)."""
    return [term.strip('"') for term in parse_list(value) if term.strip('"')]


def parse_sortby(value: str | Sequence[SortField] | None) -> list[tuple[str, bool]]:
    """``+a,-b`` (GET) or ``[{"field": "a", "direction": "asc"}]`` (POST) as (name, descending)."""
    if not value:
        return []
    if isinstance(value, str):
        keys = []
        for part in parse_list(value):
            descending = part.startswith("-")
            keys.append((part.lstrip("+- "), descending))
        return keys
    return [(s.field, s.direction == "desc") for s in value]


def parse_filter(
    value: str | dict[str, Any] | bool | None,
    lang: str | None,
    crs: str | None,
    limits: cql2.Limits = cql2.DEFAULT_LIMITS,
) -> Any:
    if crs not in (None, "", CRS84):
        raise InvalidParameter(f"filter-crs {crs!r} is not supported; the only CRS is {CRS84}")
    if value is None or value == "":
        return None
    return cql2.parse(value, lang or (cql2.JSON if isinstance(value, dict) else cql2.TEXT), limits)


def _bounded(values: list[str], name: str, most: int, setting: str) -> list[str]:
    """``values``, if there are at most ``most`` of them."""
    if len(values) > most:
        raise InvalidParameter(
            f"{name} lists {len(values)} values; the limit is {most} (ASTROBENCH_{setting})"
        )
    return values


@dataclass(frozen=True)
class SearchLimits:
    """What one search may ask for: page size, ids and collections, free-text terms, and the
    size of its filter (the ``ASTROBENCH_MAX_*`` settings)."""

    items: int = 1000
    terms: int = 1000
    words: int = 32
    filter: cql2.Limits = cql2.DEFAULT_LIMITS


def _triple(value: str | Sequence[float] | None) -> list[str] | Sequence[float] | None:
    return value.split(",") if isinstance(value, str) else value


class SortField(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str
    direction: Literal["asc", "desc"] = "asc"


class FieldsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    include: list[str] | None = None
    exclude: list[str] | None = None

    def fields(self) -> Fields:
        """The projection; ``include`` left out (not null) means every field but ``exclude``."""
        missing = "include" not in self.model_fields_set
        return Fields.of(None if missing else self.include or [], self.exclude)


class SearchBody(BaseModel):
    """The JSON body of ``POST /search``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    collections: list[str] | str | None = None
    """A list of ids; one id (or several, comma-separated) as a string is taken too."""
    ids: list[str] | str | None = None
    bbox: list[float] | None = None
    intersects: dict[str, Any] | None = None
    datetime: str | None = None
    limit: int | None = None
    token: str | None = None
    q: str | list[str] | None = None
    filter: dict[str, Any] | str | bool | None = None
    filter_lang: Literal["cql2-json", "cql2-text"] | None = Field(None, alias="filter-lang")
    filter_crs: str | None = Field(None, alias="filter-crs")
    sortby: list[SortField] | None = None
    fields: FieldsBody | None = None
    cone: list[float] | None = Field(None, description="[ra, dec, radius], ICRS degrees")
    wavelength: list[float] | None = Field(None, description="[min, max], nanometres")

    def query(self, limits: SearchLimits) -> tuple[SearchQuery, Fields]:
        query = build(
            self,
            limits,
            sortby=parse_sortby(self.sortby),
            cone=self.cone,
            wavelength=self.wavelength,
        )
        if "fields" in self.model_fields_set and self.fields is None:
            raise InvalidParameter(
                'fields must be an object {"include": [...], "exclude": [...]}, not null; '
                "leave it out to get whole records"
            )
        return query, Fields() if self.fields is None else self.fields.fields()


@dataclass
class SearchParams:
    """The query-string form of a search, shared by every GET search route."""

    collections: str | None = None
    ids: str | None = None
    bbox: str | None = None
    intersects: Annotated[str | None, Query(description="a GeoJSON geometry")] = None
    datetime: str | None = None
    limit: str | None = None
    token: str | None = None
    q: str | None = None
    filter: str | None = None
    filter_lang: Annotated[Literal["cql2-text", "cql2-json"] | None, Query(alias="filter-lang")] = (
        None
    )
    filter_crs: Annotated[str | None, Query(alias="filter-crs")] = None
    sortby: Annotated[str | None, Query(description="e.g. '-bench:count,+id'")] = None
    fields: Annotated[str | None, Query(description="e.g. 'properties.bench:role,-assets'")] = None
    cone: Annotated[str | None, Query(description="'ra,dec,radius' in ICRS degrees")] = None
    wavelength: Annotated[str | None, Query(description="'min,max' in nanometres")] = None

    def query(self, limits: SearchLimits) -> tuple[SearchQuery, Fields]:
        query = build(
            self,
            limits,
            sortby=parse_sortby(self.sortby),
            cone=_triple(self.cone),
            wavelength=_triple(self.wavelength),
        )
        return query, Fields.parse(self.fields)


def build(
    source: SearchBody | SearchParams,
    limits: SearchLimits,
    *,
    sortby: list[tuple[str, bool]],
    cone: Sequence[Any] | None,
    wavelength: Sequence[Any] | None,
) -> SearchQuery:
    """The validated query of a GET or POST search (both name their parameters alike)."""
    start, end = parse_datetime(source.datetime)
    bbox, intersects = parse_bbox(source.bbox), geometry.parse(source.intersects)
    if bbox is not None and intersects is not None:
        raise InvalidParameter("give bbox or intersects, not both (STAC item search)")
    return SearchQuery(
        collections=_bounded(
            parse_list(source.collections), "collections", limits.terms, "MAX_TERMS"
        ),
        ids=_bounded(parse_list(source.ids), "ids", limits.terms, "MAX_TERMS"),
        bbox=bbox,
        intersects=intersects,
        start=start,
        end=end,
        q=_bounded(parse_q(source.q), "q", limits.words, "MAX_WORDS"),
        filter=parse_filter(source.filter, source.filter_lang, source.filter_crs, limits.filter),
        sortby=sortby,
        cone=None if cone is None else Cone.of(cone),
        band=None if wavelength is None else Band.of(wavelength),
        limit=parse_limit(source.limit, limits.items),
        token=source.token or None,
    )

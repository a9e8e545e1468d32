"""Rows from STAC records: the promoted, indexed columns that search reads."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from astrobench.catalog import benchmark
from astrobench.catalog.schema import ItemRow
from astrobench.catalog.sky import band_columns, footprint_columns


def naive_utc(moment: datetime) -> datetime:
    """Naive UTC, the one form every timestamp column holds on both dialects."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def utc_now() -> datetime:
    """The current time as naive UTC, as the timestamp columns hold it."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


@lru_cache(maxsize=4096)  # the items of a version mostly share their times
def parse_time(value: str | None) -> datetime | None:
    return naive_utc(datetime.fromisoformat(value.replace("Z", "+00:00"))) if value else None


def _text(*parts: Any) -> str:
    return " ".join(str(p) for p in parts if p).lower()


def version_columns(collection: dict[str, Any]) -> dict[str, Any]:
    """The searchable columns of a version, read from its Collection."""
    interval = (collection.get("extent", {}).get("temporal", {}).get("interval") or [[None, None]])[
        0
    ]
    keywords = collection.get("keywords") or []
    return {
        "title": collection.get("title"),
        "license": collection.get("license"),
        "task": collection.get(benchmark.TASK),
        "modality": collection.get(benchmark.MODALITY),
        "provenance": collection.get(benchmark.PROVENANCE),
        "start": parse_time(interval[0]),
        "end": parse_time(interval[1]),
        "text": _text(
            collection["id"], collection.get("title"), collection.get("description"), *keywords
        ),
        **footprint_columns(collection.get(benchmark.SKY_FOOTPRINT)),
        **band_columns(collection.get(benchmark.WAVELENGTH_RANGE)),
    }


def item_row(item: dict[str, Any], version: str, collection: dict[str, Any]) -> ItemRow:
    """An item's row (see ``ItemColumns``)."""
    return ItemRow(**ItemColumns(version, collection)(item))


class ItemColumns:
    """The columns of one version's items. An item inherits its collection's sky and wavelength
    coverage, and is searched against the collection's MOC where it has one (``sky_ranges``
    hold a version's cells); what it inherits is worked out once for all of them."""

    def __init__(self, version: str, collection: dict[str, Any]) -> None:
        own = collection.get(benchmark.SKY_FOOTPRINT)
        self.version, self.dataset = version, collection["id"]
        self.moc = bool(own and own.get("moc"))
        self.sky = footprint_columns(own)
        self.band = band_columns(collection.get(benchmark.WAVELENGTH_RANGE))
        self.text = _text(collection.get("title"), *(collection.get("keywords") or []))

    def __call__(self, item: dict[str, Any]) -> dict[str, Any]:
        props = item["properties"]
        bbox = item.get("bbox") or [None] * 4
        if len(bbox) == 6:
            bbox = [bbox[0], bbox[1], bbox[3], bbox[4]]
        start = props.get("start_datetime") or props.get("datetime")
        end = props.get("end_datetime") or props.get("datetime")
        footprint = props.get(benchmark.SKY_FOOTPRINT)
        band = props.get(benchmark.WAVELENGTH_RANGE)
        return {
            "dataset_id": self.dataset,
            "id": item["id"],
            "version": self.version,
            "split": props.get(benchmark.SPLIT),
            "role": props.get(benchmark.ROLE),
            "count": props.get(benchmark.COUNT),
            "start": parse_time(start),
            "end": parse_time(end),
            "west": bbox[0],
            "south": bbox[1],
            "east": bbox[2],
            "north": bbox[3],
            "text": _text(item["id"], props.get("title"), props.get("description"), self.text),
            "content": item,
            **(footprint_columns(footprint) if footprint else self.sky),
            "moc": self.moc,
            **(band_columns(band) if band else self.band),
        }

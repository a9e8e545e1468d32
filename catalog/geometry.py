"""Footprints on Earth (WGS84 longitude, latitude): GeoJSON geometries that search parameters
give, and the bounding-box prefilter in SQL.

A bbox whose west is east of its east crosses the antimeridian (RFC 7946 section 5.2), in a query
and in a stored item alike. The exact test of an item's geometry happens outside SQL, with shapely
(see ``Store.search``).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import and_, or_

from astrobench.catalog.errors import InvalidParameter

GEOMETRY_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)
_DEPTH = {
    "Point": 1,
    "MultiPoint": 2,
    "LineString": 2,
    "MultiLineString": 3,
    "Polygon": 3,
    "MultiPolygon": 4,
}
"""How deep each type's ``coordinates`` nest lists around its positions."""
HINT = (
    "intersects must be a GeoJSON geometry object in WGS84 degrees, e.g. "
    '{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, of type '
    + ", ".join(GEOMETRY_TYPES)
    + "; for the sky use cone=ra,dec,radius"
)


def parse(value: str | dict[str, Any] | None) -> Any:
    """A GeoJSON geometry (JSON text or object) as a valid shapely geometry.

    Raises ``InvalidParameter`` saying what is wrong: not JSON, not a geometry type, a position
    that is not two or three numbers, a ring that is not closed, a self-intersection, a
    coordinate outside -180..180, -90..90.
    """
    if value is None or value == "":
        return None
    try:
        found: Any = json.loads(value) if isinstance(value, str) else value
    except (ValueError, RecursionError) as error:
        raise InvalidParameter(f"intersects is not JSON ({error}); {HINT}") from None
    _check(found)
    kind = found["type"]
    import shapely
    import shapely.errors
    from shapely.geometry import shape

    try:
        geometry = shape(found)
    except (shapely.errors.ShapelyError, ValueError, TypeError) as error:
        raise InvalidParameter(f"intersects is not a valid {kind}: {error}") from None
    if geometry.is_empty:
        raise InvalidParameter(f"intersects is an empty {kind}; {HINT}")
    if not geometry.is_valid:
        raise InvalidParameter(
            f"intersects is not a valid {kind}: {shapely.is_valid_reason(geometry)}"
        )
    west, south, east, north = geometry.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise InvalidParameter(f"intersects reaches outside -180..180, -90..90; {HINT}")
    return geometry


def _check(value: Any, depth: int = 0) -> None:
    """The GeoJSON structure of a geometry, before shapely reads it."""
    kind = value.get("type") if isinstance(value, dict) else type(value).__name__
    if not isinstance(value, dict) or kind not in GEOMETRY_TYPES:
        raise InvalidParameter(f"intersects has type {kind!r}; {HINT}")
    if kind == "GeometryCollection":
        members = value.get("geometries")
        if not isinstance(members, list) or not members or depth > 0:
            raise InvalidParameter(
                "intersects: a GeometryCollection needs a non-empty list of 'geometries', "
                "none of them a GeometryCollection"
            )
        for member in members:
            _check(member, depth + 1)
        return
    if "coordinates" not in value:
        raise InvalidParameter(f"intersects is not a valid {kind}: it has no 'coordinates'")
    _positions(value["coordinates"], _DEPTH[kind], kind)
    if kind in ("LineString", "MultiLineString"):
        lines = [value["coordinates"]] if kind == "LineString" else value["coordinates"]
        if any(len(line) < 2 for line in lines):
            raise InvalidParameter(f"intersects: each line of a {kind} needs 2 positions or more")
    if kind in ("Polygon", "MultiPolygon"):
        polygons = [value["coordinates"]] if kind == "Polygon" else value["coordinates"]
        for ring in (ring for polygon in polygons for ring in polygon):
            if len(ring) < 4 or ring[0] != ring[-1]:
                raise InvalidParameter(
                    f"intersects: each ring of a {kind} needs 4 positions or more, the last "
                    "the same as the first"
                )


def _positions(node: Any, depth: int, kind: str) -> None:
    """``node`` is nested ``depth`` lists deep around positions of 2 or 3 numbers."""
    if depth == 1:
        if (
            not isinstance(node, list)
            or len(node) not in (2, 3)
            or not all(isinstance(n, int | float) and not isinstance(n, bool) for n in node)
        ):
            raise InvalidParameter(
                f"intersects: {json.dumps(node)[:60]} in a {kind} is not a position "
                "[longitude, latitude] of numbers"
            )
        return
    if not isinstance(node, list) or (not node and kind != "MultiPoint"):
        raise InvalidParameter(f"intersects: the coordinates of a {kind} are not nested lists")
    for child in node:
        _positions(child, depth - 1, kind)


def bbox_condition(table: Any, box: tuple[float, float, float, float]) -> Any:
    """Rows of ``table`` (``west``, ``south``, ``east``, ``north``) whose bbox meets ``box``;
    either may cross the antimeridian. Rows without a bbox never match."""
    west, south, east, north = box
    row_wraps = table.west > table.east
    if west <= east:
        longitude = or_(
            and_(~row_wraps, table.west <= east, table.east >= west),
            and_(row_wraps, or_(table.west <= east, table.east >= west)),
        )
    else:  # both intervals holding the antimeridian always meet
        longitude = or_(row_wraps, table.east >= west, table.west <= east)
    return and_(longitude, table.south <= north, table.north >= south)

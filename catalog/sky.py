"""Sky and wavelength predicates as SQL expressions, the same on SQLite and PostgreSQL.

A footprint is an ICRS box ``ra_min..ra_max`` x ``dec_min..dec_max`` in degrees, where
``ra_min > ra_max`` means the box wraps through RA 0. A cone (``ra``, ``dec``, ``radius``) touches a box
when the angular distance from its centre to the nearest point of the box is at most the radius.
If the centre's RA lies inside the box's RA range the nearest point is on the same meridian, so the
distance is just the Dec gap. Otherwise the nearest point lies on one of the two bounding meridians
(great circles): the foot of the perpendicular from the centre, clamped to the box's Dec range.
Both SQLite (3.35+, with its math functions) and PostgreSQL evaluate the formula in SQL; a cheap
Dec-range test in front of it lets an index on ``(dec_min, dec_max)`` prune first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import and_, case, func, or_

from astrobench.catalog.errors import InvalidParameter


@dataclass(frozen=True)
class Cone:
    """A cone on the sky: ICRS centre and radius in degrees."""

    ra: float
    dec: float
    radius: float

    @classmethod
    def of(cls, values: Any) -> Cone:
        hint = "a cone is 'ra,dec,radius' in ICRS degrees: 0 <= ra < 360, -90 <= dec <= 90, 0 < radius <= 180"
        try:
            ra, dec, radius = (float(v) for v in values)
        except (TypeError, ValueError):
            raise InvalidParameter(f"cone {values!r} is not three numbers; {hint}") from None
        if not (0 <= ra <= 360 and -90 <= dec <= 90 and 0 < radius <= 180) or math.isnan(ra):
            raise InvalidParameter(f"cone {values!r} is out of range; {hint}")
        return cls(ra % 360, dec, radius)


@dataclass(frozen=True)
class Band:
    """A wavelength range in nanometres."""

    low: float
    high: float

    @classmethod
    def of(cls, values: Any) -> Band:
        hint = "a wavelength range is 'min,max' in nanometres with 0 < min <= max"
        try:
            low, high = (float(v) for v in values)
        except (TypeError, ValueError):
            raise InvalidParameter(f"wavelength {values!r} is not two numbers; {hint}") from None
        if not 0 < low <= high:
            raise InvalidParameter(f"wavelength {values!r} is not a valid range; {hint}")
        return cls(low, high)


def _clamp(value: Any, low: Any, high: Any) -> Any:
    return case((value < low, low), (value > high, high), else_=value)


def _edge_distance(table: Any, cone: Cone, edge_ra: Any) -> Any:
    """Degrees from the cone's centre to the nearest point of the meridian arc at ``edge_ra``."""
    dec0 = math.radians(cone.dec)
    delta = func.radians(cone.ra - edge_ra)
    foot = func.degrees(func.atan2(math.sin(dec0), math.cos(dec0) * func.cos(delta)))
    nearest = func.radians(_clamp(foot, table.dec_min, table.dec_max))
    haversine = func.power(func.sin((nearest - dec0) / 2), 2) + math.cos(dec0) * func.cos(
        nearest
    ) * func.power(func.sin(delta / 2), 2)
    return func.degrees(2 * func.asin(func.sqrt(_clamp(haversine, 0.0, 1.0))))


def cone_condition(table: Any, cone: Cone) -> Any:
    """Rows of ``table`` (with ``ra_min``..``dec_max`` columns) whose footprint the cone touches."""
    in_ra = case(
        (table.ra_min <= table.ra_max, and_(table.ra_min <= cone.ra, cone.ra <= table.ra_max)),
        else_=or_(table.ra_min <= cone.ra, cone.ra <= table.ra_max),
    )
    return and_(
        table.dec_max >= cone.dec - cone.radius,
        table.dec_min <= cone.dec + cone.radius,
        or_(
            in_ra,
            _edge_distance(table, cone, table.ra_min) <= cone.radius,
            _edge_distance(table, cone, table.ra_max) <= cone.radius,
        ),
    )


def band_condition(table: Any, band: Band) -> Any:
    """Rows whose wavelength range overlaps the band."""
    return and_(table.wl_min <= band.high, table.wl_max >= band.low)


def footprint_columns(footprint: dict[str, Any] | None) -> dict[str, float | None]:
    """The four box columns of a ``bench:sky_footprint`` (all None without one)."""
    keys = ("ra_min", "ra_max", "dec_min", "dec_max")
    if not footprint:
        return dict.fromkeys(keys)
    return {key: float(footprint[key]) for key in keys}


def band_columns(wavelength_range: list[float] | None) -> dict[str, float | None]:
    if not wavelength_range:
        return {"wl_min": None, "wl_max": None}
    return {"wl_min": float(wavelength_range[0]), "wl_max": float(wavelength_range[1])}


def box_around(ra: NDArray[np.float64], dec: NDArray[np.float64]) -> dict[str, Any]:
    """The ``bench:sky_footprint`` ICRS box around positions (degrees). The box wraps through
    RA 0 (ra_min > ra_max) when that is narrower, as for Stripe 82."""
    ra, dec = ra[np.isfinite(ra)], dec[np.isfinite(dec)]
    shifted = np.where(ra > 180, ra - 360, ra)
    return {
        "frame": "icrs",
        "ra_min": round(float(shifted.min()) % 360, 4),
        "ra_max": round(float(shifted.max()) % 360, 4),
        "dec_min": round(float(dec.min()), 4),
        "dec_max": round(float(dec.max()), 4),
    }

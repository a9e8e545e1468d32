"""Sky and wavelength predicates as SQL expressions, the same on SQLite and PostgreSQL.

A footprint is an ICRS box ``ra_min..ra_max`` x ``dec_min..dec_max`` in degrees, where
``ra_min > ra_max`` means the box wraps through RA 0. A cone (``ra``, ``dec``, ``radius``) touches a box
when the angular distance from its centre to the nearest point of the box is at most the radius.
If the centre's RA lies inside the box's RA range the nearest point is on the same meridian, so the
distance is just the Dec gap. Otherwise the nearest point lies on one of the two bounding meridians
(great circles): the foot of the perpendicular from the centre, clamped to the box's Dec range.
Both SQLite (3.35+, with its math functions) and PostgreSQL evaluate the formula in SQL; a cheap
Dec-range test in front of it lets an index on ``(dec_min, dec_max)`` prune first.

A box around objects spread over the sky is the whole sky. Such a footprint also carries a MOC
(IVOA Multi-Order Coverage map 2.0, in its ASCII serialisation: ``"4/12-15 5/80"``), the HEALPix
cells that hold the examples, made with ``mocpy``. Its cells are kept as NESTED ranges at order 29
(``sky_ranges``), and a cone then also has to touch one of them: the cone is covered by cells a
quarter of its radius or finer (at most order 10), so a match is exact to within one such cell
and the resolution of the MOC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import and_, case, exists, func, not_, or_, select

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


def cone_condition(table: Any, cone: Cone, ranges: Any | None = None) -> Any:
    """Rows of ``table`` (with ``ra_min``..``dec_max`` columns) whose footprint the cone touches;
    with ``ranges`` (the ``sky_ranges`` table), rows whose footprint has a MOC (``moc`` true)
    must also touch one of its cells."""
    in_box = _box_condition(table, cone)
    if ranges is None:
        return in_box
    touching = or_(*(and_(ranges.lo < high, ranges.hi > low) for low, high in cone_ranges(cone)))
    in_moc = exists(
        select(1).where(
            ranges.dataset_id == table.dataset_id, ranges.version == table.version, touching
        )
    )
    return and_(in_box, or_(not_(table.moc), in_moc))


def _box_condition(table: Any, cone: Cone) -> Any:
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


MOC_ORDER = 8
"""The deepest order of a footprint's MOC (cells of 0.23 degrees)."""
MOC_CHARACTERS = 4096
"""The longest a footprint's MOC may be: it is coarsened until it fits, so records stay small."""
DEPTH = 29
"""The order of the NESTED ranges search compares (MOC 2.0's finest)."""


def moc_of(ra: NDArray[np.float64], dec: NDArray[np.float64]) -> str:
    """The MOC of positions (ICRS degrees), in the ASCII serialisation: at ``MOC_ORDER``, or the
    deepest coarser order whose text fits in ``MOC_CHARACTERS``."""
    import astropy.units as u
    from mocpy import MOC

    keep = np.isfinite(ra) & np.isfinite(dec)
    moc = MOC.from_lonlat(lon=ra[keep] * u.deg, lat=dec[keep] * u.deg, max_norder=MOC_ORDER)
    for order in range(moc.max_order, -1, -1):
        coarser = moc if order == moc.max_order else moc.degrade_to_order(order)
        text = str(coarser.serialize(format="str")).strip()
        if len(text) <= MOC_CHARACTERS:
            return text
    raise AssertionError("a MOC of order 0 has at most 12 cells")


def moc_ranges(text: str) -> list[tuple[int, int]]:
    """A MOC's cells as NESTED ranges ``[lo, hi)`` at order ``DEPTH``; ``InvalidParameter`` if
    ``text`` is not a MOC in the ASCII serialisation."""
    from mocpy import MOC

    try:
        moc = MOC.from_str(text)
    except (ValueError, TypeError, OSError) as error:
        raise InvalidParameter(
            f"sky_footprint.moc {text[:40]!r} is not an IVOA MOC in ASCII form "
            f"('order/cell cell-cell ...', e.g. '4/12-15 5/80'): {error}"
        ) from None
    return [(int(lo), int(hi)) for lo, hi in moc.to_depth29_ranges]


def cone_ranges(cone: Cone) -> list[tuple[int, int]]:
    """The cells covering a cone, a quarter of its radius or finer, as ranges at ``DEPTH``."""
    import astropy.units as u
    from mocpy import MOC

    order = int(np.clip(math.ceil(math.log2(4 * 58.6 / cone.radius)), 2, 10))
    moc = MOC.from_cone(
        lon=cone.ra * u.deg, lat=cone.dec * u.deg, radius=cone.radius * u.deg, max_depth=order
    )
    return [(int(lo), int(hi)) for lo, hi in moc.to_depth29_ranges]


def band_condition(table: Any, band: Band) -> Any:
    """Rows whose wavelength range overlaps the band."""
    return and_(table.wl_min <= band.high, table.wl_max >= band.low)


def footprint_columns(footprint: dict[str, Any] | None) -> dict[str, Any]:
    """The four box columns of a ``bench:sky_footprint`` (all None without one), and whether it
    has a MOC."""
    keys = ("ra_min", "ra_max", "dec_min", "dec_max")
    if not footprint:
        return {**dict.fromkeys(keys), "moc": False}
    return {**{key: float(footprint[key]) for key in keys}, "moc": bool(footprint.get("moc"))}


def band_columns(wavelength_range: list[float] | None) -> dict[str, float | None]:
    if not wavelength_range:
        return {"wl_min": None, "wl_max": None}
    return {"wl_min": float(wavelength_range[0]), "wl_max": float(wavelength_range[1])}


def footprint(ra: NDArray[np.float64], dec: NDArray[np.float64]) -> dict[str, Any]:
    """The ``bench:sky_footprint`` of positions (ICRS degrees): the box around them and their
    MOC (extension v1.4.0)."""
    return {**box_around(ra, dec), "moc": moc_of(ra, dec)}


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

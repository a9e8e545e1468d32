"""Helpers for spectral recipes: sky coordinates and resampling onto a common grid."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def sexagesimal(text: str, hours: bool) -> float:
    """Degrees from ``HH:MM:SS.s`` (``hours=True``) or ``±DD:MM:SS.s``."""
    text = text.strip()
    sign = -1.0 if text.startswith("-") else 1.0
    parts = [abs(float(p)) for p in text.lstrip("+-").split(":")]
    parts += [0.0] * (3 - len(parts))
    value = parts[0] + parts[1] / 60 + parts[2] / 3600
    return sign * value * (15.0 if hours else 1.0)


def resample(
    wavelength: NDArray[np.float64], flux: NDArray[np.float64], grid: NDArray[np.float64]
) -> NDArray[np.float32]:
    """Linear interpolation onto ``grid``; NaN outside the observed range."""
    order = np.argsort(wavelength)
    wavelength, flux = wavelength[order], flux[order]
    out = np.interp(grid, wavelength, flux).astype(np.float32)
    out[(grid < wavelength[0]) | (grid > wavelength[-1])] = np.nan
    return out

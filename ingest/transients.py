"""Light-curve measures of explosive transients, from observed-frame photometry alone: the time
and magnitude of peak, rise and decline times to half the peak flux, fading 30 and 60 days
after peak, and the magnitude at peak in each wavelength range.

The light curve of the band with the most points between 4000 and 8000 Angstrom (the
"primary" band) is smoothed by an error-weighted, Gaussian-kernel local-linear fit; its
brightest point is the peak. Where the rise and decline differ in pace, the smoothing moves the
peak a few days toward the slower side (the width between half-flux times stays right)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

KERNEL = 8.0
"""Days: the half-width of the smoothing kernel."""
NEAR = 10.0
"""Days: a band's peak magnitude needs a detection this close to the peak."""
HALF = 2.5 * np.log10(2)
"""Magnitudes fainter than peak at half the peak flux."""
GAP = 40.0
"""Days: the longest gap a half-flux time is interpolated across."""
RANGES = {
    "uv": (0.0, 3000.0),
    "u": (3000.0, 4100.0),
    "g": (4100.0, 5000.0),
    "v": (5000.0, 5800.0),
    "r": (5800.0, 7000.0),
    "i": (7000.0, 8500.0),
    "z": (8500.0, 11000.0),
    "nir": (11000.0, 1e9),
}
"""Observed wavelength ranges (Angstrom) whose magnitude at peak is measured."""
COLOURS = (("u", "g"), ("g", "r"), ("r", "i"), ("i", "z"), ("g", "i"))
FEATURES = (
    "n_obs",
    "n_bands",
    "timespan",
    "peak_mag",
    "primary_wavelength",
    "rise_half",
    "decline_half",
    "fade_30",
    "fade_60",
    "brightest",
    *(f"peak_{name}" for name in RANGES),
    *(f"{a}_{b}" for a, b in COLOURS),
)


def smoothed(
    at: NDArray[np.float64],
    t: NDArray[np.float64],
    mag: NDArray[np.float64],
    err: NDArray[np.float64],
    need: int = 2,
) -> NDArray[np.float64]:
    """Error-weighted local-linear fit of (t, mag) at times ``at``; NaN with fewer than ``need``
    points within two kernel widths."""
    out = np.full(len(at), np.nan)
    for k, x in enumerate(at):
        d = t - x
        near = np.abs(d) < 2 * KERNEL
        if near.sum() < need:
            continue
        w = np.exp(-0.5 * (d[near] / KERNEL) ** 2) / (err[near] ** 2 + 0.02**2)
        if near.sum() >= 3 and np.ptp(d[near]) > 1.0:
            design = np.stack([np.ones(near.sum()), d[near]], axis=1) * np.sqrt(w)[:, None]
            out[k] = np.linalg.lstsq(design, mag[near] * np.sqrt(w), rcond=None)[0][0]
        else:
            out[k] = np.sum(w * mag[near]) / w.sum()
    return out


def _half_time(
    t0: float, m0: float, times: NDArray[np.float64], mags: NDArray[np.float64], sign: int
) -> float:
    """Days from peak to half the peak flux, before (sign -1) or after (+1) it."""
    after = times[(sign * (times - t0)) > 0]
    previous_t, previous_m = t0, m0
    for x in after[np.argsort(np.abs(after - t0))]:
        y = float(mags[times == x][0])
        if abs(x - previous_t) > GAP:
            return float("nan")
        if y > m0 + HALF:
            if y == previous_m:
                return float(abs(x - t0))
            crossing = previous_t + (x - previous_t) * (m0 + HALF - previous_m) / (y - previous_m)
            return float(abs(crossing - t0))
        previous_t, previous_m = x, y
    return float("nan")


def measures(
    t: NDArray[np.float64],
    mag: NDArray[np.float64],
    err: NDArray[np.float64],
    wavelength: NDArray[np.float64],
) -> dict[str, float]:
    """Every measure of ``FEATURES`` for one transient's detections (NaN where not measurable);
    ``wavelength`` is each detection's band's effective wavelength (Angstrom)."""
    out = dict.fromkeys(FEATURES, float("nan"))
    out.update(n_obs=float(t.size), n_bands=float(np.unique(wavelength).size))
    if t.size == 0:
        return out
    out.update(timespan=float(np.ptp(t)), brightest=float(mag.min()))
    optical = (wavelength >= 4000) & (wavelength <= 8000)
    pool = wavelength[optical] if optical.any() else wavelength
    values, counts = np.unique(pool, return_counts=True)
    primary = wavelength == values[np.argmax(counts)]
    tp, mp, ep = t[primary], mag[primary], err[primary]
    grid, curve = tp, mp.copy()
    if tp.size >= 3:
        grid = np.arange(tp.min(), tp.max() + 0.5, 1.0)
        curve = smoothed(grid, tp, mp, ep)
        far = np.array([np.min(np.abs(tp - x)) for x in grid]) >= KERNEL
        curve[far] = np.nan
        if np.isnan(curve).all():
            grid, curve = tp, mp.copy()
    k = int(np.nanargmin(curve))
    t0, m0 = float(grid[k]), float(curve[k])
    out.update(peak_mag=m0, primary_wavelength=float(values[np.argmax(counts)]))
    epochs = np.unique(tp)
    at_epochs = smoothed(epochs, tp, mp, ep, need=1)
    out["rise_half"] = _half_time(t0, m0, epochs, at_epochs, -1)
    out["decline_half"] = _half_time(t0, m0, epochs, at_epochs, 1)
    for days in (30, 60):
        if tp.size and np.min(np.abs(tp - (t0 + days))) < NEAR:
            out[f"fade_{days}"] = float(smoothed(np.array([t0 + days]), tp, mp, ep, need=1)[0] - m0)
    for name, (low, high) in RANGES.items():
        best = (0, float("nan"))
        for wave in np.unique(wavelength[(wavelength >= low) & (wavelength < high)]):
            band = wavelength == wave
            if np.min(np.abs(t[band] - t0)) > NEAR:
                continue
            value = smoothed(np.array([t0]), t[band], mag[band], err[band], need=1)[0]
            if np.isfinite(value) and band.sum() > best[0]:
                best = (int(band.sum()), float(value))
        out[f"peak_{name}"] = best[1]
    for a, b in COLOURS:
        out[f"{a}_{b}"] = out[f"peak_{a}"] - out[f"peak_{b}"]
    return out


def distance_modulus(
    z: NDArray[np.float64], h0: float = 70.0, matter: float = 0.3
) -> NDArray[np.float64]:
    """mu(z) in a flat Lambda-CDM universe, by integrating 1/E(z) on a fine grid."""
    grid = np.linspace(0.0, max(6.0, float(np.max(z)) + 1), 60001)
    inverse = 1 / np.sqrt(matter * (1 + grid) ** 3 + 1 - matter)
    comoving = (
        299792.458
        / h0
        * np.concatenate([[0.0], np.cumsum(0.5 * (inverse[1:] + inverse[:-1]) * np.diff(grid))])
    )
    luminosity = np.interp(z, grid, comoving) * (1 + z)  # Mpc
    found: NDArray[np.float64] = 5 * np.log10(luminosity * 1e5)
    return found

"""Synthetic photometry and template-fitting photometric redshifts, as BPZ does them (Benitez
2000, ApJ 536, 571): galaxy templates redshifted through filter curves, a chi-square with a free
amplitude at every redshift and template, and a magnitude-dependent redshift prior.

Filter curves and templates are read from their pinned packages as files, so that neither package
(nor astropy, which they import) is needed to run.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

BANDS = ("u", "g", "r", "i", "z")
TEMPLATES = ("El_B2004a", "Sbc_B2004a", "Scd_B2004a", "Im_B2004a", "SB3_B2004a", "SB2_B2004a")
"""BPZ's CWW+SB set, red to blue: elliptical, Sbc, Scd, irregular and two starbursts."""
SDSS_TO_AB = np.array([-0.04, 0.0, 0.0, 0.0, 0.02])
"""Magnitudes to add to SDSS ugriz to put them on the AB system (u_AB = u_SDSS - 0.04,
z_AB = z_SDSS + 0.02; SDSS DR7 documentation)."""

Curve = tuple[NDArray[np.float64], NDArray[np.float64]]


def sdss_filters(speclite_wheel: Path) -> list[Curve]:
    """Wavelength (Angstrom) and response of SDSS ugriz at airmass 1.3 (Doi et al. 2010), from
    speclite's ``sdss2010-*.ecsv`` files."""
    curves = []
    with zipfile.ZipFile(speclite_wheel) as wheel:
        for band in BANDS:
            text = wheel.read(f"speclite/data/filters/sdss2010-{band}.ecsv").decode()
            rows = [line.split() for line in text.splitlines() if line and line[0] != "#"]
            table = np.array(rows[1:], dtype=float)  # the first row names the columns
            curves.append((table[:, 0], table[:, 1]))
    return curves


def templates(bpz_wheel: Path, names: tuple[str, ...] = TEMPLATES) -> list[Curve]:
    """Rest-frame wavelength (Angstrom) and f_lambda of BPZ's templates, from desc-bpz."""
    found = []
    with zipfile.ZipFile(bpz_wheel) as wheel:
        for name in names:
            table = np.loadtxt(io.BytesIO(wheel.read(f"desc_bpz/data_files/SED/{name}.sed")))
            found.append((table[:, 0], table[:, 1]))
    return found


def model_fluxes(
    seds: list[Curve], filters: list[Curve], zgrid: NDArray[np.float64], step: float = 2.0
) -> NDArray[np.float64]:
    """Fluxes per unit frequency, up to one factor per template, of each template (axis 0) at each
    redshift (axis 1) in each band (axis 2), for photon-counting detectors:
    f_nu = int f_lambda(lambda / (1 + z)) R lambda dlambda / int R / lambda dlambda."""
    out = np.empty((len(seds), zgrid.size, len(filters)))
    for b, (wave, response) in enumerate(filters):
        lam = np.arange(wave.min(), wave.max() + step, step)
        r = np.interp(lam, wave, response, left=0.0, right=0.0)
        norm = np.trapezoid(r / lam, lam)
        rest = lam[None, :] / (1 + zgrid[:, None])
        for t, (sed_wave, sed_flux) in enumerate(seds):
            flux = np.interp(rest, sed_wave, sed_flux)
            out[t, :, b] = np.trapezoid(flux * (r * lam)[None, :], lam, axis=1) / norm
    return out


def interpolated(models: NDArray[np.float64], between: int = 2) -> NDArray[np.float64]:
    """``between`` linear mixes between neighbouring templates, as BPZ's INTERP option makes
    (each template normalised to the r band first)."""
    scaled = models / models[:, :, BANDS.index("r")][:, :, None]
    mixed = [
        (1 - k / (between + 1)) * scaled[t] + k / (between + 1) * scaled[t + 1]
        for t in range(len(scaled) - 1)
        for k in range(between + 1)
    ]
    return np.array([*mixed, scaled[-1]])


def fluxes(
    mag: NDArray[np.float64], err: NDArray[np.float64], floor: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Fluxes (AB maggies) and inverse variances of AB magnitudes, errors floored at ``floor``."""
    flux = 10 ** (-0.4 * mag)
    sigma = 0.4 * np.log(10) * flux * np.hypot(err, floor)
    return flux, 1 / sigma**2


def chi2(
    flux: NDArray[np.float64], weight: NDArray[np.float64], models: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Chi-square of each galaxy (axis 0) against each template and redshift (axes 1, 2), the
    amplitude fitted analytically and kept non-negative."""
    t, z, b = models.shape
    grid = models.reshape(t * z, b)
    numerator = (flux * weight) @ grid.T
    denominator = weight @ (grid**2).T
    best = np.where(numerator > 0, numerator**2 / denominator, 0.0)
    found: NDArray[np.float64] = (flux**2 * weight).sum(axis=1)[:, None] - best
    return found.reshape(len(flux), t, z)


def fit_prior(z: NDArray[np.float64], mag: NDArray[np.float64]) -> NDArray[np.float64]:
    """BPZ's form of the redshift prior, p(z | m) ~ z^a exp(-(z / z_m)^a) with
    z_m = z0 + k (m - 17), fitted to training galaxies by maximum likelihood: (a, z0, k)."""
    from scipy.optimize import minimize
    from scipy.special import gammaln

    z = np.maximum(z, 1e-4)

    def negative_log_likelihood(p: NDArray[np.float64]) -> float:
        a, z0, k = p
        if a <= 0:
            return float("inf")
        zm = np.maximum(z0 + k * (mag - 17), 1e-3)
        norm = (a + 1) * np.log(zm) + gammaln((a + 1) / a) - np.log(a)
        return float(-np.sum(a * np.log(z) - (z / zm) ** a - norm))

    start = np.array([2.0, 0.1, 0.03])
    options = {"maxiter": 4000, "xatol": 1e-7, "fatol": 1e-7}
    return np.asarray(
        minimize(negative_log_likelihood, start, method="Nelder-Mead", options=options).x
    )


def log_prior(
    params: NDArray[np.float64], mag: NDArray[np.float64], zgrid: NDArray[np.float64]
) -> NDArray[np.float64]:
    """log p(z | m) on ``zgrid`` for each galaxy, up to a constant per galaxy."""
    a, z0, k = params
    zm = np.maximum(z0 + k * (mag - 17), 1e-3)[:, None]
    z = np.maximum(zgrid, 1e-4)[None, :]
    found: NDArray[np.float64] = a * np.log(z) - (z / zm) ** a
    return found


def posterior(chi: NDArray[np.float64], prior: NDArray[np.float64]) -> NDArray[np.float64]:
    """p(z | photometry) of each galaxy on the grid: the likelihood summed over templates, times
    the prior, normalised."""
    likelihood = np.exp(-0.5 * (chi - chi.min(axis=(1, 2), keepdims=True))).sum(axis=1)
    density = likelihood * np.exp(prior - prior.max(axis=1, keepdims=True))
    normalised: NDArray[np.float64] = density / density.sum(axis=1, keepdims=True)
    return normalised

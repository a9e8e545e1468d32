"""Weak-lensing postage stamps simulated with GalSim, in the manner of the GREAT3 challenge.

Each galaxy takes the absolute magnitude and colour of a real SDSS Main Galaxy Sample galaxy
(MLZ's copy, the sample of ``sdss-photoz``), its half-light radius from the size-luminosity
relations Shen et al. (2003) measured on that survey, a bulge fraction from its colour, an
intrinsic ellipticity from the prior of Bernstein & Armstrong (2014), and a source redshift from
the n(z) of Smail et al. (1994); its apparent magnitude and angular size follow from Planck 2018
distances. It is drawn as a de Vaucouleurs bulge (truncated at 8 half-light radii) plus an
exponential disk, sheared by a known
(g1, g2), convolved with a Moffat point-spread function whose size and ellipticity vary from
stamp to stamp, pixelised, and given Gaussian sky noise. Every galaxy is drawn twice, rotated by
90 degrees (GREAT3's shape-noise cancellation), with independent noise.

Everything follows from a seed: ``population`` draws the parameters of every galaxy, and
``draw`` renders one stamp from its row alone, so stamps can be drawn in any order, in any
process, and come out the same.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

PIXEL_SCALE = 0.2
"""Arcseconds per pixel, as in LSST and GREAT3's ground-based branches."""
STAMP = 64
"""Pixels on a side of a galaxy stamp (12.8 arcsec)."""
PSF_STAMP = 25
"""Pixels on a side of a PSF image, at the galaxy's pixel scale."""
MOFFAT_BETA = 3.5
"""Slope of the Moffat PSF (GREAT3's ground-based PSFs are of this family)."""
ZERO_POINT = 30.0
"""Magnitude of one count: flux in counts is 10 ** (-0.4 (m - ZERO_POINT))."""
SKY_SIGMA = 8.0
"""Counts: the standard deviation of the nominal sky noise per pixel."""
MIN_SNR = 12.0
"""Galaxies fainter than this optimal signal-to-noise ratio at nominal depth are not drawn, as a
lensing catalogue's detection cut would lose them (the cut is on the true, noiseless value)."""
MIN_RESOLUTION = 1 / 3
"""Galaxies less resolved than this are not drawn, as lensing catalogues cut at a resolution
factor R2 = T_gal / (T_gal + T_psf) of 1/3 (the cut is on true, Gaussian-approximated sizes)."""
MAX_HLR = 2.0
"""Arcseconds: larger galaxies (rare, at low redshift) are not drawn; a stamp holds 12.8."""
BULGE_TRUNCATION = 8.0
"""Half-light radii at which the de Vaucouleurs bulge is truncated (its half-light radius is
that of the truncated profile): its far wings would otherwise set the FFT size, at twenty
times the drawing time, for a per cent of its light."""
MAX_SHEAR = 0.1
"""The applied shear is uniform in the disk |g| < MAX_SHEAR."""
EARLY_COLOUR = 2.22
"""u - r at and above which a galaxy counts as early-type (Strateva et al. 2001)."""
SMAIL_Z0 = 0.5
"""Scale of the source redshift distribution n(z) ~ z^2 exp(-(z / z0)^1.5): median z ~ 0.7."""
ELLIPTICITY_SIGMA = 0.3
"""Width of the intrinsic ellipticity prior (Bernstein & Armstrong 2014)."""


@dataclass(frozen=True)
class SizeRelation:
    """Shen et al. (2003), r band: median half-light radius (kpc) and its log-normal scatter
    at absolute magnitude M. Late types (their eq. 18): log R = -0.4 alpha M + (beta - alpha)
    log(1 + 10^(-0.4 (M - M0))) + gamma; early types (eq. 14): log R = -0.4 a M + b. The
    scatter (eq. 16): sigma_lnR = sigma2 + (sigma1 - sigma2) / (1 + 10^(-0.8 (M - M0)))."""

    alpha: float
    beta: float
    gamma: float
    m0: float
    sigma1: float
    sigma2: float

    def median_kpc(self, magnitude: NDArray[np.float64]) -> NDArray[np.float64]:
        log_r = (
            -0.4 * self.alpha * magnitude
            + (self.beta - self.alpha) * np.log10(1 + 10 ** (-0.4 * (magnitude - self.m0)))
            + self.gamma
        )
        return np.asarray(10**log_r, dtype=float)

    def sigma_ln(self, magnitude: NDArray[np.float64]) -> NDArray[np.float64]:
        bright = 1 + 10 ** (-0.8 * (magnitude - self.m0))
        return np.asarray(self.sigma2 + (self.sigma1 - self.sigma2) / bright, dtype=float)


LATE = SizeRelation(alpha=0.21, beta=0.53, gamma=-1.31, m0=-20.52, sigma1=0.48, sigma2=0.25)
EARLY = SizeRelation(alpha=0.65, beta=0.65, gamma=-5.06, m0=-20.52, sigma1=0.45, sigma2=0.27)
"""An early type's relation is a single power law: beta = alpha = a, gamma = b."""


def smail_redshifts(rng: np.random.Generator, n: int, z0: float = SMAIL_Z0) -> NDArray[np.float64]:
    """Redshifts from n(z) ~ z^2 exp(-(z / z0)^1.5), by inverting its cumulative on a grid."""
    grid = np.linspace(0, 8 * z0, 4001)
    density = grid**2 * np.exp(-((grid / z0) ** 1.5))
    cumulative = np.cumsum(density)
    cumulative /= cumulative[-1]
    return np.asarray(np.interp(rng.random(n), cumulative, grid), dtype=float)


def ellipticities(
    rng: np.random.Generator, n: int, sigma: float = ELLIPTICITY_SIGMA
) -> NDArray[np.float64]:
    """Moduli |e| < 1 from p(e) ~ e (1 - e^2)^2 exp(-e^2 / 2 sigma^2), by rejection."""
    found: list[NDArray[np.float64]] = []
    total = 0
    while total < n:
        e = rng.random(4 * n)
        density = e * (1 - e**2) ** 2 * np.exp(-(e**2) / (2 * sigma**2))
        kept = e[rng.random(4 * n) * 0.45 < density]  # 0.45 bounds the density for sigma <= 0.5
        found.append(kept)
        total += kept.size
    return np.concatenate(found)[:n]


class Distances:
    """Planck 2018 distances, tabulated once on a fine redshift grid and interpolated (to a
    few parts in a million): the distance modulus and the angular-diameter distance in kpc."""

    def __init__(self, top: float = 4.0, steps: int = 4000) -> None:
        from astropy.cosmology import Planck18

        self.grid = np.linspace(0.001, top, steps)
        self.modulus = Planck18.distmod(self.grid).value
        self.angular_kpc = Planck18.angular_diameter_distance(self.grid).to_value("kpc")

    def distmod(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(np.interp(z, self.grid, self.modulus), dtype=float)

    def arcsec(self, kpc: NDArray[np.float64], z: NDArray[np.float64]) -> NDArray[np.float64]:
        """The angle, in arcseconds, that ``kpc`` subtends at redshift ``z``."""
        return np.asarray(kpc / np.interp(z, self.grid, self.angular_kpc) * 206264.806)


def absolute_magnitudes(
    r: NDArray[np.float64], redshift: NDArray[np.float64]
) -> NDArray[np.float64]:
    """M_r of galaxies at their spectroscopic redshifts (Planck 2018; no k-correction)."""
    return r - Distances().distmod(redshift)


@dataclass(frozen=True)
class Conditions:
    """What varies between the splits: the PSF's FWHM range (arcsec) and the noise level."""

    psf_fwhm: tuple[float, float] = (0.6, 0.9)
    noise: float = 1.0
    """Sky noise as a multiple of ``SKY_SIGMA``."""
    psf_ellipticity: float = 0.02
    """Standard deviation of each component of the PSF's shear-type ellipticity."""


PARAMETERS = (
    "magnitude",
    "absolute_magnitude",
    "redshift",
    "hlr",
    "bulge_fraction",
    "e_modulus",
    "angle",
    "g1",
    "g2",
    "psf_fwhm",
    "psf_g1",
    "psf_g2",
    "snr",
)
"""The columns of a population, per galaxy (angle in radians, hlr in arcsec)."""


def population(
    rng: np.random.Generator,
    n: int,
    magnitudes: NDArray[np.float64],
    colours: NDArray[np.float64],
    conditions: Conditions,
) -> dict[str, NDArray[np.float64]]:
    """``n`` galaxies drawn from the SDSS galaxies' absolute ``magnitudes`` (M_r) and ``colours``
    (u - r), each placed at a source redshift and kept where it is detectable and fits a stamp;
    columns of ``PARAMETERS``."""
    distances = Distances()
    rows: dict[str, list[NDArray[np.float64]]] = {name: [] for name in PARAMETERS}
    kept = 0
    while kept < n:
        size = 2 * (n - kept) + 16
        pick = rng.integers(0, magnitudes.size, size)
        absolute, early = magnitudes[pick], colours[pick] >= EARLY_COLOUR
        relation_median = np.where(early, EARLY.median_kpc(absolute), LATE.median_kpc(absolute))
        scatter = np.where(early, EARLY.sigma_ln(absolute), LATE.sigma_ln(absolute))
        kpc = relation_median * np.exp(scatter * rng.standard_normal(size))
        z = np.clip(smail_redshifts(rng, size), 0.05, 3.9)
        hlr = distances.arcsec(kpc, z)
        apparent = absolute + distances.distmod(z)
        bulge = np.where(early, rng.uniform(0.5, 1.0, size), rng.uniform(0.0, 0.3, size))
        e = ellipticities(rng, size)
        angle = rng.uniform(0, np.pi, size)
        g_modulus = MAX_SHEAR * np.sqrt(rng.random(size))
        g_angle = rng.uniform(0, 2 * np.pi, size)
        fwhm = rng.uniform(*conditions.psf_fwhm, size)
        psf_g = conditions.psf_ellipticity * rng.standard_normal((size, 2))
        snr = optimal_snr(apparent, hlr, fwhm)
        good = (snr >= MIN_SNR) & (hlr <= MAX_HLR) & (resolution(hlr, fwhm) >= MIN_RESOLUTION)
        columns = {
            "magnitude": apparent,
            "absolute_magnitude": absolute,
            "redshift": z,
            "hlr": hlr,
            "bulge_fraction": bulge,
            "e_modulus": e,
            "angle": angle,
            "g1": g_modulus * np.cos(g_angle),
            "g2": g_modulus * np.sin(g_angle),
            "psf_fwhm": fwhm,
            "psf_g1": psf_g[:, 0],
            "psf_g2": psf_g[:, 1],
            "snr": snr / conditions.noise,
        }
        take = np.flatnonzero(good)[: n - kept]
        for name in PARAMETERS:
            rows[name].append(columns[name][take])
        kept += take.size
    return {name: np.concatenate(values) for name, values in rows.items()}


def optimal_snr(
    magnitude: NDArray[np.float64], hlr: NDArray[np.float64], fwhm: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The optimal (matched-filter) S/N at nominal depth, sqrt(sum I^2) / sigma, of a galaxy
    approximated as a Gaussian of the quadrature sum of its and the PSF's sizes: for a Gaussian
    of flux F and width s (pixels), sum I^2 = F^2 / (4 pi s^2)."""
    flux = 10 ** (-0.4 * (magnitude - ZERO_POINT))
    sigma_pixels = np.hypot(hlr / 1.1774, fwhm / 2.3548) / PIXEL_SCALE
    return np.asarray(flux / (np.sqrt(4 * np.pi) * sigma_pixels) / SKY_SIGMA, dtype=float)


def resolution(hlr: NDArray[np.float64], fwhm: NDArray[np.float64]) -> NDArray[np.float64]:
    """The resolution factor R2 = T_gal / (T_gal + T_psf) of Gaussians of the galaxy's and the
    PSF's sizes (T the trace of the second moments)."""
    galaxy_size, psf_size = (hlr / 1.1774) ** 2, (fwhm / 2.3548) ** 2
    return np.asarray(galaxy_size / (galaxy_size + psf_size), dtype=float)


def galaxy(row: dict[str, float], rotation: float = 0.0) -> Any:
    """The sheared, unconvolved galaxy of one population row, its intrinsic shape turned by
    ``rotation`` radians."""
    import galsim

    flux = 10 ** (-0.4 * (row["magnitude"] - ZERO_POINT))
    fraction = row["bulge_fraction"]
    profile = galsim.DeVaucouleurs(
        half_light_radius=row["hlr"], flux=fraction * flux, trunc=BULGE_TRUNCATION * row["hlr"]
    )
    profile += galsim.Exponential(half_light_radius=row["hlr"], flux=(1 - fraction) * flux)
    intrinsic = galsim.Shear(g=row["e_modulus"], beta=(row["angle"] + rotation) * galsim.radians)
    return profile.shear(intrinsic).shear(g1=row["g1"], g2=row["g2"])


def psf(row: dict[str, float]) -> Any:
    """The PSF of one row: a Moffat of its FWHM and ellipticity."""
    import galsim

    return galsim.Moffat(beta=MOFFAT_BETA, fwhm=row["psf_fwhm"]).shear(
        g1=row["psf_g1"], g2=row["psf_g2"]
    )


def draw(
    row: dict[str, float], rotation: float, noise: float, seed: int
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """One galaxy stamp (``STAMP`` square, counts, with Gaussian noise of ``noise`` x
        ``SKY_SIGMA`` from ``seed``) and its PSF image (``PSF_STAMP`` square, noiseless, scaled to
    unit sum over the square)."""
    import galsim

    the_psf = psf(row)
    image = galsim.Convolve(galaxy(row, rotation), the_psf).drawImage(
        nx=STAMP, ny=STAMP, scale=PIXEL_SCALE
    )
    image.addNoise(galsim.GaussianNoise(galsim.BaseDeviate(seed), sigma=noise * SKY_SIGMA))
    psf_image = the_psf.drawImage(nx=PSF_STAMP, ny=PSF_STAMP, scale=PIXEL_SCALE).array
    return image.array.astype(np.float32), (psf_image / psf_image.sum()).astype(np.float32)


def measure(
    stamp: NDArray[np.float32], psf_image: NDArray[np.float32], noise: float
) -> tuple[float, float, float, bool]:
    """Re-Gaussianisation (Hirata & Seljak 2003, ``galsim.hsm``): the PSF-corrected distortion
    (e1, e2) of a stamp, its uncertainty per component, and whether the measurement succeeded
    with |e| < 2 (beyond, the PSF correction has diverged)."""
    import galsim

    result = galsim.hsm.EstimateShear(
        galsim.Image(np.ascontiguousarray(stamp), scale=PIXEL_SCALE),
        galsim.Image(np.ascontiguousarray(psf_image), scale=PIXEL_SCALE),
        sky_var=(noise * SKY_SIGMA) ** 2,
        shear_est="REGAUSS",
        strict=False,
    )
    e1, e2 = float(result.corrected_e1), float(result.corrected_e2)
    if result.error_message or result.meas_type != "e" or not np.hypot(e1, e2) < 2:
        return 0.0, 0.0, 0.0, False
    return e1, e2, 2 * float(result.corrected_shape_err), True


def workers() -> int:
    """Processes for GalSim's work (drawing, measuring): ``ASTROBENCH_BUILD_WORKERS``, else the
    CPUs this process may use."""
    if chosen := os.environ.get("ASTROBENCH_BUILD_WORKERS"):
        if not chosen.isdigit() or int(chosen) < 1:
            raise ValueError(
                f"ASTROBENCH_BUILD_WORKERS must be a whole number from 1, not {chosen!r}"
            )
        return int(chosen)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _one_thread() -> None:
    """Start a process with one OpenMP thread: GalSim otherwise starts one per CPU in every
    process, and on a 64-pixel stamp they spin against each other (a stamp took 2 to 3.6 times
    as long with two threads as with one, and two processes drew slower than one)."""
    import galsim

    galsim.set_omp_threads(1)


def process_pool(processes: int | None = None) -> ProcessPoolExecutor:
    """``processes`` (default ``workers()``) fresh interpreters with one OpenMP thread each: not
    forks, since a fork of a process that has run GalSim's or PyTorch's OpenMP threads can hang
    at its first parallel region."""
    return ProcessPoolExecutor(
        processes or workers(),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_one_thread,
    )

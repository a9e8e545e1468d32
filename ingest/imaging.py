"""Image handling for image benchmarks: PNGs to RGB arrays, a seeing-like blur, and the
non-parametric morphology astronomers measure on images: concentration, asymmetry and
smoothness (CAS; Conselice 2003), Gini and M20 (Lotz, Primack & Madau 2004), and more.

Measured on the luminance of an 8-bit RGB image: the background and its noise come from the
frame's outer 8 pixels (sigma-clipped), the object is the flux about the centroid of the central
half, within 0.47 of the side."""

from __future__ import annotations

import io

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

LUMINANCE = np.array([0.299, 0.587, 0.114])
BORDER = 8
FEATURES = {
    "concentration": "5 log10(r80 / r20) of the curve of growth",
    "asymmetry": "sum |I - I rotated 180 deg| / 2 sum |I|, least over centres within 2 pixels",
    "smoothness": "light in structure finer than a quarter of r80, as a fraction",
    "gini": "Gini coefficient of the pixels of the object",
    "m20": "log10 of the second moment of the brightest 20% of the light, over the total",
    "ellipticity": "1 - b/a from the second moments of the object",
    "colour": "-2.5 log10(R / B) of the light within r50",
    "peaks": "log10(1 + local maxima brighter than 5 sigma): stars, as in clusters",
    "outer_peaks": "log10(1 + the same beyond r50)",
    "filling": "fraction of the aperture the object covers",
    "half_light": "r50 over the aperture radius",
}


def rgb(png: bytes, size: int) -> NDArray[np.uint8]:
    """A PNG as ``size`` x ``size`` 8-bit RGB: palettes expanded, transparency laid on black,
    resized with a Lanczos filter."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as opened:
        picture: Image.Image = opened
        if picture.mode == "P":
            picture = picture.convert("RGBA" if "transparency" in picture.info else "RGB")
        if picture.mode in ("RGBA", "LA"):
            rgba = picture.convert("RGBA")
            black = Image.new("RGB", rgba.size, (0, 0, 0))
            black.paste(rgba, mask=rgba.split()[-1])
            picture = black
        resized = picture.convert("RGB").resize((size, size), Image.Resampling.LANCZOS)
    found: NDArray[np.uint8] = np.array(resized, dtype=np.uint8)
    return found


def blurred(images: NDArray[np.uint8], fwhm: float) -> NDArray[np.uint8]:
    """Images seen through a Gaussian point-spread function of ``fwhm`` pixels."""
    sigma = fwhm / (2 * np.sqrt(2 * np.log(2)))
    smooth = ndimage.gaussian_filter(images.astype(float), sigma=(0, sigma, sigma, 0))
    found: NDArray[np.uint8] = np.clip(np.rint(smooth), 0, 255).astype(np.uint8)
    return found


def _clipped(values: NDArray[np.float64]) -> tuple[float, float]:
    """Sigma-clipped median and noise (with a floor for 8-bit quantisation)."""
    values = values.ravel()
    for _ in range(5):
        middle = np.median(values)
        spread = 1.4826 * np.median(np.abs(values - middle)) + 1e-6
        values = values[np.abs(values - middle) < 3 * spread]
    return float(np.median(values)), float(
        1.4826 * np.median(np.abs(values - np.median(values))) + 0.5
    )


def _frame(image: NDArray[np.float64]) -> NDArray[np.float64]:
    b = BORDER
    return np.concatenate(
        [image[:b].ravel(), image[-b:].ravel(), image[b:-b, :b].ravel(), image[b:-b, -b:].ravel()]
    )


def morphology(image: NDArray[np.uint8]) -> dict[str, float]:
    """Every measure of ``FEATURES`` on one RGB image."""
    pixels = image.astype(np.float64)
    light = pixels @ LUMINANCE
    n = light.shape[0]
    background, noise = _clipped(_frame(light))
    flux = light - background
    yy, xx = np.mgrid[:n, :n].astype(float)
    core = slice(n // 4, 3 * n // 4)
    weight = np.clip(flux[core, core], 0, None)
    if weight.sum() > 0:
        cy = float((weight * yy[core, core]).sum() / weight.sum())
        cx = float((weight * xx[core, core]).sum() / weight.sum())
    else:
        cy = cx = (n - 1) / 2
    radius = np.hypot(yy - cy, xx - cx)
    aperture = radius < 0.47 * n
    positive = np.clip(flux, 0, None) * aperture
    order = np.argsort(radius[aperture])
    radii, growth = radius[aperture][order], np.cumsum(positive[aperture][order])
    total = growth[-1] + 1e-9

    def enclosing(fraction: float) -> float:
        return float(radii[min(np.searchsorted(growth, fraction * total), len(radii) - 1)])

    r20, r50, r80 = enclosing(0.2), enclosing(0.5), enclosing(0.8)
    asymmetry = _asymmetry(flux, cy, cx, 0.47 * n)
    box = max(3, round(0.25 * r80))
    outer = aperture & (radius > 0.25 * r80)
    fine = np.clip(flux - ndimage.uniform_filter(flux, box), 0, None)[outer].sum()
    smoothness = fine / (np.clip(flux, 0, None)[outer].sum() + 1e-9)
    segment = _segment(flux, aperture, noise, (round(cy), round(cx)))
    if segment.sum() < 10:
        segment = aperture & (radius < max(r50, 3))
    values = flux[segment]
    ordered = np.sort(np.abs(values))
    count = len(ordered)
    gini = ((2 * np.arange(1, count + 1) - count - 1) * ordered).sum() / (
        ordered.mean() * count * (count - 1) + 1e-9
    )
    fy, fx = yy[segment], xx[segment]
    f = np.clip(values, 0, None) + 1e-9
    my, mx = (f * fy).sum() / f.sum(), (f * fx).sum() / f.sum()
    moment = f * ((fy - my) ** 2 + (fx - mx) ** 2)
    brightest = np.argsort(-f)
    top = brightest[: np.searchsorted(np.cumsum(f[brightest]), 0.2 * f.sum()) + 1]
    m20 = np.log10(moment[top].sum() / (moment.sum() + 1e-9) + 1e-9)
    cov = np.cov(np.stack([fx, fy]), aweights=f)
    low, high = np.linalg.eigvalsh(cov)
    ellipticity = 1 - np.sqrt(max(low, 1e-9) / max(high, 1e-9))
    inside = radius < r50
    red = max((pixels[..., 0] - _clipped(_frame(pixels[..., 0]))[0])[inside].sum(), 1.0)
    blue = max((pixels[..., 2] - _clipped(_frame(pixels[..., 2]))[0])[inside].sum(), 1.0)
    ring = np.ones((3, 3), dtype=bool)
    ring[1, 1] = False  # a peak is brighter than all eight neighbours, not one of a plateau
    peaks = (flux > ndimage.maximum_filter(flux, footprint=ring)) & (flux > 5 * noise) & aperture
    return {
        "concentration": 5 * np.log10(r80 / r20),
        "asymmetry": asymmetry,
        "smoothness": float(smoothness),
        "gini": float(gini),
        "m20": float(m20),
        "ellipticity": float(ellipticity),
        "colour": float(np.clip(-2.5 * np.log10(red / blue), -3, 3)),
        "peaks": float(np.log10(1 + peaks.sum())),
        "outer_peaks": float(np.log10(1 + (peaks & (radius > r50)).sum())),
        "filling": float(segment.sum() / aperture.sum()),
        "half_light": r50 / (0.47 * n),
    }


def _asymmetry(flux: NDArray[np.float64], cy: float, cx: float, reach: float) -> float:
    """The least rotational asymmetry over integer centres within 2 pixels of (cy, cx)."""
    n = flux.shape[0]
    iy, ix = round(cy), round(cx)
    half = int(min(iy, ix, n - 1 - iy, n - 1 - ix, reach))
    best = np.inf
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            y, x = iy + dy, ix + dx
            h = min(half, y, x, n - 1 - y, n - 1 - x)
            if h < 4:
                continue
            cut = flux[y - h : y + h + 1, x - h : x + h + 1]
            best = min(best, np.abs(cut - cut[::-1, ::-1]).sum() / (2 * np.abs(cut).sum() + 1e-9))
    return float(best) if np.isfinite(best) else 0.0


def _segment(
    flux: NDArray[np.float64], aperture: NDArray[np.bool_], noise: float, centre: tuple[int, int]
) -> NDArray[np.bool_]:
    """Pixels above 2 sigma connected to the centre (else the largest such region)."""
    above = (flux > 2 * noise) & aperture
    labels, count = ndimage.label(above)
    if not count:
        return above
    keep = labels[centre] or int(np.argmax(np.bincount(labels.ravel())[1:]) + 1)
    found: NDArray[np.bool_] = labels == keep
    return found


def measured(images: NDArray[np.uint8]) -> NDArray[np.float64]:
    """``morphology`` of every image (rows), in the order of ``FEATURES`` (columns)."""
    return np.array([[m[name] for name in FEATURES] for m in map(morphology, images)])

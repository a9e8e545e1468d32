"""Shear-estimation baselines: re-Gaussianisation with a responsivity (the domain reference), a
small convolutional network calibrated on validation (machine learning), and zero shear
(``trivial``)."""

from __future__ import annotations

import os
from typing import Any, ClassVar

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from astrobench.ingest import shear
from astrobench.ingest.baselines.base import Answers, Baseline

RESPONSIVITY_MAX_ERROR = 0.5
"""The responsivity uses stamps measured better than this (per component, in e): one stamp
measured with an error of 30 would outweigh thousands. Intrinsic shapes do not depend on
signal-to-noise ratio, so the well-measured ones stand for all."""
MEASURED_TOGETHER = 2048
"""Stamps one process measures at a time."""
MEASURED_APART_FROM = 8192
"""Splits of fewer stamps are measured in this process: starting others would cost more."""

Measurements = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]


def _measure_stamps(
    images: NDArray[np.float32], psfs: NDArray[np.float32], noise: NDArray[np.floating[Any]]
) -> Measurements:
    """Re-Gaussianisation distortions (stamps x 2), their uncertainties per component, and which
    measurements succeeded (failures give zero)."""
    found = np.zeros((len(images), 2))
    errors = np.zeros(len(images))
    good = np.zeros(len(images), dtype=bool)
    for i in range(len(images)):
        e1, e2, errors[i], good[i] = shear.measure(images[i], psfs[i], float(noise[i]))
        found[i] = (e1, e2)
    return found, errors, good


def _measured(data: xr.Dataset) -> Measurements:
    """``_measure_stamps`` of every stamp of a split, ``MEASURED_TOGETHER`` at a time over
    ``shear.workers()`` processes (in this one where there is one, or few stamps)."""
    images = data["image"].values
    psfs = data["psf_image"].values
    noise = data["noise_sigma"].values / shear.SKY_SIGMA
    chunks = [slice(i, i + MEASURED_TOGETHER) for i in range(0, len(images), MEASURED_TOGETHER)]
    if shear.workers() == 1 or len(images) < MEASURED_APART_FROM:
        return _measure_stamps(images, psfs, noise)
    with shear.process_pool() as pool:
        parts = list(
            pool.map(
                _measure_stamps,
                [images[c] for c in chunks],
                [psfs[c] for c in chunks],
                [noise[c] for c in chunks],
            )
        )
    e, errors, good = (np.concatenate(column) for column in zip(*parts, strict=True))
    return e, errors, good


class Regaussianisation(Baseline):
    name: ClassVar[str] = "hsm-regauss"
    kind: ClassVar[str] = "domain-reference"
    description: ClassVar[str] = (
        "PSF-corrected distortions e = (a^2 - b^2) / (a^2 + b^2) by re-Gaussianisation (Hirata & "
        "Seljak 2003; galsim.hsm.EstimateShear, REGAUSS, with the stamp's PSF image and sky "
        "variance), turned into shear as g = e / 2R with the responsivity R = 1 - e_rms^2 "
        "(Bernstein & Jarvis 2002), e_rms^2 the intrinsic per-component variance of e: its "
        f"variance over the training stamps measured to better than {RESPONSIVITY_MAX_ERROR} less "
        "their mean squared measurement error. A failed "
        "measurement, or |e| > 2, answers zero."
    )

    responsivity: float

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        self._last: tuple[int, Measurements] | None = None
        e, errors, good = self._measure(train)
        kept = good & (errors < RESPONSIVITY_MAX_ERROR)
        intrinsic = np.mean(e[kept] ** 2) - np.mean(errors[kept] ** 2)
        self.responsivity = float(1 - intrinsic)

    def _measure(self, data: xr.Dataset) -> Measurements:
        """The split's measurements, made once for the fit (train), the diagnostics and the
        answers."""
        if self._last is None or self._last[0] != id(data):
            self._last = (id(data), _measured(data))
        return self._last[1]

    def predict(self, data: xr.Dataset) -> Answers:
        e, _, _ = self._measure(data)
        return Answers(e / (2 * self.responsivity))

    def diagnostics(self, data: xr.Dataset) -> dict[str, float]:
        _, _, good = self._measure(data)
        return {"responsivity": self.responsivity, "failure_fraction": float(1 - good.mean())}


CROP = 48
"""Pixels on a side the network sees: the stamp's centre."""
EPOCHS = 8
BATCH = 256
MIN_SIGNIFICANCE = 3.0
"""The calibration divides by the slope fitted on validation only where that slope is at least
this many standard errors from zero: dividing by a slope lost in noise would only amplify it."""
SCALE = 0.05
"""The network predicts g / SCALE, of order one."""


def _inputs(data: xr.Dataset) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Images in units of their noise, asinh-stretched and cropped; PSF FWHM (arcsec) and
    ellipticity per stamp."""
    margin = (shear.STAMP - CROP) // 2
    images = data["image"].values[:, margin : margin + CROP, margin : margin + CROP]
    sigma = data["noise_sigma"].values[:, None, None]
    stretched = np.arcsinh(images / (3 * sigma)).astype(np.float32)
    psf = np.stack(
        [data["psf_fwhm"].values, data["psf_g1"].values / 0.02, data["psf_g2"].values / 0.02],
        axis=1,
    ).astype(np.float32)
    return stretched, psf


SYMMETRIES = (  # (turns by 90 degrees, mirror in x) and the signs they give (g1, g2)
    (0, False, (1, 1)),
    (1, False, (-1, -1)),
    (2, False, (1, 1)),
    (3, False, (-1, -1)),
    (0, True, (1, -1)),
    (1, True, (-1, 1)),
    (2, True, (1, -1)),
    (3, True, (-1, 1)),
)
"""The square's symmetries: a rotation by 90 degrees turns a shear (spin 2) by 180, flipping
both components; a mirror flips g2. Training sees each stamp under a random one."""


class ShearNetwork(Baseline):
    name: ClassVar[str] = "cnn"
    kind: ClassVar[str] = "ml"
    reads_validation: ClassVar[bool] = True
    seed: ClassVar[int] = 0
    description: ClassVar[str] = (
        "A small convolutional network in PyTorch (three stride-2 convolutions of 16, 32 and 64 "
        f"channels, a 128-unit layer joined by the PSF's FWHM and ellipticity, two outputs) on "
        f"the central {CROP} x {CROP} pixels in noise units, asinh-stretched; trained for "
        f"{EPOCHS} epochs (Adam, one-cycle schedule, batches of {BATCH} galaxies) on the squared "
        "error of the mean prediction over each galaxy's two rotated stamps, whose intrinsic "
        "shapes cancel, so that the network learns an unshrunk shear estimate (Tewes et al. "
        "2019); the square's eight symmetries augment the data, shear and PSF ellipticity "
        "transformed with the image. Then calibrated on validation by the per-component line of "
        "predicted against true shear, as shear methods are calibrated on simulations, where "
        f"its slope is at least {MIN_SIGNIFICANCE:g} standard errors above zero."
    )

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        import torch

        torch.manual_seed(self.seed)
        torch.use_deterministic_algorithms(True)
        torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
        self.model = _network()
        images, psf = _inputs(train)
        pairs = _pairs(train)
        x = torch.from_numpy(images[pairs])  # pairs x 2 x CROP x CROP
        p = torch.from_numpy(psf[pairs])
        y = torch.from_numpy((train[self.target].values[pairs[:, 0]] / SCALE).astype(np.float32))
        optimiser = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        generator = torch.Generator().manual_seed(self.seed)
        steps = EPOCHS * ((len(x) + BATCH - 1) // BATCH)
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=2e-3, total_steps=steps)
        self.model.train()
        for _ in range(EPOCHS):
            order = torch.randperm(len(x), generator=generator)
            turns = torch.randint(0, len(SYMMETRIES), (len(x),), generator=generator)
            for start in range(0, len(x), BATCH):
                batch = order[start : start + BATCH]
                xb, pb, yb = _augmented(x[batch], p[batch], y[batch], turns[batch])
                mean = self.model(xb.flatten(0, 1), pb.flatten(0, 1)).view(-1, 2, 2).mean(dim=1)
                loss = torch.nn.functional.mse_loss(mean, yb)
                optimiser.zero_grad()
                loss.backward()  # type: ignore[no-untyped-call]
                optimiser.step()
                schedule.step()
        self.model.eval()
        predicted = self._raw(validation)
        true = validation[self.target].values
        self.lines = [_calibration(true[:, k], predicted[:, k]) for k in (0, 1)]

    def _raw(self, data: xr.Dataset) -> NDArray[np.float64]:
        import torch

        images, psf = _inputs(data)
        out = []
        with torch.no_grad():
            for start in range(0, len(images), 1024):
                x = torch.from_numpy(images[start : start + 1024])
                p = torch.from_numpy(psf[start : start + 1024])
                out.append(self.model(x, p).numpy())
        return np.concatenate(out).astype(float) * SCALE

    def predict(self, data: xr.Dataset) -> Answers:
        raw = self._raw(data)
        calibrated = np.stack(
            [(raw[:, k] - self.lines[k][1]) / self.lines[k][0] for k in (0, 1)], axis=1
        )
        return Answers(calibrated)

    def diagnostics(self, data: xr.Dataset) -> dict[str, float]:
        """The calibration: the slope of raw predicted against true shear on validation (1
        where it was not measured)."""
        return {f"raw_slope_g{k + 1}": float(self.lines[k][0]) for k in (0, 1)}


def _calibration(true: NDArray[np.float64], predicted: NDArray[np.float64]) -> NDArray[np.float64]:
    """The line (slope, intercept) of predicted against true shear on validation, or the
    identity where the slope is not measured (``MIN_SIGNIFICANCE``)."""
    line, covariance = np.polyfit(true, predicted, 1, cov=True)
    if line[0] < MIN_SIGNIFICANCE * np.sqrt(covariance[0, 0]):
        return np.array([1.0, 0.0])
    return np.asarray(line, dtype=float)


def _pairs(data: xr.Dataset) -> NDArray[np.intp]:
    """Positions of each galaxy's two stamps (pairs x 2), by the galaxy variable."""
    galaxies = data["galaxy"].values.astype(str)
    order = np.argsort(galaxies, kind="stable")
    pairs = order.reshape(-1, 2)
    if not (galaxies[pairs[:, 0]] == galaxies[pairs[:, 1]]).all():
        raise ValueError("every galaxy must have exactly two stamps")
    return pairs


def _augmented(x: Any, p: Any, y: Any, turns: Any) -> tuple[Any, Any, Any]:
    """A batch of pairs (pairs x 2 x ...), each pair under its symmetry (``SYMMETRIES``), one
    symmetry at a time; images gain a channel axis."""
    import torch

    xs, ps, ys = x.clone(), p.clone(), y.clone()
    for index, (k, mirror, signs) in enumerate(SYMMETRIES):
        chosen = torch.nonzero(turns == index).flatten()
        if not len(chosen):
            continue
        images = torch.rot90(x[chosen], k, (2, 3))
        xs[chosen] = torch.flip(images, (3,)) if mirror else images
        sign = torch.tensor(signs, dtype=torch.float32)
        ps[chosen, :, 1:] = p[chosen, :, 1:] * sign
        ys[chosen] = y[chosen] * sign
    return xs[:, :, None], ps, ys


def _network() -> Any:
    import torch
    from torch import nn

    class Network(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 16, 5, stride=2, padding=2),
                nn.ReLU(),
                nn.Conv2d(16, 32, 3, stride=2, padding=1),
                nn.ReLU(),
                nn.Conv2d(32, 64, 3, stride=2, padding=1),
                nn.ReLU(),
                nn.Flatten(),
                nn.Linear(64 * (CROP // 8) ** 2, 128),
                nn.ReLU(),
            )
            self.head = nn.Sequential(nn.Linear(128 + 3, 64), nn.ReLU(), nn.Linear(64, 2))

        def forward(self, x: Any, p: Any) -> Any:
            if x.ndim == 3:
                x = x[:, None]
            return self.head(torch.cat([self.features(x), p], dim=1))

    return Network()

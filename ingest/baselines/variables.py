"""Baselines for ``ogle3-variables``: period-amplitude cuts (the domain reference) and a forest.

Both read the features the dataset ships (Lomb-Scargle period, Fourier decomposition, shape
statistics), which the recipe computes from each light curve with ``lightcurves.features``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from astrobench.ingest.baselines.base import Answers, Baseline, model_answers

PL_TOLERANCE = 3.0
"""A star in the Cepheid period range is a classical Cepheid only within this many standard
deviations of the period-luminosity relation fitted on the training stars."""
RANGE_MARGIN = 0.2
"""How far (dex in period) beyond its training stars' periods a relation still applies."""
REJECT_QUANTILE = 0.05
"""The forest answers 'unknown' below the class probability that this fraction of correctly
classified validation stars fall under."""
FOREST_FEATURES = ("ls_power", "amplitude", "r21", "r31", "std", "skew", "range_90", "eta")
DISTANCE_MODULI = {"LMC": 18.477, "SMC": 18.977, "BLG": 14.563}
"""Distance moduli (mag) of the fields: the Magellanic Clouds from eclipsing binaries
(Pietrzynski et al. 2019, Nature 567, 200; Graczyk et al. 2020, ApJ 904, 13), the bulge at the
Galactic Centre's distance of 8.18 kpc (GRAVITY Collaboration 2019, A&A 625, L10)."""
WESENHEIT = 1.55
"""W_I = I - 1.55 (V - I): the reddening-free index of the OGLE Cepheid catalogues (Soszynski
et al. 2008, Acta Astron. 58, 163)."""
FIELD_DEPTH = {"LMC": 0.0, "SMC": 0.15, "BLG": np.nan}
"""Spread of distance moduli within a field (mag), added to the relation's scatter: the SMC is
deep along the line of sight; the bulge field's Cepheids lie at all distances through the
disk, so there the relation cannot classify and the light-curve shape does (NaN)."""
OSARG_BRIGHTER = 17.0
"""Without the catalogue colour (1.0.0), a star with no detected variability is a
small-amplitude red giant when brighter than this apparent I magnitude, which holds in the LMC
only. With it, the limits are fitted on the training stars (``PeriodAmplitudeCuts.fit``)."""
GIANT_QUANTILE = 0.99
"""Fitted brightness limit of a small-amplitude red giant: the absolute Wesenheit index (and
absolute I, for stars without V) that this fraction of training OSARGs are brighter than."""


def _column(data: xr.Dataset, name: str) -> NDArray[np.float64]:
    return np.asarray(data[name].values, dtype=float)


@dataclass(frozen=True)
class Luminosities:
    """What the domain reference reads of a star's brightness."""

    relation: NDArray[np.float64]
    """The magnitude the period-luminosity relation is fitted in: the absolute Wesenheit index
    where the file carries the catalogue colour, else (1.0.0) the apparent mean I magnitude,
    which holds in the LMC only."""
    absolute_i: NDArray[np.float64]
    """Mean I less the field's distance modulus (the apparent magnitude without a colour)."""
    depth: NDArray[np.float64]
    """Spread of distance moduli in each star's field (``FIELD_DEPTH``)."""


def _luminosities(data: xr.Dataset) -> Luminosities:
    mag = _column(data, "mean_mag")
    if "v_minus_i" not in data:
        return Luminosities(mag, mag, np.zeros_like(mag))
    fields = [str(f) for f in data["field"].values]
    modulus = np.array([DISTANCE_MODULI.get(f, np.nan) for f in fields])
    depth = np.array([FIELD_DEPTH.get(f, np.nan) for f in fields])
    wesenheit = mag - WESENHEIT * _column(data, "v_minus_i") - modulus
    return Luminosities(wesenheit, mag - modulus, depth)


def _separating(low: NDArray[np.float64], high: NDArray[np.float64]) -> float:
    """The threshold t that best separates two samples (``low`` below t, ``high`` at or above
    it), by balanced accuracy; ties go to the midpoint of the best run."""
    low, high = low[np.isfinite(low)], high[np.isfinite(high)]
    edges = np.unique(np.concatenate([low, high]))
    cuts = (edges[:-1] + edges[1:]) / 2
    score = (low[:, None] < cuts).mean(axis=0) + (high[:, None] >= cuts).mean(axis=0)
    best = np.flatnonzero(score == score.max())
    return float((cuts[best[0]] + cuts[best[-1]]) / 2)


def _clipped(
    x: NDArray[np.float64], y: NDArray[np.float64], chosen: NDArray[np.bool_], sigmas: float = 4.0
) -> NDArray[np.bool_]:
    """The chosen points a straight-line fit keeps after iterative clipping beyond ``sigmas``
    robust standard deviations (1.4826 median absolute deviation)."""
    kept = chosen.copy()
    for _ in range(10):
        slope, intercept = np.polyfit(x[kept], y[kept], 1)
        residual = y - (intercept + slope * x)
        spread = 1.4826 * np.median(np.abs(residual[kept] - np.median(residual[kept])))
        now = chosen & (np.abs(residual) <= sigmas * spread)
        if (now == kept).all():
            break
        kept = now
    return kept


class PeriodAmplitudeCuts(Baseline):
    """Classify by period, amplitude, Fourier R21 and the Cepheid period-luminosity relation."""

    name: ClassVar[str] = "period-amplitude"
    kind: ClassVar[str] = "domain-reference"
    description: ClassVar[str] = (
        "Lomb-Scargle period, three-harmonic Fourier decomposition and period-amplitude cuts "
        "in the manner of the OGLE catalogues; classical Cepheids must lie within "
        f"{PL_TOLERANCE:g} sigma of the period-luminosity relation fitted on the training "
        "stars (in the absolute Wesenheit index, where the data carry the V - I colour), and "
        "anything outside every box is 'unknown'."
    )

    absolute = False
    """Whether the data give absolute magnitudes (the catalogue colour and field)."""
    f_r21 = np.nan
    """Fitted: without a distance, a Cepheid with R21 at least this is fundamental-mode."""
    giant_w = giant_i = np.nan
    """Fitted: brightness limits of a small-amplitude red giant (``GIANT_QUANTILE``)."""

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        log_period = np.log10(_column(train, "period"))
        lum = _luminosities(train)
        mag = lum.relation
        labels = train["label"].values
        if "v_minus_i" in train:  # every threshold from the training stars
            r21 = _column(train, "r21")
            self.f_r21 = _separating(r21[labels == "Cep-1O"], r21[labels == "Cep-F"])
            giants = labels == "OSARG"
            if giants.any():
                self.giant_w = float(np.nanquantile(mag[giants], GIANT_QUANTILE))
                self.giant_i = float(np.nanquantile(lum.absolute_i[giants], GIANT_QUANTILE))
        self.relations: dict[str, tuple[float, float, float]] = {}
        self.ranges: dict[str, tuple[float, float]] = {}
        """log10 periods each relation was fitted over (see ``_on_relation``)."""
        for cls in ("Cep-F", "Cep-1O"):
            chosen = (labels == cls) & np.isfinite(log_period) & np.isfinite(mag)
            chosen &= (log_period > 0) & (log_period < np.log10(50))  # drop aliased periods
            if "v_minus_i" in train:  # one mis-measured star must not tilt the relation
                chosen &= _clipped(log_period, mag, chosen)
            slope, intercept = np.polyfit(log_period[chosen], mag[chosen], 1)
            scatter = float(np.std(mag[chosen] - (intercept + slope * log_period[chosen])))
            self.relations[cls] = (float(slope), float(intercept), scatter)
            self.ranges[cls] = (float(log_period[chosen].min()), float(log_period[chosen].max()))

    def predict(self, data: xr.Dataset) -> Answers:
        period = _column(data, "period")
        amplitude = _column(data, "amplitude")
        r21 = _column(data, "r21")
        power = _column(data, "ls_power")
        lum = _luminosities(data)
        mag, depth = lum.relation, lum.depth
        self.absolute = "v_minus_i" in data
        if self.absolute:  # the reddening-free index where V is known, else absolute I
            bright = np.where(np.isfinite(mag), mag < self.giant_w, lum.absolute_i < self.giant_i)
        else:
            bright = mag < OSARG_BRIGHTER
        unknown = self.unknown_label or "unknown"
        labels = np.full(period.size, unknown, dtype=object)
        for i in range(period.size):
            star = (period[i], amplitude[i], r21[i], power[i], mag[i], bool(bright[i]), depth[i])
            labels[i] = self._one(*star) or unknown
        return Answers(labels=labels)

    def _one(
        self,
        p: float,
        amp: float,
        r21: float,
        power: float,
        mag: float,
        bright: bool,
        depth: float,
    ) -> str | None:
        if not np.isfinite(p):
            return None
        if p > 20:
            return "Mira" if amp >= 0.8 else "SRV" if amp >= 0.1 else "OSARG"
        if self.absolute and np.isfinite(depth) and p >= 0.2:
            # With absolute magnitudes a Cepheid is told by its luminosity at any period,
            # also below 1 day, where first-overtone Cepheids and RR Lyrae stars overlap.
            cepheid = self._on_relation(p, mag, depth)
            if cepheid is not None:
                return cepheid
        if amp < 0.08 and bright:
            return "OSARG"  # bright, with no detected variability: a small-amplitude red giant
        if p < 0.2:
            return "DSCT"
        if p < 1.0:
            if p >= 0.43 and r21 >= 0.3:
                return "RRab"
            if 0.34 <= p <= 0.42 and power < 0.65:
                return "RRd"  # a second mode leaves power out of the main peak
            return "RRc"
        if not np.isfinite(depth):  # no distance in this field: the shape decides
            return "Cep-F" if r21 >= self.f_r21 else "Cep-1O"
        return self._on_relation(p, mag, depth)

    def _on_relation(self, p: float, mag: float, depth: float) -> str | None:
        """The Cepheid mode whose period-luminosity relation the star lies on, if any. With
        absolute magnitudes a relation is not extrapolated beyond the periods it was fitted
        over: below them, RR Lyrae stars of a metal-poor field lie on its extension."""
        distances = {
            cls: abs(mag - (intercept + slope * np.log10(p))) / np.hypot(scatter, depth)
            for cls, (slope, intercept, scatter) in self.relations.items()
            if not self.absolute
            or self.ranges[cls][0] - RANGE_MARGIN
            <= np.log10(p)
            <= self.ranges[cls][1] + RANGE_MARGIN
        }
        if not distances:
            return None
        near = min(distances, key=lambda cls: distances[cls])
        return near if distances[near] <= PL_TOLERANCE else None


class FeatureForest(Baseline):
    """A random forest on the light-curve features, abstaining when it is unsure."""

    name: ClassVar[str] = "random-forest"
    kind: ClassVar[str] = "ml"
    reads_validation: ClassVar[bool] = True  # the abstention threshold
    description: ClassVar[str] = (
        "scikit-learn RandomForestClassifier (300 trees, balanced class weights) on log period "
        "and the Fourier and shape features, without the mean magnitude, which encodes the "
        "field's distance; answers 'unknown' when its top class probability is below the "
        f"{REJECT_QUANTILE:.0%} quantile of correct validation answers."
    )

    @staticmethod
    def _raw(data: xr.Dataset) -> NDArray[np.float64]:
        """Feature matrix with NaN where a light curve was too short to measure."""
        columns = [np.log10(_column(data, "period"))] + [_column(data, n) for n in FOREST_FEATURES]
        for phase in ("phi21", "phi31"):
            columns += [np.cos(_column(data, phase)), np.sin(_column(data, phase))]
        return np.stack(columns, axis=1)

    def _matrix(self, data: xr.Dataset) -> NDArray[np.float64]:
        raw = self._raw(data)
        return np.where(np.isfinite(raw), raw, self.fill)

    def fit(self, train: xr.Dataset, validation: xr.Dataset) -> None:
        from sklearn.ensemble import RandomForestClassifier

        self.fill = np.nanmedian(self._raw(train), axis=0)
        self.model = RandomForestClassifier(
            n_estimators=300, class_weight="balanced", random_state=self.seed, n_jobs=1
        )
        self.model.fit(self._matrix(train), train["label"].values.astype(str))
        self.threshold = 0.0
        if self.unknown_label is not None:
            answers = model_answers(self.model, self._matrix(validation), self.classes)
            assert answers.scores is not None
            right = answers.labels == validation["label"].values
            self.threshold = float(np.quantile(answers.scores.max(axis=1)[right], REJECT_QUANTILE))

    def predict(self, data: xr.Dataset) -> Answers:
        answers = model_answers(self.model, self._matrix(data), self.classes)
        if self.unknown_label is not None and answers.scores is not None:
            answers.labels[answers.scores.max(axis=1) < self.threshold] = self.unknown_label
        return answers

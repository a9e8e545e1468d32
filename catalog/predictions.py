"""Predictions files: read a CSV, check it against a split's truth, say exactly what is wrong.

Classification files have the columns ``id`` and ``label``, and optionally ``p_<class>`` for every
training class (scores for ROC-AUC). Regression files have ``id`` and ``prediction``, or, where the
target is a vector (a shear), ``id`` and one column per component (``g1``, ``g2``). Rows may come
in any order; every id of the split must appear exactly once.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from astrobench.catalog.errors import InvalidPredictions

ID = "id"
LABEL = "label"
PREDICTION = "prediction"
SCORE_PREFIX = "p_"
SHOWN = 5
"""How many offending ids or rows an error message quotes."""


@dataclass(frozen=True)
class Truth:
    """The reference answers of one split, in file order."""

    split: str
    ids: NDArray[np.str_]
    values: NDArray[np.generic]
    """Class names (classification) or numbers (regression)."""
    classes: tuple[str, ...] = ()
    """Training classes, in the order of their score columns; empty for regression."""
    unknown_label: str | None = None
    """A label a model may give to an example of none of the training classes."""
    groups: NDArray[np.str_] | None = None
    """The object each example belongs to (``bench:object``); None: each is its own."""
    components: tuple[str, ...] = ()
    """A vector target's components, the columns of its predictions (``values`` then has one
    column each); empty for a scalar target."""

    @property
    def regression(self) -> bool:
        return not self.classes

    @property
    def objects(self) -> NDArray[np.str_]:
        """The unit intervals resample: each example's object, else the example itself."""
        return self.ids if self.groups is None else self.groups


@dataclass(frozen=True)
class Predictions:
    """Predictions aligned with a ``Truth``: row i answers ``truth.ids[i]``."""

    values: NDArray[np.generic]
    scores: NDArray[np.float64] | None = None
    """Shape (examples, training classes), or None when the file gave no scores."""


def _quote(values: Sequence[str]) -> str:
    shown = ", ".join(repr(v) for v in list(values)[:SHOWN])
    return shown + (f" and {len(values) - SHOWN} more" if len(values) > SHOWN else "")


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value


def parse(text: str, truth: Truth) -> Predictions:
    """Predictions from CSV ``text``, checked against ``truth``; ``InvalidPredictions`` if not."""
    split = truth.split
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    rows = [row for row in rows if row]
    if not rows:
        raise InvalidPredictions(split, ["the file is empty; expected a CSV header line"])
    header, body = [h.strip() for h in rows[0]], rows[1:]
    answers_in = list(truth.components) or [PREDICTION if truth.regression else LABEL]
    score_columns = [SCORE_PREFIX + c for c in truth.classes]
    expected = ", ".join((ID, *answers_in)) + (
        f" and optionally {', '.join(score_columns)}" if score_columns else ""
    )
    problems = []
    missing = [c for c in (ID, *answers_in) if c not in header]
    if missing:
        problems.append(f"missing column(s) {_quote(missing)}; the columns must be {expected}")
    unknown = [c for c in header if c not in (ID, *answers_in, *score_columns)]
    if unknown:
        problems.append(f"unknown column(s) {_quote(unknown)}; the columns must be {expected}")
    given = [c for c in score_columns if c in header]
    if given and len(given) != len(score_columns):
        absent = [c for c in score_columns if c not in header]
        problems.append(
            f"scores are given for {len(given)} of {len(score_columns)} classes: give every "
            f"score column or none (missing {_quote(absent)})"
        )
    duplicated = [c for c, n in Counter(header).items() if n > 1]
    if duplicated:
        problems.append(f"column(s) {_quote(duplicated)} appear more than once")
    if problems:
        raise InvalidPredictions(split, problems)
    ragged = [str(i + 2) for i, row in enumerate(body) if len(row) != len(header)]
    if ragged:
        raise InvalidPredictions(
            split,
            [
                f"wrong shape: line(s) {_quote(ragged)} do not have {len(header)} fields like the header"
            ],
        )
    column = {name: header.index(name) for name in header}
    ids = [row[column[ID]].strip() for row in body]
    counts = Counter(ids)
    repeated = sorted(i for i, n in counts.items() if n > 1)
    if repeated:
        problems.append(f"{len(repeated)} duplicate id(s): {_quote(repeated)}")
    expected_ids = set(truth.ids.tolist())
    absent_ids = [i for i in truth.ids.tolist() if i not in counts]
    if absent_ids:
        problems.append(
            f"{len(absent_ids)} of the split's {len(truth.ids)} ids have no prediction: "
            f"{_quote(absent_ids)}"
        )
    foreign = [i for i in counts if i not in expected_ids]
    if foreign:
        problems.append(f"{len(foreign)} id(s) are not in split {split!r}: {_quote(foreign)}")
    answers = [row[column[answers_in[0]]].strip() for row in body]
    if truth.regression:
        numbers = np.array([[_number(row[column[c]]) for c in answers_in] for row in body])
        numbers = numbers.reshape(len(body), len(answers_in))
        for k, name in enumerate(answers_in):
            bad = [ids[i] for i in np.flatnonzero(~np.isfinite(numbers[:, k]))]
            if bad:
                problems.append(f"{name} is missing, NaN or not a number for id(s) {_quote(bad)}")
        if not truth.components:
            numbers = numbers[:, 0]
    else:
        valid = set(truth.classes) | ({truth.unknown_label} if truth.unknown_label else set())
        strangers = Counter(a for a in answers if a not in valid)
        if strangers:
            listed = ", ".join(f"{a!r} ({n} rows)" for a, n in strangers.most_common(SHOWN))
            problems.append(
                f"unknown class label(s) {listed}; valid labels: {', '.join(sorted(valid))}"
            )
    scores = None
    if given:
        scores = np.array([[_number(row[column[c]]) for c in score_columns] for row in body])
        bad_rows = [ids[i] for i in np.flatnonzero(~np.isfinite(scores).all(axis=1))]
        if bad_rows:
            problems.append(f"scores are missing, NaN or not numbers for id(s) {_quote(bad_rows)}")
    if problems:
        raise InvalidPredictions(split, problems)
    position = {i: n for n, i in enumerate(ids)}
    order = np.array([position[i] for i in truth.ids.tolist()], dtype=int)
    values: NDArray[np.generic] = (
        numbers[order] if truth.regression else np.array(answers, dtype=object)[order]
    )
    return Predictions(values=values, scores=None if scores is None else scores[order])


def to_csv(
    ids: Sequence[str],
    values: Sequence[object],
    scores: NDArray[np.float64] | None = None,
    classes: Sequence[str] = (),
    components: Sequence[str] = (),
) -> str:
    """A predictions CSV in the format ``parse`` reads; scores rounded to 6 decimals.

    ``classes`` names the score columns (and makes the file a classification one);
    ``components`` names the columns of a vector target, each value then a sequence of them.
    """
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    answers = list(components) or [LABEL if classes else PREDICTION]
    out.writerow([ID, *answers, *(SCORE_PREFIX + c for c in classes if scores is not None)])
    for n, (key, value) in enumerate(zip(ids, values, strict=True)):
        extra = [f"{s:.6f}" for s in scores[n]] if scores is not None else []
        cells = list(value) if components else [value]  # type: ignore[call-overload]
        shown = [f"{v:.6g}" if isinstance(v, float) else v for v in cells]
        out.writerow([key, *shown, *extra])
    return buffer.getvalue()

"""Leaderboards: on each evaluation split of a version, the published baselines and the
submissions, ranked by the split's primary metric, and grouped where the data cannot order them.

Every entry is scored on the same bootstrap draws of objects (fixed seed), so two entries' draws
pair: the 95% interval of the difference of their primary metric says whether the split tells
them apart. Groups are formed down the ranking: an entry whose paired interval with the head of
the group above it (that group's best entry) covers zero joins that group; otherwise it heads the
next one. Entries of one group are statistically tied with its head; their order inside it is
only the order of their point values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from astrobench.catalog import evaluation, intervals, predictions
from astrobench.catalog.predictions import Truth


@dataclass(frozen=True)
class Candidate:
    """An entry to rank: a baseline or a submission, and its predictions file for the split."""

    name: str
    kind: str
    """``domain-reference``, ``ml``, ``trivial`` or ``submission``."""
    text: str
    about: dict[str, Any] = field(default_factory=dict)
    """What the board shows beside the score (links, the submission's id and details)."""


@dataclass(frozen=True)
class Ranked:
    """A candidate's place on one split."""

    candidate: Candidate
    value: float | None
    interval: list[float] | None
    rank: int
    group: int
    versus_head: list[float] | None
    """Paired 95% interval of this entry's merit minus its group head's (``merit``: the metric
    made larger-is-better); None for a head."""


def merit(values: Any, direction: str) -> Any:
    """Values of a metric made larger-is-better: as they are (``maximize``), negated
    (``minimize``), or their negated magnitude (``zero``: best near zero, such as a bias)."""
    if direction == "minimize":
        return -values
    if direction == "zero":
        return -abs(values)
    return values


def rank(
    truth: Truth,
    criteria: dict[str, Any] | None,
    metric: str,
    direction: str,
    candidates: Sequence[Candidate],
) -> list[Ranked]:
    """The candidates on one split, best first by ``metric`` (``direction``: ``maximize``,
    ``minimize`` or ``zero``), in groups of statistically tied entries."""
    scored: list[tuple[Candidate, float | None, list[float] | None, NDArray[np.float64] | None]]
    scored = []
    only = {**(criteria or {}), "metrics": [metric]}  # the others would not change the order
    for candidate in candidates:
        found, every = evaluation.scored_and_drawn(
            truth, predictions.parse(candidate.text, truth), only
        )
        value = found.metrics.get(metric)
        drawn = every.get(metric)
        merits = None if drawn is None else merit(drawn, direction)
        scored.append((candidate, value, found.intervals.get(metric), merits))
    scored.sort(key=lambda s: (s[1] is None, -merit(s[1], direction) if s[1] is not None else 0))
    ranked: list[Ranked] = []
    head: NDArray[np.float64] | None = None
    for place, (candidate, value, bounds, draws) in enumerate(scored, start=1):
        difference = None
        if ranked and draws is not None and head is not None:
            difference = intervals.interval(draws - head)
        if ranked and intervals.indistinguishable(difference):
            ranked.append(Ranked(candidate, value, bounds, place, ranked[-1].group, difference))
            continue
        head = draws
        group = ranked[-1].group + 1 if ranked else 1
        ranked.append(Ranked(candidate, value, bounds, place, group, None))
    return ranked

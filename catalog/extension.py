"""A typed view of the benchmark extension (``bench:`` fields), as pystac's extension classes
give one: each part a frozen dataclass whose ``from_dict``/``to_dict`` round-trip exactly. Keys a
class does not know (a newer schema's) are kept in ``extra`` and written back, and fields absent
from a record stay absent, so reading and writing a published record changes nothing.

    >>> bench = Benchmark.from_collection(collection)
    >>> bench.split("test").criteria.primary
    'macro_f1'

A record whose structure does not fit (a split without a name, a list where an object belongs)
raises ``MalformedRecord`` naming the path, e.g. ``bench:splits[1]: missing 'name'``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from astrobench.catalog.benchmark import PREFIX
from astrobench.catalog.errors import InvalidParameter

R = TypeVar("R", bound="Part")


class MalformedRecord(InvalidParameter):
    """A ``bench:`` field whose structure the extension does not allow; says where."""


@dataclass(frozen=True)
class Part:
    """One object of the extension. Fields default to None, meaning absent from the record."""

    extra: dict[str, Any] = field(default_factory=dict, kw_only=True)
    """Keys this class does not know, kept as they are."""

    NESTED: ClassVar[dict[str, type[Part]]] = {}
    """Fields holding a part (or a list of parts), by field name."""
    LISTS: ClassVar[frozenset[str]] = frozenset()
    """Which of ``NESTED`` hold a list of parts."""

    @classmethod
    def _names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls) if f.name != "extra"]

    @classmethod
    def _required(cls) -> list[str]:
        return [
            f.name
            for f in dataclasses.fields(cls)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]

    @classmethod
    def from_dict(cls: type[R], data: Any, path: str = "bench:") -> R:
        """The part a record's object describes (never changing ``data``); ``MalformedRecord``
        naming ``path`` where the structure does not fit."""
        if not isinstance(data, Mapping):
            raise MalformedRecord(f"{path}: expected an object, got {type(data).__name__}")
        if missing := [n for n in cls._required() if data.get(n) is None]:
            raise MalformedRecord(f"{path}: missing {', '.join(map(repr, missing))}")
        names = cls._names()
        values: dict[str, Any] = {}
        for name in names:
            if name not in data:
                continue
            value, nested = data[name], cls.NESTED.get(name)
            here = f"{path}.{name}" if path != PREFIX else path + name
            if nested is not None and name in cls.LISTS:
                if not isinstance(value, list):
                    raise MalformedRecord(f"{here}: expected a list, got {type(value).__name__}")
                value = tuple(nested.from_dict(v, f"{here}[{i}]") for i, v in enumerate(value))
            elif nested is not None:
                value = nested.from_dict(value, here)
            values[name] = value
        extra = {k: v for k, v in data.items() if k not in names}
        return cls(**values, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        """The record's object: every field that is not None, then ``extra``."""
        out: dict[str, Any] = {}
        for name in self._names():
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, tuple) and value and isinstance(value[0], Part):
                value = [v.to_dict() for v in value]
            elif isinstance(value, Part):
                value = value.to_dict()
            out[name] = value
        return {**out, **self.extra}


@dataclass(frozen=True)
class Metric(Part):
    name: str
    direction: str | None = None
    """``maximize``, ``minimize`` or (v1.5.0) ``zero``: best near zero, by absolute value."""
    primary: bool | None = None
    description: str | None = None
    per_class: bool | None = None
    threshold: float | None = None


@dataclass(frozen=True)
class Criteria(Part):
    """How predictions on one split are scored."""

    primary: str
    metrics: list[str] | None = None
    unseen_classes: list[str] | None = None
    unknown_label: str | None = None
    residual: str | None = None
    """Regression only (v1.3.0): ``difference`` (the default) or ``redshift``."""


@dataclass(frozen=True)
class Split(Part):
    name: str
    role: str | None = None
    """``train``, ``validation``, ``test`` or ``robustness``."""
    description: str | None = None
    count: int | None = None
    criteria: Criteria | None = None
    model_selection: bool | None = None
    blind: bool | None = None
    """The public file carries no target: the catalogue keeps the truth and scores it."""
    truth_checksum: str | None = None
    """A blind split's commitment (v1.6.0): the multihash of its withheld truth file."""
    class_objects: dict[str, int] | None = None

    NESTED: ClassVar[dict[str, type[Part]]] = {"criteria": Criteria}

    @property
    def evaluation(self) -> bool:
        """Whether scores are quoted on it: a test or robustness split closed to selection."""
        return self.role in ("test", "robustness") and self.model_selection is not True


@dataclass(frozen=True)
class TargetClass(Part):
    name: str
    description: str | None = None
    held_out: bool | None = None
    """Kept out of training: its examples are right when answered with the unknown label."""


@dataclass(frozen=True)
class Baseline(Part):
    name: str
    kind: str | None = None
    """``domain-reference``, ``ml`` or ``trivial``."""
    description: str | None = None
    command: str | None = None
    seed: int | None = None
    software: dict[str, str] | None = None
    scores: dict[str, dict[str, float]] | None = None
    """Split -> metric -> value."""
    intervals: dict[str, dict[str, list[float]]] | None = None
    """Split -> metric -> [low, high], the 95% bootstrap interval."""
    used_splits: list[str] | None = None
    diagnostics: dict[str, dict[str, float]] | None = None
    versus: dict[str, dict[str, list[float]]] | None = None
    """Split -> other baseline -> paired 95% interval of this one's primary score minus its."""

    def score(self, split: str, metric: str) -> float | None:
        """Its score on ``split`` by ``metric``, None where not published."""
        return (self.scores or {}).get(split, {}).get(metric)

    def interval(self, split: str, metric: str) -> list[float] | None:
        """The 95% interval of that score, None where not published."""
        return (self.intervals or {}).get(split, {}).get(metric)


CARD_HEADINGS = {
    "domain_reference": "Domain reference",
    "split_rationale": "How the splits were made, and why",
    "metric_rationale": "Why these metrics",
    "robustness_tests": "Robustness tests",
    "out_of_scope": "Where a model trained here should not be used",
    "lessons_learned": "Lessons learned and approaches that failed",
    "data_location": "Where the data are",
    "code_location": "Where the code is",
}
"""The card's sections, in order, by ``bench:card`` field: the one place their headings live."""


@dataclass(frozen=True)
class Card(Part):
    domain_reference: str | None = None
    split_rationale: str | None = None
    metric_rationale: str | None = None
    robustness_tests: list[str] | str | None = None
    out_of_scope: list[str] | str | None = None
    lessons_learned: list[str] | str | None = None
    data_location: str | None = None
    code_location: str | None = None

    def text(self, name: str) -> str:
        """A section as one paragraph (a list's items joined), empty where not stated."""
        value = getattr(self, name)
        return " ".join(value) if isinstance(value, list) else value or ""

    def sections(self) -> list[tuple[str, list[str] | str | None]]:
        """(heading, text) of every section, in order, whether stated or not."""
        return [(heading, getattr(self, name)) for name, heading in CARD_HEADINGS.items()]


@dataclass(frozen=True)
class Benchmark(Part):
    """Every ``bench:`` field of a Collection, without the prefix."""

    task: str | None = None
    target: str | None = None
    classes: tuple[TargetClass, ...] | None = None
    splits: tuple[Split, ...] | None = None
    metrics: tuple[Metric, ...] | None = None
    baselines: tuple[Baseline, ...] | None = None
    card: Card | None = None
    object: str | None = None
    """The variable naming each example's astrophysical object (a star, a galaxy)."""
    modality: str | None = None
    provenance: str | None = None
    composition: dict[str, list[str]] | None = None
    wavelength_range: list[float] | None = None
    sky_footprint: dict[str, Any] | None = None
    limitations: list[str] | None = None
    bootstrap: dict[str, Any] | None = None

    NESTED: ClassVar[dict[str, type[Part]]] = {
        "classes": TargetClass,
        "splits": Split,
        "metrics": Metric,
        "baselines": Baseline,
        "card": Card,
    }
    LISTS: ClassVar[frozenset[str]] = frozenset({"classes", "splits", "metrics", "baselines"})

    @classmethod
    def from_collection(cls, collection: Mapping[str, Any]) -> Benchmark:
        """The ``bench:`` fields of a Collection (its other fields are not kept)."""
        return cls.from_dict(
            {k.removeprefix(PREFIX): v for k, v in collection.items() if k.startswith(PREFIX)}
        )

    def to_fields(self) -> dict[str, Any]:
        """The Collection's ``bench:`` fields."""
        return {PREFIX + k: v for k, v in self.to_dict().items()}

    def split(self, name: str) -> Split:
        """The split called ``name``; ``InvalidParameter`` naming the splits if there is none."""
        for split in self.splits or ():
            if split.name == name:
                return split
        names = ", ".join(s.name for s in self.splits or ())
        raise InvalidParameter(f"no split {name!r}; splits: {names}")

    def primary(self, split: str) -> str:
        """The metric that ranks methods on ``split``: its criteria's, else the primary one."""
        found = self.split(split).criteria
        if found is not None:
            return found.primary
        metrics = self.metrics or ()
        return next((m.name for m in metrics if m.primary), metrics[0].name)

    def lower_is_better(self, metric: str) -> bool:
        """Whether smaller values of ``metric`` are better: it is minimised, or best near zero
        and then compared by absolute value (``magnitude``)."""
        return self.direction(metric) in ("minimize", "zero")

    def direction(self, metric: str) -> str | None:
        return next((m.direction for m in self.metrics or () if m.name == metric), None)

    def magnitude(self, metric: str, bounds: list[float]) -> list[float]:
        """An interval of ``metric`` as it ranks: for a metric best near zero, the interval of
        its absolute value; else unchanged."""
        if self.direction(metric) != "zero":
            return bounds
        low, high = sorted(abs(b) for b in bounds)
        return [0.0 if bounds[0] <= 0 <= bounds[1] else low, high]

    def training_classes(self) -> list[str]:
        """Class names a model can learn: every class not held out of training."""
        return [c.name for c in self.classes or () if not c.held_out]

    def scored_splits(self) -> list[Split]:
        """The splits baselines are scored on: every one but the training split."""
        return [s for s in self.splits or () if s.role != "train"]

    def train_split(self) -> Split | None:
        """The split models learn from, if there is one."""
        return next((s for s in self.splits or () if s.role == "train"), None)

    def test_split(self) -> Split | None:
        """The in-distribution test split, if there is one."""
        return next((s for s in self.splits or () if s.role == "test"), None)

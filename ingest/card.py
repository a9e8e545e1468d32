"""The benchmark card: a Markdown rendering of a version's record, for people to read.

Everything in it comes from the Collection (``bench:card`` and the other benchmark fields), so the
card and the structured fields can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from astrobench.catalog.extension import CARD_HEADINGS, Baseline, Benchmark, Card, Split


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(r.replace("|", "\\|") for r in row) + " |" for row in rows]


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _named(bench: Benchmark, split: Split, test: str | None) -> str:
    """`` (metric)`` where a split's primary metric is not the test split's, else nothing."""
    primary = bench.primary(split.name)
    return "" if test is None or bench.primary(test) == primary else f" ({primary})"


def _scored(value: float | None, bounds: list[float] | None) -> str:
    if value is None or not bounds:
        return _number(value)
    return f"{value:.3f} [{bounds[0]:.3f}, {bounds[1]:.3f}]"


def _comparisons(
    baseline: Baseline, baselines: Sequence[Baseline], test: str | None, minimized: bool = False
) -> list[str]:
    """How a baseline compares with the others on the test split, by the paired interval of the
    difference: 'indistinguishable' where it covers zero; with ``minimized`` (a primary metric
    where lower is better) each direction says whether it is better or worse."""
    paired = (baseline.versus or {}).get(test or "", {})
    kinds = {b.name: b.kind or "" for b in baselines}
    said = []
    for other, (low, high) in paired.items():
        if baseline.kind == "trivial" or other == baseline.name:
            continue
        if low <= 0 <= high:
            said.append(f"indistinguishable from {other} ({kinds[other]})")
        else:
            word = "higher" if low > 0 else "lower"
            if minimized:
                word += " (worse)" if low > 0 else " (better)"
            said.append(f"{word} than {other} ({kinds[other]}) by [{low:+.3f}, {high:+.3f}]")
    return (
        [f"  On {test}, paired 95% interval of the difference: {'; '.join(said)}"] if said else []
    )


def _bullets(items: list[str]) -> list[str]:
    return [f"- {item}" for item in items] or ["- (none recorded)"]


def _baselines(bench: Benchmark, baselines: Sequence[Baseline]) -> list[str]:
    """The baselines' scores on every evaluated split, and what each one is."""
    evaluated = bench.scored_splits()
    test_split = bench.test_split()
    test = test_split.name if test_split else None
    rows = [
        [f"{b.name} ({b.kind or ''})"]
        + [
            _scored(
                b.score(s.name, bench.primary(s.name)), b.interval(s.name, bench.primary(s.name))
            )
            for s in evaluated
        ]
        for b in baselines
    ]
    with_intervals = any(b.intervals for b in baselines)
    minimized = test is not None and bench.lower_is_better(bench.primary(test))
    lines = [
        "Primary metric on each split (robustness splits after the in-distribution test)"
        + (", with its 95% bootstrap interval over objects:" if with_intervals else ":"),
        "",
        *_table(["baseline", *(s.name + _named(bench, s, test) for s in evaluated)], rows),
        "",
    ]
    for b in baselines:
        lines += [f"- **{b.name}**: {b.description or ''}"]
        if b.command:
            lines += [f"  Reproduce: `{b.command}`"]
        if b.used_splits is not None:
            lines += [f"  Learnt from: {', '.join(b.used_splits) or 'nothing'}"]
        lines += _comparisons(b, baselines, test, minimized)
        if test:
            gaps = []
            for s in evaluated:
                if s.role != "robustness":
                    continue
                primary = bench.primary(s.name)
                here, base = b.score(s.name, primary), b.score(test, primary)
                if here is not None and base is not None:
                    gaps.append(f"{s.name} {here - base:+.3f}" + _named(bench, s, test))
            if gaps:
                lines += [f"  Robustness gap against {test}: {', '.join(gaps)}"]
        for split, found in (b.diagnostics or {}).items():
            listed = ", ".join(f"{k} {v:.3g}" for k, v in found.items())
            lines += [f"  Diagnostics on {split}: {listed}"]
    return [*lines, ""]


def _blind(bench: Benchmark) -> list[str]:
    """What is blind and why, where any split is."""
    blind = [s for s in bench.splits or () if s.blind]
    if not blind:
        return []
    names = ", ".join(s.name for s in blind)
    return [
        "### Blind splits",
        "",
        f"The public files of {names} carry no `{bench.target}`. The catalogue keeps their "
        "truth and scores predictions against it, so that no model can be tuned on these "
        "splits, even unintentionally: their scores measure what a model does on data nobody "
        "could look at. They guard against tuning, not against an adversary: where the examples "
        "come from public sources, whoever rebuilds them from those can recover the answers. "
        "Score them with `astrobench submit`, or `POST "
        ".../evaluate` with a token made with `astrobench token create NAME --submit`; each "
        "token may score a benchmark a limited number of times a day, so that the truth cannot "
        "be learnt by repeated probing. Only their primary metric is published, with its "
        "interval: per-class scores and confusion matrices, beside the predictions they come "
        "from, would tell which example is which, and each further metric answers more of a "
        "prober's questions. Each split's record publishes the checksum of its truth "
        "file (`truth_checksum`), a commitment that the answers it is scored against never "
        "change:",
        "",
        *(f"- {s.name}: `{s.truth_checksum or 'not yet written'}`" for s in blind),
        "",
    ]


def render(collection: dict[str, Any], figures: Sequence[tuple[str, str]] = ()) -> str:
    """The card of one version, as Markdown; ``figures`` are (title, file name) of diagnostic
    figures published beside it, linked relatively."""
    bench = Benchmark.from_collection(collection)
    splits = bench.splits or ()
    classes = [
        c.name + (" (held out of training)" if c.held_out else "") for c in bench.classes or ()
    ]
    lines = [
        f"# {collection['title']}, version {collection['version']}",
        "",
        collection["description"],
        "",
        "## The benchmark",
        "",
        f"- Task: {bench.task} of `{bench.target}`",
    ]
    if classes:
        lines.append(f"- Classes: {', '.join(classes)}")
    lines += [
        f"- Data: {bench.modality}, {bench.provenance}",
        f"- Licence: {collection['license']}",
        "",
        "### Metrics",
        "",
        *_table(
            ["metric", "direction", "meaning"],
            [
                [
                    m.name + (" (primary)" if m.primary else ""),
                    m.direction or "",
                    m.description or "",
                ]
                for m in bench.metrics or ()
            ],
        ),
        "",
        "### Splits and criteria",
        "",
        *_table(
            ["split", "role", "examples", "primary metric", "description"],
            [
                [
                    s.name,
                    (s.role or "") + (", blind" if s.blind else ""),
                    "" if s.count is None else str(s.count),
                    bench.primary(s.name),
                    s.description or "",
                ]
                for s in splits
            ],
        ),
        "",
        *_blind(bench),
        "## Baselines",
        "",
    ]
    baselines = bench.baselines or ()
    if baselines:
        lines += _baselines(bench, baselines)
    else:
        lines += ["No baselines are published for this version.", ""]
    if figures:
        lines += ["### Diagnostics", ""]
        lines += [f"![{title}]({name})" for title, name in figures]
        lines.append("")
    sections = (bench.card or Card()).sections()
    limitations = ("Known limitations", bench.limitations)
    sections.insert(list(CARD_HEADINGS).index("robustness_tests") + 1, limitations)
    for heading, body in sections:
        lines += [f"## {heading}", ""]
        lines += _bullets(body) if isinstance(body, list) else [body or "(not stated)"]
        lines.append("")
    lines += ["## Citation", "", collection.get("sci:citation", ""), ""]
    return "\n".join(lines)

"""The benchmark card: a Markdown rendering of a version's record, for people to read.

Everything in it comes from the Collection (``bench:card`` and the other benchmark fields), so the
card and the structured fields can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from astrobench.catalog import benchmark, evaluation
from astrobench.catalog.extension import CARD_HEADINGS, Benchmark, Card


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(r.replace("|", "\\|") for r in row) + " |" for row in rows]


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _named(collection: dict[str, Any], split: dict[str, Any], test: str | None) -> str:
    """`` (metric)`` where a split's primary metric is not the test split's, else nothing."""
    primary = _primary(collection, split)
    entry = next((s for s in collection.get(benchmark.SPLITS, []) if s["name"] == test), None)
    return "" if entry is None or _primary(collection, entry) == primary else f" ({primary})"


def _column(collection: dict[str, Any], split: dict[str, Any], test: str | None) -> str:
    return str(split["name"]) + _named(collection, split, test)


def _minimized(collection: dict[str, Any], test: str | None) -> bool:
    """Whether the test split's primary metric is better when lower."""
    bench = Benchmark.from_collection(collection)
    return test is not None and bench.lower_is_better(bench.primary(test))


def _primary(collection: dict[str, Any], split: dict[str, Any]) -> str:
    return evaluation.primary_of(collection, split["name"])


def _scored(value: float | None, bounds: list[float] | None) -> str:
    if value is None or not bounds:
        return _number(value)
    return f"{value:.3f} [{bounds[0]:.3f}, {bounds[1]:.3f}]"


def _comparisons(
    baseline: dict[str, Any],
    baselines: list[dict[str, Any]],
    test: str | None,
    minimized: bool = False,
) -> list[str]:
    """How a baseline compares with the others on the test split, by the paired interval of the
    difference: 'indistinguishable' where it covers zero; with ``minimized`` (a primary metric
    where lower is better) each direction says whether it is better or worse."""
    paired = baseline.get("versus", {}).get(test or "", {})
    kinds = {b["name"]: b.get("kind", "") for b in baselines}
    said = []
    for other, (low, high) in paired.items():
        if kinds.get(baseline["name"]) == "trivial" or other == baseline["name"]:
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


def render(collection: dict[str, Any], figures: Sequence[tuple[str, str]] = ()) -> str:
    """The card of one version, as Markdown; ``figures`` are (title, file name) of diagnostic
    figures published beside it, linked relatively."""
    card = collection.get(benchmark.CARD, {})
    splits = collection[benchmark.SPLITS]
    metrics = collection[benchmark.METRICS]
    classes = [
        c["name"] + (" (held out of training)" if c.get("held_out") else "")
        for c in collection.get(benchmark.CLASSES, [])
    ]
    lines = [
        f"# {collection['title']}, version {collection['version']}",
        "",
        collection["description"],
        "",
        "## The benchmark",
        "",
        f"- Task: {collection[benchmark.TASK]} of `{collection[benchmark.TARGET]}`",
    ]
    if classes:
        lines.append(f"- Classes: {', '.join(classes)}")
    lines += [
        f"- Data: {collection[benchmark.MODALITY]}, {collection[benchmark.PROVENANCE]}",
        f"- Licence: {collection['license']}",
        "",
        "### Metrics",
        "",
        *_table(
            ["metric", "direction", "meaning"],
            [
                [
                    m["name"] + (" (primary)" if m.get("primary") else ""),
                    m["direction"],
                    m.get("description", ""),
                ]
                for m in metrics
            ],
        ),
        "",
        "### Splits and criteria",
        "",
        *_table(
            ["split", "role", "examples", "primary metric", "description"],
            [
                [
                    s["name"],
                    s["role"],
                    str(s.get("count", "")),
                    _primary(collection, s),
                    s.get("description", ""),
                ]
                for s in splits
            ],
        ),
        "",
        "## Baselines",
        "",
    ]
    baselines = collection.get(benchmark.BASELINES, [])
    if baselines:
        evaluated = [s for s in splits if s["role"] != "train"]
        test = next((s["name"] for s in splits if s["role"] == "test"), None)
        rows = []
        for b in baselines:
            scores, bounds = b.get("scores", {}), b.get("intervals", {})
            rows.append(
                [f"{b['name']} ({b.get('kind', '')})"]
                + [
                    _scored(
                        scores.get(s["name"], {}).get(_primary(collection, s)),
                        bounds.get(s["name"], {}).get(_primary(collection, s)),
                    )
                    for s in evaluated
                ]
            )
        with_intervals = any(b.get("intervals") for b in baselines)
        minimized = _minimized(collection, test)
        lines += [
            "Primary metric on each split (robustness splits after the in-distribution test)"
            + (", with its 95% bootstrap interval over objects:" if with_intervals else ":"),
            "",
            *_table(["baseline", *(_column(collection, s, test) for s in evaluated)], rows),
            "",
        ]
        for b in baselines:
            lines += [f"- **{b['name']}**: {b.get('description', '')}"]
            if b.get("command"):
                lines += [f"  Reproduce: `{b['command']}`"]
            if "used_splits" in b:
                lines += [f"  Learnt from: {', '.join(b['used_splits']) or 'nothing'}"]
            lines += _comparisons(b, baselines, test, minimized)
            if test:
                gaps = []
                for s in evaluated:
                    if s["role"] != "robustness":
                        continue
                    primary = _primary(collection, s)
                    here = b.get("scores", {}).get(s["name"], {}).get(primary)
                    base = b.get("scores", {}).get(test, {}).get(primary)
                    if here is not None and base is not None:
                        gaps.append(f"{s['name']} {here - base:+.3f}" + _named(collection, s, test))
                if gaps:
                    lines += [f"  Robustness gap against {test}: {', '.join(gaps)}"]
            for split, found in b.get("diagnostics", {}).items():
                listed = ", ".join(f"{k} {v:.3g}" for k, v in found.items())
                lines += [f"  Diagnostics on {split}: {listed}"]
        lines.append("")
    else:
        lines += ["No baselines are published for this version.", ""]
    if figures:
        lines += ["### Diagnostics", ""]
        lines += [f"![{title}]({name})" for title, name in figures]
        lines.append("")
    sections = Card.from_dict(card).sections()
    limitations = ("Known limitations", collection.get(benchmark.LIMITATIONS))
    sections.insert(list(CARD_HEADINGS).index("robustness_tests") + 1, limitations)
    for heading, body in sections:
        lines += [f"## {heading}", ""]
        lines += _bullets(body) if isinstance(body, list) else [body or "(not stated)"]
        lines.append("")
    lines += ["## Citation", "", collection.get("sci:citation", ""), ""]
    return "\n".join(lines)

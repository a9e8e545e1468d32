"""stac-api-validator, unmodified, against a real ``astrobench serve``, with no network but loopback.

The validator runs as its command line in a subprocess that ``tests.stac_offline`` makes offline:
the published schemas it, stac-validator, stac-check and pystac fetch come from
``tests/data/stac-schemas``, the benchmark extension's from the server under test, and any other
outside URL fails at once. Every conformance class the landing page advertises and the validator
knows is checked (those in ``ON_FOOTPRINTS`` on a dataset of items with footprints on Earth); every
warning it prints must be accepted below,
with the reason.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests import stac_offline
from tests.conftest import FOOTPRINTS

VALIDATOR = Path(sys.executable).parent / "stac-api-validator"
assert VALIDATOR.exists(), "pip install 'astrobench[dev]' (stac-api-validator needs Python 3.11)"
COLLECTIONS = ("sn-spectra", "ogle3-variables")
"""The bundled datasets, each given to the validator as ``--collection``."""
ON_FOOTPRINTS = {
    "item-search#fields": "the validator wants a non-null geometry and bbox in the default "
    "fields, and the bundled items have neither: sky data have no footprint on Earth",
    "item-search#sort": "the validator sorts the items' properties.datetime values with "
    "list.sort(), which raises TypeError on the null ones that every bundled item has beside "
    "start_datetime/end_datetime, as STAC allows",
}
"""Classes validated on ``toy-footprints`` only, and why not on the bundled datasets."""
AREA = (
    '{"type": "Polygon", "coordinates": [[[-10, -10], [10, -10], [10, 10], [-10, 10], [-10, -10]]]}'
)
"""The ``--geometry`` of the intersects tests: it holds some of toy-footprints' items."""
FIELDS_PROPERTY = "properties.bench:split"
"""A property every item has, for the fields extension's include/exclude tests."""

CLASSES = {
    "core": "core",
    "browseable": "browseable",
    "children": "children",
    "collections": "collections",
    "features": "ogcapi-features",
    "item-search": "item-search",
    "filter": "item-search#filter",
    "item-search#fields": "item-search#fields",
    "item-search#sort": "item-search#sort",
    "item-search#query": "item-search#query",
    "features#fields": "ogcapi-features#fields",
    "features#sort": "ogcapi-features#sort",
    "features#query": "ogcapi-features#query",
    "transaction": "ogcapi-features/extensions/transaction",
}
"""Each ``--conformance`` choice of the validator's command line, by the ``conformsTo`` URI
``https://api.stacspec.org/<version>/<this>`` that advertises it. (The CLI has no choice for
``ogcapi-features#filter``; free-text and collection search it does not check.)"""

ACCEPTED_WARNINGS = {
    r"Item Search configured for validation, but `--geometry` parameter not specified\. "
    r"Intersection tests will not be run": "no --geometry: every item's geometry is null (sky "
    "data have no footprint on Earth, DESIGN.md), so no intersects search can match",
    r"\[Item Search\] GET Search within bbox=20,20,21,21 to validate ids does not override all "
    r"other parameters returned 0 results": "null geometry: no item is in any bbox, and since "
    "STAC API 1.0.0 ids do not override bbox: no result is the right answer",
    r"\[Item Search - Fields Ext\] : .* response contained extra fields "
    r"\[(?:'(?:type|stac_version|id|collection)'(?:, )?)+\]": "the fields extension lets a server "
    "always include simple string fields such as id and type; these four let clients parse items",
    r"\[Item Search - Fields Ext\] : POST \{'fields': \{'exclude': \['properties'\], 'include': "
    r"\['properties\.[^']+'\]\}\} response contained extra fields "
    r"\[(?:'(?:type|stac_version|id|collection|properties)'(?:, )?)+\]": "the same, and the "
    "validator counts 'properties', which holds the nested field it asked for, as extra",
}
"""Warnings (printed, or logged at WARNING) accepted, as regular expressions, with the reason."""

ACCEPTED_STAC_CHECK = {
    r"Item name '[^']*' should only contain Searchable identifiers": "item ids embed the "
    "version's MAJOR.MINOR.PATCH (sn-spectra-2.0.0-test), dots included",
    r"Identifiers should consist of only lowercase characters, numbers, '_', and '-'": "the "
    "same: the dots of the version in item ids",
    r"Item file names should match their ids: '[^']*' not equal to '[^',]*": "stac-check takes "
    "an API URL up to its first '.' as a file name; items of an API have no file name",
    r"Please avoid setting the datetime field to null, many clients search on this field": "a "
    "split spans observation dates: datetime is null beside start_datetime/end_datetime, as "
    "STAC allows",
    r"All items should have a geometry field\. STAC is not meant for non-spatial data": "sky "
    "data have no footprint on Earth: geometry is null (DESIGN.md); bench:sky_footprint has it",
}
"""stac-check recommendations (which the validator joins into one warning per object) accepted."""

STAC_CHECK = re.compile(r"\[[^]]+\] : \w+ \S+ has these stac-check recommendations: (.*)", re.S)


@dataclass
class Report:
    """What one run of the validator printed."""

    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    crash: str | None = None
    """The traceback, when the validator raised instead of reporting."""


def parse(output: str) -> Report:
    """Read the validator's output: log lines, then ``Warnings:`` and ``Errors:`` lists of
    ``- `` entries (an entry may go on over several lines), or ``Failed.`` and a traceback."""
    report = Report()
    lines = output.splitlines()
    if "Failed." in lines:
        report.crash = "\n".join(lines[lines.index("Failed.") :])
    entries: list[str] | None = None
    for line in lines:
        if line.startswith(("Warnings:", "Errors:")):
            entries = report.warnings if line.startswith("W") else report.errors
        elif entries is None:
            if logged := re.match(r"(WARNING|ERROR|CRITICAL):[\w.]+:\s*(.*)", line):
                kind, text = logged.groups()
                (report.warnings if kind == "WARNING" else report.errors).append(text)
        elif line.startswith("- "):
            entries.append(line[2:])
        elif entries:
            entries[-1] += "\n" + line
    return report


def unaccepted_warnings(warnings: list[str]) -> list[str]:
    """The warnings, or the parts of stac-check's, that no entry above accepts."""
    left = []
    for warning in warnings:
        if any(re.fullmatch(pattern, warning) for pattern in ACCEPTED_WARNINGS):
            continue
        if recommendations := STAC_CHECK.fullmatch(warning):
            rest = recommendations.group(1)
            for pattern in ACCEPTED_STAC_CHECK:
                rest = re.sub(pattern, "", rest)
            if rest.strip(", \n"):
                left.append(f"{warning}\n  (not accepted: {rest.strip(', ')})")
            continue
        left.append(warning)
    return left


def advertised(server: str) -> list[str]:
    """The validator's conformance choices that the landing page's ``conformsTo`` lists."""
    conforms_to = httpx.get(server + "/", timeout=30).json()["conformsTo"]
    return [
        choice
        for choice, suffix in CLASSES.items()
        if any(
            re.fullmatch(rf"https://api\.stacspec\.org/[^/]+/{re.escape(suffix)}", uri)
            for uri in conforms_to
        )
    ]


def run_validator(
    server: str, workdir: Path, collection: str, classes: list[str], *options: str
) -> Report:
    """Run the validator's command line offline on ``server`` and parse what it prints; fail on
    any schema URL that the harness had no copy of."""
    command = [str(VALIDATOR), "--root-url", server + "/", "--collection", collection]
    command += [f"--conformance={choice}" for choice in classes]
    env = stac_offline.environment(stac_offline.url_map(server), workdir)
    done = subprocess.run(
        [*command, *options], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    (workdir / "validator.out").write_text(done.stdout + done.stderr, encoding="utf-8")
    missing = [
        url
        for outcome, url in stac_offline.fetches(workdir)
        if outcome == "refused" and url.endswith(".json")
    ]
    assert not missing, f"schemas with no copy in tests/data/stac-schemas: {missing}"
    return parse(done.stdout + done.stderr)


def problems(report: Report) -> list[str]:
    """A crash, every error, and every warning not accepted above."""
    found = [f"crash: {report.crash}"] if report.crash else []
    found += [f"error: {e}" for e in report.errors]
    return found + [f"warning: {w}" for w in unaccepted_warnings(report.warnings)]


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_stac_api_validator_finds_no_errors(server: str, tmp_path: Path, collection: str) -> None:
    classes = [c for c in advertised(server) if c not in ON_FOOTPRINTS]
    assert {"core", "collections", "features", "item-search", "filter"} <= set(classes)
    report = run_validator(server, tmp_path, collection, classes, "--validate-pagination")
    assert not problems(report), "\n".join(problems(report))


def test_stac_api_validator_on_items_with_footprints(footprints: str, tmp_path: Path) -> None:
    """Every advertised class the validator knows, intersects tests included."""
    classes = advertised(footprints)
    assert set(ON_FOOTPRINTS) <= set(classes)
    report = run_validator(
        footprints,
        tmp_path,
        FOOTPRINTS,
        classes,
        f"--fields-nested-property={FIELDS_PROPERTY}",
        f"--geometry={AREA}",
        "--validate-pagination",
    )
    assert not problems(report), "\n".join(problems(report))


def offline_python(
    server: str, workdir: Path, code: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """Run Python ``code`` with ``args`` in an offline subprocess; it must succeed."""
    env = stac_offline.environment(stac_offline.url_map(server), workdir)
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_pystac_client_validates_the_catalogue_offline(server: str, tmp_path: Path) -> None:
    """What the validator does last when it found no error: pystac validates the landing page and
    each collection against the core and extension schemas, which it reads by URL."""
    code = (
        "import sys\n"
        "from pystac_client import Client\n"
        "catalog = Client.open(sys.argv[1])\n"
        "print(len(catalog.validate()))\n"
        "for child in catalog.get_children():\n"
        "    print(child.id, len(child.validate()))\n"
    )
    done = offline_python(server, tmp_path, code, server + "/")
    validated = dict(line.split() for line in done.stdout.splitlines()[1:])
    assert set(validated) >= {"sn-spectra", "ogle3-variables"}
    served = {url for outcome, url in stac_offline.fetches(tmp_path) if outcome == "served"}
    assert f"{stac_offline.BENCHMARK_SCHEMAS}v1.2.0/schema.json" in served  # the latest's


def test_offline_harness_serves_copies_and_refuses_the_rest(server: str, tmp_path: Path) -> None:
    """requests, urllib and urllib3 each get the vendored copy, the benchmark schema comes from
    the server, and a host with no copy fails at once instead of waiting on the network."""
    code = (
        "import sys, time, json, requests, urllib3, urllib.request\n"
        "core, ours, other = sys.argv[1:]\n"
        "for url in (core, ours):\n"
        "    assert requests.get(url, timeout=5).json()['$id'].startswith(url)\n"
        "    assert json.load(urllib.request.urlopen(url))['$id'].startswith(url)\n"
        "    assert urllib3.PoolManager().request('GET', url).json()['$id'].startswith(url)\n"
        "start = time.monotonic()\n"
        "for fetch in (lambda: requests.get(other, timeout=30), lambda: urllib.request.urlopen(\n"
        "        other, timeout=30), lambda: urllib3.PoolManager().request('GET', other)):\n"
        "    try:\n"
        "        fetch()\n"
        "    except Exception:\n"
        "        pass\n"
        "    else:\n"
        "        raise AssertionError(other)\n"
        "assert time.monotonic() - start < 5\n"
    )
    core = "https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/item.json"
    ours = f"{stac_offline.BENCHMARK_SCHEMAS}v1.1.0/schema.json"
    other = "https://example.org/schema.json"
    offline_python(server, tmp_path, code, core, ours, other)
    assert stac_offline.fetches(tmp_path).count(("refused", other)) == 3

"""Walk STAC Browser 4.0.1 (unmodified, from its npm package) through any astrobench server, and
print what breaks: console errors, error boxes, datasets listed twice, broken version links.

The same walk as ``tests/e2e/test_stac_browser.py``, for a server you already run. The first run
builds STAC Browser into ``.cache/stac-browser-4.0.1/`` (1-3 minutes; needs npm and the npm
registry), later runs reuse it. It needs Debian's ``chromium`` and ``chromium-driver``.

    astrobench serve --port 8000 &
    python bench/stac_browser.py http://127.0.0.1:8000                # the walk; exit 1 on findings
    python bench/stac_browser.py http://127.0.0.1:8000 --shots out/   # with screenshots
    python bench/stac_browser.py http://127.0.0.1:8000 --serve-only   # just serve the UI: browse it

The UI is served on a free loopback port with ``window.STAC_BROWSER_CONFIG.catalogUrl`` set to the
server (``/config.js``); the server must send CORS headers (astrobench sends ``*``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.chromium import chromium
from tests.e2e.stac_browser import Walk, ensure_built, serve


def steps(walk: Walk) -> list[tuple[str, Callable[[], list[str]]]]:
    """Every check, for every dataset the server lists."""
    found: list[tuple[str, Callable[[], list[str]]]] = [("catalogue", walk.catalogue)]
    for dataset in walk.datasets():
        name = dataset["id"]
        rels = {link["rel"]: link["href"] for link in dataset.get("links", [])}
        found += [
            (f"{name}: page", partial(walk.collection, name)),
            (f"{name}: up", partial(walk.up, name)),
            (f"{name}: item", partial(walk.item, name)),
            (f"{name}: items", partial(walk.items, name)),
            (f"{name}: queryables", partial(walk.queryables, f"/collections/{name}")),
        ]
        if "predecessor-version" in rels:
            previous = "/" + rels["predecessor-version"].split("://", 1)[-1].split("/", 1)[-1]
            found += [
                (f"{name}: versions", partial(walk.versions, name)),
                (f"{name}: previous queryables", partial(walk.queryables, previous)),
            ]
    found.append(("search with one filter", walk.search))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the astrobench server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--shots", type=Path, help="folder for stac-browser-*.png screenshots")
    parser.add_argument("--serve-only", action="store_true", help="serve the UI until Ctrl-C")
    args = parser.parse_args()
    dist = ensure_built()
    with serve(dist, args.url) as ui:
        if args.serve_only:
            print(f"STAC Browser for {args.url}: {ui}/  (Ctrl-C stops)")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return 0
        driver = chromium()
        try:
            walk = Walk(driver, ui, args.url, args.shots)
            total, start = 0, time.monotonic()
            for name, step in steps(walk):
                began = time.monotonic()
                findings = step()
                total += len(findings)
                print(f"{'FAIL' if findings else 'ok  '} {name} ({time.monotonic() - began:.1f} s)")
                for line in findings:
                    print(f"     {line}")
        finally:
            driver.quit()
    print(f"{total} finding(s) in {time.monotonic() - start:.0f} s")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())

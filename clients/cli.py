"""The ``astrobench`` command line: serve, ingest, db, token, doi, verify, versions, search,
download, mirror, evaluate, baseline, rebuild, lint."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from importlib import import_module
from types import ModuleType
from typing import Any

from astrobench.errors import AstrobenchError

SERVER_HINT = "this command needs the server components: pip install 'astrobench[server]'"


def _server_module(name: str) -> ModuleType:
    try:
        return import_module(name)
    except ModuleNotFoundError as error:
        if (error.name or "").startswith("astrobench"):
            raise
        raise SystemExit(f"astrobench: {SERVER_HINT} (missing: {error.name})") from error


def _catalog_settings(args: argparse.Namespace, module: str, cls: str) -> Any:
    overrides = {
        k: v
        for k, v in {
            "data_dir": args.data_dir,
            "database_url": args.database_url,
            "storage_url": args.storage_url,
            "mirror_url": getattr(args, "mirror", None),
        }.items()
        if v
    }
    return getattr(_server_module(module), cls)(**overrides)


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _catalog_settings(args, "astrobench.service.settings", "Settings")
    uvicorn = _server_module("uvicorn")
    host, port = args.host or settings.host, args.port or settings.port
    if args.workers > 1:
        # Workers are separate processes that build the app from the environment.
        settings.prepare()
        store = _server_module("astrobench.catalog.store").Store(settings.database_url)
        if settings.auto_migrate:
            store.create()  # once, before the workers start
        if settings.mirror_url:
            storage = _server_module("astrobench.catalog.storage").AssetStorage(settings.mirror_url)
            _server_module("astrobench.catalog.replica").load(store, storage)
        store.close()
        os.environ.update(
            ASTROBENCH_DATA_DIR=str(settings.data_dir),
            ASTROBENCH_DATABASE_URL=settings.database_url,
            ASTROBENCH_STORAGE_URL=settings.storage_url,
            ASTROBENCH_MIRROR_URL=settings.mirror_url,
        )
        uvicorn.run(
            "astrobench.service.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=args.workers,
            log_level=args.log_level,
        )
        return 0
    app = _server_module("astrobench.service.app").create_app(settings)
    uvicorn.run(app, host=host, port=port, log_level=args.log_level)
    return 0


def _store(args: argparse.Namespace) -> Any:
    settings = _catalog_settings(args, "astrobench.catalog.settings", "CatalogSettings")
    settings.prepare()
    return _server_module("astrobench.catalog.store").Store(settings.database_url)


def cmd_db(args: argparse.Namespace) -> int:
    migrate = _server_module("astrobench.catalog.migrate")
    store = _store(args)
    try:
        if args.action == "upgrade":
            store.create()
        print(f"schema revision {migrate.current(store.engine)} (newest known: {migrate.head()})")
    finally:
        store.close()
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    auth = _server_module("astrobench.catalog.auth")
    store = _store(args)
    try:
        store.create()
        if args.action == "create":
            role = auth.Role.ADMIN if args.admin else auth.Role.CURATOR
            secret = auth.issue(store, args.name, role, args.dataset or [])
            print(secret)
            print(
                f"token {args.name!r} ({role.value}) created; the secret above is shown only once",
                file=sys.stderr,
            )
        elif args.action == "revoke":
            auth.revoke(store, args.name)
            print(f"token {args.name!r} revoked", file=sys.stderr)
        else:
            for info in auth.tokens(store):
                state = f"revoked {info.revoked:%Y-%m-%d}" if info.revoked else "active"
                scope = "all datasets" if info.role is auth.Role.ADMIN else ", ".join(info.datasets)
                print(f"{info.name}\t{info.role.value}\t{scope}\t{state}")
    finally:
        store.close()
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    settings = _catalog_settings(args, "astrobench.catalog.settings", "CatalogSettings")
    settings.prepare()
    recipes = _server_module("astrobench.ingest.recipe")
    publish = _server_module("astrobench.ingest.publish")
    store_module = _server_module("astrobench.catalog.store")
    storage_module = _server_module("astrobench.catalog.storage")
    minting = _server_module("astrobench.catalog.minting")
    if args.all == bool(args.name):
        raise SystemExit(
            "astrobench ingest: give a dataset NAME or --all, not both; datasets: "
            + ", ".join(recipes.RECIPES)
        )
    names = list(recipes.RECIPES) if args.all else [args.name]
    store = store_module.Store(settings.database_url)
    store.create()
    storage = storage_module.AssetStorage(settings.storage_url)
    try:
        for name in names:
            recipe = recipes.get_recipe(name)
            versions = [args.version] if args.version else list(recipe.versions)
            publish.ingest(
                recipe,
                versions,
                store,
                storage,
                settings.source_dir,
                report=lambda line: print(line, file=sys.stderr, flush=True),
                mint=lambda dataset, version: minting.mint(
                    store,
                    settings.doi_scheme(),
                    settings.public_url(),
                    dataset,
                    version,
                    settings.datacite(),
                ),
            )
    finally:
        store.close()
    return 0


def cmd_doi(args: argparse.Namespace) -> int:
    settings = _catalog_settings(args, "astrobench.catalog.settings", "CatalogSettings")
    settings.prepare()
    minting = _server_module("astrobench.catalog.minting")
    store = _server_module("astrobench.catalog.store").Store(settings.database_url)
    try:
        store.create()
        if args.action == "sync":
            api = settings.datacite()
            if api is None:
                print(
                    "no DataCite credentials (ASTROBENCH_DATACITE_USER/_PASSWORD): DOIs stay reserved drafts",
                    file=sys.stderr,
                )
            states = minting.sync(store, settings.doi_scheme(), settings.public_url(), api)
        else:
            states = minting.states(store)
        for s in states:
            note = f"\t{s.message}" if s.message else ""
            print(f"{s.doi}\t{s.state}{note}")
    finally:
        store.close()
    return 0 if all(s.state == "findable" for s in states) or args.action == "list" else 1


def cmd_verify(args: argparse.Namespace) -> int:
    settings = _catalog_settings(args, "astrobench.catalog.settings", "CatalogSettings")
    integrity = _server_module("astrobench.catalog.integrity")
    store = _server_module("astrobench.catalog.store").Store(settings.database_url)
    storage = _server_module("astrobench.catalog.storage").AssetStorage(settings.storage_url)
    try:
        store.require_current()
        records = integrity.assets(store, args.name, args.version)
    finally:
        store.close()
    problems = 0
    for asset in records:
        finding = integrity.check_one(storage, asset)
        if finding.state is integrity.State.OK:
            continue
        problems += 1
        line = finding.describe()
        if args.quarantine and finding.state is integrity.State.DAMAGED:
            line += f"\tquarantined at {integrity.quarantine(storage, asset)}"
        print(line, flush=True)
    size = sum(a.size for a in records)
    print(
        f"checked {len(records)} file(s), {size / 1e6:.1f} MB: "
        + (f"{problems} problem(s)" if problems else "all match their published checksums"),
        file=sys.stderr,
    )
    return 1 if problems else 0


def cmd_versions(args: argparse.Namespace) -> int:
    from astrobench.client import Client

    for entry in Client(args.url).versions(args.name):
        status = "" if entry["status"] == "published" else f"  [{entry['status']}]"
        print(f"{entry['version']}  {entry['published'][:10]}{status}  {entry['release_notes']}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from astrobench.client import Client

    search = Client(args.url).search(
        collections=args.collections or None, ids=args.ids or None, max_items=args.max_items
    )
    for item in search.items_as_dicts():
        print(
            json.dumps(
                {
                    "id": item["id"],
                    "collection": item.get("collection"),
                    "href": item["assets"]["data"]["href"],
                }
            )
        )
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from astrobench.client import Client
    from astrobench.report import predictions_in

    source = Path(args.predictions)
    if not source.exists():
        raise FileNotFoundError(
            f"{source} does not exist: give a predictions CSV with --split NAME, "
            "or a folder of <split>.csv files"
        )
    with Client(args.url) as client:
        if source.is_dir():
            report = client.evaluate(args.name, predictions_in(source), args.version)
        elif args.split:
            report = client.evaluate(args.name, source, args.version, args.split)
        else:
            raise SystemExit(
                "astrobench evaluate: give --split NAME for one file, or a folder of <split>.csv"
            )
    print(json.dumps(report.data, indent=2) if args.json else report)
    return 0


def cmd_download(args: argparse.Namespace) -> int:
    from astrobench.client import Client

    with Client(args.url) as client:
        paths = client.download(
            args.name,
            args.version,
            args.split or None,
            cache_dir=args.cache_dir,
            workers=args.workers,
        )
    for path in paths:
        print(path)
    return 0


def cmd_mirror(args: argparse.Namespace) -> int:
    from astrobench.client import Client
    from astrobench.mirror import mirror, register

    if bool(args.register) != bool(args.public_url):
        raise SystemExit("astrobench mirror: --register NAME and --public-url URL go together")
    report = mirror(
        args.source,
        args.dest,
        versions=args.versions,
        datasets=args.datasets.split(",") if args.datasets else None,
        workers=args.workers,
        verify=args.verify,
        log=lambda line: print(line, file=sys.stderr),
    )
    print(report.summary())
    if args.register:
        token = args.token or os.environ.get("ASTROBENCH_TOKEN")
        with Client(args.source) as client:
            registered = register(client, args.register, args.public_url, args.dest, token)
        held = sum(len(v) for v in registered["versions"].values())
        print(f"registered as mirror {registered['name']!r} of {args.source}: {held} versions")
    return 0


def cmd_baseline(args: argparse.Namespace) -> int:
    from pathlib import Path

    from astrobench.client import Client

    recipes = _server_module("astrobench.ingest.recipe")
    benchmarking = _server_module("astrobench.ingest.benchmarking")
    base = _server_module("astrobench.ingest.baselines.base")
    recipe = recipes.get_recipe(args.name)
    out = Path(args.out or f"{args.name}-{args.baseline}")
    with Client(args.url) as client:
        collection = client.collection(args.name, args.version)
        version = collection["version"]
        baseline = base.lookup(recipe.baselines_of(version), args.baseline, args.name)
        out.mkdir(parents=True, exist_ok=True)
        splits = [s["name"] for s in collection["bench:splits"]]
        print(f"{args.name} {version}: loading {len(splits)} splits", file=sys.stderr)
        data = {s: client.open(args.name, version, s, cache=True).load() for s in splits}
        print(f"running {args.baseline} (seed {baseline.seed})", file=sys.stderr)
        result = benchmarking.run(baseline, collection, data)
        for split, text in result.files.items():
            (out / f"{split}.csv").write_text(text, encoding="utf-8")
        report = client.evaluate(args.name, result.files, version)
    print(report)
    published = next(
        (b for b in collection.get("bench:baselines", []) if b["name"] == args.baseline), None
    )
    if published is None:
        print(f"{version} publishes no scores for {args.baseline}", file=sys.stderr)
        return 0
    differ = [
        split
        for split in splits
        if split in published["scores"]  # since v1.2.0 none on train
        and not _same(published["scores"][split], report.metrics(split))
    ]
    print(f"predictions written to {out}/<split>.csv", file=sys.stderr)
    if differ:
        print(f"scores differ from the published ones on: {', '.join(differ)}", file=sys.stderr)
        return 1
    print(f"scores match the published {args.baseline} scores on every split", file=sys.stderr)
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    import tempfile
    from pathlib import Path

    from astrobench.client import Client

    settings = _catalog_settings(args, "astrobench.catalog.settings", "CatalogSettings")
    recipes = _server_module("astrobench.ingest.recipe")
    environment = _server_module("astrobench.ingest.environment")
    rebuilding = _server_module("astrobench.ingest.rebuild")
    recipe = recipes.get_recipe(args.name)
    with Client(args.url) as client:
        collection, items = client.records(args.name, args.version)
    version = collection["version"]
    recorded = rebuilding.software_of(collection)
    here = environment.describe(*recorded)
    differ = environment.differences(recorded, here)
    for line in differ:
        print(f"software: {line}", file=sys.stderr)
    if differ and not args.anyway:
        print(
            f"{args.name} {version}: this environment differs from the one that built it, so a "
            "byte-identical rebuild cannot be claimed; install the versions above, or pass "
            "--anyway to rebuild and compare all the same",
            file=sys.stderr,
        )
        return 2
    settings.prepare()
    sources = {s.name: s.fetch(settings.source_dir) for s in recipe.sources}
    with tempfile.TemporaryDirectory(prefix=f"{args.name}-{version}-") as tmp:
        rebuilt = rebuilding.rebuild(
            recipe, version, sources, Path(tmp), report=lambda line: print(line, file=sys.stderr)
        )
    checks = rebuilding.compare(rebuilding.published_files([collection, *items]), rebuilt)
    for check in checks:
        if not check.same:
            print(f"differs\t{check.path}\tpublished {check.published}\trebuilt {check.rebuilt}")
    same = sum(check.same for check in checks)
    verdict = "byte-identical" if same == len(checks) else f"{len(checks) - same} file(s) differ"
    print(
        f"{args.name} {version}: {same} of {len(checks)} files rebuilt; {verdict}", file=sys.stderr
    )
    return 0 if same == len(checks) else 1


def _same(published: dict[str, float], reproduced: dict[str, float]) -> bool:
    return published.keys() == reproduced.keys() and all(
        abs(published[k] - reproduced[k]) <= 1e-9 for k in published
    )


def cmd_lint(args: argparse.Namespace) -> int:
    from astrobench.catalog.lint import lint
    from astrobench.client import Client

    with Client(args.url) as client:
        collection = client.collection(args.name, args.version)
    findings = lint(collection, **({"min_objects": args.min_objects} if args.min_objects else {}))
    title = f"{args.name} {collection['version']}"
    for finding in findings:
        print(f"{title}: {finding}")
    if findings:
        print(
            f"{title}: {len(findings)} part(s) of the benchmark card or criteria missing",
            file=sys.stderr,
        )
        return 1
    print(f"{title}: complete (criteria, baselines, scores, figures and card)")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="astrobench", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)

    def store_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--data-dir", help="data directory (ASTROBENCH_DATA_DIR)")
        sub.add_argument("--database-url", help="SQLAlchemy URL (ASTROBENCH_DATABASE_URL)")
        sub.add_argument("--storage-url", help="fsspec URL of assets (ASTROBENCH_STORAGE_URL)")

    serve = commands.add_parser("serve", help="serve the catalogue over HTTP")
    serve.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8000)")
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (stateless; use PostgreSQL)"
    )
    serve.add_argument(
        "--mirror", metavar="DEST", help="serve a mirror made by 'astrobench mirror', read-only"
    )
    store_options(serve)
    serve.set_defaults(run=cmd_serve)

    ingest = commands.add_parser(
        "ingest", help="build datasets from their recipes and publish them"
    )
    ingest.add_argument("name", nargs="?", help="dataset id, e.g. sn-spectra")
    ingest.add_argument("--version", help="build only this version (default: every version)")
    ingest.add_argument("--all", action="store_true", help="every bundled dataset")
    store_options(ingest)
    ingest.set_defaults(run=cmd_ingest)

    db = commands.add_parser("db", help="show or upgrade the catalogue's schema revision")
    db.add_argument("action", choices=["upgrade", "current"])
    store_options(db)
    db.set_defaults(run=cmd_db)

    token = commands.add_parser("token", help="manage API tokens (stored hashed)")
    token_actions = token.add_subparsers(dest="action", required=True)
    create = token_actions.add_parser("create", help="issue a token and print its secret once")
    create.add_argument("name", help="who holds it, e.g. sn-team or ops@example.org")
    scope = create.add_mutually_exclusive_group(required=True)
    scope.add_argument("--admin", action="store_true", help="may write every dataset")
    scope.add_argument(
        "--dataset", action="append", help="a dataset a curator token may write (repeatable)"
    )
    revoke = token_actions.add_parser("revoke", help="revoke a token by name")
    revoke.add_argument("name")
    token_actions.add_parser("list", help="list tokens (names and scopes, never secrets)")
    for action in token_actions.choices.values():
        store_options(action)
    token.set_defaults(run=cmd_token)

    doi = commands.add_parser(
        "doi", help="list DOIs and their DataCite state, or register pending ones"
    )
    doi.add_argument("action", choices=["list", "sync"])
    store_options(doi)
    doi.set_defaults(run=cmd_doi)

    verify = commands.add_parser(
        "verify", help="re-hash stored files against their published checksums"
    )
    verify.add_argument("name", nargs="?", help="only this dataset (default: every dataset)")
    verify.add_argument("--version", help="only this version of NAME (e.g. 1.2 or 1.2.0)")
    verify.add_argument(
        "--quarantine",
        action="store_true",
        help="move damaged files aside (the service then answers 503 for them, not wrong bytes)",
    )
    store_options(verify)
    verify.set_defaults(run=cmd_verify)

    def client_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--url", help="catalogue URL (ASTROBENCH_URL)")

    versions = commands.add_parser("versions", help="list the versions of a dataset")
    versions.add_argument("name")
    client_options(versions)
    versions.set_defaults(run=cmd_versions)

    search = commands.add_parser("search", help="search items; prints one JSON line per item")
    search.add_argument("--collections", nargs="*")
    search.add_argument("--ids", nargs="*")
    search.add_argument("--max-items", type=int, default=100)
    client_options(search)
    search.set_defaults(run=cmd_search)

    download = commands.add_parser(
        "download", help="put a version's files in the local cache, verified, for offline use"
    )
    download.add_argument("name")
    download.add_argument("--version", help="version (default: latest)")
    download.add_argument("--split", action="append", help="only this split (repeatable)")
    download.add_argument("--cache-dir", help="cache folder (ASTROBENCH_CACHE_DIR)")
    download.add_argument("--workers", type=int, default=4, help="parallel downloads")
    client_options(download)
    download.set_defaults(run=cmd_download)

    mirror = commands.add_parser(
        "mirror", help="copy a catalogue into a static STAC tree (folder or s3://), incrementally"
    )
    mirror.add_argument("source", help="URL of the catalogue to mirror")
    mirror.add_argument("dest", help="a folder, or an fsspec URL such as s3://bucket/prefix")
    mirror.add_argument("--versions", choices=["latest", "all"], default="all")
    mirror.add_argument("--datasets", help="comma-separated dataset ids (default: all)")
    mirror.add_argument("--workers", type=int, default=4, help="parallel file transfers")
    mirror.add_argument(
        "--verify", action="store_true", help="re-hash files already mirrored, not only sizes"
    )
    mirror.add_argument("--register", metavar="NAME", help="register with the source as NAME")
    mirror.add_argument("--public-url", help="URL under which DEST's files are served")
    mirror.add_argument("--token", help="admin token for --register (ASTROBENCH_TOKEN)")
    mirror.set_defaults(run=cmd_mirror)

    evaluate = commands.add_parser(
        "evaluate", help="score predictions with the official metrics of a dataset version"
    )
    evaluate.add_argument("name")
    evaluate.add_argument(
        "predictions", help="a predictions CSV (with --split), or a folder of <split>.csv files"
    )
    evaluate.add_argument("--version", help="version (default: latest)")
    evaluate.add_argument("--split", help="the split a single CSV file answers")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    client_options(evaluate)
    evaluate.set_defaults(run=cmd_evaluate)

    baseline = commands.add_parser(
        "baseline", help="rerun a published baseline and check its scores (needs [ingest])"
    )
    baseline.add_argument("name")
    baseline.add_argument("baseline", help="e.g. snid-xcorr, random-forest")
    baseline.add_argument("--version", help="version (default: latest)")
    baseline.add_argument(
        "--out", help="folder for <split>.csv predictions (default NAME-BASELINE)"
    )
    client_options(baseline)
    baseline.set_defaults(run=cmd_baseline)

    rebuild = commands.add_parser(
        "rebuild",
        help="rebuild a published version from its recipe and compare every file's checksum "
        "(needs [ingest])",
    )
    rebuild.add_argument("name")
    rebuild.add_argument("--version", help="version (default: latest)")
    rebuild.add_argument(
        "--anyway",
        action="store_true",
        help="rebuild and compare even where this environment differs from the recorded one",
    )
    client_options(rebuild)
    store_options(rebuild)
    rebuild.set_defaults(run=cmd_rebuild)

    lint = commands.add_parser(
        "lint", help="report what a version's benchmark card, criteria and baselines lack"
    )
    lint.add_argument("name")
    lint.add_argument("--version", help="version (default: latest)")
    lint.add_argument(
        "--min-objects",
        type=int,
        help="fewest objects of a class an evaluation split may hold (default 10)",
    )
    client_options(lint)
    lint.set_defaults(run=cmd_lint)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except KeyboardInterrupt:
        print("astrobench: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        message = explain(error)
        if message is None:
            raise
        print(f"astrobench: {message}", file=sys.stderr)
        return 1
    return code


def explain(error: Exception) -> str | None:
    """One line for a failure the user can act on (an unknown name, a missing file, a catalogue
    that is down or says no, a bad setting); None for a bug, which keeps its traceback."""
    if isinstance(error, AstrobenchError) or type(error).__module__.startswith(
        "astrobench.catalog"
    ):
        message = str(error)
    elif isinstance(error, OSError) and error.filename and error.strerror:
        message = f"{error.filename}: {error.strerror}"
    elif isinstance(error, OSError):
        message = str(error) or type(error).__name__
    else:
        described = [d(error) for t, d in _foreign_errors() if isinstance(error, t)]
        if not described or described[0] is None:
            return None
        message = described[0]
    return " ".join(line.strip() for line in message.splitlines() if line.strip())


Describe = Callable[[Any], str | None]
"""A library error's one-line message; None where it is a bug rather than the user's problem."""


def _foreign_errors() -> list[tuple[type[Exception], Describe]]:
    """Errors of libraries the commands use, for those already imported (a command that never
    loaded a library cannot have raised its errors, and the thin client need not have it)."""
    found: list[tuple[type[Exception], Describe]] = []
    for module, name, describe in _FOREIGN:
        loaded = sys.modules.get(module)
        if loaded is not None and hasattr(loaded, name):
            found.append((getattr(loaded, name), describe))
    return found


def _api_error(error: Any) -> str:
    """pystac-client's APIError holds the catalogue's JSON error body, or a connection error."""
    status = getattr(error, "status_code", None)
    if status is None:
        return f"cannot reach the catalogue: {error}"
    try:
        body = json.loads(str(error))
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("description"):
        return str(body["description"])
    return f"the catalogue answered HTTP {status}: {error}"


def _http_error(error: Any) -> str:
    try:
        url = error.request.url
    except RuntimeError:  # no request attached
        return str(error) or type(error).__name__
    return f"{url}: {str(error) or type(error).__name__}"


def _invalid_settings(error: Any) -> str | None:
    if not str(error.title).endswith("Settings"):  # some other model: a bug
        return None
    problems = []
    for problem in error.errors():
        field = ".".join(map(str, problem["loc"]))
        env = f"ASTROBENCH_{str(problem['loc'][0]).upper()}" if problem["loc"] else ""
        problems.append(f"{field} ({env}): {problem['msg']}" if env else problem["msg"])
    return "invalid setting " + "; ".join(problems)


_FOREIGN: list[tuple[str, str, Describe]] = [
    ("pystac_client.exceptions", "APIError", _api_error),
    ("httpx", "HTTPError", _http_error),
    ("pydantic", "ValidationError", _invalid_settings),
    ("sqlalchemy.exc", "OperationalError", str),
    ("sqlalchemy.exc", "ArgumentError", lambda e: f"database URL: {e}"),
]


if __name__ == "__main__":
    raise SystemExit(main())

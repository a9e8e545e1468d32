"""The ``astrobench`` command line: serve, ingest, db, token, doi, verify, versions, search,
download, mirror, evaluate, submit, baseline, rebuild, lint.

The client's commands run here; the server's and the curator's live in
``astrobench.service.commands`` and ``astrobench.ingest.commands``, imported only when run, so
that the thin client installs without them."""

from __future__ import annotations

import argparse
import inspect
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


STORE_OPTIONS = ("data_dir", "database_url", "storage_url", "mirror_url")
"""Arguments that configure the catalogue a server-side command works on."""


def server_side(target: str) -> Callable[[argparse.Namespace], int]:
    """The command at ``module:function`` of the server or ingest packages, imported when run
    (with an install hint where they are missing). It is called with the parsed arguments its
    signature names, and ``overrides``: the store options given."""

    def run(args: argparse.Namespace) -> int:
        module, _, name = target.partition(":")
        function = getattr(_server_module(module), name)
        wanted = inspect.signature(function).parameters
        given = vars(args)
        kwargs = {k: v for k, v in given.items() if k in wanted and k not in STORE_OPTIONS}
        if "overrides" in wanted:
            kwargs["overrides"] = {k: given[k] for k in STORE_OPTIONS if given.get(k)}
        code: int = function(**kwargs)
        return code

    return run


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


def cmd_submit(args: argparse.Namespace) -> int:
    from pathlib import Path

    from astrobench.client import Client
    from astrobench.report import predictions_in

    with Client(args.url, token=args.token) as client:
        found = client.submit(
            args.name,
            predictions_in(Path(args.predictions)),
            version=args.version,
            model_name=args.model_name,
            description=args.description,
            code_url=args.code_url,
            paper_doi=args.paper_doi,
            software=args.software,
            trained_on=[s for s in (args.trained_on or "").split(",") if s],
        )
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    print(f"submission {found['id']}: {found['links'][0]['href']}")
    for row in found["splits"]:
        low, high = (row.get("intervals") or {}).get(row["primary"], (None, None))
        bounds = f" [{low:.4g}, {high:.4g}]" if low is not None else ""
        print(f"  {row['split']:24} {row['primary']} = {row['primary_value']:.4g}{bounds}")
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
        "--mirror",
        dest="mirror_url",
        metavar="DEST",
        help="serve a mirror made by 'astrobench mirror', read-only",
    )
    store_options(serve)
    serve.set_defaults(run=server_side("astrobench.service.commands:serve"))

    ingest = commands.add_parser(
        "ingest", help="build datasets from their recipes and publish them"
    )
    ingest.add_argument("name", nargs="?", help="dataset id, e.g. sn-spectra")
    ingest.add_argument("--version", help="build only this version (default: every version)")
    ingest.add_argument(
        "--all", dest="every", action="store_true", help="every bundled dataset but large ones"
    )
    ingest.add_argument(
        "--large",
        action="store_true",
        help="with --all, the large datasets too (minutes and gigabytes each; needs [large])",
    )
    ingest.add_argument(
        "--to", metavar="URL", help="publish to the catalogue at URL instead of the local one"
    )
    ingest.add_argument("--token", help="a curator's token for --to (ASTROBENCH_TOKEN)")
    ingest.add_argument(
        "--workers", type=int, default=2, help="datasets built at once, in processes (default 2)"
    )
    store_options(ingest)
    ingest.set_defaults(run=server_side("astrobench.ingest.commands:ingest"))

    db = commands.add_parser("db", help="show or upgrade the catalogue's schema revision")
    db.add_argument("action", choices=["upgrade", "current"])
    store_options(db)
    db.set_defaults(run=server_side("astrobench.service.commands:db"))

    token = commands.add_parser("token", help="manage API tokens (stored hashed)")
    token_actions = token.add_subparsers(dest="action", required=True)
    create = token_actions.add_parser("create", help="issue a token and print its secret once")
    create.add_argument("name", help="who holds it, e.g. sn-team or ops@example.org")
    scope = create.add_mutually_exclusive_group(required=True)
    scope.add_argument("--admin", action="store_true", help="may write every dataset")
    scope.add_argument(
        "--dataset", action="append", help="a dataset a curator token may write (repeatable)"
    )
    scope.add_argument(
        "--submit",
        action="store_true",
        help="may submit predictions to any benchmark, nothing else",
    )
    revoke = token_actions.add_parser("revoke", help="revoke a token by name")
    revoke.add_argument("name")
    token_actions.add_parser("list", help="list tokens (names and scopes, never secrets)")
    for action in token_actions.choices.values():
        store_options(action)
    token.set_defaults(run=server_side("astrobench.service.commands:token"))

    doi = commands.add_parser(
        "doi", help="list DOIs and their DataCite state, or register pending ones"
    )
    doi.add_argument("action", choices=["list", "sync"])
    store_options(doi)
    doi.set_defaults(run=server_side("astrobench.service.commands:doi"))

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
    verify.set_defaults(run=server_side("astrobench.service.commands:verify"))

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

    submit = commands.add_parser(
        "submit", help="submit predictions to a benchmark, to be scored and kept (needs a token)"
    )
    submit.add_argument("name")
    submit.add_argument("predictions", help="a folder of <split>.csv files, one per split")
    submit.add_argument("--version", help="version (default: latest)")
    submit.add_argument("--model-name", required=True)
    submit.add_argument("--description", required=True, help="what the model is")
    submit.add_argument("--code-url", required=True, help="where the code that made them is")
    submit.add_argument("--paper-doi", help="the paper that describes the model (10.NNNN/...)")
    submit.add_argument("--software", help="e.g. 'scikit-learn 1.5, astrobench 0.1'")
    submit.add_argument(
        "--trained-on", help="comma-separated splits used for training and model selection"
    )
    submit.add_argument("--token", help="a token made with --submit (ASTROBENCH_TOKEN)")
    submit.add_argument("--json", action="store_true", help="print the submission as JSON")
    client_options(submit)
    submit.set_defaults(run=cmd_submit)

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
    baseline.set_defaults(run=server_side("astrobench.ingest.commands:baseline"))

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
    rebuild.set_defaults(run=server_side("astrobench.ingest.commands:rebuild"))

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

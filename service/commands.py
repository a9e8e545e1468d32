"""The operator's commands on a catalogue: ``serve``, ``db``, ``token``, ``doi`` and ``verify``.

The thin command line (``astrobench.cli``) parses the arguments and calls these by name, so that
the client installs without the server's packages. ``overrides`` are the store options given on
the command line (``data_dir``, ``database_url``, ``storage_url``, ``mirror_url``); anything not
given comes from ``ASTROBENCH_*`` variables.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, Literal

from astrobench.catalog import auth, integrity, migrate, minting, replica
from astrobench.catalog.settings import CatalogSettings
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.service.settings import Settings


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextmanager
def opened(
    overrides: dict[str, Any], create: bool = True
) -> Iterator[tuple[CatalogSettings, Store]]:
    """The configured settings and store (its schema upgraded with ``create``), closed after."""
    settings = CatalogSettings(**overrides)
    settings.prepare()
    store = Store(settings.database_url)
    try:
        if create:
            store.create()
        yield settings, store
    finally:
        store.close()


def serve(
    overrides: dict[str, Any],
    host: str | None = None,
    port: int | None = None,
    workers: int = 1,
    log_level: str = "info",
) -> int:
    """Serve the catalogue over HTTP until interrupted."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from astrobench.service.app import create_app

    settings = Settings(**overrides)
    host, port = host or settings.host, port or settings.port
    if workers <= 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level)
        return 0
    # Workers are separate processes that build the app from the environment.
    settings.prepare()
    store = Store(settings.database_url)
    try:
        if settings.auto_migrate:
            store.create()  # once, before the workers start
        if settings.mirror_url:
            replica.load(store, AssetStorage(settings.mirror_url))
    finally:
        store.close()
    os.environ.update(
        ASTROBENCH_DATA_DIR=str(settings.data_dir),
        ASTROBENCH_DATABASE_URL=settings.database_url,
        ASTROBENCH_STORAGE_URL=settings.storage_url,
        ASTROBENCH_MIRROR_URL=settings.mirror_url,
    )
    config = uvicorn.Config(
        "astrobench.service.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
    )
    with suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[tcp_listener(config.bind_socket())]).run()
    return 0


def tcp_listener(sock: socket.socket) -> socket.socket:
    """``sock``, a listening socket, marked as TCP. uvicorn binds it with ``proto`` 0, which
    accepted connections inherit, and asyncio enables ``TCP_NODELAY`` only on sockets that say
    ``IPPROTO_TCP``: under Nagle's algorithm each keep-alive response then waits for the
    client's delayed ACK, about 40 ms (uvicorn issue 3149)."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.proto:
        return sock
    marked = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, sock.detach())
    marked.set_inheritable(True)
    return marked


def db(overrides: dict[str, Any], action: Literal["upgrade", "current"]) -> int:
    """Print the schema revision, after upgrading it with ``upgrade``."""
    with opened(overrides, create=action == "upgrade") as (_, store):
        print(f"schema revision {migrate.current(store.engine)} (newest known: {migrate.head()})")
    return 0


def token(
    overrides: dict[str, Any],
    action: Literal["create", "revoke", "list"],
    name: str | None = None,
    admin: bool = False,
    dataset: list[str] | None = None,
    submit: bool = False,
) -> int:
    """Issue (printing the secret once), revoke or list API tokens."""
    with opened(overrides) as (_, store):
        if action == "create":
            assert name is not None
            role = (
                auth.Role.ADMIN if admin else auth.Role.SUBMITTER if submit else auth.Role.CURATOR
            )
            print(auth.issue(store, name, role, dataset or []))
            _say(f"token {name!r} ({role.value}) created; the secret above is shown only once")
        elif action == "revoke":
            assert name is not None
            auth.revoke(store, name)
            _say(f"token {name!r} revoked")
        else:
            for info in auth.tokens(store):
                state = f"revoked {info.revoked:%Y-%m-%d}" if info.revoked else "active"
                scope = {
                    auth.Role.ADMIN: "all datasets",
                    auth.Role.SUBMITTER: "submits to any benchmark",
                }.get(info.role) or ", ".join(info.datasets)
                print(f"{info.name}\t{info.role.value}\t{scope}\t{state}")
    return 0


def doi(overrides: dict[str, Any], action: Literal["list", "sync"]) -> int:
    """List DOIs and their DataCite state, or register the pending ones (``sync``)."""
    with opened(overrides) as (settings, store):
        if action == "sync":
            api = settings.datacite()
            if api is None:
                _say(
                    "no DataCite credentials (ASTROBENCH_DATACITE_USER/_PASSWORD): DOIs stay "
                    "reserved drafts"
                )
            states = minting.sync(store, settings.doi_scheme(), settings.public_url(), api)
        else:
            states = minting.states(store)
    for s in states:
        note = f"\t{s.message}" if s.message else ""
        print(f"{s.doi}\t{s.state}{note}")
    return 0 if action == "list" or all(s.state == "findable" for s in states) else 1


def verify(
    overrides: dict[str, Any],
    name: str | None = None,
    version: str | None = None,
    quarantine: bool = False,
) -> int:
    """Re-hash stored files against their published checksums; 1 if any differs or is gone."""
    settings = CatalogSettings(**overrides)
    store = Store(settings.database_url)
    storage = AssetStorage(settings.storage_url)
    try:
        store.require_current()
        records = integrity.assets(store, name, version)
    finally:
        store.close()
    problems = 0
    for asset in records:
        finding = integrity.check_one(storage, asset)
        if finding.state is integrity.State.OK:
            continue
        problems += 1
        line = finding.describe()
        if quarantine and finding.state is integrity.State.DAMAGED:
            line += f"\tquarantined at {integrity.quarantine(storage, asset)}"
        print(line, flush=True)
    size = sum(a.size for a in records)
    _say(
        f"checked {len(records)} file(s), {size / 1e6:.1f} MB: "
        + (f"{problems} problem(s)" if problems else "all match their published checksums")
    )
    return 1 if problems else 0

"""Answer STAC schema URLs from local copies, in a Python process that has no network.

Python imports this module at start-up when its folder is on ``PYTHONPATH`` (see
``tests.stac_offline.environment``). When ``STAC_OFFLINE_MAP`` names a JSON file of
``{url: target}`` it patches the three HTTP stacks the STAC tools use:

- requests (stac-api-validator, stac-validator, stac-check, pystac-client): every session's
  ``get_adapter``, because pystac-client mounts its own adapters over ``http(s)://``;
- urllib (stac-validator, pystac without urllib3): every opener ``build_opener`` makes, and the
  global one;
- urllib3's ``PoolManager`` (pystac's ``StacIO``).

A URL that is a key (fragment ignored), or starts with a key ending in ``/``, is answered from
its target: a file path, or a loopback URL fetched directly. Loopback URLs go through as usual.
Any other URL fails at once with a connection error. With ``STAC_OFFLINE_LOG`` set, every
non-loopback URL is appended to that file as ``served<TAB>url<TAB>target`` or ``refused<TAB>url``.

Standard library only, plus requests and urllib3 where installed.
"""

from __future__ import annotations

import email.message
import io
import json
import os
import urllib.error
import urllib.request
import urllib.response
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

MAP_ENV = "STAC_OFFLINE_MAP"
LOG_ENV = "STAC_OFFLINE_LOG"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

_mapping: dict[str, str] = {}
_log: Path | None = None


class OfflineError(OSError):
    """A URL outside loopback with no local copy."""


def _is_loopback(url: str) -> bool:
    return urlsplit(url).hostname in LOOPBACK


def _record(*fields: str) -> None:
    if _log is not None:
        with _log.open("a", encoding="utf-8") as out:
            out.write("\t".join(fields) + "\n")


def _target(url: str) -> str | None:
    if url in _mapping:
        return _mapping[url]
    prefixes = [key for key in _mapping if key.endswith("/") and url.startswith(key)]
    if prefixes:
        key = max(prefixes, key=len)
        return _mapping[key] + url[len(key) :]
    return None


def resolve(url: str) -> tuple[int, str, bytes] | None:
    """``(status, content type, body)`` for a mapped URL; ``None`` for a loopback one.

    Raises ``OfflineError`` for any other URL.
    """
    if _is_loopback(url):
        return None
    bare = urldefrag(url).url
    target = _target(bare)
    if target is None:
        _record("refused", bare)
        raise OfflineError(f"offline: no local copy of {bare} (see tests/data/stac-schemas)")
    _record("served", bare, target)
    if not target.startswith(("http://", "https://")):
        return 200, "application/json", Path(target).read_bytes()
    if not _is_loopback(target):
        raise OfflineError(f"offline: {bare} maps to {target}, which is not on loopback")
    direct = urllib.request.OpenerDirector()
    for handler in (urllib.request.HTTPHandler(), urllib.request.HTTPErrorProcessor()):
        direct.add_handler(handler)
    try:
        with direct.open(target, timeout=30) as answer:
            return answer.status, answer.headers.get_content_type(), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read()


class OfflineHandler(urllib.request.BaseHandler):
    """urllib: answer mapped URLs, refuse other non-loopback ones, let loopback through."""

    handler_order = 50  # before ProxyHandler (100) and the HTTP(S) handlers (500)

    def _open(self, request: urllib.request.Request) -> urllib.response.addinfourl | None:
        try:
            answer = resolve(request.full_url)
        except OfflineError as error:
            raise urllib.error.URLError(error) from None
        if answer is None:
            return None
        status, content_type, body = answer
        headers = email.message.Message()
        headers["Content-Type"] = content_type
        headers["Content-Length"] = str(len(body))
        if status >= 400:
            raise urllib.error.HTTPError(
                request.full_url, status, "offline", headers, io.BytesIO(body)
            )
        response = urllib.response.addinfourl(io.BytesIO(body), headers, request.full_url, status)
        response.msg = "OK"  # type: ignore[attr-defined]  # as urllib's own HTTP handler sets it
        return response

    http_open = https_open = _open


def _patch_urllib() -> None:
    build_opener = urllib.request.build_opener

    def offline_build_opener(*handlers: Any) -> urllib.request.OpenerDirector:
        return build_opener(OfflineHandler(), *handlers)

    urllib.request.build_opener = offline_build_opener
    urllib.request.install_opener(offline_build_opener())


def _patch_requests() -> None:
    try:
        import requests
        from requests.adapters import BaseAdapter, HTTPAdapter
        from requests.structures import CaseInsensitiveDict
    except ImportError:
        return

    class OfflineAdapter(HTTPAdapter):
        """requests: answer mapped URLs, refuse other non-loopback ones."""

        def send(
            self,
            request: requests.PreparedRequest,
            stream: bool = False,
            timeout: Any = None,
            verify: bool | str = True,
            cert: Any = None,
            proxies: Any = None,
        ) -> requests.Response:
            assert request.url is not None
            try:
                answer = resolve(request.url)
            except OfflineError as error:
                raise requests.ConnectionError(str(error), request=request) from None
            assert answer is not None
            status, content_type, body = answer
            response = requests.Response()
            response.status_code = status
            response.reason = "OK" if status < 400 else "offline"
            response.url = request.url
            response.request = request
            response.headers = CaseInsensitiveDict(
                {"Content-Type": content_type, "Content-Length": str(len(body))}
            )
            response._content = b"" if request.method == "HEAD" else body
            response.encoding = "utf-8"
            response.raw = io.BytesIO(body)
            response.connection = self
            return response

    offline = OfflineAdapter()
    get_adapter = requests.Session.get_adapter

    def offline_get_adapter(self: requests.Session, url: str) -> BaseAdapter:
        return get_adapter(self, url) if _is_loopback(url) else offline

    requests.Session.get_adapter = offline_get_adapter  # type: ignore[method-assign]


def _patch_urllib3() -> None:
    try:
        import urllib3
    except ImportError:
        return
    urlopen = urllib3.PoolManager.urlopen

    def offline_urlopen(
        self: urllib3.PoolManager, method: str, url: str, *args: Any, **kwargs: Any
    ) -> Any:
        try:
            answer = resolve(url)
        except OfflineError as error:
            raise urllib3.exceptions.HTTPError(str(error)) from None
        if answer is None:
            return urlopen(self, method, url, *args, **kwargs)
        status, content_type, body = answer
        return urllib3.HTTPResponse(
            body=io.BytesIO(body),
            headers={"Content-Type": content_type, "Content-Length": str(len(body))},
            status=status,
            preload_content=kwargs.get("preload_content", True),
            request_url=url,
        )

    urllib3.PoolManager.urlopen = offline_urlopen  # type: ignore[method-assign]


def install(mapping: dict[str, str], log: Path | None = None) -> None:
    """Serve ``mapping`` in this process from now on (see the module docstring)."""
    global _log
    _mapping.update(mapping)
    _log = log
    _patch_urllib()
    _patch_requests()
    _patch_urllib3()


if os.environ.get(MAP_ENV):
    install(
        json.loads(Path(os.environ[MAP_ENV]).read_text(encoding="utf-8")),
        Path(os.environ[LOG_ENV]) if os.environ.get(LOG_ENV) else None,
    )

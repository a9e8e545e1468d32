"""A real HTTP proxy in front of the catalogue that fails on purpose: a bad network to test
retries, resumed downloads and fallback to mirrors against."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

PASSED = ("content-type", "content-length", "content-range", "etag", "accept-ranges", "location")


@dataclass
class Faults:
    """What the proxy does to the next requests whose path passes ``matches``."""

    unavailable: int = 0
    """Answer this many of them with 503."""
    cut: int = 0
    """Drop the connection halfway through the body of this many."""
    stall: int = 0
    """Send half the body of this many, then hang (until the proxy stops)."""
    spared: int = 0
    """Let this many through untouched before any fault."""
    matches: Callable[[str], bool] = lambda path: True
    seen: Counter[str] = field(default_factory=Counter)
    ranges: list[str | None] = field(default_factory=list)
    """The Range header of every request that passed ``matches``."""
    in_flight: int = 0
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> str | None:
        with self.lock:
            if self.spared:
                self.spared -= 1
                return None
            if self.stall:
                self.stall -= 1
                return "stall"
            if self.unavailable:
                self.unavailable -= 1
                return "unavailable"
            if self.cut:
                self.cut -= 1
                return "cut"
        return None


@contextmanager
def flaky_proxy(upstream: str, faults: Faults) -> Iterator[str]:
    """Serve ``upstream`` through a proxy on a free port that injects ``faults``; yields its URL."""
    http = httpx.Client(base_url=upstream, timeout=30)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def end_headers(self) -> None:
            # One request a connection: no client keeps a connection to a proxy that is gone.
            self.send_header("Connection", "close")
            self.close_connection = True
            super().end_headers()

        def log_message(self, *_: object) -> None:
            pass

        def do_HEAD(self) -> None:
            self.forward()

        def do_GET(self) -> None:
            self.forward()

        def forward(self) -> None:
            matched = faults.matches(self.path)
            fault = faults.take() if matched else None
            with faults.lock:
                if matched:
                    faults.ranges.append(self.headers.get("Range"))
                faults.seen[fault or "passed"] += 1
                faults.in_flight += 1
                faults.most_in_flight = max(faults.most_in_flight, faults.in_flight)
            try:
                if fault == "unavailable":
                    self.send_response(503)
                    self.send_header("Retry-After", "0")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.relay(fault)
            finally:
                with faults.lock:
                    faults.in_flight -= 1

        def relay(self, fault: str | None) -> None:
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            headers["Host"] = self.headers["Host"]
            response = http.request(self.command, self.path, headers=headers)
            body = response.content
            self.send_response(response.status_code)
            for name in PASSED:
                if name in response.headers:
                    self.send_header(name, response.headers[name])
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(body[: len(body) // 2] if fault else body)
                self.wfile.flush()
            if fault == "stall":
                stopping.wait()
            if fault:
                self.close_connection = True

    stopping = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        stopping.set()
        server.shutdown()
        server.server_close()
        http.close()

"""Versioned asset links: bytes, ranges, length and checksum ETags, over HTTP."""

import hashlib

import httpx
import pytest


@pytest.fixture(scope="module")
def asset(server: str) -> dict:  # type: ignore[type-arg]
    item = httpx.get(server + "/collections/sn-spectra/items/sn-spectra-1.2.0-test").json()
    return item["assets"]["data"]  # type: ignore[no-any-return]


def test_full_download_matches_published_checksum(asset: dict) -> None:  # type: ignore[type-arg]
    response = httpx.get(asset["href"])
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == asset["file:size"] == len(response.content)
    digest = hashlib.sha256(response.content).hexdigest()
    assert "1220" + digest == asset["file:checksum"]
    assert response.headers["etag"] == f'"sha256-{digest}"'
    assert response.headers["accept-ranges"] == "bytes"


def test_range_requests(asset: dict) -> None:  # type: ignore[type-arg]
    whole = httpx.get(asset["href"]).content
    size = len(whole)
    part = httpx.get(asset["href"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{size}"
    assert part.headers["content-length"] == "100"
    tail = httpx.get(asset["href"], headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == whole[-10:]
    open_end = httpx.get(asset["href"], headers={"Range": f"bytes={size - 5}-"})
    assert open_end.content == whole[-5:]
    beyond = httpx.get(asset["href"], headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"


def test_head_and_conditional_requests(asset: dict) -> None:  # type: ignore[type-arg]
    head = httpx.head(asset["href"])
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == asset["file:size"]
    again = httpx.get(asset["href"], headers={"If-None-Match": head.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    stale = httpx.get(asset["href"], headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert stale.status_code == 200 and len(stale.content) == asset["file:size"]

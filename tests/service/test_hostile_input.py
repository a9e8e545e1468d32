"""Hostile input against a real server process: each request gets a 4xx that names what was
wrong, none takes the process down, and the server still answers at the end."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from astrobench.catalog.errors import InvalidParameter, StorageUnavailable
from astrobench.catalog.search import SearchQuery
from astrobench.catalog.store import Store
from tests.catalog.factories import records

DEEP_NOT = '{"op": "not", "args": [' * 5000 + '{"op": "=", "args": [{"property": "id"}, "x"]}'
DEEP_NOT += "]}" * 5000
"""A CQL2 JSON filter nested 5,000 deep, as text (json.dumps cannot write it)."""


@pytest.fixture(scope="module")
def alive(server: str) -> Iterator[httpx.Client]:
    """A client of the server; after the module, the server must still answer."""
    with httpx.Client(base_url=server, timeout=10) as client:
        yield client
        assert client.get("/healthz").status_code == 200


def refused(answer: httpx.Response, status: int, says: str) -> None:
    assert answer.status_code == status, answer.text[:300]
    assert says in answer.json()["description"], answer.text[:300]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("(" * 3000 + "id = 'x'" + ")" * 3000, "ASTROBENCH_MAX_FILTER_DEPTH"),  # crashed the parser
        ("NOT " * 10000 + "id = 'x'", "ASTROBENCH_MAX_FILTER_BYTES"),
        ("NOT " * 300 + "id = 'x'", "ASTROBENCH_MAX_FILTER_DEPTH"),  # took 21 s to validate
        (" OR ".join(["id = 'x'"] * 20000), "ASTROBENCH_MAX_FILTER_BYTES"),
        (" OR ".join(["a = 1"] * 1500), "ASTROBENCH_MAX_FILTER_NODES"),
    ],
)
def test_filters_past_the_limits_are_refused_before_parsing(
    alive: httpx.Client, text: str, says: str
) -> None:
    refused(alive.post("/search", json={"filter": text, "filter-lang": "cql2-text"}), 400, says)
    if len(text) < 8000:
        refused(alive.get("/search", params={"filter": text}), 400, says)
        refused(alive.get("/collections", params={"filter": text}), 400, says)


def test_deep_json_is_refused(alive: httpx.Client) -> None:
    as_json = {"Content-Type": "application/json"}
    for filter_ in (DEEP_NOT, "[" * 100_000 + "]" * 100_000):
        body = '{"filter": ' + filter_ + "}"
        assert alive.post("/search", content=body, headers=as_json).status_code == 400
    deep = alive.get(
        "/search", params={"filter": DEEP_NOT[:6000] + "]}", "filter-lang": "cql2-json"}
    )
    refused(deep, 400, "filter")


@pytest.mark.parametrize(
    ("filter_", "says"),
    [
        ({"op": "=", "args": [1]}, "= takes 2 arguments, not 1"),
        ({"op": "between", "args": [{"property": "bench:count"}, 1]}, "between takes 3"),
        ({"op": "not", "args": "x"}, "arguments of not are not a list"),
        ({"op": "and", "args": []}, "and takes 1 or more"),
        ({"op": "t_intersects", "args": [{"property": "datetime"}, {"interval": [1]}]}, "interval"),
        ({"op": "=", "args": [{"op": "casei"}, "x"]}, "casei takes one argument"),
        ({"op": "=", "args": [{"property": "foo"}, {"a": 1}]}, "foo is a string"),
        ({"op": "in", "args": [{"property": "foo"}, [[1]]]}, "foo is a string"),
        ({"op": "like", "args": [{"property": "title"}, 5]}, "title is a string"),
        ({"op": "sky_cone", "args": [1, "x", 2]}, "not three numbers"),
    ],
)
def test_malformed_cql2_json_is_400(alive: httpx.Client, filter_: dict, says: str) -> None:  # type: ignore[type-arg]
    refused(alive.post("/search", json={"filter": filter_}), 400, says)


@pytest.mark.parametrize(
    "path",
    [
        "/collections/x%00y",
        "/collections/sn-spectra/items/a%00b",
        "/search?q=a%00b",
        "/search?ids=a%00b",
        "/search?filter=id%3D%27a%00%27",
        "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:x:a%00b",
    ],
)
def test_nul_in_the_url_is_400(alive: httpx.Client, path: str) -> None:
    refused(alive.get(path), 400, "NUL")


def test_query_sizes_are_bounded_up_front(alive: httpx.Client) -> None:
    ids = ",".join(f"id-{i}" for i in range(1001))
    refused(alive.get("/search", params={"ids": ids}), 400, "ASTROBENCH_MAX_TERMS")
    many = [f"c-{i}" for i in range(1001)]
    refused(alive.post("/search", json={"collections": many}), 400, "ASTROBENCH_MAX_TERMS")
    words = ",".join(f"w{i}" for i in range(33))
    refused(alive.get("/search", params={"q": words}), 400, "ASTROBENCH_MAX_WORDS")
    long_word = alive.post("/search", json={"q": "x" * 60_000})  # SQLite: pattern too complex
    assert long_word.status_code in (200, 400), long_word.text[:200]


def test_forged_page_tokens_are_400(alive: httpx.Client) -> None:
    signature = hashlib.sha256(repr([]).encode()).hexdigest()[:8]  # a real one: no sortby

    def token(values: object) -> str:
        raw = json.dumps({"s": signature, "k": values}).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    for values in ([1, 2], [{"t": "not a time"}, "x"], [[], {}], ["a"], "ab"):
        refused(alive.get("/search", params={"token": token(values)}), 400, "token")


def test_absurd_ranges_and_dates(alive: httpx.Client) -> None:
    asset = "/assets/sn-spectra/1.3.0/sn-spectra-1.3.0-test.nc"
    huge = alive.get(asset, headers={"Range": "bytes=" + "9" * 5000 + "-"})
    assert huge.status_code == 416
    suffix = alive.get(asset, headers={"Range": "bytes=-" + "9" * 5000})
    assert suffix.status_code == 206 and suffix.headers["content-range"].startswith("bytes 0-")
    oai = alive.get(
        "/oai", params={"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-13-01"}
    )
    assert oai.status_code == 200 and 'code="badArgument"' in oai.text


@pytest.mark.parametrize(
    "path",
    ["/", "/collections", "/collections/sn-spectra", "/search", "/queryables", "/api", "/healthz"],
)
def test_head_answers_like_get(alive: httpx.Client, path: str) -> None:
    head, get = alive.head(path), alive.get(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]


def test_database_errors_say_what_is_wrong_without_leaking(
    database_url: str, tmp_path: Path
) -> None:
    """A value the database cannot hold (PostgreSQL refuses NUL in text) is a 400; an outage is
    a 503 that names neither host nor driver."""
    store = Store(database_url)
    store.create()
    collection, items, assets = records(tmp_path)
    store.publish(collection, items, assets)
    try:
        for query in (SearchQuery(q=["a\x00b"]), SearchQuery(ids=["a\x00b"])):
            if store.dialect == "postgresql":
                with pytest.raises(InvalidParameter, match="NUL"):
                    store.search(query)
            else:
                assert store.search(query).items == []
    finally:
        store.close()
    down = Store("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    with pytest.raises(StorageUnavailable) as outage:
        down.dataset_ids()
    assert "127.0.0.1" not in str(outage.value) and "psycopg" not in str(outage.value)

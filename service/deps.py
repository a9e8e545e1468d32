"""Request-scoped access to the store, storage and settings held by the app."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from astrobench.catalog import mirrors as mirror_registry
from astrobench.catalog.records import render, with_item_links, with_version_links
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Store
from astrobench.service.settings import Settings


def store(request: Request) -> Store:
    found: Store = request.app.state.store
    return found


def storage(request: Request) -> AssetStorage:
    found: AssetStorage = request.app.state.storage
    return found


def settings(request: Request) -> Settings:
    found: Settings = request.app.state.settings
    return found


def base_url(request: Request) -> str:
    configured = settings(request).base_url
    return (configured or str(request.base_url)).rstrip("/")


def link(
    request: Request, rel: str, path: str, media_type: str = "application/json", **extra: Any
) -> dict[str, Any]:
    return {"rel": rel, "href": base_url(request) + path, "type": media_type, **extra}


def collection_json(
    request: Request, dataset: str, version: str, stored: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A version's Collection with its version links, rendered for this request's host
    (``stored`` is its stored record, when a search already read it)."""
    catalogue = store(request)
    history = catalogue.history(dataset)
    record = with_version_links(
        stored if stored is not None else catalogue.collection(dataset, version),
        history,
        latest=catalogue.resolve(dataset, None, history),
    )
    record = mirror_registry.with_alternates(record, dataset, record["version"], mirrors(request))
    return render(record, base_url(request))


def item_json(request: Request, item: dict[str, Any]) -> dict[str, Any]:
    record = mirror_registry.with_alternates(
        with_item_links(item), item["collection"], item["properties"]["version"], mirrors(request)
    )
    return render(record, base_url(request))


def mirrors(request: Request) -> list[mirror_registry.Mirror]:
    """The registered mirrors, read once per request."""
    found: list[mirror_registry.Mirror] | None = getattr(request.state, "mirrors", None)
    if found is None:
        found = request.state.mirrors = mirror_registry.listed(store(request))
    return found

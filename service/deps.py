"""Request-scoped access to the store, storage and settings held by the app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

from astrobench.catalog import cql2, minting
from astrobench.catalog import mirrors as mirror_registry
from astrobench.catalog.doi import DoiScheme
from astrobench.catalog.records import (
    collection_path,
    render,
    with_doi,
    with_item_links,
    with_version_links,
)
from astrobench.catalog.storage import AssetStorage
from astrobench.catalog.store import Published, Store
from astrobench.service.gate import StorageGate
from astrobench.service.params import SearchLimits
from astrobench.service.settings import Settings
from astrobench.service.splits import Splits

T = TypeVar("T")
REGISTERED, RESERVED = "registered", "reserved"


def store(request: Request) -> Store:
    found: Store = request.app.state.store
    return found


def storage(request: Request) -> AssetStorage:
    found: AssetStorage = request.app.state.storage
    return found


def splits(request: Request) -> Splits:
    found: Splits = request.app.state.splits
    return found


def gate(request: Request) -> StorageGate:
    """What every read of asset storage goes through (see ``service.gate``)."""
    found: StorageGate = request.app.state.gate
    return found


def settings(request: Request) -> Settings:
    found: Settings = request.app.state.settings
    return found


def search_limits(request: Request) -> SearchLimits:
    found = settings(request)
    return SearchLimits(
        items=found.max_limit,
        terms=found.max_terms,
        words=found.max_words,
        filter=cql2.Limits(found.max_filter_bytes, found.max_filter_depth, found.max_filter_nodes),
    )


def base_url(request: Request) -> str:
    configured = settings(request).base_url
    return (configured or str(request.base_url)).rstrip("/")


def app_path(request: Request) -> str:
    """The request's path below the app's root: what a link appends to ``base_url``."""
    root, path = request.scope.get("root_path", ""), request.url.path
    return path[len(root) :] if root and path.startswith(root) else path


def link(
    request: Request, rel: str, path: str, media_type: str = "application/json", **extra: Any
) -> dict[str, Any]:
    return {"rel": rel, "href": base_url(request) + path, "type": media_type, **extra}


def collection_json(
    request: Request,
    dataset: str,
    version: str,
    stored: dict[str, Any] | None = None,
    path: str | None = None,
) -> dict[str, Any]:
    """A version's Collection with its version links and DOI, rendered for this request's host.

    ``stored`` is its stored record, when a search already read it; ``path`` is where it is
    served (default: the version's own URL). At the dataset's unversioned URL the latest version
    is cited by the concept DOI, at its own URL by the version DOI.
    """
    catalogue = store(request)
    history = published(request).histories.get(dataset) or catalogue.history(dataset)
    latest = catalogue.resolve(dataset, None, history)
    record = with_version_links(
        stored if stored is not None else catalogue.collection(dataset, version),
        history,
        latest,
        path,
    )
    ids = doi_scheme(request)
    concept = path == collection_path(dataset)
    doi = ids.concept(dataset) if concept else ids.version(dataset, record["version"])
    with_doi(record, doi, doi_states(request).get(doi, RESERVED))
    record = mirror_registry.with_alternates(record, dataset, record["version"], mirrors(request))
    return render(record, base_url(request))


def item_json(
    request: Request, item: dict[str, Any], path: str | None = None, latest: bool | None = None
) -> dict[str, Any]:
    """An Item with its links, rendered for this request's host (``path``: where it is served;
    ``latest``: whether its version is its dataset's latest, when a search said so)."""
    dataset, version = item["collection"], item["properties"]["version"]
    if latest is None:
        latest = latest_versions(request).get(dataset) == version
    record = mirror_registry.with_alternates(
        with_item_links(item, latest, path), dataset, version, mirrors(request)
    )
    return render(record, base_url(request))


def doi_scheme(request: Request) -> DoiScheme:
    return DoiScheme(settings(request).doi_prefix)


def _per_request(request: Request, name: str, read: Callable[[], T]) -> T:
    """``read()``, once per request."""
    found: T | None = getattr(request.state, name, None)
    if found is None:
        found = read()
        setattr(request.state, name, found)
    return found


def published(request: Request) -> Published:
    """Every dataset's published versions, as the request found them (read once per request;
    the store reads them again only after the catalogue has changed)."""
    return _per_request(request, "published", store(request).published)


def _cached(request: Request, name: str, read: Callable[[], T]) -> T:
    """``read()``, once per generation of the catalogue."""
    return store(request).cached(name, read, published(request))


def mirrors(request: Request) -> list[mirror_registry.Mirror]:
    """The registered mirrors."""
    return _cached(request, "mirrors", lambda: mirror_registry.listed(store(request)))


def latest_versions(request: Request) -> dict[str, str]:
    """Dataset -> its latest version."""
    return published(request).latest


def doi_states(request: Request) -> dict[str, str]:
    """DOI -> ``registered`` (findable at DataCite) or ``reserved``, for every minted DOI. A DOI
    not minted yet is reserved too: it is a function of the ids."""

    def read() -> dict[str, str]:
        return {
            s.doi: REGISTERED if s.state == minting.FINDABLE else RESERVED
            for s in minting.states(store(request))
        }

    return _cached(request, "dois", read)

"""Registering DOIs with DataCite, and the state of each DOI.

With DataCite credentials configured, publishing a version registers its DOI and updates the
dataset's concept DOI, both findable, through the DataCite REST API. Without them, or when
DataCite cannot be reached, the DOIs stay reserved drafts and everything else still works;
``astrobench doi sync`` registers what is pending later. Registration is idempotent (PUT of a DOI
spelled from the ids), so a retry is always safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import select

from astrobench.catalog import datacite
from astrobench.catalog.citation import Citable, citable
from astrobench.catalog.doi import DoiScheme
from astrobench.catalog.records import collection_path, render, with_item_links, with_version_links
from astrobench.catalog.rows import utc_now
from astrobench.catalog.schema import DoiRow
from astrobench.catalog.search import SearchQuery
from astrobench.catalog.store import Store

DRAFT = "draft"
FINDABLE = "findable"
JSON_API = "application/vnd.api+json"


class RegistrationFailed(RuntimeError):
    """DataCite refused a registration or could not be reached."""


@dataclass(frozen=True)
class DoiState:
    doi: str
    dataset: str
    version: str | None
    state: str
    message: str | None
    updated: datetime


@dataclass(frozen=True)
class DataCiteApi:
    """The DataCite REST API (https://api.datacite.org, or api.test.datacite.org for tests)."""

    url: str
    user: str
    password: str
    timeout: float = 30.0

    def register(self, doi: str, attributes: dict[str, Any], publish: bool = True) -> None:
        """Create or update ``doi`` with ``attributes``: findable, or a DataCite draft."""
        event = {"event": "publish"} if publish else {}
        body = {"data": {"id": doi, "type": "dois", "attributes": {**attributes, **event}}}
        try:
            response = httpx.put(
                f"{self.url.rstrip('/')}/dois/{quote(doi, safe='')}",
                json=body,
                auth=(self.user, self.password),
                headers={"Content-Type": JSON_API, "Accept": JSON_API},
                timeout=self.timeout,
            )
        except httpx.HTTPError as error:
            raise RegistrationFailed(f"DataCite at {self.url} is unreachable: {error}") from error
        if response.status_code >= 400:
            raise RegistrationFailed(
                f"DataCite refused {doi} (HTTP {response.status_code}): {response.text[:300]}"
            )


def stored_version(
    store: Store, scheme: DoiScheme, base_url: str, dataset: str, version: str
) -> tuple[dict[str, Any], list[dict[str, Any]], Citable]:
    """A published version's Collection and Items rendered for ``base_url``, and its citable view."""
    history = store.history(dataset)
    latest = store.resolve(dataset, None, history)
    record = with_version_links(store.collection(dataset, version), history, latest)
    collection = render(record, base_url)
    page = store.items(dataset, version, SearchQuery(limit=1000))
    items = [render(with_item_links(item), base_url) for item in page.items]
    return collection, items, citable(collection, items, history, scheme, base_url)


def _save(
    store: Store, doi: str, dataset: str, version: str | None, state: str, message: str | None
) -> None:
    with store.transaction() as session:
        row = session.get(DoiRow, doi) or DoiRow(doi=doi, dataset_id=dataset, version=version)
        row.state, row.message, row.updated = state, message, utc_now()
        session.add(row)


def reserve(
    store: Store, scheme: DoiScheme, dataset: str, version: str, api: DataCiteApi | None
) -> DoiState:
    """Reserve the DOI of a draft version: a DataCite draft with ``api``, else locally."""
    doi = scheme.version(dataset, version)
    message = "reserved: no DataCite credentials configured"
    if api is not None:
        try:
            api.register(doi, {"doi": doi}, publish=False)
            message = "reserved at DataCite as a draft"
        except RegistrationFailed as error:
            message = str(error)
    _save(store, doi, dataset, version, DRAFT, message)
    return next(s for s in states(store, dataset) if s.doi == doi)


def mint(
    store: Store,
    scheme: DoiScheme,
    base_url: str,
    dataset: str,
    version: str,
    api: DataCiteApi | None,
) -> list[DoiState]:
    """Reserve, or with ``api`` register, the DOI of ``version`` and the dataset's concept DOI."""
    _, _, found = stored_version(store, scheme, base_url, dataset, version)
    latest = store.resolve(dataset, None)
    newest = (
        found if latest == version else stored_version(store, scheme, base_url, dataset, latest)[2]
    )
    landing = base_url.rstrip("/") + collection_path(dataset)
    records = [
        (found.doi, version, datacite.version_record(found, scheme)),
        (found.concept_doi, None, datacite.concept_record(newest, scheme, landing)),
    ]
    for doi, which, attributes in records:
        if api is None:
            _save(store, doi, dataset, which, DRAFT, "reserved: no DataCite credentials configured")
            continue
        try:
            api.register(doi, attributes)
        except RegistrationFailed as error:
            _save(store, doi, dataset, which, DRAFT, str(error))
        else:
            _save(store, doi, dataset, which, FINDABLE, None)
    return states(store, dataset)


def states(store: Store, dataset: str | None = None) -> list[DoiState]:
    """The state of every DOI (of one dataset), concept DOIs first."""
    query = select(DoiRow).order_by(DoiRow.dataset_id, DoiRow.version.is_not(None), DoiRow.version)
    if dataset is not None:
        query = query.where(DoiRow.dataset_id == dataset)
    with store.session() as session:
        return [
            DoiState(r.doi, r.dataset_id, r.version, r.state, r.message, r.updated)
            for r in session.scalars(query)
        ]


def sync(store: Store, scheme: DoiScheme, base_url: str, api: DataCiteApi | None) -> list[DoiState]:
    """Mint every published version whose DOI is not findable yet; the resulting states."""
    findable = {s.doi for s in states(store) if s.state == FINDABLE}
    for dataset in store.dataset_ids():
        for summary in store.history(dataset):
            if scheme.version(dataset, summary.version) not in findable:
                mint(store, scheme, base_url, dataset, summary.version, api)
    return states(store)

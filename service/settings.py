"""Settings of the service deployable."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import PositiveInt, model_validator

from astrobench.catalog.settings import CatalogSettings


class Settings(CatalogSettings):
    """Catalogue settings plus how the service listens and presents itself."""

    host: str = "127.0.0.1"
    port: int = 8000
    title: str = "astrobench"
    description: str = (
        "Versioned, citable machine-learning benchmark datasets for astronomy, as a STAC API."
    )
    asset_links: Literal["proxy", "presigned"] = "proxy"
    """How versioned asset links reach the bytes: streamed through the service (with Range), or
    redirected (307) to a presigned URL of the object store."""
    presign_seconds: int = 3600
    """How long a presigned URL stays valid."""
    read_only: bool = False
    """Refuse every change (405): set when the service serves a mirror."""
    mirror_url: str = ""
    """A static mirror (folder or fsspec URL) to load and serve read-only from its own files."""
    admin_email: str = "admin@localhost"
    """Contact address that OAI-PMH's Identify gives harvesters."""
    oai_repository: str = "astrobench.local"
    """Repository identifier in OAI-PMH identifiers (``oai:<this>:<dataset>:<version>``): a
    domain name of the deployment; it must not change once archives harvest."""
    oai_page_size: int = 100
    """Records per OAI-PMH page before a resumption token."""
    max_limit: int = 1000
    """Largest page of a search (a larger limit means this one)."""
    max_terms: int = 1000
    """Most ids, and most collections, one search may list."""
    max_words: int = 32
    """Most free-text (q) terms of one search."""
    max_filter_bytes: int = 16 * 1024
    max_filter_depth: int = 32
    max_filter_nodes: int = 1000
    """A filter's largest size, nesting and node count, checked before it is parsed."""
    max_body_bytes: int = 16 * 1024 * 1024
    """Largest request body accepted (413 above it), file uploads aside."""
    max_upload_bytes: int = 4 * 1024**3
    """Largest file a curator may upload (``PUT .../versions/{v}/files/{name}``; 413 above it)."""
    submissions_per_day: PositiveInt = 5
    """Submissions one token may make to one benchmark in 24 hours (429 beyond), so that an
    evaluation split cannot be learnt by probing it."""
    count_matches: bool = True
    """Give every page of a search the number of matches in all (``numberMatched``). Counted
    once per search until the catalogue changes; when False, only pages that hold every match
    say how many there are."""
    database_pool_size: int = 10
    """Database connections each worker keeps open: enough for its busiest moments, so that it
    does not open and close connections under load."""
    database_max_overflow: int = 10
    """Further connections a worker may open at a peak, closed when returned."""
    storage_timeout: float = 10.0
    """Seconds a read of asset storage may take, waiting for a turn included, before the
    request gets 503; also each attempt's connect and read timeout on S3."""
    storage_concurrency: int = 16
    """Most reads of asset storage in flight at once per worker; the rest wait their turn."""

    @model_validator(mode="after")
    def _mirror(self) -> Settings:
        """Serving a mirror: its folder holds the files, its records load into a database of
        their own (unless one is given), and nothing may change."""
        if self.mirror_url:
            self.storage_url = self.mirror_url
            self.read_only = True
            if "database_url" not in self.model_fields_set:
                tag = hashlib.sha256(self.mirror_url.encode()).hexdigest()[:12]
                self.database_url = f"sqlite:///{self.data_dir / f'mirror-{tag}.sqlite'}"
        return self

    def public_url(self) -> str:
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")

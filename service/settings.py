"""Settings of the service deployable."""

from __future__ import annotations

from typing import Literal

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
    max_limit: int = 1000
    max_body_bytes: int = 16 * 1024 * 1024
    """Largest request body accepted (413 above it)."""

    def public_url(self) -> str:
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")

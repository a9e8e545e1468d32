"""Where the catalogue keeps its records, files and source packages (``ASTROBENCH_*`` variables)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from astrobench.catalog.doi import TEST_PREFIX, DoiScheme

if TYPE_CHECKING:
    from astrobench.catalog.minting import DataCiteApi


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/astrobench``, else ``~/.local/share/astrobench``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "astrobench"


class CatalogSettings(BaseSettings):
    """Store, storage and source cache; the defaults need no setup (SQLite and a local folder)."""

    model_config = SettingsConfigDict(env_prefix="ASTROBENCH_", extra="ignore")

    data_dir: Path = default_data_dir()
    database_url: str = ""
    """SQLAlchemy URL; default ``sqlite:///<data_dir>/catalog.sqlite``."""
    storage_url: str = ""
    """fsspec URL of the asset root; default ``<data_dir>/assets``."""
    source_dir: Path | None = None
    """Cache of verified source packages; default ``<data_dir>/sources``."""
    doi_prefix: str = TEST_PREFIX
    """DataCite prefix of every DOI (``10.NNNN``); the default is DataCite's test prefix."""
    base_url: str = ""
    """Public root URL (where DOIs resolve, and behind a proxy); by default taken from each
    request, and ``http://127.0.0.1:8000`` where there is none (ingest)."""
    datacite_url: str = "https://api.test.datacite.org"
    """DataCite REST API that registers DOIs (``https://api.datacite.org`` in production)."""
    datacite_user: str = ""
    """DataCite repository id; without it (and the password) DOIs stay reserved drafts."""
    datacite_password: SecretStr | None = None
    auto_migrate: bool = True
    """Upgrade the schema on start; when False, refuse to start on an old schema (run
    ``astrobench db upgrade`` first)."""

    @model_validator(mode="after")
    def _defaults(self) -> CatalogSettings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'catalog.sqlite'}"
        if not self.storage_url:
            self.storage_url = str(self.data_dir / "assets")
        if self.source_dir is None:
            self.source_dir = self.data_dir / "sources"
        return self

    def sources(self) -> Path:
        """The folder of verified source packages."""
        return self.source_dir or self.data_dir / "sources"

    def public_url(self) -> str:
        return (self.base_url or "http://127.0.0.1:8000").rstrip("/")

    def doi_scheme(self) -> DoiScheme:
        return DoiScheme(self.doi_prefix)

    def datacite(self) -> DataCiteApi | None:
        """The DataCite API to register DOIs with, or None where no credentials are set."""
        if not (self.datacite_user and self.datacite_password):
            return None
        from astrobench.catalog.minting import DataCiteApi

        return DataCiteApi(
            self.datacite_url, self.datacite_user, self.datacite_password.get_secret_value()
        )

    def prepare(self) -> None:
        """Create the local folders the defaults point at."""
        self.data_dir.mkdir(parents=True, exist_ok=True)

"""Where the catalogue keeps its records, files and source packages (``ASTROBENCH_*`` variables)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from astrobench.catalog.doi import TEST_PREFIX


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

    def prepare(self) -> None:
        """Create the local folders the defaults point at."""
        self.data_dir.mkdir(parents=True, exist_ok=True)

"""Fixtures of the service tests beyond the session's catalogue and server."""

from collections.abc import Iterator

import pytest

from astrobench.catalog.settings import CatalogSettings
from astrobench.service.process import running_server


@pytest.fixture(scope="module")
def strict(catalogue: CatalogSettings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second server on the session's catalogue that allows two submissions (or scorings of
    blind splits) a day per token and benchmark."""
    log = tmp_path_factory.mktemp("strict") / "server.log"
    env = {"ASTROBENCH_DATA_DIR": str(catalogue.data_dir), "ASTROBENCH_SUBMISSIONS_PER_DAY": "2"}
    with running_server(env, log) as url:
        yield url

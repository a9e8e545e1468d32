"""Persistent identifiers: a concept DOI per dataset (always the latest version) and a DOI per
version, under a configurable prefix. Both are functions of the ids, so they never change and
minting them again is harmless."""

from __future__ import annotations

import re
from dataclasses import dataclass

from astrobench.catalog.errors import InvalidParameter

RESOLVER = "https://doi.org/"
TEST_PREFIX = "10.5072"
"""DataCite's prefix for examples and tests: it never resolves publicly."""
_PREFIX = re.compile(r"^10\.\d{4,9}$")


@dataclass(frozen=True)
class DoiScheme:
    """How DOIs are spelled: ``<prefix>/astrobench.<dataset>[.v<version>]``."""

    prefix: str = TEST_PREFIX
    namespace: str = "astrobench"

    def __post_init__(self) -> None:
        if not _PREFIX.match(self.prefix):
            raise InvalidParameter(
                f"DOI prefix {self.prefix!r} is not of the form 10.NNNN (e.g. {TEST_PREFIX})"
            )

    def concept(self, dataset: str) -> str:
        """The DOI of a dataset as a whole, which resolves to its latest version."""
        return f"{self.prefix}/{self.namespace}.{dataset}"

    def version(self, dataset: str, version: str) -> str:
        """The DOI of one version, which always resolves to that version."""
        return f"{self.prefix}/{self.namespace}.{dataset}.v{version}"


def url(doi: str) -> str:
    return RESOLVER + doi

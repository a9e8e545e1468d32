"""The one interface every dataset recipe implements, and the registry of shipped recipes."""

from __future__ import annotations

import importlib
import importlib.util
from abc import ABC, abstractmethod
from importlib.metadata import version as package_version
from pathlib import Path
from typing import ClassVar

from astrobench.catalog.errors import DatasetNotFound, InvalidParameter, VersionNotFound
from astrobench.catalog.release import Release
from astrobench.catalog.versions import Version
from astrobench.ingest.sources import PackageSource


class MissingDependency(InvalidParameter):
    """A recipe needs a package that is not installed."""


class Recipe(ABC):
    """Builds every published version of one dataset, reproducibly, from pinned sources."""

    name: ClassVar[str]
    versions: ClassVar[tuple[str, ...]]
    """Versions this recipe publishes, oldest first."""
    drafts: ClassVar[tuple[str, ...]] = ()
    """Versions it can build but does not publish yet: under review, free to change."""
    sources: ClassVar[tuple[PackageSource, ...]]
    baselines: ClassVar[dict[str, str]] = {}
    """Example implementations: name -> ``module:Class`` of a ``Baseline``, imported on use."""
    trivial: ClassVar[str | None] = None
    """The trivial baseline (a name in ``baselines.base.TRIVIAL``) of versions with extension
    v1.2.0 or later; None: the task's default (``baselines.trivial.for_task``)."""
    large: ClassVar[bool] = False
    """Whether a build takes long enough (minutes, gigabytes) to be opt-in: ``ingest --all``
    leaves it out, ``ingest --all --large`` builds it."""
    requires: ClassVar[tuple[str, ...]] = ()
    """Modules the build and its baselines import beyond the ``[ingest]`` extra."""
    first_benchmarked: ClassVar[str | None] = None
    """The first version published with baselines, scores and a card (None: every version)."""
    statuses: ClassVar[dict[str, tuple[str, str, str | None]]] = {}
    """Versions deprecated or yanked after publication: version -> (status, reason, successor);
    ingest applies them once the successor is published."""

    @abstractmethod
    def build(
        self, version: str, sources: dict[str, Path], workdir: Path, limit: int | None = None
    ) -> Release:
        """Write the files of ``version`` under ``workdir`` and describe them.

        ``sources`` maps each source's package name to its verified local file. ``limit`` keeps
        at most that many objects in each split: a small build, for checking a recipe quickly
        (what is published is always built whole).
        """

    def check_requirements(self) -> None:
        """Refuse, before any build, where a module the recipe needs is not installed."""
        missing = [m for m in self.requires if importlib.util.find_spec(m) is None]
        if missing:
            raise MissingDependency(
                f"{self.name} needs {', '.join(missing)}, not installed here: "
                "pip install 'astrobench[large]'"
            )

    def baselines_of(self, version: str) -> dict[str, str]:
        """The example implementations published with ``version`` (``baselines`` unless a
        version changed them)."""
        return dict(self.baselines)

    def check_version(self, version: str, drafts: bool = False) -> None:
        """Refuse a version the recipe does not publish (or, with ``drafts``, build)."""
        known = (*self.versions, *self.drafts) if drafts else self.versions
        if version not in known:
            raise VersionNotFound(self.name, version, list(known))

    def benchmarked(self, version: str) -> bool:
        """Whether ``version`` is published with baselines, scores and a card."""
        if not self.baselines:
            return False
        first = self.first_benchmarked
        return first is None or Version.parse(version) >= Version.parse(first)


RECIPES: dict[str, str] = {
    "sn-spectra": "astrobench.ingest.recipes.sn_spectra:SnSpectra",
    "ogle3-variables": "astrobench.ingest.recipes.ogle3_variables:Ogle3Variables",
    "sdss-photoz": "astrobench.ingest.recipes.sdss_photoz:SdssPhotoz",
    "ngc-morphology": "astrobench.ingest.recipes.ngc_morphology:NgcMorphology",
    "dso-images": "astrobench.ingest.recipes.dso_images:DsoImages",
    "slsn-photoz": "astrobench.ingest.recipes.slsn_photoz:SlsnPhotoz",
    "galaxy-shear": "astrobench.ingest.recipes.galaxy_shear:GalaxyShear",
}
"""Dataset id -> ``module:Class``, imported only when that recipe is used."""


def software(*extra: str) -> dict[str, str]:
    """Versions of the packages that decide a recipe's bytes: the file writers and ``extra``."""
    names = ("astrobench", "numpy", "xarray", "h5netcdf", "h5py", *extra)
    return {name: package_version(name) for name in names}


def get_recipe(name: str) -> Recipe:
    """The recipe for a dataset id."""
    try:
        target = RECIPES[name]
    except KeyError:
        raise DatasetNotFound(name, list(RECIPES)) from None
    module, _, attribute = target.partition(":")
    recipe: Recipe = getattr(importlib.import_module(module), attribute)()
    return recipe

"""Domain errors. They carry no HTTP knowledge; the service maps them to statuses in one place."""

from __future__ import annotations

import difflib
from collections.abc import Sequence


class CatalogError(Exception):
    """Base class of every error the catalogue raises on purpose."""

    code = "CatalogError"

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class InvalidParameter(CatalogError):
    """A request parameter is malformed; the message says what is valid."""

    code = "InvalidParameter"


class InvalidPredictions(InvalidParameter):
    """A predictions file does not fit the split it is scored on; ``problems`` lists why."""

    code = "InvalidPredictions"

    def __init__(self, split: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(f"predictions for split {split!r} are invalid: " + "; ".join(problems))


class InvalidVersion(InvalidParameter):
    """A version string is not MAJOR.MINOR.PATCH (or a prefix of it where a request allows one)."""

    code = "InvalidVersion"


def closest(name: str, candidates: Sequence[str], n: int = 3) -> list[str]:
    """The candidates that look most like ``name``; all of them (sorted) when none is close."""
    near = difflib.get_close_matches(name, candidates, n=n, cutoff=0.5)
    return near or sorted(candidates)[:10]


class DatasetNotFound(CatalogError):
    """No dataset has this id."""

    code = "DatasetNotFound"

    def __init__(self, dataset: str, existing: Sequence[str]) -> None:
        self.dataset = dataset
        self.suggestions = closest(dataset, existing)
        hint = f"; did you mean: {', '.join(self.suggestions)}" if self.suggestions else ""
        super().__init__(f"dataset {dataset!r} does not exist{hint}")


class VersionNotFound(CatalogError):
    """The dataset exists but no published version matches the request."""

    code = "VersionNotFound"

    def __init__(self, dataset: str, version: str, available: Sequence[str]) -> None:
        self.dataset = dataset
        self.version = version
        self.available = list(available)
        listed = ", ".join(self.available) or "none"
        super().__init__(
            f"dataset {dataset!r} has no version matching {version!r}; published versions: {listed}"
        )


class ItemNotFound(CatalogError):
    """The collection has no item with this id."""

    code = "ItemNotFound"


class AssetNotFound(CatalogError):
    """No published asset lives at this path."""

    code = "AssetNotFound"


class VersionExists(CatalogError):
    """A published version is immutable; writing it again is refused."""

    code = "VersionExists"


class StorageUnavailable(CatalogError):
    """The asset storage cannot be reached or a stored file is missing."""

    code = "StorageUnavailable"


class Unauthorized(CatalogError):
    """A write came without credentials."""

    code = "Unauthorized"


class Forbidden(CatalogError):
    """The credentials do not allow this write."""

    code = "Forbidden"


class DraftNotFound(CatalogError):
    """No draft of this version exists (it may be published, or never created)."""

    code = "DraftNotFound"

    def __init__(self, dataset: str, version: str, drafts: Sequence[str]) -> None:
        self.available = list(drafts)
        listed = ", ".join(self.available) or "none"
        super().__init__(
            f"dataset {dataset!r} has no draft {version!r}; open drafts: {listed}. "
            "Create one with PUT /collections/{id} or POST /collections"
        )


class MirrorNotFound(CatalogError):
    """No mirror is registered under this name."""

    code = "MirrorNotFound"


class ReadOnly(CatalogError):
    """This catalogue serves a mirror and accepts no changes."""

    code = "ReadOnly"


class SubmissionNotFound(CatalogError):
    """No submission has this id."""

    code = "SubmissionNotFound"


class TooManySubmissions(CatalogError):
    """A token has submitted to a benchmark as often as its window allows."""

    code = "TooManySubmissions"

    def __init__(self, description: str, retry_after: int) -> None:
        super().__init__(description)
        self.retry_after = retry_after


class TruthNotHeld(CatalogError):
    """A blind split's truth is not kept here (a mirror's): only its source scores it."""

    code = "TruthNotHeld"


class BlindSplit(InvalidParameter):
    """A blind split's truth was asked of its public file, which carries none."""

    code = "BlindSplit"


class LeaderboardNotFound(CatalogError):
    """A static mirror holds no board of this version."""

    code = "LeaderboardNotFound"

"""Exceptions raised by the astrobench client. Messages say what exists instead."""

from __future__ import annotations


class AstrobenchError(Exception):
    """Base class of every error the client raises."""


class DatasetNotFound(AstrobenchError, LookupError):
    """The catalogue has no dataset with this name."""

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.suggestions = suggestions or []


class VersionNotFound(AstrobenchError, LookupError):
    """The dataset has no version matching the request."""

    def __init__(self, message: str, available: list[str] | None = None) -> None:
        super().__init__(message)
        self.available = available or []


class SplitNotFound(AstrobenchError, LookupError):
    """The version has no such split (or several, and none was chosen)."""

    def __init__(self, message: str, available: list[str]) -> None:
        super().__init__(message)
        self.available = available


class InvalidRequest(AstrobenchError, ValueError):
    """The server rejected a parameter (HTTP 400)."""


class InvalidPredictions(InvalidRequest):
    """A predictions file does not fit the split it is scored on; ``problems`` says why."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class ChecksumMismatch(AstrobenchError):
    """Downloaded bytes do not match the checksum published in the catalogue."""


class ServerError(AstrobenchError):
    """The server failed, or could not be reached."""


class ServerUnreachable(ServerError):
    """The catalogue could not be reached at all (no connection, or offline mode)."""

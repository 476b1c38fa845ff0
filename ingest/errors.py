"""Errors raised by the ingest readers for input that cannot be used at all."""

from __future__ import annotations

from typing import Any

from kg.errors import InputError


class IngestError(InputError):
    """Base class for errors that stop ingest before any record is read."""


class InputNotFound(IngestError):
    """An input path does not exist, or a directory holds no OCDS files."""


class InputUnreadable(IngestError):
    """An input path exists but cannot be opened for reading."""


class NothingUsable(InputError):
    """Every input was read and none of it could be loaded; carries the build summary, which counts why."""

    def __init__(self, message: str, summary: Any) -> None:
        super().__init__(message)
        self.summary = summary

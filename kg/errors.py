"""Typed errors of the library; the CLI and the API translate each into a message that names the fix."""

from __future__ import annotations


class MissionKGError(Exception):
    """Base of every expected failure: the edge shows its message, never a traceback."""

    exit_code = 1


class ConfigError(MissionKGError):
    """A setting is missing or wrong (bad store URL, unknown device, missing model)."""


class StoreError(MissionKGError):
    """The graph store cannot be opened, read or written."""


class StoreLockedError(StoreError):
    """Another process holds the embedded store open for writing."""


class QueryError(MissionKGError):
    """A SPARQL query is malformed or refers to something that does not exist."""


class InvalidParameter(QueryError):
    """A filter or parameter value that the query cannot take: a request mistake, like a malformed option.

    `parameter` is its name in the library (e.g. published_from), which each edge shows its own way.
    """

    exit_code = 2

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


class QueryRefused(QueryError):
    """A query asks for something the read-only, bounded endpoint does not allow."""


class QueryTimeout(MissionKGError):
    """A query ran past its time budget."""


class NotFound(MissionKGError):
    """A named resource (OCID, supplier, mission, query) is not in the graph."""


class InputError(MissionKGError):
    """Input cannot be used at all: missing path, unreadable file, nothing readable."""

    exit_code = 2


class ModelError(MissionKGError):
    """The embedding model cannot be loaded from its configured local path."""

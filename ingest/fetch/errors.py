"""Errors of the live fetchers: a service that keeps failing, and options that cannot be sent."""

from __future__ import annotations

from kg.errors import MissionKGError


class FetchError(MissionKGError):
    """A service failed past the retry budget or answered something that is not an OCDS release package."""


class FetchOptionError(FetchError, ValueError):
    """A date, stage, page size or base URL given by the user is not one the service accepts."""

    exit_code = 2

"""The services missionkg can fetch from, by name."""

from __future__ import annotations

from ingest.fetch import contracts_finder, find_a_tender
from ingest.fetch.errors import FetchOptionError
from ingest.fetch.service import Service

SERVICES: dict[str, Service] = {s.name: s for s in (contracts_finder.SERVICE, find_a_tender.SERVICE)}


def get_service(name: str) -> Service:
    """The service called `name`, or a FetchOptionError listing the known ones."""
    try:
        return SERVICES[name]
    except KeyError:
        raise FetchOptionError(f"unknown source {name!r}; use one of {', '.join(SERVICES)}") from None

"""Options of the web service that the library does not need, from MISSIONKG_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _origins() -> tuple[str, ...]:
    raw = os.environ.get("MISSIONKG_CORS_ORIGINS", "")
    return tuple(o.strip() for o in raw.split(",") if o.strip())


@dataclass(frozen=True)
class ApiOptions:
    """CORS origins, SPARQL worker processes, and how often to look for a rebuilt store."""

    cors_origins: tuple[str, ...] = field(default_factory=_origins)
    sparql_workers: int = field(default_factory=lambda: max(1, int(os.environ.get("MISSIONKG_SPARQL_WORKERS", "2"))))
    store_check_s: float = 1.0

"""Options of the web service that the library does not need, from MISSIONKG_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _origins() -> tuple[str, ...]:
    raw = os.environ.get("MISSIONKG_CORS_ORIGINS", "")
    return tuple(o.strip() for o in raw.split(",") if o.strip())


@dataclass(frozen=True)
class ApiOptions:
    """CORS origins, SPARQL worker processes and their memory, how often to look for a rebuilt store, and whether to warm search at start-up.

    `warm_search` opens the search index and loads the query model in the background as the app starts, so
    the first search does not wait seconds for them; `missionkg serve` sets it, tests leave it off.
    """

    cors_origins: tuple[str, ...] = field(default_factory=_origins)
    sparql_workers: int = field(default_factory=lambda: max(1, int(os.environ.get("MISSIONKG_SPARQL_WORKERS", "2"))))
    # Heap a query may add to its SPARQL worker (MiB); one needing more ends its worker and is refused, not the machine.
    sparql_memory_mb: int = field(default_factory=lambda: max(0, int(os.environ.get("MISSIONKG_SPARQL_MEMORY_MB", "2048"))))
    store_check_s: float = 1.0
    warm_search: bool = False

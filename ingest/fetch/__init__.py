"""Live fetchers: Contracts Finder and Find a Tender OCDS searches, downloaded politely and resumably,
and `sync`, which keeps a graph up to date from them.

>>> from ingest.fetch import SERVICES
>>> sorted(SERVICES)
['contracts-finder', 'find-a-tender']
"""

from __future__ import annotations

from ingest.fetch.client import PoliteClient, RetryPolicy
from ingest.fetch.download import FetchResult, fetch_to_file
from ingest.fetch.errors import FetchError, FetchOptionError
from ingest.fetch.paging import Query, make_query
from ingest.fetch.sources import SERVICES, get_service
from ingest.fetch.sync import SyncSummary, sync

__all__ = [
    "SERVICES",
    "FetchError",
    "FetchOptionError",
    "FetchResult",
    "PoliteClient",
    "Query",
    "RetryPolicy",
    "SyncSummary",
    "fetch_to_file",
    "get_service",
    "make_query",
    "sync",
]

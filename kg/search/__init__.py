"""Hybrid search over the graph's contracting processes: dense (FAISS) and keyword (BM25) retrieval with their
scores fused, filters applied before ranking, similar contracts, and open opportunities for a supplier.

The index lives beside the store (``settings.index_dir``), is built and kept up to date by the ``index``
build stage (``kg.search.index:run``), and is read by the functions below, which the CLI and the API share.
Importing this package loads neither FAISS nor torch.
"""

from kg.search.filters import SearchFilters
from kg.search.index import IndexMissing, SearchIndex, sync
from kg.search.opportunities import opportunities, opportunity_report
from kg.search.query import search, similar

__all__ = ["IndexMissing", "SearchFilters", "SearchIndex", "opportunities", "opportunity_report", "search", "similar", "sync"]

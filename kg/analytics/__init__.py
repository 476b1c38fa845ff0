"""Graph analytics with networkx: market projections, concentration, SME shares, centrality, communities, paths.

>>> from kg.analytics import Scope, load_market, concentration  # doctest: +SKIP
>>> concentration(load_market(store, Scope(mission="health")), group_by="year")  # doctest: +SKIP
"""

from __future__ import annotations

from kg.analytics.metrics import communities, concentration, hhi, sme_share, suppliers
from kg.analytics.paths import SupplierPath, find_supplier, supplier_paths
from kg.analytics.projections import AwardFact, Market, buyer_supplier_graph, co_award_graph, load_market, mission_graph
from kg.analytics.scope import GROUPINGS, AnalyticsError, Scope, ScopeError

__all__ = [
    "GROUPINGS",
    "AnalyticsError",
    "AwardFact",
    "Market",
    "Scope",
    "ScopeError",
    "SupplierPath",
    "buyer_supplier_graph",
    "co_award_graph",
    "communities",
    "concentration",
    "find_supplier",
    "hhi",
    "load_market",
    "mission_graph",
    "sme_share",
    "supplier_paths",
    "suppliers",
]

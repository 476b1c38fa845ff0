"""Opportunities for a supplier: open tenders ranked by how much they resemble what it has already won.

For each open tender (kg.search.meta ``status_masks``: not awarded, not ended, deadline on or after
``as_of``) the similarity is the best over the supplier's awarded processes (max-sim, not a centroid: a
supplier that both cleans offices and grits roads should see tenders like either, not like their average)
and, when given, a capability statement. A small boost rewards mission fit: the tender's alignment scores
weighted by the share of the supplier's awards that advance each mission. Each result says which award it
resembles and for which buyer.
"""

from __future__ import annotations

import time
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from kg.errors import NotFound
from kg.namespaces import MISSION_IDS
from kg.search.filters import SearchFilters, parse_day
from kg.search.query import describe, open_index
from kg.settings import Settings

if TYPE_CHECKING:
    from kg.search.index import SearchIndex
    from kg.store import GraphStore

__all__ = ["opportunities", "opportunity_report"]

MISSION_WEIGHT = 0.1
MAX_AWARDS = 50  # most recent awarded processes compared against


def _supplier(store: GraphStore | None, text: str) -> tuple[str | None, str, set[str]]:
    """(canonical IRI, display name, member IRIs) of the supplier a name, identifier or IRI designates."""
    if store is None:
        return None, text, set()
    from kg.suppliers import canonical_members, find_suppliers, resolve_organisation

    canonical = resolve_organisation(store, text)
    name = text
    if canonical is None:
        found = find_suppliers(store, text, limit=1)
        if not found:
            raise NotFound(f"no supplier matches {text!r}: try part of its name, a Companies House number or GB-PPON-...")
        canonical, name = found[0]["iri"], found[0]["name"] or text
    else:
        matches = find_suppliers(store, canonical, limit=1)
        name = (matches[0]["name"] if matches else None) or canonical
    return canonical, name, set(canonical_members(store, canonical)[1])


def opportunity_report(
    settings: Settings, supplier: str, *, as_of: date | str | None = None, capability: str | None = None,
    limit: int = 10, region: str | None = None, min_value: float | None = None, max_value: float | None = None,
    store: GraphStore | None = None, index: SearchIndex | None = None,
) -> dict[str, Any]:
    """Open tenders for ``supplier`` (name, identifier or IRI), best first, with the supplier and what was compared.

    Args:
        settings: data directory of the graph and index.
        supplier: resolved through kg.suppliers to its whole identity cluster.
        as_of: the day "open" is judged at (default today).
        capability: optional free text describing what the supplier offers.
        limit: most results.
        region / min_value / max_value: restrict the tenders (see SearchFilters).
        store: the graph (opened read-only for the call when None).
        index: an opened search index (opened read-only for the call when None).
    """
    started = time.perf_counter()
    day = parse_day(as_of, "as_of") or date.today().isoformat()
    own_store = store is None
    if own_store:
        from kg.store import open_store

        store = open_store(settings, read_only=True)
    try:
        iri, name, members = _supplier(store, supplier)
    finally:
        if own_store:
            store.close()
    filters = SearchFilters(status="open", as_of=day, region=region, min_value=min_value, max_value=max_value)
    with open_index(settings, index) as ix:
        if ix.dense is None:
            raise NotFound("the search index is empty: build a graph first")
        # Embedded before the lock, so others rank meanwhile.
        stated = ix.embed_query(capability.strip()) if capability and capability.strip() else None
        with ix.lock:
            columns = ix.columns
            won_mask = columns.suppliers.docs_where(lambda key: key in members, columns.size) & columns.live
            won = np.flatnonzero(won_mask)
            won = won[np.argsort(-columns.award_date[won], kind="stable")][:MAX_AWARDS]
            queries: list[tuple[int | None, np.ndarray]] = []
            for doc in won:
                vectors = ix.dense.doc_vectors(int(doc))
                if len(vectors):
                    centre = vectors.mean(axis=0)
                    queries.append((int(doc), centre / max(float(np.linalg.norm(centre)), 1e-9)))
            if stated is not None:
                queries.append((None, stated))
            if not queries:
                raise NotFound(f"{name} has no awards in the search index: pass a capability statement describing what it offers")
            mask = columns.mask(filters) & ~won_mask
            best: dict[int, tuple[float, int | None]] = {}
            depth = max(3 * limit, 30)
            for source, vector in queries:
                for doc, sim in ix.dense.search(vector, depth, mask):
                    if doc not in best or sim > best[doc][0]:
                        best[doc] = (sim, source)
            profile = columns.advances[won].mean(axis=0) if len(won) else np.zeros(len(MISSION_IDS))
            scored = []
            for doc, (sim, source) in best.items():
                scores = columns.scores[doc]
                fit = float(scores @ profile) if profile.any() else float(scores.max(initial=0.0))
                scored.append((doc, sim + MISSION_WEIGHT * fit, sim, fit, source))
            scored.sort(key=lambda item: -item[1])
            scored = scored[:limit]
            results = describe(ix, [(d, s) for d, s, _, _, _ in scored], capability or "", day)
            sources = ix.db.rows([s for *_, s in scored if s is not None])
            for result, (_, score, sim, fit, source) in zip(results, scored, strict=True):
                result["score"] = round(score, 4)
                result["scores"] = {"similarity": round(sim, 4), "mission_fit": round(fit, 4), "fused": round(score, 4)}
                if source is None:
                    result["resembles"] = None
                    result["reason"] = f"matches your capability statement (similarity {sim:.2f})"
                else:
                    row = sources[source]
                    title = row["title"] or row["ocid"]
                    result["resembles"] = {"ocid": row["ocid"], "title": title, "buyer": row["buyer_name"] or None}
                    result["reason"] = f"resembles your award {title!r} for {row['buyer_name'] or 'an unnamed buyer'} (similarity {sim:.2f})"
    return {
        "supplier": {"iri": iri, "name": name}, "as_of": day, "awards_compared": len(won),
        "capability": capability or None, "filters": filters.as_dict(), "results": results,
        "took_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def opportunities(settings: Settings, supplier: str, **options: Any) -> list[dict[str, Any]]:
    """The ranked open tenders of ``opportunity_report`` alone (same options), each with its ``reason``."""
    return opportunity_report(settings, supplier, **options)["results"]

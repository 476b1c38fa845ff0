"""Measure search against graded relevance judgments: nDCG@10 and recall@50 for dense, BM25, hybrid and RRF.

Judgments are JSON Lines in the TREC qrels manner, one ``{"query", "ocid", "grade"}`` per judged pair with
grades 0 (not relevant) to 3 (exactly what the query asks for). Results nobody judged count as not relevant;
``judged_at_10`` says how often that happened, so a ranking that wanders outside the judged pool shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kg.errors import InputError
from kg.jsonl import read_jsonl
from kg.search.index import SearchIndex
from kg.search.query import search
from kg.settings import Settings

__all__ = ["METHODS", "evaluate", "load_judgments", "ndcg", "recall"]

# name shown → method passed to search(): None is the shipped hybrid (kg.search.query.FUSION), rrf for comparison
METHODS: dict[str, str | None] = {"dense": "dense", "bm25": "keyword", "hybrid": None, "rrf": "rrf"}
NDCG_AT = 10
RECALL_AT = 50


def load_judgments(path: Path) -> dict[str, dict[str, int]]:
    """query → {OCID: grade}, queries in file order; names the file and line of a bad row."""
    out: dict[str, dict[str, int]] = {}
    for number, row in read_jsonl(path):
        grade = row.get("grade") if isinstance(row, dict) else None
        if not (isinstance(row, dict) and isinstance(row.get("query"), str) and row["query"].strip()
                and isinstance(row.get("ocid"), str) and isinstance(grade, int) and 0 <= grade <= 3):
            raise InputError(f"{path}:{number}: needs a query, an ocid and a grade 0-3")
        out.setdefault(row["query"], {})[row["ocid"]] = grade
    if not out:
        raise InputError(f"{path}: no judgments")
    return out


def ndcg(found: Sequence[str], grades: dict[str, int], k: int = NDCG_AT) -> float:
    """nDCG@k with gains 2^grade - 1 against the best ordering of the judged docs; 0 when none is relevant."""
    def dcg(values: Sequence[int]) -> float:
        return float(sum((2**g - 1) / np.log2(i + 2) for i, g in enumerate(values[:k])))

    ideal = dcg(sorted(grades.values(), reverse=True))
    return dcg([grades.get(o, 0) for o in found]) / ideal if ideal else 0.0


def recall(found: Sequence[str], grades: dict[str, int], k: int = RECALL_AT) -> float:
    """Share of the docs graded >= 1 found in the top k; 0 when none is."""
    relevant = {o for o, g in grades.items() if g >= 1}
    return len(relevant & set(found[:k])) / len(relevant) if relevant else 0.0


def evaluate(settings: Settings, judgments: dict[str, dict[str, int]], methods: Sequence[str] = tuple(METHODS)) -> dict[str, Any]:
    """Mean nDCG@10, recall@50 and judged@10 per method over the judged queries, plus each query's nDCG@10.

    Judged OCIDs missing from the index are dropped from the ideal ranking (so a graph built from part of the
    data is measured on its part) and counted in ``judged_missing``; queries left with no relevant doc are skipped.
    """
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise InputError(f"unknown search method {unknown[0]!r}: choose from {', '.join(METHODS)}")
    index = SearchIndex(settings)
    try:
        present = set(index.db.ids_of([o for grades in judgments.values() for o in grades]))
        usable = {q: {o: g for o, g in grades.items() if o in present} for q, grades in judgments.items()}
        usable = {q: grades for q, grades in usable.items() if any(g >= 1 for g in grades.values())}
        report: dict[str, Any] = {
            "queries": len(usable), "queries_skipped": len(judgments) - len(usable),
            "judgments": sum(len(g) for g in judgments.values()),
            "judged_missing": sum(o not in present for g in judgments.values() for o in g), "methods": {},
        }
        for name in methods:
            per_query = {}
            rows = []
            for query, grades in usable.items():
                results = search(settings, query, limit=RECALL_AT, index=index, method=METHODS[name])["results"]
                found = [r["ocid"] for r in results]
                per_query[query] = round(ndcg(found, grades), 4)
                rows.append((per_query[query], recall(found, grades), np.mean([o in grades for o in found[:NDCG_AT]])))
            means = np.array(rows).mean(axis=0) if rows else np.zeros(3)
            report["methods"][name] = {
                f"ndcg_at_{NDCG_AT}": round(float(means[0]), 4), f"recall_at_{RECALL_AT}": round(float(means[1]), 4),
                f"judged_at_{NDCG_AT}": round(float(means[2]), 4), "per_query": per_query,
            }
    finally:
        index.close()
    return report

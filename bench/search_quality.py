"""Benchmark: search quality on analyst and supplier queries with graded judgments, dense vs BM25 vs hybrid.

    python bench/search_quality.py [--data-dir DIR]        # figures (builds DIR from ../shared/data if absent)
    python bench/search_quality.py --pool OUT.jsonl        # the candidates to judge, for new queries

Queries are tests/data/search_queries.jsonl: 40 written for the tool's users ("school meals", "road
resurfacing", "agency nurses and temporary clinical staff", ...), each marked analyst or supplier. Judgments are
tests/data/search_judgments.jsonl, one {"query", "ocid", "grade"} per judged pair: 3 = exactly what the query
asks for, 2 = substantially about it, 1 = marginal (a minor part, a neighbouring service), 0 = not relevant.
They were made by reading every notice of a pool: the union of the top 30 of dense, BM25 and reciprocal rank
fusion over the graph of every file in ../shared/data/ocds (what `--pool` writes). The figures are those of
`missionkg eval search` (kg.search.evaluation): nDCG@10 with gains 2^grade - 1, recall@50 of docs graded >= 1,
and judged@10 (share of top-10 results that were judged; unjudged ones count as not relevant), then the
hybrid's nDCG@10 against the better single method.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.search import SearchIndex, search
from kg.search.evaluation import evaluate, load_judgments
from kg.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import real_graph

QUERIES = ROOT / "tests" / "data" / "search_queries.jsonl"
JUDGMENTS = ROOT / "tests" / "data" / "search_judgments.jsonl"
POOL_DEPTH = 30
POOL_METHODS = ("dense", "keyword", "rrf")


def report(settings: Settings) -> None:
    """Print each method's figures and the hybrid's gain over the better single method."""
    figures = evaluate(settings, load_judgments(JUDGMENTS))
    print(f"{figures['queries']} queries, {figures['judgments']:,} judgments; graph {settings.data_dir}")
    for name, f in figures["methods"].items():
        print(f"  {name:8} nDCG@10 {f['ndcg_at_10']:.3f}  recall@50 {f['recall_at_50']:.3f}  judged@10 {f['judged_at_10']:.2f}")
    methods = figures["methods"]
    best = max(methods["dense"]["ndcg_at_10"], methods["bm25"]["ndcg_at_10"])
    print(f"  hybrid vs the better single method: nDCG@10 {methods['hybrid']['ndcg_at_10'] / best - 1:+.1%}")


def pool(settings: Settings, path: Path) -> None:
    """Write the union of each pooled method's top POOL_DEPTH per query, with the text a judge reads."""
    queries = [json.loads(line)["query"] for line in QUERIES.read_text().splitlines() if line.strip()]
    index = SearchIndex(settings)
    written = 0
    try:
        with path.open("w") as out:
            for query in queries:
                seen: dict[str, None] = {}
                for method in POOL_METHODS:
                    hits = search(settings, query, limit=POOL_DEPTH, index=index, method=method)["results"]
                    seen.update(dict.fromkeys(r["ocid"] for r in hits))
                rows = index.db.rows(list(index.db.ids_of(list(seen)).values()))
                for row in sorted(rows.values(), key=lambda r: r["ocid"]):
                    out.write(json.dumps({
                        "query": query, "ocid": row["ocid"], "title": row["title"], "buyer": row["buyer_name"],
                        "cpv": row["cpv"][:4], "text": (row["text"] or "")[:900],
                    }) + "\n")
                    written += 1
    finally:
        index.close()
    print(f"wrote {written:,} (query, notice) pairs to judge to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("bench-search-data"), help="graph with a search index")
    parser.add_argument("--pool", type=Path, help="write the candidates to judge here instead of reporting")
    args = parser.parse_args()
    settings = real_graph(args.data_dir)
    if args.pool:
        pool(settings, args.pool)
    else:
        report(settings)


if __name__ == "__main__":
    main()

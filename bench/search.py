"""Benchmark: search quality (fusion methods side by side) and speed (exact vs HNSW, filters, BM25) in one run.

    python bench/search.py [--data-dir DIR] [--sizes 10000,100000,1000000] [--skip-quality] [--skip-speed]

Quality: 30 mission-themed analyst queries (6 per mission, written here) run over the processes hand-labelled
in tests/data/missions_dev.jsonl, searched with the filter `ocids=<labelled>` so that every ranked process
has a judgment; relevant = the label lists the query's mission (gain 2 when it is the primary mission, 1
otherwise). Reports P@10 and nDCG@10 for dense alone, BM25 alone, RRF and weighted RRF, and a min-max convex
combination. The graph is the one in --data-dir (built from ../shared/data with `missionkg build` if absent).

Speed: passage-like vectors at each size are real passage vectors of that graph plus Gaussian noise
(σ = 0.04 per dimension, so each real vector stands for a cluster of near-duplicates; random unit vectors
would be a harsher, unrealistic case) and keyword documents are real term lists re-sampled. For each size:
index build time and size, recall@10 of the index the code chooses (HNSW above kg.search.dense.HNSW_MIN)
against exact search, and p50/p95 latency of top-10 dense + BM25 + fusion without a filter and with filters
passing 10% and 1% of the processes. The query embedding (one MiniLM call, ~10-30 ms on CPU, or a cache hit)
is not included.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.search import SearchFilters, SearchIndex, search
from kg.search import query as query_module
from kg.search.dense import HNSW_MIN, DenseIndex, new_index
from kg.search.keyword import KeywordIndex
from kg.search.query import fuse
from kg.settings import Settings

QUERIES = {
    "growth": ["road and highway improvement works", "new affordable housing development", "town centre regeneration scheme",
               "business growth support programme", "rail station and bus infrastructure", "full fibre broadband rollout"],
    "clean-energy": ["solar panel installation", "heat pump installation in council homes", "electric vehicle charging points",
                     "LED street lighting replacement", "net zero decarbonisation consultancy", "renewable electricity supply"],
    "safer-streets": ["knife crime prevention programme", "police equipment and uniforms", "CCTV and community safety",
                      "domestic abuse support services", "youth offending and probation services", "prison maintenance"],
    "opportunity": ["school meals catering", "home to school transport", "apprenticeships and skills training",
                    "early years childcare provision", "special educational needs support", "school building works"],
    "health": ["mental health support for young people", "GP and primary care services", "hospital medical equipment",
               "social care for older people", "drug and alcohol treatment services", "NHS patient transport"],
}
METHODS: list[tuple[str, str, tuple[float, float]]] = [
    ("dense", "dense", (1.0, 1.0)), ("bm25", "keyword", (1.0, 1.0)), ("rrf", "rrf", (1.0, 1.0)),
    ("rrf dense×1.5", "rrf", (1.5, 1.0)), ("rrf bm25×1.5", "rrf", (1.0, 1.5)), ("convex α=.5", "convex", (0.5, 0.5)),
]


def quality(settings: Settings) -> dict[str, dict[str, float]]:
    labels = {}
    for line in (ROOT / "tests" / "data" / "missions_dev.jsonl").read_text().splitlines():
        row = json.loads(line)
        labels[row["ocid"]] = row
    index = SearchIndex(settings)
    labelled = tuple(o for o in labels if o in index.columns.ocid)
    print(f"quality: {sum(len(q) for q in QUERIES.values())} queries over {len(labelled)} labelled processes")
    out: dict[str, dict[str, float]] = {}
    saved = dict(query_module.FUSION)
    for name, method, weights in METHODS:
        query_module.FUSION.update(method=method, weights=weights)
        precisions, ndcgs = [], []
        for mission, queries in QUERIES.items():
            for text in queries:
                found = search(settings, text, SearchFilters(ocids=labelled), limit=10, index=index,
                               method="convex" if method == "convex" else None)["results"]
                gains = [_gain(labels[r["ocid"]], mission) for r in found]
                ideal = sorted((_gain(labels[o], mission) for o in labelled), reverse=True)[:10]
                precisions.append(sum(g > 0 for g in gains) / 10)
                ndcgs.append(_dcg(gains) / _dcg(ideal) if _dcg(ideal) else 0.0)
        out[name] = {"P@10": float(np.mean(precisions)), "nDCG@10": float(np.mean(ndcgs))}
        print(f"  {name:15} P@10 {out[name]['P@10']:.3f}  nDCG@10 {out[name]['nDCG@10']:.3f}")
    query_module.FUSION.clear()
    query_module.FUSION.update(saved)
    best_single = max(out["dense"]["nDCG@10"], out["bm25"]["nDCG@10"])
    print(f"  rrf vs better single method: nDCG@10 {out['rrf']['nDCG@10'] / best_single - 1:+.1%}")
    index.close()
    return out


def _gain(label: dict[str, Any], mission: str) -> int:
    return 2 if label["primary"] == mission else 1 if mission in label["missions"] else 0


def _dcg(gains: list[int]) -> float:
    return float(sum(g / np.log2(i + 2) for i, g in enumerate(gains)))


def speed(settings: Settings, sizes: list[int], queries: int = 200) -> None:
    index = SearchIndex(settings)
    base = np.array(index.dense.vectors()[index.dense.slot_doc >= 0])
    _doc_ids, doc_terms = index.db.terms()
    pool = [t for t in doc_terms if t]
    index.close()
    rng = np.random.default_rng(0)
    print(f"speed: synthetic collections from {len(base)} real passage vectors and {len(pool)} real term lists")
    print(f"{'processes':>10} {'kind':>5} {'build s':>8} {'MB':>6} {'recall@10':>9} | p50/p95 ms: {'no filter':>11} {'10% pass':>11} {'1% pass':>11} | bm25 rebuild s")
    for n in sizes:
        passages = int(n * 1.3)  # real notices average ~1.3 passages after the title vector... see index_passages
        owners = np.sort(rng.integers(0, n, passages))
        owners[:n] = np.arange(n)  # every process has at least one passage
        owners.sort()
        vectors = base[rng.integers(0, len(base), passages)] + rng.normal(0, 0.04, (passages, base.shape[1])).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        started = time.perf_counter()
        dense = DenseIndex(base.shape[1], new_index(base.shape[1], passages))
        dense.add(owners, vectors)
        build_s = time.perf_counter() - started
        exact = DenseIndex(base.shape[1], new_index(base.shape[1], 0))  # IndexFlatIP over the same vectors
        exact.add(owners, vectors)
        terms = [pool[i] for i in rng.integers(0, len(pool), n)]
        started = time.perf_counter()
        keyword = KeywordIndex.build(list(range(n)), terms)
        bm25_s = time.perf_counter() - started
        picks = rng.integers(0, passages, queries)
        qvecs = vectors[picks] + rng.normal(0, 0.04, (queries, base.shape[1])).astype(np.float32)
        qvecs /= np.linalg.norm(qvecs, axis=1, keepdims=True)
        qtexts = [" ".join(pool[i][:4]) for i in rng.integers(0, len(pool), queries)]
        recall = np.mean([
            len({d for d, _ in dense.search(q, 10)} & {d for d, _ in exact.search(q, 10)}) / 10 for q in qvecs[:100]
        ])
        cells = []
        for share in (None, 0.10, 0.01):
            mask = None if share is None else rng.random(n) < share
            times = []
            for q, text in zip(qvecs, qtexts, strict=True):
                t = time.perf_counter()
                fuse(dense.search(q, 30, mask), keyword.search(text, 30, mask))[:10]
                times.append((time.perf_counter() - t) * 1000)
            cells.append(f"{np.percentile(times, 50):5.1f}/{np.percentile(times, 95):5.1f}")
            if share == 0.01:
                filtered_recall = np.mean([
                    len({d for d, _ in dense.search(q, 10, mask)} & {d for d, _ in exact.search(q, 10, mask)}) / 10
                    for q in qvecs[:50]
                ])
        size_mb = (vectors.nbytes + (dense.index.ntotal * 32 * 2 * 4 if dense.kind == "hnsw" else 0)) / 1e6
        print(f"{n:>10} {dense.kind:>5} {build_s:8.1f} {size_mb:6.0f} {recall:9.3f} | {cells[0]:>22} {cells[1]:>11} {cells[2]:>11} | {bm25_s:6.1f}"
              f"   (filtered 1% recall@10 {filtered_recall:.3f})")
        del dense, exact, keyword
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.1f} GB; HNSW above {HNSW_MIN:,} passages")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("MISSIONKG_BENCH_DATA", "bench-search-data")))
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir)
    if not (settings.index_dir / "meta.sqlite").exists():
        from ingest.build import build

        files = sorted((ROOT.parent / "shared" / "data" / "ocds").glob("*.jsonl.gz"))
        print(f"building {settings.data_dir} from {len(files)} files (embeds every notice once)...")
        build(settings, [str(f) for f in files])
    if not args.skip_quality:
        quality(settings)
    if not args.skip_speed:
        speed(settings, [int(s) for s in args.sizes.split(",")])


if __name__ == "__main__":
    main()

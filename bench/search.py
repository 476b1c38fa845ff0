"""Benchmark: search speed (exact vs HNSW, filters, BM25) at growing sizes in one run; quality is bench/search_quality.py.

    python bench/search.py [--data-dir DIR] [--sizes 10000,100000,1000000]

Speed: passage-like vectors at each size are real passage vectors of that graph plus Gaussian noise
(σ = 0.04 per dimension, so each real vector stands for a cluster of near-duplicates; random unit vectors
would be a harsher, unrealistic case) and keyword documents are real term lists re-sampled. For each size:
index build time and size, recall@10 of the index the code chooses (HNSW above kg.search.dense.HNSW_MIN)
against exact search, and p50/p95 latency of top-10 dense + BM25 + fusion without a filter and with filters
passing 10% and 1% of the processes. The query embedding (one MiniLM call, ~10-30 ms on CPU; a server remembers
recent ones in memory) is not included.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.search import SearchIndex
from kg.search.dense import HNSW_MIN, DenseIndex, new_index
from kg.search.keyword import KeywordIndex
from kg.search.query import FUSION, fuse
from kg.settings import Settings


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
                fuse(dense.search(q, 50, mask), keyword.search(text, 50, mask), FUSION["method"], FUSION["weights"], FUSION["alpha"])[:10]
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


def real_graph(data_dir: Path) -> Settings:
    """Settings of a graph of every file in ../shared/data/ocds with a search index, built there first if absent."""
    settings = Settings(data_dir=data_dir)
    if not (settings.index_dir / "meta.sqlite").exists():
        from ingest.build import build

        files = sorted((ROOT.parent / "shared" / "data" / "ocds").glob("*.jsonl.gz"))
        print(f"building {settings.data_dir} from {len(files)} files (embeds every notice once)...")
        build(settings, [str(f) for f in files])
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("MISSIONKG_BENCH_DATA", "bench-search-data")))
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    settings = real_graph(args.data_dir)
    speed(settings, [int(s) for s in args.sizes.split(",")])


if __name__ == "__main__":
    main()

"""Alignment throughput: cold (empty embedding cache) against raw SentenceTransformer.encode on the same
texts, and warm (every text cached) at 10k and 100k generated processes, all in one run.

The warm runs pre-fill the cache with random unit vectors for every text the aligner will ask for: a warm
run never calls the model, so this measures exactly the warm path (cache lookups, signals, model, graph
writes) without first spending hours embedding 100k invented notices on a 2-core machine.

    .venv/bin/python bench/align.py [--sizes 10000,100000] [--cold 1000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from ingest.build import build
from ingest.demo import write_demo
from kg.align import Aligner, align_processes
from kg.passages import split_passages
from kg.process_text import process_texts
from kg.settings import Settings
from kg.store import OxigraphStore

POST_STAGES = frozenset({"organisations", "align", "index"})


def make_graph(root: Path, releases: int) -> Settings:
    """A graph of generated notices, ingested without post-ingest stages."""
    settings = Settings(data_dir=root / "data")
    write_demo(root / "demo.jsonl", releases, seed=11)
    from ingest.stages import STAGES

    build(settings, [str(root / "demo.jsonl")], skip_stages=frozenset(n for n, _ in STAGES))
    return settings


def texts_asked(aligner: Aligner, texts: list) -> list[str]:
    """Every text the aligner embeds for these processes: passages and titles."""
    asked = []
    for text in texts:
        full = text.full_text or text.ocid
        asked += split_passages(full, tokenizer=aligner.embedder.tokenizer) or [full]
        asked.append(text.title or full[:200] or text.ocid)
    return asked


def cold(root: Path, n: int) -> None:
    """Aligner on an empty cache against raw encode of the same texts, same run."""
    settings = make_graph(root / "cold", int(n * 1.3))
    store = OxigraphStore(settings.store_dir)
    texts = list(process_texts(store))[:n]
    aligner = Aligner(settings)
    asked = list(dict.fromkeys(texts_asked(aligner, texts)))
    from sentence_transformers import SentenceTransformer

    from kg.embeddings import resolve_model_path

    model = SentenceTransformer(str(resolve_model_path(settings)), device=settings.device)
    started = time.perf_counter()
    model.encode(asked, batch_size=settings.embed_batch_size, normalize_embeddings=True, convert_to_numpy=True)
    raw = time.perf_counter() - started
    started = time.perf_counter()
    aligner.align(texts)
    ours = time.perf_counter() - started
    store.close()
    print(f"cold  {len(texts):>7,} processes  {len(asked):>7,} texts  raw encode {len(texts) / raw:8.1f} proc/s  "
          f"aligner {len(texts) / ours:8.1f} proc/s  aligner/raw throughput {raw / ours:.2f}")


def warm(root: Path, n: int) -> None:
    """align_processes over every process with every text already cached."""
    settings = make_graph(root / f"warm-{n}", int(n * 1.3))
    store = OxigraphStore(settings.store_dir)
    aligner = Aligner(settings)
    texts = list(process_texts(store))
    asked = list(dict.fromkeys(texts_asked(aligner, texts)))
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((len(asked), aligner.embedder.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    cache = aligner.embedder.cache
    cache.put_many((cache.key(aligner.embedder.model_id, t), v) for t, v in zip(asked, vectors, strict=True))
    started = time.perf_counter()
    figures = align_processes(settings, store, aligner=aligner)
    seconds = time.perf_counter() - started
    store.close()
    print(f"warm  {figures['processes']:>7,} processes  embedded {figures['embedded']}  {seconds:7.1f} s  "
          f"{figures['processes'] / seconds:8.1f} proc/s  (goal: 100k in ≤ 60 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="processes for the warm runs, comma-separated")
    parser.add_argument("--cold", type=int, default=1000, help="processes for the cold run against raw encode")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cold(Path(tmp), args.cold)
        for size in (int(s) for s in args.sizes.split(",")):
            warm(Path(tmp), size)


if __name__ == "__main__":
    main()

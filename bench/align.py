"""Alignment throughput: cold (empty embedding cache) against raw SentenceTransformer.encode on the same
texts, and warm (every text cached) at 10k and 100k generated processes, all in one run.

The warm runs pre-fill the cache with random unit vectors for every text the aligner will ask for: a warm
run never calls the model, so this measures exactly the warm path (cache lookups, signals, model, graph
writes) without first spending hours embedding 100k invented notices on a 2-core machine.

    .venv/bin/python bench/align.py [--sizes 10000,100000] [--cold 1000] [--rounds 4]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the repository's ingest package, not this folder's ingest.py benchmark

from cached_vectors import cache_random_vectors
from embed import timed

from ingest.build import build
from ingest.demo import write_demo
from kg.align import Aligner, align_processes
from kg.align_features import BatchTexts
from kg.process_text import process_texts
from kg.settings import Settings
from kg.store import OxigraphStore


def make_graph(root: Path, releases: int) -> Settings:
    """A graph of generated notices, ingested without post-ingest stages."""
    settings = Settings(data_dir=root / "data")
    write_demo(root / "demo.jsonl", releases, seed=11)
    from ingest.stages import STAGES

    build(settings, [str(root / "demo.jsonl")], skip_stages=frozenset(n for n, _ in STAGES))
    return settings


def texts_asked(aligner: Aligner, texts: list) -> list[str]:
    """Every text the aligner embeds for these processes: passages and titles."""
    return BatchTexts.of(texts, aligner.embedder.tokenizer).embedded


def cold(root: Path, n: int, rounds: int) -> None:
    """Aligner on an empty cache against raw encode of the same texts, same run.

    The two take turns on slices of the processes (and on going first), so that other load on the machine
    slows both alike; each slice's raw encode gets exactly the texts new to the aligner's cache.
    """
    settings = make_graph(root / "cold", int(n * 1.3))
    store = OxigraphStore(settings.store_dir)
    texts = list(process_texts(store))[:n]
    aligner = Aligner(settings)  # loads the model and embeds the outcome prototypes, outside the timings
    from sentence_transformers import SentenceTransformer

    from kg.embeddings import resolve_model_path

    model = SentenceTransformer(str(resolve_model_path(settings)), device=settings.device)
    model.encode(["warm-up"] * settings.embed_batch_size)  # first calls pay for kernel and allocator set-up
    raw = ours = 0.0
    seen: set[str] = set()
    size = -(-len(texts) // rounds)
    for turn, start in enumerate(range(0, len(texts), size)):
        part = texts[start : start + size]
        asked = [text for text in dict.fromkeys(texts_asked(aligner, part)) if text not in seen]
        seen.update(asked)
        runs = [
            partial(model.encode, asked, batch_size=settings.embed_batch_size, normalize_embeddings=True,
                    convert_to_numpy=True),
            partial(aligner.align, part),
        ]
        times = [timed(run) for run in (runs if turn % 2 == 0 else runs[::-1])]
        if turn % 2:
            times.reverse()
        raw += times[0]
        ours += times[1]
    store.close()
    print(f"cold  {len(texts):>7,} processes  {len(seen):>7,} texts  raw encode {len(texts) / raw:8.1f} proc/s  "
          f"aligner {len(texts) / ours:8.1f} proc/s  aligner/raw throughput {raw / ours:.2f}")


def warm(root: Path, n: int) -> None:
    """align_processes over every process with every text already cached."""
    settings = make_graph(root / f"warm-{n}", int(n * 1.3))
    store = OxigraphStore(settings.store_dir)
    aligner = Aligner(settings)
    texts = list(process_texts(store))
    cache_random_vectors(aligner.embedder, texts_asked(aligner, texts))
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
    parser.add_argument("--rounds", type=int, default=4, help="slices the cold run times raw and aligner in turn")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cold(Path(tmp), args.cold, args.rounds)
        for size in (int(s) for s in args.sizes.split(",")):
            warm(Path(tmp), size)


if __name__ == "__main__":
    main()

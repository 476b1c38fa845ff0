"""Benchmark: Embedder throughput against raw SentenceTransformer.encode, cold and warm, in one run.

    python bench/embed.py [--n 2000] [--rounds 4]

Texts are OCDS tender titles and descriptions from ../shared/data/ocds when present, topped up with
generated ones. Goal: cold Embedder ≥ 0.90 × raw (the cache and de-duplication cost almost nothing).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.embeddings import Embedder, resolve_model_path
from kg.settings import Settings

OCDS_DIR = ROOT.parent / "shared" / "data" / "ocds"
WORDS = [
    "supply", "installation", "maintenance", "framework", "council", "highways", "school", "hospital",
    "police", "housing", "energy", "solar", "heat pump", "retrofit", "cleaning", "catering", "software",
    "licence", "consultancy", "training", "apprenticeships", "community safety", "CCTV", "fleet",
    "electric vehicle charging", "flood defence", "social care", "youth services",
]  # fmt: skip


def ocds_texts(folder: Path) -> Iterator[str]:
    """Distinct 'title. description' texts of the tenders (or releases) in the OCDS files."""
    seen: set[str] = set()
    for path in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                release = json.loads(line)
                tender = release.get("tender") or {}
                parts = (
                    tender.get("title") or release.get("title"),
                    tender.get("description") or release.get("description"),
                )
                text = ". ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
                if text and text not in seen:
                    seen.add(text)
                    yield text


def load_texts(n: int) -> tuple[list[str], str]:
    """``n`` distinct texts and where they came from."""
    texts = list(zip(range(n), ocds_texts(OCDS_DIR))) if OCDS_DIR.is_dir() else []
    real = [text for _, text in texts]
    rng = random.Random(0)
    generated = [" ".join(rng.choices(WORDS, k=rng.randint(5, 60))) + f" lot {i}." for i in range(n - len(real))]
    return real + generated, f"{len(real)} OCDS + {len(generated)} generated"


def timed(run: Callable[[], object]) -> float:
    """Seconds taken by ``run()``."""
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    """Print raw, cold and warm throughput and the cold/raw ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="number of texts (default 2000)")
    parser.add_argument("--rounds", type=int, default=4, help="slices timed raw and cold in turn (default 4)")
    parser.add_argument("--batch-size", type=int, default=Settings().embed_batch_size)
    args = parser.parse_args()

    texts, source = load_texts(args.n)
    warm_up = [f"warm-up text number {i}" for i in range(args.batch_size)]
    base = Settings(model=None, device="cpu", embed_batch_size=args.batch_size)
    print(f"texts: {len(texts)} ({source}), batch size {args.batch_size}, device cpu", flush=True)

    os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(resolve_model_path(base)), device="cpu")
    model.encode(warm_up, batch_size=args.batch_size)  # first calls pay for kernel and allocator set-up

    raw_s = cold_s = 0.0
    with tempfile.TemporaryDirectory(prefix="bench-embed-") as tmp:
        cold = Embedder(base.with_data_dir(Path(tmp)))
        cold.encode(warm_up)  # loads the model outside the timings, as for raw
        # Raw and cold take turns on slices (and on going first) so that other load on the machine
        # slows both alike; each slice is new to the cache.
        size = -(-len(texts) // args.rounds)
        for i in range(0, len(texts), size):
            part = texts[i : i + size]
            runs = [
                partial(
                    model.encode, part, batch_size=args.batch_size, normalize_embeddings=True, convert_to_numpy=True
                ),
                partial(cold.encode, part),
            ]
            first_raw = (i // size) % 2 == 0
            times = [timed(run) for run in (runs if first_raw else runs[::-1])]
            raw_s += times[0 if first_raw else 1]
            cold_s += times[1 if first_raw else 0]
        assert cold.stats.encoded == len(warm_up) + len(set(texts))
        cold.close()
        # Warm: a new Embedder over the filled cache, as a rebuild in a new process sees it.
        warm = Embedder(base.with_data_dir(Path(tmp)))
        warm_s = timed(lambda: warm.encode(texts))
        assert warm.stats.encoded == 0
        warm.close()

    n = len(texts)
    print(f"raw SentenceTransformer.encode: {n / raw_s:9.1f} texts/s  ({raw_s:.2f} s)")
    print(f"Embedder cold (empty cache):    {n / cold_s:9.1f} texts/s  ({cold_s:.2f} s)")
    print(f"Embedder warm (all cached):     {n / warm_s:9.1f} texts/s  ({warm_s:.3f} s, model not loaded)")
    print(f"cold / raw: {raw_s / cold_s:.3f}  (goal >= 0.90)")


if __name__ == "__main__":
    main()

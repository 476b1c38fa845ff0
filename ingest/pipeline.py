"""Write the graphs of dirty processes: compile and map them in batches, bulk-load each batch, mark it clean.

Crash safety: a batch is marked STALE in the release store before anything of it reaches the graph store,
and CLEAN only once its quads are loaded and flushed. A build killed at any point leaves STALE batches that
the next build drops and writes again, and CLEAN ones it leaves alone.

Speed: mapping is Python and loading is Rust, so they overlap. One background thread bulk-loads batch k
(pyoxigraph releases the GIL while it loads) while batch k+1 is compiled and mapped, in the main process
for small builds and in a pool of worker processes for large ones (each reads its batch from the release
store through its own read-only connection and returns N-Quads text; if a worker dies, mapping goes on here).
Batches are loaded one at a time, in order, so memory holds a few batches of text whatever the size of the build.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from itertools import islice
from multiprocessing import get_context
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, parse

from ingest.compile import compile_releases
from ingest.mapping import Mapped, ReleaseInfo, map_process
from ingest.staging import CLEAN, STALE, Staging, open_reader, releases_for
from kg.namespaces import process_graph
from kg.store import GraphStore, OxigraphStore

MAP_BATCH = 2_000  # processes per batch: one bulk load each
PARALLEL_MIN = 2 * MAP_BATCH  # below this many dirty processes, worker start-up costs more than it saves
WORKERS = min(2, os.cpu_count() or 1)

Labels = dict[str, str | None]
Done = Callable[[int], None]


def _mapped(db: sqlite3.Connection, ocids: list[str]) -> Iterable[Mapped]:
    for _, releases, infos in releases_for(db, ocids):
        yield map_process(compile_releases(releases), [ReleaseInfo(*info) for info in infos])


def map_batch(db: sqlite3.Connection, ocids: list[str]) -> tuple[bytes, Labels]:
    """Compile and map a batch of processes: one N-Quads document and the CPV labels seen in it."""
    parts, labels = [], {}
    for mapped in _mapped(db, ocids):
        parts.append(mapped.nquads())
        _merge_labels(labels, mapped.cpv_labels)
    text = "".join(parts)
    try:
        return text.encode(), labels
    except UnicodeEncodeError:  # a lone surrogate from a "\ud800" escape: not encodable, so replaced
        return text.encode(errors="replace"), labels


_READER: tuple[str, sqlite3.Connection] | None = None


def _map_in_worker(db_path: str, ocids: list[str]) -> tuple[bytes, Labels]:
    """`map_batch` in a worker process, over one read-only connection kept for the worker's life."""
    global _READER
    if _READER is None or _READER[0] != db_path:
        _READER = (db_path, open_reader(Path(db_path)))
    return map_batch(_READER[1], ocids)


def _merge_labels(into: Labels, labels: Labels) -> None:
    for code, label in labels.items():
        if label or code not in into:
            into[code] = label


def load_batch(store: GraphStore, stale: list[NamedNode], nquads: bytes) -> None:
    """Drop the graphs a batch replaces, then load its quads and make them durable."""
    store.drop_graphs(stale)
    if isinstance(store, OxigraphStore):
        # lenient: the mapping mints every IRI from percent-encoded parts and escapes every literal (its tests
        # parse its output strictly), so re-validating each IRI here would only cost a tenth of the load time.
        store.raw.bulk_load(nquads, format=RdfFormat.N_QUADS, lenient=True)
    else:
        store.add_quads(parse(nquads, format=RdfFormat.N_QUADS), bulk=True)
    store.flush()


def _worker_pool(workers: int, stack: ExitStack) -> Executor | None:
    """A pool of forked mapping workers, or None to map in this process.

    Fork, not spawn: a spawned worker imports the caller's `__main__` again, which runs the top of any
    script that calls `build` without an `if __name__ == "__main__"` guard. Where fork is not the safe
    default (macOS, Windows) the build maps in its own process.
    """
    if workers < 1 or sys.platform != "linux":
        return None
    return stack.enter_context(ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")))


def write_dirty(store: GraphStore, staging: Staging, done: Done, *, workers: int | None = None) -> tuple[list[str], Labels]:
    """Map and load every dirty process; returns their OCIDs and the CPV labels seen.

    Args:
        store: the graph store to write.
        staging: the release store, whose process states record progress.
        done: called with the number of processes of each batch once it is clean.
        workers: worker processes for mapping; by default WORKERS when there are at least PARALLEL_MIN
            dirty processes, else 0 (map in this process).
    """
    dirty = staging.dirty()
    batches = [dirty[start : start + MAP_BATCH] for start in range(0, len(dirty), MAP_BATCH)]
    if workers is None:
        workers = WORKERS if len(dirty) >= PARALLEL_MIN else 0
    labels: Labels = {}
    # Leaving the stack waits for work in flight, also after an error, so the store closes idle. The pool
    # is entered first: its workers are forked by the first submissions, before the loader thread exists.
    with ExitStack() as stack:
        pool = _worker_pool(workers, stack)
        loader = stack.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix="missionkg-load"))

        def start(batch: list[tuple[str, int]]) -> tuple[list[str], list[NamedNode], Future[tuple[bytes, Labels]]]:
            ocids = [ocid for ocid, _ in batch]
            staging.mark(ocids, STALE)  # before any of its quads can reach the store
            stale = [process_graph(ocid) for ocid, state in batch if state == STALE]
            if pool is not None:
                return ocids, stale, pool.submit(_map_in_worker, str(staging.path), ocids)
            mapped: Future[tuple[bytes, Labels]] = Future()
            mapped.set_result(map_batch(staging.db, ocids))
            return ocids, stale, mapped

        def finish(ocids: list[str], loaded: Future[None]) -> None:
            loaded.result()
            staging.mark(ocids, CLEAN)
            done(len(ocids))

        queue = iter(batches)
        in_flight = deque(start(batch) for batch in islice(queue, max(workers, 1)))
        loading: tuple[list[str], Future[None]] | None = None
        while in_flight:
            ocids, stale, mapped = in_flight.popleft()
            try:
                nquads, batch_labels = mapped.result()
            except BrokenProcessPool:  # a worker died (killed, out of memory): map here from now on
                pool = None
                nquads, batch_labels = map_batch(staging.db, ocids)
            _merge_labels(labels, batch_labels)
            following = next(queue, None)
            if following is not None:
                in_flight.append(start(following))  # keeps the workers (or this process) mapping
            if loading is not None:
                finish(*loading)
            loading = (ocids, loader.submit(load_batch, store, stale, nquads))
        if loading is not None:
            finish(*loading)
    return [ocid for ocid, _ in dirty], labels

"""Write the graphs of dirty processes: compile and map them in batches, bulk-load each batch, mark it clean.

Crash safety: a batch is marked STALE in the release store before anything of it reaches the graph store,
and CLEAN only once its quads are loaded and flushed. A build killed at any point leaves STALE batches that
the next build drops and writes again, and CLEAN ones it leaves alone.

Speed: mapping is Python and loading is Rust, so they overlap. Background threads bulk-load mapped batches
(pyoxigraph releases the GIL while it loads, and one load keeps one core busy) while the following batches are
compiled and mapped, in the main process for small builds and in a pool of worker processes for large ones
(each reads its batch from the release store through its own read-only connection; if a worker dies, mapping
goes on here). Up to LOADERS batches load at once, so that when mapping is done, or waits for loads, every core
loads.

Memory: a mapped batch is an N-Quads file in a temporary directory, written process by process and deleted once
loaded, so batches of text never pass through this process's memory (tens of MB each, which the allocator would
keep and fragment), and memory holds a few batches' loads whatever the size of the build.
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
from itertools import count, islice
from multiprocessing import get_context
from pathlib import Path
from tempfile import TemporaryDirectory

from pyoxigraph import NamedNode, RdfFormat, serialize

from ingest.compile import compile_releases
from ingest.mapping import Mapped, ReleaseInfo, map_process
from ingest.staging import CLEAN, STALE, Staging, open_reader, releases_for
from kg.cpv import cpv_quads_for_codes
from kg.namespaces import GRAPH_CPV, process_graph
from kg.store import GraphStore

MAP_BATCH = 1_000  # processes per batch: one bulk load each (a bigger one costs memory, not time)
PARALLEL_MIN = 2 * MAP_BATCH  # below this many dirty processes, worker start-up costs more than it saves
WORKERS = min(2, os.cpu_count() or 1)
LOADERS = WORKERS  # batches bulk-loaded at once: a load keeps one core busy

Labels = dict[str, str | None]
Failures = dict[str, str]  # OCID -> why its process could not be mapped
Done = Callable[[int], None]


def _mapped(db: sqlite3.Connection, ocids: list[str]) -> Iterable[Mapped | tuple[str, str]]:
    """Each process mapped, or (OCID, why not): a record the mapping did not foresee must not stop the build."""
    for ocid, releases, infos in releases_for(db, ocids):
        try:
            yield map_process(compile_releases(releases), [ReleaseInfo(*info) for info in infos])
        except Exception as exc:  # noqa: BLE001 — reported per process, and retried by the next build
            yield ocid, f"{type(exc).__name__}: {exc}"[:500]


def map_batch(db: sqlite3.Connection, ocids: list[str], target: Path) -> tuple[Labels, Failures]:
    """Compile and map a batch of processes into one N-Quads file; returns the CPV labels seen in it and the
    processes that could not be mapped."""
    labels: Labels = {}
    failures: Failures = {}
    # errors="replace": a lone surrogate from a "\ud800" escape cannot be encoded, so it is written as "?".
    with target.open("w", encoding="utf-8", errors="replace", newline="") as out:
        for mapped in _mapped(db, ocids):
            if isinstance(mapped, tuple):
                failures[mapped[0]] = mapped[1]
                continue
            out.write(mapped.nquads())
            _merge_labels(labels, mapped.cpv_labels)
    return labels, failures


_READER: tuple[str, sqlite3.Connection] | None = None


def _map_in_worker(db_path: str, ocids: list[str], target: Path) -> tuple[Labels, Failures]:
    """`map_batch` in a worker process, over one read-only connection kept for the worker's life."""
    global _READER
    if _READER is None or _READER[0] != db_path:
        _READER = (db_path, open_reader(Path(db_path)))
    return map_batch(_READER[1], ocids, target)


def _merge_labels(into: Labels, labels: Labels) -> None:
    for code, label in labels.items():
        if label or code not in into:
            into[code] = label


class _Concepts:
    """The CPV concepts the graph has, so that codes a batch's notices use first get one in that batch's own load
    (labelled as the notice labels them when no CPV list did): no batch is clean without its codes' concepts."""

    def __init__(self, store: GraphStore) -> None:
        rows = store.select(
            f"SELECT ?c (SAMPLE(?l) AS ?label) WHERE {{ GRAPH <{GRAPH_CPV.value}> "
            "{ ?s skos:notation ?c OPTIONAL { ?s skos:prefLabel ?l } } } GROUP BY ?c"
        ).rows
        self.known: Labels = {row["c"]: row["label"] for row in rows}

    def add_new(self, labels: Labels, target: Path) -> None:
        """Append to a batch's N-Quads the concepts (with ancestors) of codes the graph does not describe yet."""
        wanted = {code: label for code, label in labels.items() if code not in self.known or (label and not self.known[code])}
        if wanted:
            with target.open("ab") as out:
                out.write(serialize(cpv_quads_for_codes(wanted), format=RdfFormat.N_QUADS) or b"")
            self.known.update(wanted)


def load_batch(store: GraphStore, stale: list[NamedNode], nquads: Path) -> None:
    """Drop the graphs a batch replaces, then load its quads (and delete their file) and make them durable."""
    store.drop_graphs(stale)
    store.load_rdf(path=nquads, format=RdfFormat.N_QUADS)
    nquads.unlink()
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


def write_dirty(
    store: GraphStore, staging: Staging, done: Done, *, workers: int | None = None
) -> tuple[list[str], Failures]:
    """Map and load every dirty process, with concepts for the CPV codes they are first to use; returns the OCIDs
    written and the processes that could not be mapped (left dirty, so that the next build tries them again, with
    the graph they had before).

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
    failures: Failures = {}
    concepts = _Concepts(store) if batches else None
    # Leaving the stack waits for work in flight, also after an error, so the store closes idle, and then removes
    # the batch files. The pool is entered before the loaders: its workers are forked by the first submissions,
    # before any loader thread exists.
    with ExitStack() as stack:
        files = Path(stack.enter_context(TemporaryDirectory(prefix="missionkg-batches-")))
        numbers = count()
        pool = _worker_pool(workers, stack)
        loader = stack.enter_context(ThreadPoolExecutor(max_workers=LOADERS, thread_name_prefix="missionkg-load"))

        def start(
            batch: list[tuple[str, int]],
        ) -> tuple[list[str], list[NamedNode], Path, Future[tuple[Labels, Failures]] | None]:
            ocids = [ocid for ocid, _ in batch]
            staging.mark(ocids, STALE)  # before any of its quads can reach the store
            stale = [process_graph(ocid) for ocid, state in batch if state == STALE]
            target = files / f"{next(numbers)}.nq"
            mapped = pool.submit(_map_in_worker, str(staging.path), ocids, target) if pool is not None else None
            return ocids, stale, target, mapped  # None: mapped here once the batch before it is loading

        def finish(ocids: list[str], loaded: Future[None]) -> None:
            loaded.result()
            written = [ocid for ocid in ocids if ocid not in failures]
            staging.mark(written, CLEAN)
            done(len(written))

        queue = iter(batches)
        mapping = deque(start(batch) for batch in islice(queue, workers if pool is not None else 1))
        loading: deque[tuple[list[str], Future[None]]] = deque()
        while mapping:
            ocids, stale, target, mapped = mapping.popleft()
            try:
                batch_labels, batch_failures = mapped.result() if mapped is not None else map_batch(staging.db, ocids, target)
            except BrokenProcessPool:  # a worker died (killed, out of memory): map here from now on
                pool = None
                batch_labels, batch_failures = map_batch(staging.db, ocids, target)
            if concepts is not None:
                concepts.add_new(batch_labels, target)
            failures.update(batch_failures)
            kept = {process_graph(ocid) for ocid in batch_failures}  # a process that failed keeps its last good graph
            stale = [graph for graph in stale if graph not in kept]
            following = next(queue, None)
            if following is not None:
                mapping.append(start(following))  # a worker maps it while this batch waits for a loader
            while loading and (len(loading) >= LOADERS or loading[0][1].done()):
                finish(*loading.popleft())
            loading.append((ocids, loader.submit(load_batch, store, stale, target)))
        while loading:
            finish(*loading.popleft())
    return [ocid for ocid, _ in dirty if ocid not in failures], failures

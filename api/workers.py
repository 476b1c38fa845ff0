"""User SPARQL runs in worker processes, so a query past its time budget is killed rather than left running.

Oxigraph evaluates an aggregate in full before yielding its first row and cannot be interrupted from
Python, so a thread could only stop waiting for it while it kept a core busy. A worker process can be
killed: the caller gets 503 at the deadline and a fresh worker takes the dead one's place. Each worker
opens the store read-only and reopens it when the service's StoreHolder has seen it change.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from api.state import StoreHolder
from kg.errors import MissionKGError, QueryRefused, QueryTimeout
from kg.settings import Settings

log = logging.getLogger("missionkg.api")
_STARTUP_S = 60.0
_GRACE_S = 0.5


def _serve(conn: Connection, settings: Settings, memory_mb: int = 0) -> None:
    """Worker loop: receive (generation, function, args), answer ("ok", result) or an error, until the pipe closes.

    With `memory_mb`, the heap a query may add to the worker's, once the store is open, is capped: a query that
    needs more aborts the worker.
    """
    from kg.store import open_store  # imported here so the parent's start-up is not slowed by the child's

    capped = not memory_mb or sys.platform != "linux"
    conn.send(("ready", None))
    store, generation = None, None
    while True:
        try:
            wanted, function, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if store is None or wanted != generation:
                store, generation = open_store(settings, read_only=True), wanted
            if not capped:  # after the first open: the store's own caches are not the query's to pay for
                _cap_heap(memory_mb)
                capped = True
            conn.send(("ok", function(store, *args)))
        except MissionKGError as exc:
            conn.send(("error", exc))
        except Exception:  # noqa: BLE001  (a bug: reported to the parent, which logs it and answers 500)
            conn.send(("bug", traceback.format_exc()))


def _cap_heap(memory_mb: int) -> None:
    """Let this process's data segment grow by at most `memory_mb` MiB from what it holds now (RLIMIT_DATA)."""
    import resource

    with open("/proc/self/status", encoding="ascii") as status:
        used_kb = next(int(line.split()[1]) for line in status if line.startswith("VmData:"))
    limit = (used_kb << 10) + (memory_mb << 20)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


class _Worker:
    def __init__(self, context: Any, settings: Settings, memory_mb: int) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, settings, memory_mb), daemon=True, name="missionkg-sparql")
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self) -> None:
        if not self.ready:
            if not self.conn.poll(_STARTUP_S):
                raise RuntimeError("a SPARQL worker process did not start")
            self.conn.recv()
            self.ready = True

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryPool:
    """A fixed number of worker processes; `call` runs one function on the store in one of them, within a deadline."""

    def __init__(self, settings: Settings, size: int, holder: StoreHolder, *, memory_mb: int = 0) -> None:
        self.settings = settings
        self.size = size
        self.memory_mb = memory_mb
        self.holder = holder
        self._context = mp.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the workers (idempotent); they import in the background."""
        with self._lock:
            while len(self._workers) < self.size:
                self._add()

    def _add(self) -> None:
        worker = _Worker(self._context, self.settings, self.memory_mb)
        self._workers.append(worker)
        self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._workers.remove(worker)
            self._add()

    def call(self, function: Callable[..., Any], *args: Any, timeout_s: float) -> Any:
        """`function(store, *args)` in a worker; QueryTimeout when no worker is free in time or the call overruns."""
        self.start()
        self.holder.get()  # refresh the generation, and fail here (503) if there is no store
        try:
            worker = self._idle.get(timeout=timeout_s)
        except queue.Empty:
            raise QueryTimeout(f"all {self.size} query workers stayed busy for {timeout_s:g} s; try again shortly") from None
        try:
            worker.wait_ready()
            worker.conn.send((self.holder.generation, function, args))
            if not worker.conn.poll(timeout_s + _GRACE_S):
                self._replace(worker)
                raise QueryTimeout(f"the query ran past its time budget of {timeout_s:g} s and was stopped; narrow it or add a LIMIT")
            status, payload = worker.conn.recv()
        except (EOFError, OSError, RuntimeError) as exc:
            worker.process.join(timeout=5)
            aborted = worker.process.exitcode == -signal.SIGABRT and self.memory_mb
            self._replace(worker)
            if aborted:
                raise QueryRefused(f"the query needed more than {self.memory_mb:,} MiB of memory (MISSIONKG_SPARQL_MEMORY_MB); "
                                   "narrow it, or sort and join fewer rows") from exc
            raise RuntimeError("a SPARQL worker process died") from exc
        self._idle.put(worker)
        if status == "ok":
            return payload
        if status == "error":
            raise payload
        log.error("SPARQL worker failed:\n%s", payload)
        raise RuntimeError("a SPARQL worker failed; see the service log")

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            for worker in self._workers:
                worker.kill()
            self._workers.clear()
            self._idle = queue.Queue()

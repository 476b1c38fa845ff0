"""The store the service reads, reopened when a build has changed it, and the FastAPI dependencies over it."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from fastapi import Request

from kg.settings import Settings
from kg.store import GraphStore, open_store, writer_active


class StoreHolder:
    """A read-only store, reopened when the files under it change so the service sees a finished build.

    Oxigraph's read-only mode opens a consistent snapshot even while a build writes, but it never sees
    later writes: the directory is looked at (at most every `check_every_s`) and a new snapshot opened
    when its files have changed and no process is writing it, so a build, or a re-alignment that replaces
    every alignment, is seen only once it has finished. Requests already running keep their snapshot.
    """

    def __init__(self, settings: Settings, check_every_s: float = 1.0) -> None:
        self.settings = settings
        self.check_every_s = check_every_s
        self.generation = 0
        self._store: GraphStore | None = None
        self._fingerprint: Any = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def _files(self) -> Any:
        if self.settings.store_url:
            return self.settings.store_url
        try:
            return sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(self.settings.store_dir))
        except OSError:
            return None

    def get(self) -> GraphStore:
        """The current snapshot; StoreError when there is no store to open."""
        store = self._store
        if store is not None and time.monotonic() - self._checked < self.check_every_s:
            return store
        with self._lock:
            self._checked = time.monotonic()
            if self._store is not None and not self.settings.store_url and writer_active(self.settings.store_dir):
                return self._store
            fingerprint = self._files()
            if self._store is None or fingerprint != self._fingerprint:
                self._store = open_store(self.settings, read_only=True)
                self._fingerprint = fingerprint
                self.generation += 1
            return self._store


def get_store(request: Request) -> GraphStore:
    """FastAPI dependency: the app's current store snapshot."""
    holder: StoreHolder = request.app.state.holder
    return holder.get()


def get_settings(request: Request) -> Settings:
    """FastAPI dependency: the app's settings."""
    settings: Settings = request.app.state.settings
    return settings

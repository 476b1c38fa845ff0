"""SQLite journal of downloads: each output's cursor and committed byte offset, the release keys already
written (for de-duplication by ocid, id and date), and `missionkg sync`'s runs and watermarks.

A page's new keys, its bytes in the .part file and the cursor after it are committed in one transaction,
so a download killed at any point resumes from the last committed page without loss or duplicates.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson

from ingest.fetch.paging import Page

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    output TEXT PRIMARY KEY, signature TEXT NOT NULL, cursor TEXT, offset INTEGER NOT NULL,
    pages INTEGER NOT NULL, received INTEGER NOT NULL, written INTEGER NOT NULL, complete INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS seen (
    scope TEXT NOT NULL, key TEXT NOT NULL, job TEXT NOT NULL, PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_job ON seen (job);
CREATE TABLE IF NOT EXISTS runs (
    file TEXT PRIMARY KEY, source TEXT NOT NULL, start TEXT NOT NULL, end TEXT NOT NULL, state TEXT NOT NULL
);
"""
FETCHING, FETCHED, EMPTY, BUILT = "fetching", "fetched", "empty", "built"


def release_key(release: Any) -> str:
    """Hash of a release's (ocid, id, date); of its whole JSON if it is not an object."""
    ident = [release.get("ocid"), release.get("id"), release.get("date")] if isinstance(release, dict) else release
    return hashlib.blake2b(orjson.dumps(ident), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Job:
    """How far the download to `output` got: the next cursor and the .part bytes committed."""

    output: str
    signature: str
    cursor: str | None = None
    offset: int = 0
    pages: int = 0
    received: int = 0
    written: int = 0
    complete: bool = False


@dataclass(frozen=True)
class Run:
    """One window of one source fetched by `missionkg sync` into `file`."""

    file: str
    source: str
    start: str
    end: str
    state: str = FETCHING


class Journal:
    """The journal file; one process at a time."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def job(self, output: str) -> Job | None:
        """The unfinished download to `output`, if any."""
        row = self.db.execute(
            f"SELECT {', '.join(Job.__dataclass_fields__)} FROM jobs WHERE output = ?", (output,)
        ).fetchone()
        return Job(*row[:-1], complete=bool(row[-1])) if row else None

    def start_job(self, output: str, signature: str) -> Job:
        """Begin (or begin again) the download to `output`, forgetting keys it had claimed."""
        job = Job(output, signature)
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM seen WHERE job = ?", (output,))
            self.db.execute("INSERT OR REPLACE INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", _row(job))
        return job

    def save_page(self, job: Job, scope: str, page: Page, write: Callable[[list[Any]], int]) -> Job:
        """Claim the page's unseen releases, let `write` append them (returning the new offset), commit both."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            fresh = [r for r in page.releases if self._claim(scope, release_key(r), job.output)]
            saved = replace(
                job,
                cursor=page.next_cursor,
                offset=write(fresh),
                pages=job.pages + 1,
                received=job.received + len(page.releases),
                written=job.written + len(fresh),
                complete=page.is_last,
            )
            self.db.execute("INSERT OR REPLACE INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", _row(saved))
        return saved

    def _claim(self, scope: str, key: str, job: str) -> bool:
        return self.db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?, ?)", (scope, key, job)).rowcount == 1

    def finish_job(self, output: str) -> None:
        """Forget the finished download's cursor (its keys stay, to de-duplicate later runs in its scope)."""
        self.db.execute("DELETE FROM jobs WHERE output = ?", (output,))

    def open_run(self, source: str) -> Run | None:
        """The sync run of `source` that has not finished fetching, if any."""
        row = self.db.execute("SELECT * FROM runs WHERE source = ? AND state = ?", (source, FETCHING)).fetchone()
        return Run(*row) if row else None

    def add_run(self, run: Run) -> None:
        """Record a new sync run before it fetches anything."""
        self.db.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?)", (run.file, run.source, run.start, run.end, run.state)
        )

    def set_state(self, files: Sequence[str], state: str) -> None:
        """Move runs to a new state."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("UPDATE runs SET state = ? WHERE file = ?", [(state, f) for f in files])

    def watermark(self, source: str) -> str | None:
        """The end of the latest window of `source` fetched in full."""
        return self.db.execute(
            "SELECT MAX(end) FROM runs WHERE source = ? AND state != ?", (source, FETCHING)
        ).fetchone()[0]

    def unbuilt(self) -> list[str]:
        """Files fetched but not yet built into the graph, oldest first."""
        return [r[0] for r in self.db.execute("SELECT file FROM runs WHERE state = ? ORDER BY end, file", (FETCHED,))]


def _row(job: Job) -> tuple[Any, ...]:
    return (job.output, job.signature, job.cursor, job.offset, job.pages, job.received, job.written, int(job.complete))

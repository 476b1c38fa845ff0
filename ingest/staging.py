"""The release store: every loaded release in SQLite, grouped by OCID, with which processes need (re)mapping.

It makes builds incremental and restartable: a release is staged once (by content hash), an OCID is marked
dirty when a new release arrives, and it is marked clean only after its graph is written.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

# state of a process: NEW was never written to the store; STALE may have quads there that must go first.
NEW, STALE, CLEAN = 0, 1, 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS releases (
    ocid TEXT NOT NULL, hash TEXT NOT NULL, release_id TEXT, date TEXT, tags TEXT,
    source TEXT, line INTEGER, pointer TEXT, body BLOB NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (ocid, hash)
) WITHOUT ROWID;
-- The releases a record only links to (url, date, tags), staged with the compiledRelease that stands for them.
CREATE TABLE IF NOT EXISTS linked_releases (
    ocid TEXT NOT NULL, hash TEXT NOT NULL, position INTEGER NOT NULL, url TEXT NOT NULL, date TEXT, tags TEXT,
    PRIMARY KEY (ocid, hash, position)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS processes (ocid TEXT PRIMARY KEY, state INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS processes_state ON processes (state);
-- "mapping": the version of the code that mapped the processes marked clean.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""


def release_hash(body: bytes) -> str:
    """Content hash of a release's canonical JSON."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


class Staging:
    """SQLite-backed release store under the data directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None)
        # Releases are a few KB each: 16 KB pages (set only while the file is new) keep most of them out of
        # overflow pages, and a larger page cache spares re-reading the B-tree between inserts.
        self.db.execute("PRAGMA page_size=16384")
        self.db.execute("PRAGMA cache_size=-32768")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        self._seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM releases").fetchone()[0]
        self._pending: list[tuple[Any, ...]] = []
        self._pending_linked: list[tuple[Any, ...]] = []

    def add(
        self, release: dict[str, Any], source: str, line: int | None, pointer: str | None,
        linked: Sequence[tuple[str, str | None, Sequence[str]]] = (),
    ) -> None:
        """Queue a release for staging; identical releases are stored once. `linked`: (url, date, tags) of the
        releases a record's compiledRelease stands for, which become its history; they are part of its identity,
        so the same compiledRelease listed with other releases is staged anew and its process remapped."""
        body = orjson.dumps(release, option=orjson.OPT_SORT_KEYS)
        digest = release_hash(body + orjson.dumps([list(entry) for entry in linked]) if linked else body)
        self._seq += 1
        tags = release.get("tag")
        self._pending.append((
            release["ocid"], digest, str(release.get("id") or ""), release.get("date"),
            orjson.dumps(tags if isinstance(tags, list) else [tags] if tags else []).decode(),
            source, line, pointer, body, self._seq,
        ))
        self._pending_linked.extend(
            (release["ocid"], digest, position, url, date, orjson.dumps(list(tags)).decode())
            for position, (url, date, tags) in enumerate(linked)
        )

    def commit(self) -> int:
        """Write queued releases and mark their OCIDs dirty; returns how many were already staged."""
        if not self._pending:
            return 0
        added = 0
        with self.db:
            cursor = self.db.execute("BEGIN")
            changed: dict[str, None] = {}  # OCIDs that got a release not staged before, in order
            for row in self._pending:
                cursor.execute("INSERT OR IGNORE INTO releases VALUES (?,?,?,?,?,?,?,?,?,?)", row)
                if cursor.rowcount > 0:
                    added += 1
                    changed[row[0]] = None
            # Only a new release makes its process dirty, so reading the same input again maps nothing.
            self.db.executemany(
                "INSERT INTO processes VALUES (?, 0) ON CONFLICT(ocid) DO UPDATE SET state = MIN(state, 1)",
                [(ocid,) for ocid in changed],
            )
            self.db.executemany("INSERT OR IGNORE INTO linked_releases VALUES (?,?,?,?,?,?)", self._pending_linked)
        duplicates = len(self._pending) - added
        self._pending.clear()
        self._pending_linked.clear()
        return duplicates

    def remap_if_changed(self, version: str) -> int:
        """Mark every written process for mapping again when other code (or none recorded) wrote them than the
        mapping of `version`, and record it; returns how many were marked."""
        with self.db:
            self.db.execute("BEGIN")
            row = self.db.execute("SELECT value FROM meta WHERE key = 'mapping'").fetchone()
            marked = 0
            if row is None or row[0] != version:
                marked = self.db.execute(f"UPDATE processes SET state = {STALE} WHERE state = {CLEAN}").rowcount
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('mapping', ?)", (version,))
        return marked

    def dirty(self) -> list[tuple[str, int]]:
        """OCIDs whose graph must be (re)written, with their state."""
        return self.db.execute("SELECT ocid, state FROM processes WHERE state < 2 ORDER BY ocid").fetchall()

    def mark(self, ocids: Sequence[str], state: int) -> None:
        """Set the state of a batch of processes."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("UPDATE processes SET state = ? WHERE ocid = ?", [(state, o) for o in ocids])

    def releases_for(self, ocids: Sequence[str]) -> Iterator[tuple[str, list[dict[str, Any]], list[tuple[Any, ...]]]]:
        """For each OCID: its releases (in the order they were read) and their provenance rows."""
        return releases_for(self.db, ocids)

    def count_processes(self) -> int:
        """Number of distinct OCIDs staged."""
        return self.db.execute("SELECT COUNT(*) FROM processes").fetchone()[0]

    def conflicts(self) -> int:
        """Releases sharing an OCID, id and date with different content (all kept, none overwritten); releases
        without an id (a Public Contracts Scotland notice and its correction) share none."""
        return self.db.execute(
            "SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM releases WHERE release_id != '' "
            "GROUP BY ocid, release_id, date HAVING n > 1)"
        ).fetchone()[0]

    def close(self) -> None:
        """Commit anything queued and close."""
        self.commit()
        self.db.close()


def open_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection to a release store, for processes that map while the build writes."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)


def releases_for(
    db: sqlite3.Connection, ocids: Sequence[str]
) -> Iterator[tuple[str, list[dict[str, Any]], list[tuple[Any, ...]]]]:
    """For each OCID: its releases (in the order they were read) and their provenance rows (a compiledRelease's
    are those of the releases its record linked to, when it listed them: each linked release once, however many
    versions of the record listed it)."""
    placeholders = ",".join("?" * len(ocids))
    linked: dict[tuple[str, str], list[tuple[str, str | None, str]]] = {}
    for ocid, digest, url, date, tags in db.execute(
        f"SELECT ocid, hash, url, date, tags FROM linked_releases WHERE ocid IN ({placeholders}) ORDER BY ocid, hash, position",
        list(ocids),
    ):
        linked.setdefault((ocid, digest), []).append((url, date, tags))
    rows = db.execute(
        "SELECT ocid, hash, body, release_id, date, tags, source, line FROM releases "
        f"WHERE ocid IN ({placeholders}) ORDER BY ocid, seq",
        list(ocids),
    )
    current, bodies, infos, shown = None, [], [], set()
    for ocid, digest, body, release_id, date, tags, source, line in rows:
        if ocid != current and current is not None:
            yield current, bodies, infos
            bodies, infos, shown = [], [], set()
        current = ocid
        bodies.append(orjson.loads(body))
        links = linked.get((ocid, digest))
        if links is None:
            infos.append((release_id, date, tuple(orjson.loads(tags)), source, line))
            continue
        for url, linked_date, linked_tags in links:
            if url not in shown:
                shown.add(url)
                infos.append((url, linked_date, tuple(orjson.loads(linked_tags)), source, line))
    if current is not None:
        yield current, bodies, infos

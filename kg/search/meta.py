"""The per-process metadata table (SQLite, the index's manifest and source of truth) and its in-memory columns.

SQLite holds one row per indexed process (OCID, content hash, graph fingerprint, the filterable facts,
the texts the keyword index is rebuilt from) plus small side tables for the many-valued facts. It also
records which generation of the FAISS and BM25 files matches it, so the files and the table change
together: a new generation is written beside the old one and becomes current in the same SQLite
transaction that changes the rows (see kg.search.index).

Queries never touch SQLite: ``Columns`` loads the facts once into numpy arrays indexed by doc id, and
a filter becomes a boolean mask over them in a few vectorised operations.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from kg.identity import normalise_name
from kg.namespaces import MISSION_IDS
from kg.search.extract import DocRecord, region_terms
from kg.search.filters import SearchFilters

__all__ = ["Columns", "MetaDB"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS doc (
  id INTEGER PRIMARY KEY, ocid TEXT NOT NULL UNIQUE, hash TEXT NOT NULL, fingerprint TEXT NOT NULL,
  title TEXT, text TEXT, terms TEXT, buyer TEXT, buyer_name TEXT, value REAL, currency TEXT, published TEXT,
  deadline TEXT, award_date TEXT, tender_status TEXT, awarded INTEGER, sme INTEGER, vcse INTEGER,
  primary_mission TEXT, advances TEXT, missions TEXT, outcomes TEXT, regions TEXT, cpv TEXT
);
CREATE TABLE IF NOT EXISTS doc_supplier (doc INTEGER NOT NULL, iri TEXT NOT NULL, name TEXT);
CREATE INDEX IF NOT EXISTS doc_supplier_doc ON doc_supplier (doc);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT);
"""
# Tender statuses that end a procedure without an award, whatever the deadline says.
_ENDED = ("cancelled", "unsuccessful", "withdrawn", "complete")
_NOT_YET = ("active", "planning", "planned")
_NO_DAY = np.iinfo(np.int32).min


def _days(value: str | None) -> int:
    """Days since 1970-01-01 of an ISO day, or _NO_DAY."""
    if not value:
        return _NO_DAY
    try:
        return (date.fromisoformat(value[:10]) - date(1970, 1, 1)).days
    except ValueError:
        return _NO_DAY


class MetaDB:
    """The SQLite file: rows of indexed processes and the state (generations, parameters) of the index files."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.executescript(_SCHEMA)

    def state(self) -> dict[str, str]:
        """Every state key (generations, index kind, stemmer) and its value."""
        return dict(self.conn.execute("SELECT key, value FROM state").fetchall())

    def manifest(self) -> dict[str, tuple[int, str, str]]:
        """OCID → (doc id, content hash, graph fingerprint) of every indexed process."""
        return {o: (i, h, f) for i, o, h, f in self.conn.execute("SELECT id, ocid, hash, fingerprint FROM doc")}

    def next_id(self) -> int:
        """The doc id the next new process gets (ids are never reused, so stale vectors cannot point at a new doc)."""
        row = self.conn.execute("SELECT value FROM state WHERE key = 'next_id'").fetchone()
        top = self.conn.execute("SELECT COALESCE(MAX(id), -1) + 1 FROM doc").fetchone()[0]
        return max(int(row[0]) if row else 0, top)

    def begin(self) -> None:
        """Start the transaction that one update's row changes and its new file generation share."""
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        """Make the rows and the generation recorded since ``begin`` current, together."""
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        """Forget every change since ``begin``."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def set_state(self, values: dict[str, Any]) -> None:
        """Record state keys (inside the open transaction when there is one)."""
        self.conn.executemany("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", [(k, str(v)) for k, v in values.items()])

    def upsert(self, doc_id: int, doc: DocRecord, content_hash: str, terms: str) -> None:
        """Write one process's row and side rows, replacing what its doc id had."""
        self.conn.execute("DELETE FROM doc_supplier WHERE doc = ?", (doc_id,))
        self.conn.execute(
            "INSERT OR REPLACE INTO doc VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (doc_id, doc.ocid, content_hash, doc.fingerprint, doc.title, doc.text, terms, doc.buyer, doc.buyer_name,
             doc.value, doc.currency, doc.published, doc.deadline, doc.award_date, doc.tender_status, int(doc.awarded),
             int(doc.sme), int(doc.vcse), doc.primary, json.dumps(doc.advances), json.dumps(doc.missions),
             json.dumps(doc.outcomes), json.dumps(doc.regions), json.dumps(doc.cpv)),
        )
        self.conn.executemany("INSERT INTO doc_supplier VALUES (?, ?, ?)", [(doc_id, iri, name) for iri, name in doc.suppliers])

    def set_fingerprints(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Record new graph fingerprints of processes whose indexed content did not change."""
        self.conn.executemany("UPDATE doc SET fingerprint = ? WHERE ocid = ?", [(f, o) for o, f in pairs])

    def delete(self, doc_ids: Sequence[int]) -> None:
        """Forget processes."""
        for start in range(0, len(doc_ids), 500):
            chunk = list(doc_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            self.conn.execute(f"DELETE FROM doc WHERE id IN ({marks})", chunk)
            self.conn.execute(f"DELETE FROM doc_supplier WHERE doc IN ({marks})", chunk)

    def terms(self) -> tuple[list[int], list[list[str]]]:
        """Doc ids and their stemmed keyword terms, in id order: what the BM25 index is rebuilt from."""
        ids, terms = [], []
        for doc_id, text in self.conn.execute("SELECT id, terms FROM doc ORDER BY id"):
            ids.append(doc_id)
            terms.append(text.split() if text else [])
        return ids, terms

    def rows(self, doc_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Full rows of some docs (for results), with their suppliers."""
        out: dict[int, dict[str, Any]] = {}
        for start in range(0, len(doc_ids), 500):
            chunk = [int(i) for i in doc_ids[start : start + 500]]
            marks = ",".join("?" * len(chunk))
            cursor = self.conn.execute(f"SELECT * FROM doc WHERE id IN ({marks})", chunk)
            names = [c[0] for c in cursor.description]
            for values in cursor:
                row = dict(zip(names, values, strict=True))
                for key in ("advances", "missions", "outcomes", "regions", "cpv"):
                    row[key] = json.loads(row[key])
                row["suppliers"] = []
                out[row["id"]] = row
            for doc_id, iri, name in self.conn.execute(f"SELECT doc, iri, name FROM doc_supplier WHERE doc IN ({marks})", chunk):
                out[doc_id]["suppliers"].append({"iri": iri, "name": name})
        return out

    def ids_of(self, ocids: Sequence[str]) -> dict[str, int]:
        """Doc ids of those OCIDs that are indexed."""
        found: dict[str, int] = {}
        for start in range(0, len(ocids), 500):
            chunk = list(ocids[start : start + 500])
            sql = f"SELECT ocid, id FROM doc WHERE ocid IN ({','.join('?' * len(chunk))})"
            found.update(self.conn.execute(sql, chunk).fetchall())
        return found

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


class Multi:
    """A many-valued fact as (doc id, key id[, score]) entries over a table of distinct keys: filters test each
    distinct key once in Python and then select entries with numpy, so their cost barely grows with the docs."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self._key_ids: dict[str, int] = {}
        self._docs: list[int] = []
        self._entry_keys: list[int] = []
        self._scores: list[float] = []
        self.doc = np.empty(0, dtype=np.int64)
        self.key = np.empty(0, dtype=np.int64)
        self.score = np.empty(0, dtype=np.float32)

    def add(self, doc_id: int, key: str, score: float = 1.0) -> None:
        """Record one entry (before ``freeze``)."""
        k = self._key_ids.setdefault(key, len(self.keys))
        if k == len(self.keys):
            self.keys.append(key)
        self._docs.append(doc_id)
        self._entry_keys.append(k)
        self._scores.append(score)

    def freeze(self) -> None:
        """Turn the entries into arrays."""
        self.doc = np.asarray(self._docs, dtype=np.int64)
        self.key = np.asarray(self._entry_keys, dtype=np.int64)
        self.score = np.asarray(self._scores, dtype=np.float32)
        self._docs, self._entry_keys, self._scores = [], [], []

    def docs_where(self, test: Callable[[str], bool], size: int, min_score: float | None = None) -> np.ndarray:
        """Mask over doc ids of docs with an entry whose key passes ``test`` (and whose score is ≥ ``min_score``)."""
        keys = np.fromiter((test(k) for k in self.keys), dtype=bool, count=len(self.keys))
        hit = keys[self.key] if len(self.keys) else np.zeros(0, dtype=bool)
        if min_score is not None:
            hit &= self.score >= min_score
        out = np.zeros(size, dtype=bool)
        out[self.doc[hit]] = True
        return out


@dataclass
class Columns:
    """Filterable facts of every indexed process as numpy arrays indexed by doc id (``live`` marks real docs)."""

    live: np.ndarray
    value: np.ndarray
    published: np.ndarray
    deadline: np.ndarray
    award_date: np.ndarray
    ended: np.ndarray
    not_yet: np.ndarray
    awarded: np.ndarray
    sme: np.ndarray
    vcse: np.ndarray
    scores: np.ndarray  # (n, 5) mission scores
    advances: np.ndarray  # (n, 5) bool
    buyer: Multi  # keys "iri" and "name:<folded name>"
    regions: Multi  # keys: lower-cased region terms
    cpv: Multi  # keys: CPV codes
    suppliers: Multi  # keys "iri" and "name:<folded name>"
    outcomes: Multi  # keys: outcome slugs, with scores
    ocid: dict[str, int]

    @classmethod
    def load(cls, db: MetaDB) -> Columns:
        """Read every row once into arrays."""
        size = db.next_id()
        live = np.zeros(size, dtype=bool)
        value = np.full(size, np.nan)
        published, deadline, award_date = (np.full(size, _NO_DAY, dtype=np.int32) for _ in range(3))
        ended, not_yet, awarded, sme, vcse = (np.zeros(size, dtype=bool) for _ in range(5))
        scores = np.zeros((size, len(MISSION_IDS)), dtype=np.float32)
        advances = np.zeros((size, len(MISSION_IDS)), dtype=bool)
        buyer, regions, cpv, suppliers, outcomes = Multi(), Multi(), Multi(), Multi(), Multi()
        ocid: dict[str, int] = {}
        query = ("SELECT id, ocid, value, published, deadline, award_date, tender_status, awarded, sme, vcse, missions, "
                 "advances, buyer, buyer_name, regions, cpv, outcomes FROM doc")
        for (i, o, val, pub, dl, ad, status, aw, s, v, missions, adv, b, bn, reg, codes, outs) in db.conn.execute(query):
            live[i] = True
            ocid[o] = i
            value[i] = np.nan if val is None else val
            published[i], deadline[i], award_date[i] = _days(pub), _days(dl), _days(ad)
            ended[i], not_yet[i] = status in _ENDED, status in _NOT_YET
            awarded[i], sme[i], vcse[i] = bool(aw), bool(s), bool(v)
            mission_scores = json.loads(missions)
            for m, mission in enumerate(MISSION_IDS):
                scores[i, m] = mission_scores.get(mission, 0.0)
            for mission in json.loads(adv):
                advances[i, MISSION_IDS.index(mission)] = True
            if b:
                buyer.add(i, b)
            if bn:
                buyer.add(i, "name:" + (normalise_name(bn) or bn.lower()))
            for term in {t for label in json.loads(reg) for t in region_terms(label)}:
                regions.add(i, term)
            for code in json.loads(codes):
                cpv.add(i, code)
            for slug, score in json.loads(outs).items():
                outcomes.add(i, slug, score)
        for doc_id, iri, name in db.conn.execute("SELECT DISTINCT doc, iri, name FROM doc_supplier"):
            suppliers.add(doc_id, iri)
            if name:
                suppliers.add(doc_id, "name:" + (normalise_name(name) or name.lower()))
        for multi in (buyer, regions, cpv, suppliers, outcomes):
            multi.freeze()
        return cls(live, value, published, deadline, award_date, ended, not_yet, awarded, sme, vcse, scores, advances,
                   buyer, regions, cpv, suppliers, outcomes, ocid)

    @property
    def size(self) -> int:
        """Length of every per-doc array (largest doc id + 1)."""
        return len(self.live)

    def status_masks(self, as_of: str | None, ids: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Which docs (all, or just ``ids``) are open, awarded or closed at ``as_of`` (today by default).

        Awarded: an award naming a supplier, dated on or before ``as_of`` (undated awards count). Open: not
        awarded, published by ``as_of``, not ended (cancelled, unsuccessful, withdrawn, complete), and its
        submission deadline is on or after ``as_of`` or, without a deadline, its status is active or planning.
        Closed: everything else.
        """
        pick = (lambda a: a) if ids is None else (lambda a: a[ids])
        day = _days(as_of or date.today().isoformat())
        award_date, deadline, published, live = pick(self.award_date), pick(self.deadline), pick(self.published), pick(self.live)
        awarded = pick(self.awarded) & ((award_date == _NO_DAY) | (award_date <= day))
        timely = np.where(deadline != _NO_DAY, deadline >= day, pick(self.not_yet))
        open_ = ~awarded & ((published == _NO_DAY) | (published <= day)) & ~pick(self.ended) & timely
        return {"open": open_ & live, "awarded": awarded & live, "closed": ~open_ & ~awarded & live}

    def mask(self, filters: SearchFilters, supplier_iris: set[str] | None = None, buyer_iris: set[str] | None = None) -> np.ndarray:
        """Boolean mask over doc ids of the live docs that pass every filter.

        ``supplier_iris`` / ``buyer_iris``: organisation IRIs the supplier / buyer filter resolved to
        (a whole identity cluster); when None the filter text is matched inside names instead.
        """
        m = self.live.copy()
        f, n = filters, self.size
        if f.mission is not None:
            j = MISSION_IDS.index(f.mission)
            m &= self.scores[:, j] >= f.min_score if f.min_score is not None else self.advances[:, j]
        elif f.min_score is not None:
            m &= self.scores.max(axis=1) >= f.min_score
        if f.outcome is not None:
            m &= self.outcomes.docs_where(lambda k: k == f.outcome, n, f.min_score or 0.0)
        if f.cpv:
            m &= self.cpv.docs_where(lambda k: k.startswith(f.cpv), n)
        if f.min_value is not None:
            m &= self.value >= f.min_value  # NaN (no value) compares False: unknown values are left out
        if f.max_value is not None:
            m &= self.value <= f.max_value
        for column, low, high in ((self.published, f.published_from, f.published_to),
                                  (self.deadline, f.deadline_from, f.deadline_to),
                                  (self.award_date, f.awarded_from, f.awarded_to)):
            if low is not None:
                m &= (column != _NO_DAY) & (column >= _days(low))
            if high is not None:
                m &= (column != _NO_DAY) & (column <= _days(high))
        if f.status is not None:
            m &= self.status_masks(f.as_of)[f.status]
        if f.sme:
            m &= self.sme
        if f.vcse:
            m &= self.vcse
        if f.region:
            needle = f.region.strip().lower()
            m &= self.regions.docs_where(lambda k: needle in k, n)
        for text, iris, multi in ((f.buyer, buyer_iris, self.buyer), (f.supplier, supplier_iris, self.suppliers)):
            if text:
                m &= multi.docs_where(_org_test(text, iris), n)
        if f.ocids is not None:
            wanted = np.zeros(n, dtype=bool)
            wanted[[self.ocid[o] for o in f.ocids if o in self.ocid]] = True
            m &= wanted
        return m


def _org_test(text: str, iris: set[str] | None) -> Callable[[str], bool]:
    """Key test of an organisation filter: one of the resolved IRIs, else the folded text inside a folded name."""
    if iris:
        return lambda key: key in iris
    needle = "name:" + (normalise_name(text) or text.strip().lower())
    return lambda key: key.startswith("name:") and needle[5:] in key[5:]

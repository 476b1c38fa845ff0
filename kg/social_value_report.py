"""Read social-value commitments back from the graph: the export of DESIGN.md, one process's commitments for
`explain`, and has-social-value precision and recall against hand labels (rubric rule 5)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.jsonl import read_jsonl
from kg.namespaces import process_iri
from kg.social_value import GENERAL, concepts
from kg.store import GraphStore

_COMMITMENTS = """SELECT ?ocid ?c ?text ?found ?weight ?outcome WHERE {{
  {values} ?p mkg:hasCommitment ?c ; mkg:ocid ?ocid .
  ?c mkg:commitmentText ?text ; mkg:foundIn ?found .
  OPTIONAL {{ ?c mkg:weight ?weight }} OPTIONAL {{ ?c dcterms:subject ?outcome }}
}}"""


def _index(iri: str) -> int:
    tail = iri.rsplit("/", 1)[-1]
    return int(tail) if tail.isdecimal() else 0


def _commitments(store: GraphStore, ocid: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Commitments by OCID in document order, each with its outcomes, missions, weight and where it was found."""
    values = f"VALUES ?p {{ {process_iri(ocid)} }}" if ocid is not None else ""
    known = concepts()
    nodes: dict[str, dict[str, Any]] = {}
    for row in store.select(_COMMITMENTS.format(values=values)).rows:
        node = nodes.setdefault(row["c"], {
            "ocid": row["ocid"], "text": row["text"], "found_in": row["found"],
            "weight": float(row["weight"]) if row["weight"] is not None else None, "outcomes": {},
        })
        concept = known.get(row["outcome"]) if row["outcome"] else None
        if concept:
            node["outcomes"][concept.model] = concept
    by_process: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for iri in sorted(nodes, key=_index):
        node = nodes[iri]
        outcomes = node.pop("outcomes")
        node["theme"] = outcomes["2025"].slug if "2025" in outcomes else GENERAL
        node["outcomes"] = {
            model: {"outcome": c.slug, "label": c.label, "theme": c.theme_label} for model, c in sorted(outcomes.items())
        }
        node["missions"] = sorted({m for c in outcomes.values() for m in c.missions})
        by_process[node.pop("ocid")].append(node)
    return by_process


def process_commitments(store: GraphStore, ocid: str) -> dict[str, Any]:
    """One process's {"has_social_value", "commitments": [{text, theme, weight, found_in, outcomes, missions}]}."""
    found = _commitments(store, ocid).get(ocid, [])
    return {"has_social_value": bool(found), "commitments": found}


def social_value_rows(store: GraphStore) -> Iterator[dict[str, Any]]:
    """One row per process, by OCID: {"ocid", "has_social_value", "commitments": [{"text", "theme", "weight"}]}."""
    found = _commitments(store)
    for ocid in store.select("SELECT ?ocid WHERE { ?p mkg:ocid ?ocid } ORDER BY ?ocid").column("ocid"):
        commitments = [{"text": c["text"], "theme": c["theme"], "weight": c["weight"]} for c in found.get(ocid, [])]
        yield {"ocid": ocid, "has_social_value": bool(commitments), "commitments": commitments}


def load_gold(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Labelled processes {"ocid", "social_value": bool, ...} from JSON Lines files; the last label of an OCID wins."""
    rows: dict[str, dict[str, Any]] = {}
    for path in paths:
        for number, row in read_jsonl(path):
            if not isinstance(row, dict) or not row.get("ocid") or not isinstance(row.get("social_value"), bool):
                raise InputError(f'{path}:{number}: needs an "ocid" and a boolean "social_value"')
            rows[row["ocid"]] = row
    return list(rows.values())


def _figures(pairs: Sequence[tuple[bool, bool]]) -> dict[str, Any]:
    tp = sum(g and p for g, p in pairs)
    fp = sum(p and not g for g, p in pairs)
    fn = sum(g and not p for g, p in pairs)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {
        "n": len(pairs), "positives": tp + fn, "tp": tp, "fp": fp, "fn": fn, "tn": len(pairs) - tp - fp - fn,
        "precision": round(precision, 4), "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
    }


def evaluate(store: GraphStore, gold: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Has-social-value precision, recall and F1 against labels, overall and per source; a labelled process
    missing from the graph counts as predicted false and is reported under "missing"."""
    found = _commitments(store)
    known = set(store.select("SELECT ?ocid WHERE { ?p mkg:ocid ?ocid }").column("ocid"))
    pairs = [(g["social_value"], g["ocid"] in found) for g in gold]
    by_source: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for row, pair in zip(gold, pairs, strict=True):
        by_source[row.get("source") or "unknown"].append(pair)
    errors = [
        {"ocid": row["ocid"], "gold": truth, "predicted": said, "gold_evidence": row.get("sv_evidence") or "",
         "found": [c["text"] for c in found.get(row["ocid"], [])][:3]}
        for row, (truth, said) in zip(gold, pairs, strict=True) if truth != said
    ]
    return {
        **_figures(pairs), "missing": sum(g["ocid"] not in known for g in gold),
        "by_source": {source: _figures(p) for source, p in sorted(by_source.items())}, "errors": errors,
    }


def commitments_in(store: GraphStore, processes: str, max_rows: int = 500) -> dict[str, Any]:
    """Commitments of the processes a graph pattern binds to ?process (such as those a supplier won):
    {"count", "by_theme", "items": [{"ocid", "text", "theme", "weight"}], "truncated"}."""
    query = f"""SELECT ?ocid ?c (SAMPLE(?t) AS ?text) (SAMPLE(?w) AS ?weight) (SAMPLE(?o) AS ?outcome) WHERE {{
      {{ SELECT DISTINCT ?process WHERE {{ {processes} }} }}
      ?process mkg:ocid ?ocid ; mkg:hasCommitment ?c . ?c mkg:commitmentText ?t .
      OPTIONAL {{ ?c mkg:weight ?w }}
      OPTIONAL {{ ?c dcterms:subject ?o FILTER(CONTAINS(STR(?o), "/social-value/2025/")) }}
    }} GROUP BY ?ocid ?c ORDER BY ?ocid ?c"""
    rows = store.select(query, max_rows=max_rows)
    items = [
        {"ocid": r["ocid"], "text": r["text"], "theme": r["outcome"].rsplit("/", 1)[-1] if r["outcome"] else GENERAL,
         "weight": float(r["weight"]) if r["weight"] is not None else None}
        for r in rows.rows
    ]
    by_theme: dict[str, int] = defaultdict(int)
    for item in items:
        by_theme[item["theme"]] += 1
    return {"count": len(items), "by_theme": dict(sorted(by_theme.items(), key=lambda kv: -kv[1])), "items": items,
            "truncated": rows.truncated}

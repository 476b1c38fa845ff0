"""Read alignments back from the graph: the export rows of DESIGN.md and `explain` for one process (with its
social-value commitments)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kg.errors import NotFound
from kg.namespaces import GRAPH_ALIGNMENTS, MISSION_IDS, process_iri
from kg.social_value_report import process_commitments
from kg.store import GraphStore

_G = GRAPH_ALIGNMENTS.value


def _slug(iri: str | None) -> str | None:
    return iri.rsplit("/", 1)[-1] if iri else None


def alignment_rows(store: GraphStore) -> Iterator[dict[str, Any]]:
    """One row per process: {"ocid", "primary", "missions", "scores"}; scores under the floor read 0.0."""
    scores: dict[str, dict[str, float]] = {}
    for row in store.select(
        f"SELECT ?ocid ?m ?s WHERE {{ GRAPH <{_G}> {{ ?a mkg:alignedProcess ?p ; mkg:mission ?m ; mkg:score ?s "
        f"FILTER NOT EXISTS {{ ?a mkg:outcome ?o }} }} ?p mkg:ocid ?ocid }}"
    ).rows:
        scores.setdefault(row["ocid"], {})[_slug(row["m"]) or ""] = round(float(row["s"]), 4)
    advances: dict[str, list[str]] = {}
    for row in store.select(f"SELECT ?ocid ?m WHERE {{ GRAPH <{_G}> {{ ?p mkg:advances ?m }} ?p mkg:ocid ?ocid }}").rows:
        advances.setdefault(row["ocid"], []).append(_slug(row["m"]) or "")
    primary = {
        row["ocid"]: _slug(row["m"])
        for row in store.select(f"SELECT ?ocid ?m WHERE {{ GRAPH <{_G}> {{ ?p mkg:primaryMission ?m }} ?p mkg:ocid ?ocid }}").rows
    }
    aligned = store.select(f"SELECT ?ocid WHERE {{ GRAPH <{_G}> {{ ?p mkg:lastAligned ?r }} ?p mkg:ocid ?ocid }} ORDER BY ?ocid")
    for ocid in aligned.column("ocid"):
        yield {
            "ocid": ocid,
            "primary": primary.get(ocid),
            "missions": sorted(advances.get(ocid, []), key=MISSION_IDS.index),
            "scores": {m: scores.get(ocid, {}).get(m, 0.0) for m in MISSION_IDS},
        }


def matched_outcomes(store: GraphStore) -> dict[tuple[str, str], str]:
    """(ocid, mission) → the outcome area whose description the process's text matched best within that mission."""
    rows = store.select(
        f"SELECT ?ocid ?m ?o WHERE {{ GRAPH <{_G}> {{ ?a mkg:alignedProcess ?p ; mkg:mission ?m ; mkg:matchedOutcome ?o }} "
        f"?p mkg:ocid ?ocid }}"
    ).rows
    return {(row["ocid"], _slug(row["m"]) or ""): _slug(row["o"]) or "" for row in rows}


def explain(store: GraphStore, ocid: str) -> dict[str, Any]:
    """Each mission's score for one process with the evidence behind it, its outcome areas, and the social-value
    commitments its notices ask of suppliers ("social_value", see kg.social_value_report)."""
    process = process_iri(ocid).value
    head = store.select(f"SELECT ?title WHERE {{ <{process}> mkg:ocid ?o OPTIONAL {{ <{process}> dcterms:title ?title }} }}")
    if not head.rows:
        raise NotFound(f"no process with OCID {ocid!r} in the graph: check the OCID, or build the file that has it")
    rows = store.select(
        f"SELECT ?m ?o ?s ?above ?evidence ?passage ?matched WHERE {{ GRAPH <{_G}> {{ ?a mkg:alignedProcess <{process}> ; "
        f"mkg:mission ?m ; mkg:score ?s OPTIONAL {{ ?a mkg:outcome ?o }} OPTIONAL {{ ?a mkg:aboveThreshold ?above }} "
        f"OPTIONAL {{ ?a mkg:evidence ?evidence }} OPTIONAL {{ ?a mkg:matchedPassage ?passage }} "
        f"OPTIONAL {{ ?a mkg:matchedOutcome ?matched }} }} }} ORDER BY DESC(?s)"
    ).rows
    missions: dict[str, dict[str, Any]] = {}
    outcomes: list[dict[str, Any]] = []
    for row in rows:
        mission = _slug(row["m"]) or ""
        if row["o"]:
            outcomes.append({"mission": mission, "outcome": _slug(row["o"]), "score": float(row["s"])})
        else:
            missions[mission] = {
                "score": float(row["s"]), "advances": bool(row["above"]), "evidence": row["evidence"],
                "passage": row["passage"], "outcome": _slug(row["matched"]),
            }
    primary = store.select(f"SELECT ?m WHERE {{ GRAPH <{_G}> {{ <{process}> mkg:primaryMission ?m }} }}").column("m")
    aligned = store.ask(f"ASK {{ GRAPH <{_G}> {{ <{process}> mkg:lastAligned ?run }} }}")  # also when every score is below the floor
    return {
        "ocid": ocid, "title": head.rows[0]["title"], "aligned": aligned,
        "primary": _slug(primary[0]) if primary else None, "missions": missions, "outcomes": outcomes,
        "social_value": process_commitments(store, ocid),
    }


"""Align contracting processes to the missions and outcome areas, and keep the result in the alignments graph.

For each process: a calibrated probability per mission (kg.align_model), outcome areas within each mission
weighted by their similarity, and the evidence (passage, CPV, buyer, phrases). Mission alignments above
MISSION_FLOOR and outcome alignments above OUTCOME_FLOOR become mkg:Alignment nodes; missions at or above
their threshold also get a direct `mkg:advances` edge, and the best one `mkg:primaryMission`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np
from pyoxigraph import Literal, NamedNode, Quad

from kg.align_features import Prototypes, Signals, compute_signals
from kg.align_model import AlignmentModel, load_model
from kg.namespaces import DCTERMS, GRAPH_ALIGNMENTS, ID, MISSION_IDS, MKG, PROV, RDF_TYPE, XSD, mission_iri, process_iri
from kg.outcomes import load_outcomes
from kg.process_text import process_texts
from kg.settings import Settings
from kg.store import GraphStore

METHOD = "missionkg-hybrid-v1"
MISSION_FLOOR = 0.01
OUTCOME_FLOOR = 0.10
OUTCOME_TEMPERATURE = 0.03
BATCH = 512

Progress = Callable[[str, int, int | None], None]


@dataclass
class ProcessAlignment:
    """The alignment of one process: mission probabilities, decision, outcome weights and evidence."""

    ocid: str
    scores: dict[str, float]
    primary: str | None
    missions: list[str]
    outcomes: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=dict)


class Aligner:
    """Loads the model, embedder and outcome prototypes once, then aligns batches of processes."""

    def __init__(self, settings: Settings, model: AlignmentModel | None = None) -> None:
        from kg.embeddings import Embedder

        self.embedder = Embedder(settings)
        self._model = model
        self.outcomes = load_outcomes()
        self.prototypes = Prototypes(self.embedder, self.outcomes)

    @property
    def model(self) -> AlignmentModel:
        """The alignment model, loaded on first use (computing signals for fitting needs none)."""
        if self._model is None:
            self._model = load_model()
        return self._model

    def signals(self, texts: Sequence[Any]) -> Signals:
        """Signals of a batch of ProcessTexts."""
        return compute_signals(texts, self.embedder, self.prototypes)

    def align(self, texts: Sequence[Any]) -> list[ProcessAlignment]:
        """Alignments of a batch of ProcessTexts."""
        if not texts:
            return []
        signals = self.signals(texts)
        probabilities = self.model.probabilities(feature_matrix(signals))
        results = []
        for i, (primary, missions) in enumerate(self.model.decide(probabilities)):
            scores = {m: float(probabilities[i, j]) for j, m in enumerate(MISSION_IDS)}
            results.append(ProcessAlignment(
                signals.ocids[i], scores, primary, missions,
                outcome_weights(signals.outcome_similarity[i], self.prototypes, scores), signals.evidence[i],
            ))
        return results


def feature_matrix(signals: Signals) -> np.ndarray:
    """Model input: the per-mission signals followed by the process embedding."""
    return np.hstack([signals.matrix(), signals.embeddings])


def outcome_weights(similarity: np.ndarray, prototypes: Prototypes, scores: dict[str, float]) -> dict[str, float]:
    """P(outcome) = P(mission) × softmax of outcome similarities within the mission."""
    weights: dict[str, float] = {}
    for m, mission in enumerate(MISSION_IDS):
        columns = np.flatnonzero(prototypes.outcome_mission == m)
        logits = similarity[columns] / OUTCOME_TEMPERATURE
        share = np.exp(logits - logits.max())
        share /= share.sum()
        for column, value in zip(columns, share, strict=True):
            weights[prototypes.outcomes[column].iri] = scores[mission] * float(value)
    return weights


def _decimal(value: float) -> Literal:
    return Literal(f"{value:.4f}", datatype=XSD.decimal)


def alignment_quads(result: ProcessAlignment, run: NamedNode, model_id: str) -> Iterator[Quad]:
    """Quads of one process's alignments in the alignments graph."""
    g = GRAPH_ALIGNMENTS
    process = process_iri(result.ocid)
    base = f"{ID}alignment/{process.value.rsplit('/', 1)[-1]}"
    yield Quad(process, MKG.lastAligned, run, g)
    if result.primary:
        yield Quad(process, MKG.primaryMission, mission_iri(result.primary), g)
    for mission in result.missions:
        yield Quad(process, MKG.advances, mission_iri(mission), g)
    for mission, score in result.scores.items():
        if score < MISSION_FLOOR:
            continue
        node = NamedNode(f"{base}/{mission}")
        evidence = result.evidence[mission]
        yield from (
            Quad(node, RDF_TYPE, MKG.Alignment, g), Quad(node, MKG.alignedProcess, process, g),
            Quad(node, MKG.mission, mission_iri(mission), g), Quad(node, MKG.score, _decimal(score), g),
            Quad(node, MKG.method, Literal(METHOD), g), Quad(node, MKG.model, Literal(model_id), g),
            Quad(node, MKG.aboveThreshold, Literal(str(mission in result.missions).lower(), datatype=XSD.boolean), g),
            Quad(node, MKG.matchedOutcome, NamedNode(evidence.outcome), g),
            Quad(node, MKG.matchedPassage, Literal(evidence.passage[:1000]), g),
            Quad(node, MKG.evidence, Literal(describe_evidence(evidence)), g),
            Quad(node, MKG.cpvSignal, _decimal(1.0 if evidence.cpv else 0.0), g),
            Quad(node, MKG.buyerSignal, _decimal(1.0 if evidence.buyer else 0.0), g),
            Quad(node, MKG.phraseSignal, _decimal(min(len(evidence.phrases), 3) / 3.0), g),
            Quad(node, PROV.wasGeneratedBy, run, g),
        )
    for outcome, weight in result.outcomes.items():
        if weight < OUTCOME_FLOOR:
            continue
        mission, slug = outcome.rsplit("/", 2)[-2:]
        node = NamedNode(f"{base}/{mission}/{slug}")
        yield from (
            Quad(node, RDF_TYPE, MKG.Alignment, g), Quad(node, MKG.alignedProcess, process, g),
            Quad(node, MKG.mission, mission_iri(mission), g), Quad(node, MKG.outcome, NamedNode(outcome), g),
            Quad(node, MKG.score, _decimal(weight), g), Quad(node, MKG.method, Literal(METHOD), g),
            Quad(node, PROV.wasGeneratedBy, run, g),
        )


def describe_evidence(evidence: Any) -> str:
    """One readable sentence of the signals behind a mission score."""
    parts = [f"text matches outcome {evidence.outcome.rsplit('/', 1)[-1]} (similarity {evidence.similarity:.2f})"]
    if evidence.cpv:
        parts.append("CPV " + ", ".join(evidence.cpv[:5]))
    if evidence.buyer:
        parts.append(f"buyer is a '{evidence.buyer}' body")
    if evidence.phrases:
        parts.append("phrases: " + ", ".join(f"'{p}'" for p in evidence.phrases[:5]))
    return "; ".join(parts)


def _run_quads(run: NamedNode, model_id: str) -> list[Quad]:
    g = GRAPH_ALIGNMENTS
    return [
        Quad(run, RDF_TYPE, MKG.AlignmentRun, g), Quad(run, RDF_TYPE, PROV.Activity, g),
        Quad(run, PROV.startedAtTime, Literal(datetime.now(timezone.utc).isoformat(), datatype=XSD.dateTime), g),
        Quad(run, MKG.method, Literal(METHOD), g), Quad(run, MKG.model, Literal(model_id), g),
        Quad(run, DCTERMS.description, Literal("Mission alignment of contracting processes by missionkg."), g),
    ]


def _clear(store: GraphStore, ocids: Sequence[str] | None) -> None:
    """Remove earlier alignments: all of them, or those of the given processes."""
    if ocids is None:
        store.drop_graphs([GRAPH_ALIGNMENTS])
        return
    for start in range(0, len(ocids), 500):
        values = " ".join(f"<{process_iri(o).value}>" for o in ocids[start : start + 500])
        store.update(
            f"DELETE {{ GRAPH <{GRAPH_ALIGNMENTS.value}> {{ ?a ?p ?o }} }} WHERE {{ VALUES ?proc {{ {values} }} "
            f"GRAPH <{GRAPH_ALIGNMENTS.value}> {{ ?a mkg:alignedProcess ?proc ; ?p ?o }} }} ;\n"
            f"DELETE {{ GRAPH <{GRAPH_ALIGNMENTS.value}> {{ ?proc ?p ?o }} }} WHERE {{ VALUES ?proc {{ {values} }} "
            f"GRAPH <{GRAPH_ALIGNMENTS.value}> {{ ?proc ?p ?o }} }}"
        )


def _drop_orphan_runs(store: GraphStore) -> None:
    """Forget alignment runs whose every result has since been replaced."""
    g = GRAPH_ALIGNMENTS.value
    store.update(
        f"DELETE {{ GRAPH <{g}> {{ ?r ?p ?o }} }} WHERE {{ GRAPH <{g}> {{ ?r a mkg:AlignmentRun ; ?p ?o "
        f"FILTER NOT EXISTS {{ ?x mkg:lastAligned ?r }} }} }}"
    )


def unaligned(store: GraphStore) -> list[str]:
    """OCIDs of processes no alignment run has scored (new, or left by an interrupted build)."""
    rows = store.select(
        f"SELECT ?ocid WHERE {{ ?p mkg:ocid ?ocid FILTER NOT EXISTS {{ GRAPH <{GRAPH_ALIGNMENTS.value}> {{ ?p mkg:lastAligned ?r }} }} }}"
    )
    return sorted(rows.column("ocid"))


def align_processes(
    settings: Settings, store: GraphStore, ocids: Sequence[str] | None = None, progress: Progress | None = None,
    aligner: Aligner | None = None,
) -> dict[str, Any]:
    """Align the given processes (all when None), replacing their earlier alignments; returns figures."""
    started = time.monotonic()
    report = progress or (lambda stage, done, total: None)
    aligner = aligner or Aligner(settings)
    model_id = aligner.embedder.model_id
    run = NamedNode(f"{ID}alignment-run/{uuid.uuid4()}")
    texts = list(process_texts(store, ocids))
    _clear(store, ocids)
    store.add_quads(_run_quads(run, model_id))
    counts = {m: 0 for m in MISSION_IDS}
    for start in range(0, len(texts), BATCH):
        results = aligner.align(texts[start : start + BATCH])
        store.add_quads([q for r in results for q in alignment_quads(r, run, model_id)], bulk=True)
        for result in results:
            for mission in result.missions:
                counts[mission] += 1
        report("align", min(start + BATCH, len(texts)), len(texts))
    _drop_orphan_runs(store)
    store.flush()
    return {
        "processes": len(texts), "advances": counts, "embedded": aligner.embedder.stats.encoded,
        "cache_hits": aligner.embedder.stats.cache_hits, "seconds": round(time.monotonic() - started, 3),
    }


def run(settings: Settings, store: GraphStore, changed: Sequence[str], progress: Progress) -> dict[str, Any]:
    """Build stage: align the processes the build changed and any never aligned."""
    todo = sorted(set(changed) | set(unaligned(store)))
    if not todo:
        return {"processes": 0}
    return align_processes(settings, store, todo, progress)

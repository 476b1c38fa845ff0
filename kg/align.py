"""Align contracting processes to the missions and outcome areas, and keep the result in the alignments graph.

For each process: a calibrated probability per mission (kg.align_model), outcome areas within each mission
weighted by their similarity, and the evidence (passage, CPV, buyer, phrases). Mission alignments above
MISSION_FLOOR and outcome alignments above OUTCOME_FLOOR become mkg:Alignment nodes; missions at or above
their threshold also get a direct `mkg:advances` edge, and the best one `mkg:primaryMission`.
"""

from __future__ import annotations

import gc
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import numpy as np
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat

from kg.align_features import Prototypes, Signals, compute_signals
from kg.align_model import AlignmentModel, load_model
from kg.namespaces import (
    DCTERMS,
    GRAPH_ALIGNMENTS,
    ID,
    MISSION_IDS,
    MKG,
    PREFIXES,
    PROV,
    RDF_TYPE,
    XSD,
    mission_iri,
    process_iri,
)
from kg.outcomes import load_outcomes
from kg.process_text import process_texts
from kg.settings import Settings
from kg.store import GraphStore

METHOD = "missionkg-hybrid-v1"
MISSION_FLOOR = 0.01
OUTCOME_FLOOR = 0.10
OUTCOME_TEMPERATURE = 0.03
BATCH = 2048  # processes scored together: numpy's BLAS threads spin after each call, so fewer, larger calls
# Quads per bulk load: each load writes new files into every index and RocksDB merges them into the levels below
# (rewriting what they overlap, i.e. everywhere), so few large loads cost far less than many small ones. Under
# the bulk loader's batch (1M quads by default) a load is a single batch, written whole or not at all.
WRITE_QUADS = 900_000

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
        self._model_path = settings.alignment_model
        self.outcomes = load_outcomes()
        self.prototypes = Prototypes(self.embedder, self.outcomes)

    @property
    def model(self) -> AlignmentModel:
        """The alignment model, loaded on first use (computing signals for fitting needs none)."""
        if self._model is None:
            self._model = load_model(self._model_path)
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
        weights = outcome_weights(signals.outcome_similarity, self.prototypes, probabilities)
        iris = [o.iri for o in self.prototypes.outcomes]
        rows = zip(
            signals.ocids, probabilities[:, : len(MISSION_IDS)].tolist(), self.model.decide(probabilities),
            weights.tolist(), signals.evidence, strict=True,
        )
        return [
            ProcessAlignment(ocid, dict(zip(MISSION_IDS, scores, strict=True)), primary, missions,
                             dict(zip(iris, outcomes, strict=True)), evidence)
            for ocid, scores, (primary, missions), outcomes, evidence in rows
        ]


def feature_matrix(signals: Signals) -> np.ndarray:
    """Model input: the per-mission signals, the process embedding, then the title embedding.

    The title has a block of its own because a notice's title usually names what is bought, while the mean over
    its passages is diluted by boilerplate: with it, leave-one-source-out macro-F1 rose from 0.77 to 0.78.
    """
    return np.hstack([signals.matrix(), signals.embeddings, signals.title_embeddings])


def outcome_weights(similarity: np.ndarray, prototypes: Prototypes, probabilities: np.ndarray) -> np.ndarray:
    """P(outcome) = P(mission) × softmax of outcome similarities within the mission: (n, n_outcomes)."""
    weights = np.zeros(similarity.shape, dtype=np.float64)
    for m, columns in enumerate(prototypes.mission_columns):
        logits = similarity[:, columns] / OUTCOME_TEMPERATURE
        share = np.exp(logits - logits.max(axis=1, keepdims=True))
        # Row by row, as 1-d sums: numpy sums a 2-d array along its rows in another order (last-bit differences).
        share /= np.array([row.sum() for row in share], dtype=share.dtype)[:, None]
        weights[:, columns] = probabilities[:, m : m + 1].astype(np.float64) * share
    return weights


# The alignments graph is written as TriG, each subject once with its predicates after ";": a third of the
# text of N-Quads to format and to parse. One str.format template per kind of statement, {s} the subject.
_PREFIXES = {prefix: PREFIXES[prefix] for prefix in ("mkg", "prov", "rdf")}
_MISSIONS = {m: str(mission_iri(m)) for m in MISSION_IDS}


def _name(term: NamedNode) -> str:
    """``prefix:local`` of a vocabulary term."""
    prefix, iri = next((prefix, iri) for prefix, iri in _PREFIXES.items() if term.value.startswith(iri))
    return f"{prefix}:{term.value[len(iri) :]}"


def _template(*pairs: tuple[NamedNode, str]) -> tuple[str, int]:
    """The template of one subject's statements, and how many quads they hold."""
    return "{s} " + " ; ".join(f"{_name(predicate)} {value}" for predicate, value in pairs) + " .\n", len(pairs)


_ALIGNMENT = ((RDF_TYPE, _name(MKG.Alignment)), (MKG.alignedProcess, "{process}"), (MKG.mission, "{mission}"))
_GENERATED = ((MKG.method, '"' + METHOD + '"'), (PROV.wasGeneratedBy, "{run}"))
_MISSION_NODE, _MISSION_QUADS = _template(
    *_ALIGNMENT, (MKG.score, "{score:.4f}"), *_GENERATED, (MKG.model, "{model}"), (MKG.aboveThreshold, "{above}"),
    (MKG.matchedOutcome, "<{outcome}>"), (MKG.matchedPassage, "{passage}"), (MKG.evidence, "{evidence}"),
    (MKG.cpvSignal, "{cpv:.4f}"), (MKG.buyerSignal, "{buyer:.4f}"), (MKG.phraseSignal, "{phrases:.4f}"),
)
_OUTCOME_NODE, _OUTCOME_QUADS = _template(
    *_ALIGNMENT, (MKG.outcome, "<{outcome}>"), (MKG.score, "{score:.4f}"), *_GENERATED
)
_LAST_ALIGNED, _PRIMARY, _ADVANCES = (_name(term) for term in (MKG.lastAligned, MKG.primaryMission, MKG.advances))
_HEADER = "".join(f"@prefix {prefix}: <{iri}> .\n" for prefix, iri in _PREFIXES.items())
_HEADER += f"GRAPH {GRAPH_ALIGNMENTS} {{\n"


def _string(value: str) -> str:
    """A Turtle string literal: only backslash, quote and line breaks need escaping."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def alignment_trig(result: ProcessAlignment, run: NamedNode, model_id: str) -> tuple[str, int]:
    """TriG statements of one process's alignments (to go in a ``GRAPH`` block of that graph), and their quads."""
    process_node = process_iri(result.ocid).value
    process, run_iri, model = f"<{process_node}>", str(run), _string(model_id)
    base = f"{ID}alignment/{process_node.rsplit('/', 1)[-1]}"
    edges = [f"{_LAST_ALIGNED} {run_iri}"]
    if result.primary:
        edges.append(f"{_PRIMARY} {_MISSIONS[result.primary]}")
    edges += [f"{_ADVANCES} {_MISSIONS[mission]}" for mission in result.missions]
    parts = [f"{process} {' ; '.join(edges)} .\n"]
    quads = len(edges)
    for mission, score in result.scores.items():
        if score < MISSION_FLOOR:
            continue
        evidence = result.evidence[mission]
        quads += _MISSION_QUADS
        parts.append(_MISSION_NODE.format(
            s=f"<{base}/{mission}>", process=process, mission=_MISSIONS[mission], score=score, run=run_iri,
            model=model, above="true" if mission in result.missions else "false", outcome=evidence.outcome,
            passage=_string(evidence.passage[:1000]), evidence=_string(describe_evidence(evidence)),
            cpv=1.0 if evidence.cpv else 0.0, buyer=1.0 if evidence.buyer else 0.0,
            phrases=min(len(evidence.phrases), 3) / 3.0,
        ))
    for outcome, weight in result.outcomes.items():
        if weight < OUTCOME_FLOOR:
            continue
        mission, slug = outcome.rsplit("/", 2)[-2:]
        quads += _OUTCOME_QUADS
        parts.append(_OUTCOME_NODE.format(
            s=f"<{base}/{mission}/{slug}>", process=process, mission=_MISSIONS[mission], outcome=outcome,
            score=weight, run=run_iri,
        ))
    return "".join(parts), quads


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


def load_alignments(store: GraphStore, statements: str) -> None:
    """Add TriG statements to the alignments graph with the store's bulk loader."""
    store.load_rdf(_HEADER + statements + "}\n", format=RdfFormat.TRIG)


class AlignmentWriter:
    """Loads alignments on one background thread (Oxigraph leaves the GIL), so the next batches are scored meanwhile.

    Statements are gathered into loads of about ``WRITE_QUADS`` quads, each of whole processes.
    """

    def __init__(self, store: GraphStore, *, chunk_quads: int = WRITE_QUADS) -> None:
        """Write into ``store`` in loads of at most ``chunk_quads`` quads (or one process's, if more)."""
        self._store = store
        self._chunk_quads = chunk_quads
        self._parts: list[str] = []
        self._quads = 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="missionkg-align-write")
        self._pending: Future[None] | None = None

    def write(self, statements: str, quads: int) -> None:
        """Add the TriG statements of one process and their number of quads; raises an earlier load's error."""
        if self._parts and self._quads + quads > self._chunk_quads:
            self._submit()
        self._parts.append(statements)
        self._quads += quads

    def _submit(self) -> None:
        if self._pending is not None:
            self._pending.result()  # one load at a time, and at most one more chunk held in memory
        self._pending = self._pool.submit(load_alignments, self._store, "".join(self._parts))
        self._parts, self._quads = [], 0

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                if self._parts:
                    self._submit()
                if self._pending is not None:
                    self._pending.result()
        finally:
            self._pool.shutdown()  # waits for a load in flight; after an error the rest is left for a rerun


def _run_quads(run: NamedNode, model_id: str) -> list[Quad]:
    g = GRAPH_ALIGNMENTS
    return [
        Quad(run, RDF_TYPE, MKG.AlignmentRun, g), Quad(run, RDF_TYPE, PROV.Activity, g),
        Quad(run, PROV.startedAtTime, Literal(datetime.now(UTC).isoformat(), datatype=XSD.dateTime), g),
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


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector, restoring it after.

    A run allocates millions of small acyclic objects (texts, rows, results) and keeps a hundred thousand
    alive; every full collection walked all of them: over a third of the scoring thread's time at 100k processes.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    counts = {m: 0 for m in MISSION_IDS}
    stats = aligner.embedder.stats
    encoded, hits = stats.encoded, stats.cache_hits  # count this run's texts only (an aligner may be reused)
    with _collector_paused():
        texts = list(process_texts(store, ocids))
        _clear(store, ocids)
        store.add_quads(_run_quads(run, model_id))
        with AlignmentWriter(store) as writer:
            for start in range(0, len(texts), BATCH):
                results = aligner.align(texts[start : start + BATCH])
                for result in results:
                    writer.write(*alignment_trig(result, run, model_id))
                    for mission in result.missions:
                        counts[mission] += 1
                report("align", min(start + BATCH, len(texts)), len(texts))
    _drop_orphan_runs(store)
    store.flush()
    return {
        "processes": len(texts), "advances": counts, "embedded": stats.encoded - encoded,
        "cache_hits": stats.cache_hits - hits, "seconds": round(time.monotonic() - started, 3),
    }


def run(settings: Settings, store: GraphStore, changed: Sequence[str], progress: Progress) -> dict[str, Any]:
    """Build stage: align the processes the build changed and any never aligned."""
    todo = sorted(set(changed) | set(unaligned(store)))
    if not todo:
        return {"processes": 0}
    return align_processes(settings, store, todo, progress)

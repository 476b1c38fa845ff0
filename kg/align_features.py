"""Signals that say which mission a process serves: text similarity, CPV priors, buyer priors, phrases.

Every signal is computed per process and mission (and, for similarity, per outcome area) so that a small
calibrated model can combine them, and so that `explain` can show the evidence behind a score.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kg.embeddings import Embedder
from kg.namespaces import MISSION_IDS
from kg.outcomes import Outcome
from kg.passages import split_passages
from kg.process_text import ProcessText

# Declared buyer priors: kinds of public body whose purchases lean towards one mission. Weak evidence on
# their own (rubric rule 1), so they enter as one feature among several.
BUYER_PATTERNS: dict[str, re.Pattern[str]] = {
    "growth": re.compile(r"\b(homes england|housing association|transport for|highways?|network rail|combined authority|"
                         r"development corporation|growth hub|local enterprise partnership|water (services|ltd|limited|plc))\b", re.I),
    "clean-energy": re.compile(r"\b(energy|net zero|carbon trust|great british energy|nuclear decommissioning)\b", re.I),
    "safer-streets": re.compile(r"\b(police|constabulary|crime commissioner|probation|prisons?|hmpps|courts?|tribunals?|"
                                r"ministry of justice|youth justice|home office|crown prosecution|national crime agency)\b", re.I),
    "opportunity": re.compile(r"\b(school|academy|academies|college|education|learning trust|multi academy|nursery|"
                              r"department for education|children'?s services)\b", re.I),
    "health": re.compile(r"\b(nhs|hospitals?|health|clinical commissioning|integrated care|ambulance|"
                         r"healthcare|care trust|public health|nhs supply chain|medical)\b", re.I),
}
FEATURES_PER_MISSION = ("sim_best", "sim_title", "sim_margin", "cpv", "buyer", "phrases")


@dataclass
class Evidence:
    """Why one process scored as it did for one mission."""

    outcome: str
    passage: str
    similarity: float
    cpv: list[str] = field(default_factory=list)
    buyer: str = ""
    phrases: list[str] = field(default_factory=list)


@dataclass
class Signals:
    """Features for a batch of processes: per mission (n, 5, k) and per outcome similarity (n, n_outcomes)."""

    ocids: list[str]
    mission_features: np.ndarray
    outcome_similarity: np.ndarray
    evidence: list[dict[str, Evidence]]
    embeddings: np.ndarray

    def matrix(self) -> np.ndarray:
        """Flat feature matrix (n, 5 * len(FEATURES_PER_MISSION)) for the model."""
        return self.mission_features.reshape(len(self.ocids), -1)


class Prototypes:
    """Embedded prototype texts of every outcome area, and which outcome and mission each row stands for."""

    def __init__(self, embedder: Embedder, outcomes: Sequence[Outcome]) -> None:
        self.outcomes = list(outcomes)
        texts, owners = [], []
        for index, outcome in enumerate(self.outcomes):
            for text in outcome.prototype_texts:
                texts.append(text)
                owners.append(index)
        self.vectors = embedder.encode(texts)
        self.owner = np.asarray(owners)
        self.outcome_mission = np.asarray([MISSION_IDS.index(o.mission) for o in self.outcomes])
        self.cpv_prefixes = [frozenset(p for o in self.outcomes if o.mission == m for p in o.cpv_prefixes) for m in MISSION_IDS]
        self.phrases = [phrase_pattern([p for o in self.outcomes if o.mission == m for p in o.phrases]) for m in MISSION_IDS]

    def outcome_max(self, sims: np.ndarray) -> np.ndarray:
        """Per outcome, the best similarity over its prototypes: (rows, n_outcomes)."""
        out = np.full((sims.shape[0], len(self.outcomes)), -1.0, dtype=np.float32)
        for index in range(len(self.outcomes)):
            out[:, index] = sims[:, self.owner == index].max(axis=1)
        return out

    def mission_max(self, outcome_sims: np.ndarray) -> np.ndarray:
        """Per mission, the best outcome similarity: (rows, 5)."""
        return np.stack([outcome_sims[:, self.outcome_mission == m].max(axis=1) for m in range(len(MISSION_IDS))], axis=1)


def cpv_matches(codes: Sequence[str], prefixes: frozenset[str]) -> tuple[float, list[str]]:
    """Strength of the CPV prior for a mission (longest matching prefix, scaled to 0–1) and the codes that matched."""
    best, matched = 0, set()
    for code in codes:
        for length in range(min(len(code), 8), 1, -1):
            if code[:length] in prefixes:
                matched.add(code)
                best = max(best, length)
                break
    return min(best, 5) / 5.0, sorted(matched)


def phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    """One regex finding any of the phrases on word boundaries, longest first so overlaps prefer the fuller phrase."""
    alternatives = "|".join(re.escape(p.lower()) for p in sorted(set(phrases), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def phrase_hits(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Distinct phrases of a mission found in lower-cased text, in order of first appearance."""
    return list(dict.fromkeys(match.group(0) for match in pattern.finditer(text)))


def compute_signals(texts: Sequence[ProcessText], embedder: Embedder, prototypes: Prototypes) -> Signals:
    """Every mission signal for a batch of processes, with the evidence for each."""
    n = len(texts)
    full = [t.full_text or t.ocid for t in texts]
    passage_texts: list[str] = []
    owner_list: list[int] = []
    for index, text in enumerate(full):
        parts = split_passages(text, tokenizer=embedder.tokenizer) or [text]
        passage_texts.extend(parts)
        owner_list.extend([index] * len(parts))
    owners = np.asarray(owner_list)
    passages = embedder.encode(passage_texts)
    titles = embedder.encode([t.title or t.full_text[:200] or t.ocid for t in texts])
    passage_outcome = prototypes.outcome_max(passages @ prototypes.vectors.T)
    outcome_sim = np.full((n, len(prototypes.outcomes)), -1.0, dtype=np.float32)
    best_passage = np.zeros((n, len(prototypes.outcomes)), dtype=np.int64)
    for row in range(passages.shape[0]):
        owner = owners[row]
        better = passage_outcome[row] > outcome_sim[owner]
        outcome_sim[owner, better] = passage_outcome[row, better]
        best_passage[owner, better] = row
    mission_sim = prototypes.mission_max(outcome_sim)
    title_sim = prototypes.mission_max(prototypes.outcome_max(titles @ prototypes.vectors.T))
    embeddings = np.zeros((n, passages.shape[1] if passages.size else titles.shape[1]), dtype=np.float32)
    np.add.at(embeddings, owners, passages)
    embeddings /= np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-9)

    features = np.zeros((n, len(MISSION_IDS), len(FEATURES_PER_MISSION)), dtype=np.float32)
    best_other = np.stack([np.delete(mission_sim, m, axis=1).max(axis=1) for m in range(len(MISSION_IDS))], axis=1)
    evidence: list[dict[str, Evidence]] = []
    for i, text in enumerate(texts):
        lowered = full[i].lower()
        per_mission: dict[str, Evidence] = {}
        for m, mission in enumerate(MISSION_IDS):
            cpv_score, cpv_codes = cpv_matches(text.cpv, prototypes.cpv_prefixes[m])
            buyer = BUYER_PATTERNS[mission].search(text.buyer_name or "")
            hits = phrase_hits(lowered, prototypes.phrases[m])
            features[i, m] = (mission_sim[i, m], title_sim[i, m], mission_sim[i, m] - best_other[i, m], cpv_score,
                              1.0 if buyer else 0.0, min(len(hits), 3) / 3.0)
            columns = np.flatnonzero(prototypes.outcome_mission == m)
            top = columns[int(np.argmax(outcome_sim[i, columns]))]
            per_mission[mission] = Evidence(
                outcome=prototypes.outcomes[top].iri, passage=passage_texts[best_passage[i, top]],
                similarity=float(outcome_sim[i, top]), cpv=cpv_codes, buyer=buyer.group(0) if buyer else "", phrases=hits,
            )
        evidence.append(per_mission)
    return Signals([t.ocid for t in texts], features, outcome_sim, evidence, embeddings)


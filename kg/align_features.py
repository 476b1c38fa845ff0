"""Signals that say which mission a process serves: text similarity, CPV priors, buyer priors, phrases.

Every signal is computed per process and mission (and, for similarity, per outcome area) so that a small
calibrated model can combine them, and so that `explain` can show the evidence behind a score. The numbers
are computed with numpy over a whole batch at once; only the text rules (CPV codes, buyer names, phrases)
run per process, the first two remembered per distinct code set and buyer name since notices repeat them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np

from kg.embeddings import Embedder
from kg.namespaces import MISSION_IDS
from kg.outcomes import Outcome
from kg.passages import Tokenizer, sentences, split_many
from kg.process_text import ProcessText

# Declared buyer priors: kinds of public body whose purchases lean towards one mission, in all four nations (Scottish,
# Welsh and Northern Irish bodies are named apart where their names differ). Weak evidence on their own (rubric
# rule 1), so they enter as one feature among several.
BUYER_PATTERNS: dict[str, re.Pattern[str]] = {
    "growth": re.compile(r"\b(homes england|housing association|transport for|transport scotland|highways?|network rail|hs2|"
                         r"combined authority|development corporation|growth hub|local enterprise partnership|"
                         r"(scottish|highlands and islands|south of scotland) enterprise|development bank of wales|"
                         r"british business bank|innovate uk|scottish futures trust|"
                         r"water (services|ltd|limited|plc)|(scottish|welsh|northern ireland) water|d[wŵ]r cymru)\b", re.IGNORECASE),
    "clean-energy": re.compile(r"\b(energy|net zero|carbon trust|great british energy|nuclear decommissioning)\b", re.IGNORECASE),
    "safer-streets": re.compile(r"\b(police|constabulary|crime commissioner|probation|prisons?|hmpps|courts?|tribunals?|"
                                r"ministry of justice|youth justice|home office|crown prosecution|national crime agency|"
                                r"crown office|procurator fiscal|department of justice)\b", re.IGNORECASE),
    "opportunity": re.compile(r"\b(school|academy|academies|college|education|learning trust|multi academy|nursery|"
                              r"department for education|children'?s services)\b", re.IGNORECASE),
    "health": re.compile(r"\b(nhs|hospitals?|health|clinical commissioning|integrated care|ambulance|"
                         r"healthcare|care trust|public health|nhs supply chain|medical|hospices?|"
                         r"business services organisation)\b", re.IGNORECASE),
}
FEATURES_PER_MISSION = ("sim_best", "sim_title", "sim_margin", "cpv", "buyer", "phrases")
SIGNAL_COLUMNS = len(MISSION_IDS) * len(FEATURES_PER_MISSION)  # the model input starts with these, then the embeddings
_WORD = re.compile(r"\w+")
_SPANS_SENTENCES = re.compile(r"[.!?;]|[^\S ]")  # what a phrase must not hold to be matched sentence by sentence
# Distinct CPV code sets, buyer names and sentences whose matches are remembered (per kind).
_MEMO = 100_000


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
    """Features for a batch of processes: per mission (n, 5, k), per outcome similarity (n, n_outcomes), and the
    embeddings of each process's passages (their normalised mean) and of its title alone."""

    ocids: list[str]
    mission_features: np.ndarray
    outcome_similarity: np.ndarray
    evidence: list[dict[str, Evidence]]
    embeddings: np.ndarray
    title_embeddings: np.ndarray

    def matrix(self) -> np.ndarray:
        """Flat feature matrix (n, 5 * len(FEATURES_PER_MISSION)) for the model."""
        return self.mission_features.reshape(len(self.ocids), -1)


class PhraseMatcher:
    """Finds each mission's phrases in lower-cased text, sentence by sentence, remembering repeated sentences.

    A phrase matches on word boundaries, so each of its words (runs of word characters) is then a whole word
    of the text: a text that lacks a word of every phrase of a mission has none of them, and its regex is
    not run. No phrase holds a sentence end (``.!?;`` then a space, or a line break) nor begins or ends with a
    space, so no match spans two sentences: the hits of a text are those of its sentences in turn, and
    notices repeat their boilerplate sentences.
    """

    def __init__(self, phrases: Sequence[Sequence[str]]) -> None:
        """One list of phrases per mission."""
        self.patterns = [phrase_pattern(group) for group in phrases]
        self._by_first: list[dict[str, list[frozenset[str]]]] = []
        self._always: list[bool] = []
        for group in phrases:
            by_first: dict[str, list[frozenset[str]]] = defaultdict(list)
            for phrase in {p.lower() for p in group}:
                words = _WORD.findall(phrase)
                if words:
                    by_first[words[0]].append(frozenset(words))
            self._by_first.append(dict(by_first))
            self._always.append(any(not _WORD.search(p) for p in group))  # a phrase without words escapes the filter
        self._firsts = frozenset(w for by_first in self._by_first for w in by_first)
        lowered = [p.lower() for group in phrases for p in group]
        self._by_sentence = not any(_SPANS_SENTENCES.search(p) or p != p.strip() for p in lowered)
        self._sentences: dict[str, tuple[tuple[str, ...], ...] | None] = {}

    def hits(self, lowered: str) -> list[list[str]]:
        """Per mission, the distinct phrases found in ``lowered``, in order of first appearance."""
        if not self._by_sentence:
            return [list(found) for found in self._scan(lowered) or ((),) * len(self.patterns)]
        found = [f for f in map(self._sentence_hits, sentences(lowered)) if f is not None]
        if len(found) < 2:
            return [list(per_mission) for per_mission in (found[0] if found else ((),) * len(self.patterns))]
        return [list(dict.fromkeys(chain.from_iterable(f[m] for f in found))) for m in range(len(self.patterns))]

    def _sentence_hits(self, sentence: str) -> tuple[tuple[str, ...], ...] | None:
        if sentence in self._sentences:
            return self._sentences[sentence]
        found = self._scan(sentence)
        self._sentences = _remember(self._sentences, sentence, found)
        return found

    def _scan(self, text: str) -> tuple[tuple[str, ...], ...] | None:
        """Per mission, the distinct phrases in ``text``; None when there are none at all."""
        words = set(_WORD.findall(text))
        present = self._firsts.intersection(words)
        found = tuple(
            tuple(phrase_hits(text, pattern)) if always or self._may_match(by_first, present, words) else ()
            for pattern, by_first, always in zip(self.patterns, self._by_first, self._always, strict=True)
        )
        return found if any(found) else None

    @staticmethod
    def _may_match(by_first: dict[str, list[frozenset[str]]], present: frozenset[str], words: set[str]) -> bool:
        return any(needed <= words for first in present if first in by_first for needed in by_first[first])


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
        # Each outcome's prototypes are consecutive rows, so per-outcome maxima are one reduceat.
        self._outcome_starts = np.flatnonzero(np.r_[True, self.owner[1:] != self.owner[:-1]])
        self.outcome_mission = np.asarray([MISSION_IDS.index(o.mission) for o in self.outcomes])
        self.mission_columns = [np.flatnonzero(self.outcome_mission == m) for m in range(len(MISSION_IDS))]
        by_mission = [[o for o in self.outcomes if o.mission == m] for m in MISSION_IDS]
        self.cpv_prefixes = [frozenset(p for o in outcomes for p in o.cpv_prefixes) for outcomes in by_mission]
        self.phrases = PhraseMatcher([[p for o in outcomes for p in o.phrases] for outcomes in by_mission])
        self._cpv: dict[tuple[str, ...], tuple[tuple[tuple[str, ...], ...], tuple[float, ...]]] = {}
        self._buyer: dict[str, tuple[str, ...]] = {}

    def outcome_max(self, sims: np.ndarray) -> np.ndarray:
        """Per outcome, the best similarity over its prototypes: (rows, n_outcomes)."""
        if not sims.shape[0]:
            return np.empty((0, len(self.outcomes)), dtype=sims.dtype)
        return np.maximum.reduceat(sims, self._outcome_starts, axis=1)

    def mission_max(self, outcome_sims: np.ndarray) -> np.ndarray:
        """Per mission, the best outcome similarity: (rows, 5)."""
        return np.stack([outcome_sims[:, columns].max(axis=1) for columns in self.mission_columns], axis=1)

    def cpv_rule(self, codes: Sequence[str]) -> tuple[tuple[tuple[str, ...], ...], tuple[float, ...]]:
        """Per mission, the codes under one of its CPV prefixes and the prior's strength (longest prefix, 0–1)."""
        key = tuple(codes)
        rule = self._cpv.get(key)
        if rule is None:
            lengths = [[_longest_prefix(code, prefixes) for code in key] for prefixes in self.cpv_prefixes]
            rule = (
                tuple(tuple(sorted({code for code, n in zip(key, found, strict=True) if n})) for found in lengths),
                tuple(min(max(found, default=0), 5) / 5.0 for found in lengths),
            )
            self._cpv = _remember(self._cpv, key, rule)
        return rule

    def buyer_matches(self, name: str) -> tuple[str, ...]:
        """Per mission, the first buyer-prior match in the buyer's name ('' if none)."""
        matches = self._buyer.get(name)
        if matches is None:
            found = (BUYER_PATTERNS[mission].search(name) for mission in MISSION_IDS)
            matches = tuple(m.group(0) if m else "" for m in found)
            self._buyer = _remember(self._buyer, name, matches)
        return matches


def _remember(memo: dict, key: Any, value: Any) -> dict:
    """``memo`` with ``key`` added, or a fresh dict once it is full (replaced, not cleared, for concurrent readers)."""
    if len(memo) >= _MEMO:
        memo = {}
    memo[key] = value
    return memo


def _longest_prefix(code: str, prefixes: frozenset[str]) -> int:
    for length in range(min(len(code), 8), 1, -1):
        if code[:length] in prefixes:
            return length
    return 0


def phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    """One regex finding any of the phrases on word boundaries, longest first so overlaps prefer the fuller phrase."""
    alternatives = "|".join(re.escape(p.lower()) for p in sorted(set(phrases), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def phrase_hits(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Distinct phrases of a mission found in lower-cased text, in order of first appearance."""
    return list(dict.fromkeys(match.group(0) for match in pattern.finditer(text)))


@dataclass
class BatchTexts:
    """What a batch of processes is judged by: full texts, their passages, and the title text of each."""

    full: list[str]
    passages: list[str]
    counts: list[int]
    titles: list[str]

    @classmethod
    def of(cls, texts: Sequence[ProcessText], tokenizer: Tokenizer) -> BatchTexts:
        """Split each process's full text (its OCID when it has none) into passages with the model's tokenizer."""
        raw = [t.full_text for t in texts]
        full = [text or t.ocid for text, t in zip(raw, texts, strict=True)]
        passages: list[str] = []
        counts: list[int] = []
        for text, parts in zip(full, split_many(full, tokenizer=tokenizer), strict=True):
            parts = parts or [text]
            passages.extend(parts)
            counts.append(len(parts))
        titles = [t.title or text[:200] or t.ocid for t, text in zip(texts, raw, strict=True)]
        return cls(full, passages, counts, titles)

    @property
    def embedded(self) -> list[str]:
        """Every text the batch embeds: the passages, then the titles."""
        return self.passages + self.titles


def _best_passages(
    passage_outcome: np.ndarray, starts: np.ndarray, owners: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per process and outcome, the best passage similarity (at least -1) and the first passage reaching it
    (the process's first passage when none beats -1)."""
    best = np.maximum(np.maximum.reduceat(passage_outcome, starts, axis=0), np.float32(-1.0))
    rows = np.arange(passage_outcome.shape[0])[:, None]
    reached = (passage_outcome == best[owners]) & (passage_outcome > -1.0)
    first = np.minimum.reduceat(np.where(reached, rows, passage_outcome.shape[0]), starts, axis=0)
    return best, np.where(first < passage_outcome.shape[0], first, starts[:, None])


def compute_signals(texts: Sequence[ProcessText], embedder: Embedder, prototypes: Prototypes) -> Signals:
    """Every mission signal for a batch of processes, with the evidence for each."""
    n, k = len(texts), len(MISSION_IDS)
    if not n:
        return Signals([], np.zeros((0, k, len(FEATURES_PER_MISSION)), dtype=np.float32),
                       np.zeros((0, len(prototypes.outcomes)), dtype=np.float32), [],
                       np.zeros((0, embedder.dim), dtype=np.float32), np.zeros((0, embedder.dim), dtype=np.float32))
    batch = BatchTexts.of(texts, embedder.tokenizer)
    vectors = embedder.encode(batch.embedded)
    passages = vectors[: len(batch.passages)]
    similarity = prototypes.outcome_max(vectors @ prototypes.vectors.T)  # passages and titles in one product
    starts = np.cumsum([0, *batch.counts[:-1]])
    owners = np.repeat(np.arange(n), batch.counts)
    outcome_sim, best_passage = _best_passages(similarity[: len(batch.passages)], starts, owners)
    mission_sim = prototypes.mission_max(outcome_sim)
    title_sim = prototypes.mission_max(similarity[len(batch.passages) :])
    embeddings = np.zeros((n, passages.shape[1]), dtype=np.float32)
    np.add.at(embeddings, owners, passages)  # row by row, in order: reduceat sums in another order
    embeddings /= np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-9)

    cpv = [prototypes.cpv_rule(text.cpv) for text in texts]
    buyer = [prototypes.buyer_matches(text.buyer_name or "") for text in texts]
    phrases = [prototypes.phrases.hits(full.lower()) for full in batch.full]
    features = np.zeros((n, k, len(FEATURES_PER_MISSION)), dtype=np.float32)
    best_other = np.stack([np.delete(mission_sim, m, axis=1).max(axis=1) for m in range(k)], axis=1)
    features[..., 0], features[..., 1], features[..., 2] = mission_sim, title_sim, mission_sim - best_other
    features[..., 3] = [strength for _, strength in cpv]
    features[..., 4] = np.asarray(buyer) != ""
    features[..., 5] = [[min(len(hits), 3) / 3.0 for hits in found] for found in phrases]
    tops = np.stack([cols[np.argmax(outcome_sim[:, cols], axis=1)] for cols in prototypes.mission_columns], axis=1)
    iris = [o.iri for o in prototypes.outcomes]
    evidence = []
    for i, top in enumerate(tops.tolist()):
        passage = [batch.passages[j] for j in best_passage[i, top].tolist()]
        closest = outcome_sim[i, top].tolist()
        codes, matches, found = cpv[i][0], buyer[i], phrases[i]
        evidence.append({
            mission: Evidence(iris[top[m]], passage[m], closest[m], list(codes[m]), matches[m], found[m])
            for m, mission in enumerate(MISSION_IDS)
        })
    titles = np.ascontiguousarray(vectors[len(batch.passages) :])
    return Signals([t.ocid for t in texts], features, outcome_sim, evidence, embeddings, titles)

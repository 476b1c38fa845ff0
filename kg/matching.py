"""Entity resolution: one organisation per real company across notices, written as links beside the notices.

Ingest already gives one IRI per identifier, else per normalised name. This stage links the IRIs that are
still the same organisation: a shared register number (also in `additionalIdentifiers`), then the same
normalised name, the same name without spaces, a trading name, and last a fuzzy name match inside blocks.
Two organisations are never linked when they carry different numbers of one register (Companies House,
charities, PPON, DUNS) or different legal forms (an LLP and a Limited of the same name are two entities).

Each cluster gets a canonical member (a Companies House IRI if any, else the most-cited one); every other
member gets `member skos:exactMatch canonical` in GRAPH_ORG_LINKS. owl:sameAs is not used: a fuzzy match is
a judgement with a confidence, and sameAs would make any reasoner merge every statement (conflicting SME
flags included) irreversibly. Each link is annotated the SSSOM way, on an owl:Axiom node that reifies it
(owl:annotatedSource/Property/Target) with sssom:confidence, sssom:mapping_justification (a semapv term),
sssom:mapping_tool (our method name) and sssom:match_string (the shared key or number). The original names
stay in the process graphs untouched; SME/VCSE flags that every member states alike are carried to the
canonical organisation. To group by real organisation:
`OPTIONAL { GRAPH mkgid:graph/organisation-links { ?org skos:exactMatch ?c } } BIND(COALESCE(?c, ?org) AS ?canonical)`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from kg.identity import STRONG_SCHEMES, NameParts, name_parts, normalise_identifier
from kg.namespaces import GRAPH_ORG_LINKS, ID, MKG, PREFIXES, RDF_TYPE, SKOS, XSD
from kg.settings import Settings
from kg.store import GraphStore

SSSOM = "https://w3id.org/sssom/"
SEMAPV = "https://w3id.org/semapv/vocab/"
OWL = PREFIXES["owl"]
FUZZY_THRESHOLD = 85.0  # rapidfuzz ratio over normalised keys, before the spelling-slip check
MAX_BLOCK = 200  # a blocking key shared by more names than this is too common to say anything
# method → (confidence, SSSOM justification)
METHODS: dict[str, tuple[float, str]] = {
    "identifier": (1.0, "BackgroundKnowledgeBasedMatching"),
    "name": (0.97, "LexicalMatching"),
    "compact-name": (0.93, "LexicalMatching"),
    "trading-name": (0.9, "LexicalMatching"),
    "fuzzy-name": (0.85, "LexicalSimilarityThresholdMatching"),
}
_DIGITS = re.compile(r"\d+")
Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class OrgRecord:
    """One organisation IRI as the notices describe it: its names, normalised identifiers and mention count."""

    iri: str
    names: tuple[str, ...]
    identifiers: frozenset[tuple[str, str]] = frozenset()
    mentions: int = 1


@dataclass(frozen=True)
class Link:
    """A member of a cluster tied to its canonical organisation, by the weakest step on the path between them."""

    member: str
    canonical: str
    method: str
    confidence: float
    evidence: str


@dataclass(frozen=True)
class _Edge:
    a: int
    b: int
    method: str
    confidence: float
    evidence: str


class _Clusters:
    """Union-find over records that refuses unions of different register numbers or legal forms."""

    def __init__(self, records: Sequence[OrgRecord], parts: list[list[NameParts]]) -> None:
        self.parent = list(range(len(records)))
        self.ids: list[dict[str, set[str]]] = []
        self.forms: list[set[str]] = []
        for record, names in zip(records, parts):
            strong: dict[str, set[str]] = defaultdict(set)
            for scheme, value in record.identifiers:
                if scheme in STRONG_SCHEMES:
                    strong[scheme].add(value)
            self.ids.append(dict(strong))
            self.forms.append({p.form for p in names if p.form})
        self.edges: list[_Edge] = []

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def strong(self, root: int) -> bool:
        return bool(self.ids[root] or self.forms[root])

    def compatible(self, a: int, b: int) -> bool:
        if self.forms[a] and self.forms[b] and not self.forms[a] & self.forms[b]:
            return False
        return all(self.ids[a][s] & self.ids[b][s] for s in self.ids[a].keys() & self.ids[b].keys())

    def union(self, a: int, b: int, method: str, evidence: str, force: bool = False) -> bool:
        """Join the clusters of records a and b; returns whether they were joined."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb or not (force or self.compatible(ra, rb)):
            return False
        self.parent[rb] = ra
        for scheme, values in self.ids[rb].items():
            self.ids[ra].setdefault(scheme, set()).update(values)
        self.forms[ra] |= self.forms[rb]
        self.edges.append(_Edge(a, b, method, METHODS[method][0], evidence))
        return True

    def merge_group(self, members: Iterable[int], method: str, evidence: str) -> bool:
        """Join records sharing a key; a key held by incompatible organisations is ambiguous: weak ones stay apart."""
        reps: dict[int, int] = {}
        for m in members:
            reps.setdefault(self.find(m), m)
        if len(reps) < 2:
            return False
        anchors: list[int] = []
        weak = [rep for root, rep in reps.items() if not self.strong(root)]
        for rep in (rep for root, rep in reps.items() if self.strong(root)):
            if not any(self.union(anchor, rep, method, evidence) for anchor in anchors):
                anchors.append(rep)
        ambiguous = len(anchors) > 1
        targets = weak if ambiguous else anchors + weak
        for rep in targets[1:]:
            self.union(targets[0], rep, method, evidence)
        return ambiguous


def _blocks(keys: list[str]) -> Iterable[list[int]]:
    """Candidate groups: names sharing one of their two rarest tokens, or the first eight letters."""
    token_sets = [set(k.split()) for k in keys]
    df = Counter(t for tokens in token_sets for t in tokens)
    index: dict[str, list[int]] = defaultdict(list)
    for i, (key, tokens) in enumerate(zip(keys, token_sets)):
        for token in sorted(tokens, key=lambda t: (df[t], t))[:2]:
            index["t:" + token].append(i)
        index["p:" + key.replace(" ", "")[:8]].append(i)
    return (ids for ids in index.values() if 2 <= len(ids) <= MAX_BLOCK)


def _fuzzy_pairs(keys: list[str]) -> list[tuple[float, int, int]]:
    """(score, i, j) for keys within a block that differ by spelling slips only, best first."""
    from rapidfuzz import fuzz, process

    found: dict[tuple[int, int], float] = {}
    for ids in _blocks(keys):
        names = [keys[i] for i in ids]
        scores = process.cdist(names, names, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD)
        for x, y in zip(*scores.nonzero()):
            i, j = ids[x], ids[y]
            if i < j and _spelling_slip(keys[i], keys[j]):
                found[(i, j)] = float(scores[x, y])
    return sorted(((s, i, j) for (i, j), s in found.items()), reverse=True)


def _spelling_slip(a: str, b: str) -> bool:
    """Same words in the same order but for one long word one letter off ("Kirland" → "Kirkland").

    Whole-string similarity alone links "BAM Construction" to "BAAS Construction" and "University of Winchester"
    to "University of Manchester": shared generic words outweigh the one word that names the organisation,
    so the slip must be a single edit, past the first letter, in a word of six letters or more.
    """
    from rapidfuzz.distance import Levenshtein

    words_a, words_b = a.split(), b.split()
    if len(words_a) != len(words_b) or _DIGITS.findall(a) != _DIGITS.findall(b):
        return False
    slips = [(x, y) for x, y in zip(words_a, words_b) if x != y]
    return len(slips) == 1 and all(
        min(len(x), len(y)) >= 6 and x[0] == y[0] and Levenshtein.distance(x, y) == 1 for x, y in slips
    )


def _resolve_clusters(records: Sequence[OrgRecord]) -> _Clusters:
    parts = [[name_parts(n) for n in r.names] for r in records]
    clusters = _Clusters(records, parts)
    by_id: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        for ident in record.identifiers:
            by_id[ident].append(i)
    for (scheme, value), members in by_id.items():
        for m in members[1:]:
            clusters.union(members[0], m, "identifier", f"{scheme} {value}", force=True)
    by_key: dict[str, list[int]] = defaultdict(list)
    by_compact: dict[str, list[int]] = defaultdict(list)
    by_trading: dict[str, list[int]] = defaultdict(list)
    for i, names in enumerate(parts):
        for p in names:
            if p.key:
                by_key[p.key].append(i)
                by_compact[p.compact or ""].append(i)
            if p.trading:
                by_trading[p.trading].append(i)
    ambiguous = {key for key, members in by_key.items() if clusters.merge_group(members, "name", key)}
    for compact, members in by_compact.items():
        clusters.merge_group(members, "compact-name", compact)
    for trading, members in by_trading.items():
        if trading in by_key and trading not in ambiguous:
            clusters.merge_group(members + by_key[trading], "trading-name", trading)
    keys = [k for k in by_key if k not in ambiguous]
    for score, i, j in _fuzzy_pairs(keys):
        a, b = by_key[keys[i]][0], by_key[keys[j]][0]
        clusters.union(a, b, "fuzzy-name", f"{keys[i]} ~ {keys[j]} ({score:.0f})")
    return clusters


def _canonical_rank(record: OrgRecord) -> tuple[Any, ...]:
    schemes = {s for s, _ in record.identifiers}
    return ("GB-COH" not in schemes, not schemes & STRONG_SCHEMES, -record.mentions, record.iri)


def resolve(records: Sequence[OrgRecord]) -> list[Link]:
    """Cluster organisation records and link every non-canonical member to its cluster's canonical IRI."""
    clusters = _resolve_clusters(records)
    adjacency: dict[int, list[tuple[int, _Edge]]] = defaultdict(list)
    for edge in clusters.edges:
        adjacency[edge.a].append((edge.b, edge))
        adjacency[edge.b].append((edge.a, edge))
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(records)):
        members[clusters.find(i)].append(i)
    links: list[Link] = []
    for group in members.values():
        if len(group) < 2:
            continue
        canonical = min(group, key=lambda i: _canonical_rank(records[i]))
        best: dict[int, tuple[float, _Edge | None]] = {canonical: (1.0, None)}
        frontier = [canonical]
        while frontier:  # the unions form a tree: confidence multiplies along the path, the weakest step names it
            node = frontier.pop()
            for nxt, edge in adjacency[node]:
                if nxt not in best:
                    conf, weakest = best[node]
                    if weakest is None or edge.confidence < weakest.confidence:
                        weakest = edge
                    best[nxt] = (conf * edge.confidence, weakest)
                    frontier.append(nxt)
        target = records[canonical].iri
        for i in group:
            conf, weakest = best[i]
            if i != canonical and weakest is not None:
                links.append(Link(records[i].iri, target, weakest.method, round(conf, 3), weakest.evidence))
    return sorted(links, key=lambda link: (link.canonical, link.member))


def link_quads(links: Iterable[Link], carried_flags: dict[str, dict[str, bool]]) -> list[Quad]:
    """Quads of GRAPH_ORG_LINKS: exactMatch links, their SSSOM annotations, and flags carried to canonicals."""
    g = GRAPH_ORG_LINKS
    quads: list[Quad] = []
    for link in links:
        member, canonical = NamedNode(link.member), NamedNode(link.canonical)
        node = NamedNode(f"{ID}org-link/{hashlib.sha1(link.member.encode()).hexdigest()[:16]}")
        justification = METHODS[link.method][1]
        quads += [
            Quad(member, SKOS.exactMatch, canonical, g),
            Quad(node, RDF_TYPE, NamedNode(OWL + "Axiom"), g),
            Quad(node, NamedNode(OWL + "annotatedSource"), member, g),
            Quad(node, NamedNode(OWL + "annotatedProperty"), SKOS.exactMatch, g),
            Quad(node, NamedNode(OWL + "annotatedTarget"), canonical, g),
            Quad(node, NamedNode(SSSOM + "confidence"), Literal(f"{link.confidence:.3f}", datatype=XSD.double), g),
            Quad(node, NamedNode(SSSOM + "mapping_justification"), NamedNode(SEMAPV + justification), g),
            Quad(node, NamedNode(SSSOM + "mapping_tool"), Literal(link.method), g),
            Quad(node, NamedNode(SSSOM + "match_string"), Literal(link.evidence), g),
        ]
    for canonical, flags in carried_flags.items():
        for prop, value in flags.items():
            flag = Literal("true" if value else "false", datatype=XSD.boolean)
            quads.append(Quad(NamedNode(canonical), getattr(MKG, prop), flag, g))
    return quads


def carried_flags(links: Iterable[Link], flags: dict[str, dict[str, set[bool]]]) -> dict[str, dict[str, bool]]:
    """SME/VCSE flags for canonicals that state none themselves, when every member stating one agrees."""
    clusters: dict[str, list[str]] = defaultdict(list)
    for link in links:
        clusters[link.canonical].append(link.member)
    carried: dict[str, dict[str, bool]] = {}
    for canonical, members in clusters.items():
        for prop in ("isSME", "isVCSE"):
            if flags.get(canonical, {}).get(prop):
                continue
            stated = set().union(*(flags.get(m, {}).get(prop, set()) for m in members))
            if len(stated) == 1:
                carried.setdefault(canonical, {})[prop] = stated.pop()
    return carried


_ORGS = """SELECT ?o (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?o a mkg:Organisation } FILTER(?g != <%s>) }
  GROUP BY ?o"""
_NAMES = "SELECT DISTINCT ?o ?name WHERE { GRAPH ?g { ?o a mkg:Organisation ; mkg:name ?name } }"
_IDS = """SELECT DISTINCT ?o ?scheme ?value WHERE {
  GRAPH ?g { ?o mkg:hasIdentifier ?i . ?i mkg:scheme ?scheme ; mkg:identifierValue ?value } }"""
_FLAGS = """SELECT DISTINCT ?o ?p ?v WHERE {
  VALUES ?p { mkg:isSME mkg:isVCSE } GRAPH ?g { ?o ?p ?v } FILTER(?g != <%s>) }"""


def load_organisations(store: GraphStore) -> tuple[list[OrgRecord], dict[str, dict[str, set[bool]]]]:
    """Every organisation in the process graphs with its names, identifiers and mentions, and its SME/VCSE flags."""
    links = GRAPH_ORG_LINKS.value
    names: dict[str, list[str]] = defaultdict(list)
    for row in store.select(_NAMES).rows:
        names[row["o"]].append(row["name"])
    idents: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in store.select(_IDS).rows:
        idents[row["o"]].add((row["scheme"], row["value"]))
    flags: dict[str, dict[str, set[bool]]] = defaultdict(lambda: defaultdict(set))
    for row in store.select(_FLAGS % links).rows:
        flags[row["o"]][row["p"].rsplit("#", 1)[1]].add(bool(row["v"]))
    records = [
        OrgRecord(row["o"], tuple(sorted(names.get(row["o"], ()))), frozenset(idents.get(row["o"], ())), int(row["n"]))
        for row in store.select(_ORGS % links).rows
    ]
    return sorted(records, key=lambda r: r.iri), flags


def run(settings: Settings, store: GraphStore, changed_ocids: Sequence[str], progress: Progress) -> dict[str, Any]:
    """Build stage: resolve every organisation again and replace GRAPH_ORG_LINKS; returns figures for the summary."""
    started = time.monotonic()
    if not changed_ocids and store.ask(f"ASK {{ GRAPH <{GRAPH_ORG_LINKS.value}> {{ ?s ?p ?o }} }}"):
        return {"skipped": True}
    records, flags = load_organisations(store)
    progress("organisations", 0, len(records))
    links = resolve(records)
    carried = carried_flags(links, flags)
    store.replace_graph(GRAPH_ORG_LINKS, link_quads(links, carried))
    progress("organisations", len(records), len(records))
    return {
        "organisations": len(records), "linked": len(links), "clusters": len({link.canonical for link in links}),
        "by_method": dict(Counter(link.method for link in links)),
        "flags_carried": sum(len(f) for f in carried.values()),
        "seconds": round(time.monotonic() - started, 3),
    }


BLUETAIL_FILE = "uk_contracts_finder_2015-2020__mysociety_bluetail_processed_DERIVED.jsonl.gz"


def _pairs(sizes: Iterable[int]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes)


def _pairwise(items: list[tuple[str, str, int]]) -> dict[str, float | int]:
    """Pairwise precision and recall of (truth, predicted, weight) items, each weight counting as that many records."""
    truth, predicted, both = Counter(), Counter(), Counter()
    for true_id, cluster, weight in items:
        truth[true_id] += weight
        predicted[cluster] += weight
        both[(true_id, cluster)] += weight
    tp, true_pairs, predicted_pairs = _pairs(both.values()), _pairs(truth.values()), _pairs(predicted.values())
    return {
        "records": sum(w for _, _, w in items), "true_pairs": true_pairs, "predicted_pairs": predicted_pairs,
        "true_positives": tp, "precision": round(tp / predicted_pairs, 4) if predicted_pairs else 1.0,
        "recall": round(tp / true_pairs, 4) if true_pairs else 1.0,
    }


def evaluate_matching(path: str | Path) -> dict[str, Any]:
    """Pairwise precision/recall of name-only matching against the Companies House ids of the bluetail DERIVED file.

    Records are suppliers and tenderers with a GB-COH id, one per (process, name, id); the matcher sees the names
    only. Figures are given per record ("mentions") and per distinct name string ("names", the stricter view:
    spelling variants of one company are all that counts there).
    """
    mentions: Counter[tuple[str, str]] = Counter()
    seen: set[tuple[str, str, str]] = set()
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            release = json.loads(line)
            for party in release.get("parties") or []:
                ident = party.get("identifier") or {}
                normalised = normalise_identifier(ident.get("scheme"), ident.get("id"))
                name = party.get("name")
                if "buyer" in (party.get("roles") or []) or not name or not normalised or normalised[0] != "GB-COH":
                    continue
                key = (str(release.get("ocid")), name, normalised[1])
                if key not in seen:
                    seen.add(key)
                    mentions[(name, normalised[1])] += 1
    names = sorted({name for name, _ in mentions})
    links = resolve([OrgRecord(name, (name,)) for name in names])
    cluster = {name: name for name in names} | {link.member: link.canonical for link in links}
    by_mention = _pairwise([(true_id, cluster[name], n) for (name, true_id), n in mentions.items()])
    by_name = _pairwise([(true_id, cluster[name], 1) for (name, true_id) in mentions])
    truth = {name: true_id for name, true_id in mentions}
    wrong = [k for k in links if truth[k.member] != truth[k.canonical]]
    false_links = sorted(f"{k.member} → {k.canonical} ({k.method})" for k in wrong)
    return {"file": Path(path).name, "mentions": by_mention, "names": by_name, "false_links": false_links,
            "links_by_method": dict(Counter(link.method for link in links))}

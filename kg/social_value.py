"""Social-value commitments: what a notice asks suppliers to deliver, found while mapping it into its process graph.

Two sources, both read from the compiled OCDS release:
- award criteria (tender and lots): a criterion named or described as social value, community benefits,
  carbon, apprenticeships, ... is a commitment, weighted by its `numbers[].number` (or a description that is
  only a number, as Sell2Wales writes "10%");
- free text anywhere in the notice (tender, lots, awards, the release description, contract terms):
  passages that name a topic and ask it of suppliers (kg.social_value_rules), with a weight when a
  percentage is written next to it.

Each commitment keeps its evidence (the passage), where it was found (`mkg:foundIn`, a path such as
"tender/lots/0/awardCriteria/criteria/2" or "description"), its weight, and its classification: the 2025
and 2020 model outcomes of ontology/social_value.ttl (`dcterms:subject`) and their themes (`mkg:theme`),
through which it reaches the missions (`mkg:relatedMission`). Commitments are facts of the notice, so they
live in the process's own named graph and are replaced with it when the OCID is ingested again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from pyoxigraph import Literal, NamedNode

import ontology
from kg.namespaces import ID, MKG, PREFIXES, RDF_TYPE, SKOS, XSD
from kg.social_value_rules import (
    AFFIRMED,
    CLAUSE_LIST,
    CRITERION_TOPICS,
    DECLINE,
    EMPTY_CONTENT,
    Topic,
    ask_status,
    clause_status,
    is_subject,
    named_candidates,
    names_topic,
    parse_weight,
    segments,
    topics_in,
    weight_near,
)

__all__ = ["Commitment", "SVConcept", "commitment_triples", "concepts", "find_commitments", "outcome_iri"]

ENV_2025 = "carbon-reduction-and-environment"
GENERAL = "general"  # the export's theme for a commitment to social value in general
UMBRELLA = frozenset({"social-value", "community-benefits"})  # give way to specific topics in the same passage
MAX_TEXT = 500
# Where free text is never a commitment: names, identifiers, addresses, classifications, documents, statistics.
_SKIP_KEYS = frozenset({
    "parties", "buyer", "procuringEntity", "tenderers", "suppliers", "documents", "links", "identifier",
    "additionalIdentifiers", "address", "contactPoint", "classification", "additionalClassifications", "relatedProcesses",
    "bids", "awardCriteria", "sustainability", "title", "id", "ocid", "url", "uri", "href", "email", "telephone",
    "legalBasis", "unit",
    "deliveryAddresses", "deliveryAddress", "deliveryLocation", "language", "tag", "status", "currency",
})
_MIN_CHARS = 12
_NON_DIGIT = re.compile(r"\D")
_LOT_PATH = re.compile(r"tender/lots/(\d+)(?:/|$)")
DCT_SUBJECT = NamedNode(PREFIXES["dcterms"] + "subject")  # an outcome is what a commitment is about

Clean = Callable[[object], "str | None"]


@dataclass(frozen=True)
class Commitment:
    """One commitment found in a notice."""

    text: str
    found_in: str
    outcome_2025: str | None = None
    outcome_2020: str | None = None
    weight: float | None = None
    lot: str | None = None  # the lot's OCDS id when found in a lot

    @property
    def theme(self) -> str:
        """The export's theme: the 2025 model outcome slug, or "general"."""
        return self.outcome_2025 or GENERAL


@dataclass(frozen=True)
class SVConcept:
    """A Social Value Model outcome with its theme and missions, from ontology/social_value.ttl."""

    iri: str
    slug: str
    model: str
    label: str
    theme: str
    theme_label: str
    missions: tuple[str, ...] = field(default=())


def outcome_iri(model: str, slug: str) -> str:
    """IRI of a Social Value Model outcome."""
    return f"{ID}social-value/{model}/outcome/{slug}"


@lru_cache(maxsize=1)
def concepts() -> dict[str, SVConcept]:
    """Every outcome of both models by IRI; missions are the outcome's own, else its theme's."""
    store = ox.Store()
    store.load(path=str(ontology.social_value_path()), format=ox.RdfFormat.TURTLE)

    def values(subject: ox.NamedNode, predicate: ox.NamedNode) -> list[str]:
        return sorted(q.object.value for q in store.quads_for_pattern(subject, predicate, None))

    found = {}
    for quad in store.quads_for_pattern(None, RDF_TYPE, MKG.SocialValueOutcome):
        node = quad.subject
        theme = NamedNode(values(node, SKOS.broader)[0])
        missions = values(node, MKG.relatedMission) or values(theme, MKG.relatedMission)
        found[node.value] = SVConcept(
            node.value, node.value.rsplit("/", 1)[-1], values(node, MKG.svModel)[0], values(node, SKOS.prefLabel)[0],
            theme.value, values(theme, SKOS.prefLabel)[0], tuple(m.rsplit("/", 1)[-1] for m in missions),
        )
    return found


def _texts(release: dict[str, Any]) -> list[tuple[str, str]]:
    """(path, text) of every free-text string of a release outside the skipped keys, in document order."""
    found: list[tuple[str, str]] = []
    _collect_texts(release, "", found)
    return found


def _collect_texts(node: dict[str, Any] | list[Any], path: str, found: list[tuple[str, str]]) -> None:
    # Paths are built only for containers and for the texts kept: most values are numbers, codes and short strings.
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _SKIP_KEYS:
                continue
            if isinstance(value, (dict, list)):
                _collect_texts(value, f"{path}/{key}" if path else key, found)
            elif isinstance(value, str) and len(value) >= _MIN_CHARS:
                found.append((f"{path}/{key}" if path else key, value))
    else:
        for index, value in enumerate(node):
            if isinstance(value, (dict, list)):
                _collect_texts(value, f"{path}/{index}", found)
            elif isinstance(value, str) and len(value) >= _MIN_CHARS:
                found.append((f"{path}/{index}", value))


def _context(release: dict[str, Any]) -> tuple[str, list[str]]:
    """The titles and CPV codes that say what the contract buys."""
    tender = release.get("tender") if isinstance(release.get("tender"), dict) else {}
    titles = [release.get("title"), tender.get("title")]
    lots = [x for x in tender.get("lots") or [] if isinstance(x, dict)]
    holders = [tender, *lots, *[x for x in tender.get("items") or [] if isinstance(x, dict)]]
    titles += [lot.get("title") for lot in lots]
    cpv = []
    for holder in holders:
        for entry in [holder.get("classification"), *(holder.get("additionalClassifications") or [])]:
            if isinstance(entry, dict) and entry.get("id") is not None:
                cpv.append(_NON_DIGIT.sub("", str(entry["id"])))
    return " | ".join(str(t) for t in titles if isinstance(t, str)), cpv


def _lot_of(release: dict[str, Any], path: str) -> str | None:
    match = _LOT_PATH.match(path)
    if not match:
        return None
    lots = release["tender"]["lots"]
    lot = lots[int(match.group(1))]
    return str(lot.get("id", match.group(1))) if isinstance(lot, dict) else match.group(1)


def _commitments_of(
    text: str, found_in: str, topics: list[tuple[Topic, re.Match[str]]], weight: float | None = None,
) -> list[Commitment]:
    """One commitment per outcome named (umbrella topics only when nothing more specific is named)."""
    umbrellas = [m.span() for t, m in topics if t.key in UMBRELLA]
    specific = [  # "social/economic/environmental objectives" is social value in general, not an environmental commitment
        (t, m) for t, m in topics if t.key not in UMBRELLA and not any(a <= m.start() and m.end() <= b for a, b in umbrellas)
    ]
    umbrella = sorted((tm for tm in topics if tm[0].key in UMBRELLA), key=lambda tm: tm[0].outcome_2025 is None)
    chosen = specific or umbrella[:1]  # community benefits before plain "social value"
    out: dict[tuple[str | None, str | None], Commitment] = {}
    for topic, match in chosen:
        key = (topic.outcome_2025, topic.outcome_2020)
        if key not in out:
            stated = weight if weight is not None else weight_near(match.string, match)
            out[key] = Commitment(text[:MAX_TEXT], found_in, *key, stated)
    return list(out.values())


def _from_text(text: str, found_in: str, titles: str, cpv: list[str]) -> list[Commitment]:
    """Commitments in one free-text field: passages with a topic and an ask, header context inherited."""
    possible = named_candidates(text)  # most texts hold a stem ("local", "training") but no topic
    if not possible:
        return []
    asks: list[tuple[str, list[tuple[Topic, re.Match[str]]]]] = []
    vetoed: set[str] = set()
    header: tuple[str, str | None] | None = None  # (text, status) of the "label:" in scope
    segs = segments(text)
    listed = False  # whether the header in scope has introduced a bulleted list
    declined = False  # whether the header's content is "N/A", "None", ...
    for i, (seg, is_header, bullet) in enumerate(segs):
        if not seg or (listed and not bullet and not is_header):
            header, listed = None, False  # a paragraph break, or prose after the list, ends the header's scope
            if not seg:
                continue
        listed = listed or (bullet and header is not None)
        topics = [(t, m) for t, m in topics_in(seg, possible) if not is_subject(t, titles, cpv, seg)]
        if topics and CLAUSE_LIST.search(seg):
            topics = []
        if not topics and not is_header:
            continue
        strong = any(t.strong for t, _ in topics)
        status = ask_status(seg, strong, possible)
        if is_header:
            listed = False
            scope = _scope(segs, i)
            declined = bool(scope) and EMPTY_CONTENT.search(scope[0]) is not None
            if status == "ask" and declined:
                status = "negated"
            elif status is None and strong and scope and AFFIRMED.search(scope[0]):
                status = "ask"
            status = header[1] if header and status is None else status
            header = (seg, status)
            if topics and status == "ask" and any(names_topic(x, possible) for x in scope):
                continue  # its content names the topics and carries the header as context
            lead = []
            for x in scope[:3]:
                if names_topic(x, possible):
                    break
                lead.append(x)
            seg_text = " ".join([seg, *lead])
        else:
            inherits = status is None and header is not None and header[1] in ("ask", "negated", "optional")
            status = header[1] if inherits and header else status
            context = header is not None and (inherits or names_topic(header[0], possible))
            seg_text = f"{header[0]} {seg}" if context and header else seg
        if not topics:
            continue
        if status == "negated" and (DECLINE.search(seg_text) or is_header and declined):
            vetoed.update(t.key for t, _ in topics)
        elif status == "ask":
            asks.append((seg_text, topics))
    merged: dict[tuple[str | None, str | None], Commitment] = {}
    for seg_text, topics in asks:
        kept = [(t, m) for t, m in topics if not (t.strong and t.key in vetoed and len(topics) == 1)]
        for commitment in _commitments_of(seg_text, found_in, kept) if kept else ():
            key = (commitment.outcome_2025, commitment.outcome_2020)
            earlier = merged.get(key)
            if earlier is None:
                merged[key] = commitment
            elif commitment.text not in earlier.text:  # one commitment per outcome and field, its passages joined
                text = f"{earlier.text} … {commitment.text}"[:MAX_TEXT]
                weight = earlier.weight if earlier.weight is not None else commitment.weight
                merged[key] = Commitment(text, found_in, *key, weight)
    return list(merged.values())


def _scope(segs: list[tuple[str, bool, bool]], i: int) -> list[str]:
    """The segments a header at i introduces: up to a paragraph break or the next header."""
    scope = []
    for seg, is_header, _ in segs[i + 1 :]:
        if not seg or is_header:
            break
        scope.append(seg)
    return scope


# Remembered: notice after notice names the same criteria ("Price", "Quality", "Social Value").
@lru_cache(maxsize=1 << 12)
def _criterion_topics(name: str, text: str) -> tuple[tuple[Topic, re.Match[str]], ...]:
    """The topics a criterion's text names, else those its name names as a criterion."""
    return tuple(topics_in(text) or (topics_in(name, CRITERION_TOPICS) if name else []))


def _criteria(holder: dict[str, Any], path: str, titles: str, cpv: list[str]) -> Iterator[Commitment]:
    """Commitments among the award criteria of a tender or lot."""
    criteria = holder.get("awardCriteria")
    entries = criteria.get("criteria") if isinstance(criteria, dict) else criteria
    if isinstance(criteria, dict) and isinstance(criteria.get("description"), str):
        yield from _from_text(criteria["description"], f"{path}/awardCriteria/description", titles, cpv)
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict):
            continue
        name = str(entry.get("name") or "").strip()
        description = str(entry.get("description") or "").strip()
        numbers = [n.get("number") for n in entry.get("numbers") or [] if isinstance(n, dict)]
        weight = next((w for w in map(parse_weight, numbers) if w is not None), None)
        if parse_weight(description) is not None:  # Sell2Wales writes the weight as the description
            weight, description = (weight if weight is not None else parse_weight(description)), ""
        text = f"{name}: {description}" if name and description else name or description
        topics = [(t, m) for t, m in _criterion_topics(name, text) if t.strong or not is_subject(t, titles, cpv, text)]
        if not topics or clause_status(text) == "negated" or weight == 0:
            continue
        in_name = any(m.end() <= len(name) for _, m in topics) if name else False
        yield from _commitments_of(text, f"{path}/awardCriteria/criteria/{index}", topics, weight if in_name else None)


# OCDS sustainability extension goals (eForms BT-06 strategic procurement) → (2025, 2020) outcome slugs
_GOALS = (
    ("environmental", (ENV_2025, "climate-change-and-waste")),
    ("social.ethical", ("modern-slavery-and-ethical-supply-chains", "workforce-inequality")),
    ("social.access", ("workforce-inclusion", "workforce-inequality")),
    ("social.disab", ("workforce-inclusion", "workforce-inequality")),
    ("social.employ", ("fair-work", "new-businesses-jobs-and-skills")),
    ("social", (None, None)),
    ("economic.sme", ("sme-and-vcse-supply-chains", "supply-chain-resilience-and-capacity")),
)


def _sustainability(holder: dict[str, Any], path: str) -> Iterator[Commitment]:
    """Commitments stated as structured sustainability goals of a tender or lot, with the strategies that carry them."""
    for index, entry in enumerate(holder.get("sustainability") or []):
        if not isinstance(entry, dict) or not isinstance(entry.get("goal"), str):
            continue
        goal = entry["goal"]
        outcomes = next((o for prefix, o in _GOALS if goal.lower().startswith(prefix.lower())), None)
        if outcomes is None:
            continue
        strategies = [str(s) for s in entry.get("strategies") or []]
        text = f"Sustainability goal: {goal}" + (f" (through {', '.join(strategies)})" if strategies else "")
        yield Commitment(text, f"{path}/sustainability/{index}", *outcomes)


def find_commitments(release: dict[str, Any], clean: Clean | None = None) -> list[Commitment]:
    """Every social-value commitment a (compiled) OCDS release asks of suppliers, in document order.

    Args:
        release: the compiled release of one contracting process.
        clean: repairs a publisher's text before it is read (entities, literal "rn" line breaks).
    """
    clean = clean or (lambda value: str(value).strip() or None)
    tender = release.get("tender") if isinstance(release.get("tender"), dict) else {}
    holders = [("tender", tender), *((f"tender/lots/{i}", lot) for i, lot in enumerate(tender.get("lots") or []))]
    holders = [(path, holder) for path, holder in holders if isinstance(holder, dict)]
    texts: list[tuple[str, str]] = []
    read: set[str] = set()
    for path, raw in _texts(release):
        if raw in read:
            continue  # award descriptions often repeat the tender's; the first place it appears is where it is found
        read.add(raw)
        if "&" in raw or named_candidates(raw):  # cleaning (entities, mojibake, line breaks) cannot make a topic appear,
            texts.append((path, raw))  # except an "&amp;"
    # What the contract buys is only needed to read criteria or texts that name a topic: most notices have neither.
    titles, cpv = _context(release) if texts or any(h.get("awardCriteria") for _, h in holders) else ("", [])
    found: list[Commitment] = []
    for path, holder in holders:
        found.extend(_criteria(holder, path, titles, cpv) if holder.get("awardCriteria") else ())
        found.extend(_sustainability(holder, path) if isinstance(holder.get("sustainability"), list) else ())
    for path, raw in texts:
        text = clean(raw)
        if text:
            found.extend(_from_text(text, path, titles, cpv))
    seen: set[tuple[str, str | None, str | None]] = set()
    unique = []
    for commitment in found:
        key = (commitment.text, commitment.outcome_2025, commitment.outcome_2020)
        if key not in seen:  # the same passage repeated in a lot and the tender counts once
            seen.add(key)
            lot = _lot_of(release, commitment.found_in)
            unique.append(Commitment(**{**commitment.__dict__, "lot": lot}) if lot is not None else commitment)
    return unique


def commitment_triples(
    process: NamedNode, commitments: list[Commitment], lot_node: Callable[[str], NamedNode],
) -> list[tuple[NamedNode, NamedNode, NamedNode | Literal]]:
    """The commitments as mkg:SocialValueCommitment nodes, linked from the process and from the lot they were found in.

    Args:
        process: the contracting process IRI.
        commitments: what find_commitments returned, in order (node i is `<process>/commitment/i`).
        lot_node: the IRI the mapping gives a lot, from its OCDS id.
    """
    known = concepts()
    triples: list[tuple[NamedNode, NamedNode, NamedNode | Literal]] = []
    for index, commitment in enumerate(commitments):
        node = NamedNode(f"{process.value}/commitment/{index}")
        triples += [
            (process, MKG.hasCommitment, node), (node, RDF_TYPE, MKG.SocialValueCommitment),
            (node, MKG.commitmentText, Literal(commitment.text)), (node, MKG.foundIn, Literal(commitment.found_in)),
        ]
        if commitment.lot is not None:
            triples.append((lot_node(commitment.lot), MKG.hasCommitment, node))
        if commitment.weight is not None:
            triples.append((node, MKG.weight, Literal(f"{commitment.weight:g}", datatype=XSD.decimal)))
        for model, slug in (("2025", commitment.outcome_2025), ("2020", commitment.outcome_2020)):
            concept = known.get(outcome_iri(model, slug)) if slug else None
            if concept:
                triples.append((node, DCT_SUBJECT, NamedNode(concept.iri)))
                triples.append((node, MKG.theme, NamedNode(concept.theme)))
    return triples

"""What a contracting process says about itself: the texts, CPV codes and buyer that alignment and search read."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from kg.namespaces import ID, process_iri
from kg.store import GraphStore

_CPV_PREFIX = ID + "cpv/"
BATCH = 1_000

# One linear query per shape: Oxigraph plans plain joins well and UNIONs of paths badly.
_BASE = """
SELECT ?p ?ocid (SAMPLE(?t) AS ?title) (SAMPLE(?d) AS ?description) (SAMPLE(?b) AS ?buyer) (SAMPLE(?bn) AS ?buyerName)
WHERE {{
  {values}
  ?p mkg:ocid ?ocid .
  OPTIONAL {{ ?p dcterms:title ?t }}
  OPTIONAL {{ ?p dcterms:description ?d }}
  OPTIONAL {{ ?p mkg:buyer ?b . OPTIONAL {{ ?b mkg:name ?bn }} }}
}} GROUP BY ?p ?ocid"""
_CPV = (
    "SELECT ?p ?c WHERE {{ {values} ?p mkg:hasTender ?t . ?t mkg:classification ?c }}",
    "SELECT ?p ?c WHERE {{ {values} ?p mkg:hasTender ?t . ?t mkg:hasItem ?x . ?x mkg:classification ?c }}",
    "SELECT ?p ?c WHERE {{ {values} ?p mkg:hasTender ?t . ?t mkg:hasLot ?x . ?x mkg:classification ?c }}",
)
_EXTRA = (
    "SELECT ?p ?text WHERE {{ {values} ?p mkg:hasTender ?t . ?t mkg:hasItem ?x . ?x dcterms:description ?text }}",
    "SELECT ?p ?text WHERE {{ {values} ?p mkg:hasTender ?t . ?t mkg:hasLot ?x . ?x dcterms:title|dcterms:description ?text }}",
    "SELECT ?p ?text WHERE {{ {values} ?p mkg:hasAward ?x . ?x dcterms:title|dcterms:description ?text }}",
)


@dataclass
class ProcessText:
    """The readable content of one process."""

    ocid: str
    title: str = ""
    description: str = ""
    extras: list[str] = field(default_factory=list)
    cpv: list[str] = field(default_factory=list)
    buyer: str | None = None
    buyer_name: str = ""

    @property
    def full_text(self) -> str:
        """Title, description, then lot, item and award texts that add something, one per line."""
        parts = [self.title, self.description]
        seen = {p.strip().lower() for p in parts if p}
        for extra in self.extras:
            key = extra.strip().lower()
            if key and key not in seen and not key.startswith("see description"):
                seen.add(key)
                parts.append(extra)
        return "\n".join(p for p in parts if p)


def _values(ocids: Sequence[str] | None) -> str:
    if ocids is None:
        return ""
    return "VALUES ?p { " + " ".join(f"<{process_iri(o).value}>" for o in ocids) + " }"


def _fetch(store: GraphStore, ocids: Sequence[str] | None) -> list[ProcessText]:
    values = _values(ocids)
    by_iri: dict[str, ProcessText] = {}
    for row in store.select(_BASE.format(values=values)).rows:
        by_iri[row["p"]] = ProcessText(
            row["ocid"], row["title"] or "", row["description"] or "", buyer=row["buyer"], buyer_name=row["buyerName"] or ""
        )
    cpv: dict[str, set[str]] = {}
    extras: dict[str, set[str]] = {}
    for query in _CPV:
        for row in store.select(query.format(values=values)).rows:
            if row["c"].startswith(_CPV_PREFIX):
                cpv.setdefault(row["p"], set()).add(row["c"][len(_CPV_PREFIX) :])
    for query in _EXTRA:
        for row in store.select(query.format(values=values)).rows:
            extras.setdefault(row["p"], set()).add(row["text"])
    for iri, text in by_iri.items():
        text.cpv = sorted(cpv.get(iri, ()))
        text.extras = sorted(extras.get(iri, ()))
    return sorted(by_iri.values(), key=lambda t: t.ocid)


def process_texts(store: GraphStore, ocids: Sequence[str] | None = None) -> Iterator[ProcessText]:
    """Texts of the given processes (all when None), fetched in batches with three linear queries each."""
    if ocids is None:
        yield from _fetch(store, None)
        return
    for start in range(0, len(ocids), BATCH):
        yield from _fetch(store, ocids[start : start + BATCH])

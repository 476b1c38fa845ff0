"""What the search index keeps about each process, read from the graph with a few linear SPARQL queries per batch.

Like kg.process_text, every query is one plain join shape over a VALUES block: Oxigraph plans those well
and UNIONs of property paths badly. ``graph_fingerprints`` is the one query over every process that the
index runs on each start to see what changed behind its back.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from kg.namespaces import GRAPH_ALIGNMENTS, ID, process_iri
from kg.process_text import process_texts
from kg.store import GraphStore

__all__ = ["DocRecord", "extract_docs", "graph_fingerprints", "region_terms"]

BATCH = 1_000
_MISSION = ID + "mission/"
_G = GRAPH_ALIGNMENTS.value

# Official NUTS 1 codes of the UK regions (ONS), so `--region Wales` finds notices that say UKL18 and back.
NUTS1 = {
    "UKC": "North East", "UKD": "North West", "UKE": "Yorkshire and the Humber", "UKF": "East Midlands",
    "UKG": "West Midlands", "UKH": "East of England", "UKI": "London", "UKJ": "South East", "UKK": "South West",
    "UKL": "Wales", "UKM": "Scotland", "UKN": "Northern Ireland",
}
_NUTS1_BY_NAME = {name.lower(): code for code, name in NUTS1.items()}
_NUTS = re.compile(r"UK[C-N][0-9A-Z]{0,3}")

_FACTS = """SELECT ?p (SAMPLE(?pub) AS ?published) (SAMPLE(?st) AS ?status) (MAX(?amt) AS ?amount) (SAMPLE(?cur) AS ?currency)
  (MAX(?dl) AS ?deadline) (SAMPLE(?sme) AS ?smeOk) (SAMPLE(?vcse) AS ?vcseOk) WHERE {{
  {values}
  OPTIONAL {{ ?p mkg:publishedDate ?pub }}
  OPTIONAL {{ ?p mkg:hasTender ?t .
    OPTIONAL {{ ?t mkg:status ?st }} OPTIONAL {{ ?t mkg:submissionDeadline ?dl }}
    OPTIONAL {{ ?t mkg:value ?v . ?v mkg:amount ?amt OPTIONAL {{ ?v mkg:currency ?cur }} }}
    OPTIONAL {{ ?t mkg:suitableForSME ?sme }} OPTIONAL {{ ?t mkg:suitableForVCSE ?vcse }} }}
}} GROUP BY ?p"""
_AWARDS = """SELECT ?p ?a ?date ?amt ?cur WHERE {{ {values} ?p mkg:hasAward ?a .
  OPTIONAL {{ ?a mkg:awardDate ?date }} OPTIONAL {{ ?a mkg:value ?v . ?v mkg:amount ?amt OPTIONAL {{ ?v mkg:currency ?cur }} }} }}"""
_SUPPLIERS = "SELECT ?p ?a ?s ?name WHERE {{ {values} ?p mkg:hasAward ?a . ?a mkg:supplier ?s OPTIONAL {{ ?s mkg:name ?name }} }}"
_REGIONS = (
    "SELECT ?p ?l WHERE {{ {values} ?p mkg:hasTender ?t . ?t mkg:deliveryRegion ?r . ?r rdfs:label ?l }}",
    "SELECT ?p ?l WHERE {{ {values} ?p mkg:hasTender ?t . ?t mkg:hasLot ?x . ?x mkg:deliveryRegion ?r . ?r rdfs:label ?l }}",
    "SELECT ?p ?l WHERE {{ {values} ?p mkg:hasTender ?t . ?t mkg:hasItem ?x . ?x mkg:deliveryRegion ?r . ?r rdfs:label ?l }}",
    "SELECT ?p ?l WHERE {{ {values} ?p mkg:hasAward ?a . ?a mkg:hasItem ?x . ?x mkg:deliveryRegion ?r . ?r rdfs:label ?l }}",
)
_ALIGNMENTS = f"""SELECT ?p ?m ?o ?s WHERE {{{{ {{values}} GRAPH <{_G}> {{{{ ?a mkg:alignedProcess ?p ; mkg:mission ?m ; mkg:score ?s
  OPTIONAL {{{{ ?a mkg:outcome ?o }}}} }}}} }}}}"""
_ADVANCES = f"SELECT ?p ?m WHERE {{{{ {{values}} GRAPH <{_G}> {{{{ ?p mkg:advances ?m }}}} }}}}"
_PRIMARY = f"SELECT ?p ?m WHERE {{{{ {{values}} GRAPH <{_G}> {{{{ ?p mkg:primaryMission ?m }}}} }}}}"
_FINGERPRINTS = f"""SELECT ?ocid (SAMPLE(?lu) AS ?updated) (SAMPLE(?run) AS ?aligned) WHERE {{
  ?p mkg:ocid ?ocid OPTIONAL {{ ?p mkg:lastUpdated ?lu }} OPTIONAL {{ GRAPH <{_G}> {{ ?p mkg:lastAligned ?run }} }}
}} GROUP BY ?ocid"""


@dataclass
class DocRecord:
    """One process as the search index sees it: texts, filterable facts and alignment scores."""

    ocid: str
    title: str = ""
    text: str = ""
    buyer: str | None = None
    buyer_name: str = ""
    cpv: list[str] = field(default_factory=list)
    value: float | None = None
    currency: str | None = None
    published: str | None = None
    deadline: str | None = None
    award_date: str | None = None
    tender_status: str | None = None
    awarded: bool = False
    sme: bool = False
    vcse: bool = False
    regions: list[str] = field(default_factory=list)
    suppliers: list[tuple[str, str]] = field(default_factory=list)
    missions: dict[str, float] = field(default_factory=dict)
    advances: list[str] = field(default_factory=list)
    primary: str | None = None
    outcomes: dict[str, float] = field(default_factory=dict)
    fingerprint: str = ""

    def content_hash(self) -> str:
        """sha256 of everything indexed about the process (not the fingerprint): equal hash, nothing to redo."""
        data = asdict(self)
        data.pop("fingerprint")
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()


def _values(ocids: Sequence[str]) -> str:
    return "VALUES ?p { " + " ".join(f"<{process_iri(o).value}>" for o in ocids) + " }"


def _day(value: Any) -> str | None:
    return str(value)[:10] if value else None


def _slug(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def region_terms(label: str) -> list[str]:
    """A delivery region label and the NUTS 1 code or name it implies, lower-cased, for substring matching."""
    text = label.strip()
    out = [text.lower()]
    if _NUTS.fullmatch(text.upper()):
        out.append(NUTS1[text[:3].upper()].lower())
    elif text.lower() in _NUTS1_BY_NAME:
        out.append(_NUTS1_BY_NAME[text.lower()].lower())
    return out


def _fetch(store: GraphStore, ocids: Sequence[str], fingerprints: dict[str, str]) -> list[DocRecord]:
    values = _values(ocids)
    docs: dict[str, DocRecord] = {}
    for text in process_texts(store, ocids):
        docs[process_iri(text.ocid).value] = DocRecord(
            text.ocid, text.title, text.full_text, text.buyer, text.buyer_name, list(text.cpv),
            fingerprint=fingerprints.get(text.ocid, ""),
        )
    for row in store.select(_FACTS.format(values=values)).rows:
        doc = docs.get(row["p"])
        if doc is None:
            continue
        doc.published, doc.deadline, doc.tender_status = _day(row["published"]), _day(row["deadline"]), row["status"]
        doc.value = float(row["amount"]) if row["amount"] is not None else None
        doc.currency = row["currency"]
        doc.sme, doc.vcse = bool(row["smeOk"]), bool(row["vcseOk"])
    award_values: dict[str, list[tuple[float, str | None]]] = {}
    award_dates: dict[str, dict[str, str | None]] = {}
    for row in store.select(_AWARDS.format(values=values)).rows:
        award_dates.setdefault(row["p"], {})[row["a"]] = _day(row["date"])
        if row["amt"] is not None:
            award_values.setdefault(row["p"], []).append((float(row["amt"]), row["cur"]))
    suppliers: dict[str, set[tuple[str, str]]] = {}
    won: dict[str, set[str]] = {}
    for row in store.select(_SUPPLIERS.format(values=values)).rows:
        suppliers.setdefault(row["p"], set()).add((row["s"], row["name"] or ""))
        won.setdefault(row["p"], set()).add(row["a"])
    regions: dict[str, set[str]] = {}
    for query in _REGIONS:
        for row in store.select(query.format(values=values)).rows:
            regions.setdefault(row["p"], set()).add(row["l"])
    for row in store.select(_ALIGNMENTS.format(values=values)).rows:
        doc = docs.get(row["p"])
        if doc is not None:
            target = doc.outcomes if row["o"] else doc.missions
            target[_slug(row["o"] or row["m"])] = round(float(row["s"]), 4)
    for row in store.select(_ADVANCES.format(values=values)).rows:
        if row["p"] in docs:
            docs[row["p"]].advances.append(_slug(row["m"]))
    for row in store.select(_PRIMARY.format(values=values)).rows:
        if row["p"] in docs:
            docs[row["p"]].primary = _slug(row["m"])
    for iri, doc in docs.items():
        if doc.value is None and award_values.get(iri):
            doc.value, doc.currency = max(award_values[iri])
        # awarded = an award that names a supplier; its date is the earliest such award's
        dated = sorted(d for a, d in award_dates.get(iri, {}).items() if a in won.get(iri, ()) and d)
        doc.awarded = bool(won.get(iri))
        doc.award_date = dated[0] if dated else None
        doc.suppliers = sorted(suppliers.get(iri, ()))
        doc.regions = sorted(regions.get(iri, ()))
        doc.advances.sort()
    return sorted(docs.values(), key=lambda d: d.ocid)


def extract_docs(store: GraphStore, ocids: Sequence[str], fingerprints: dict[str, str] | None = None) -> Iterator[list[DocRecord]]:
    """Records of the given processes, in batches of ``BATCH`` (an OCID not in the graph yields nothing)."""
    for start in range(0, len(ocids), BATCH):
        yield _fetch(store, ocids[start : start + BATCH], fingerprints or {})


def graph_fingerprints(store: GraphStore) -> dict[str, str]:
    """Every OCID in the graph with a cheap fingerprint: its last release date and its last alignment run.

    Re-ingesting a process gives it a new release date, re-aligning it a new run IRI, so a changed
    fingerprint means "read this process again"; the content hash then says whether anything indexed changed.
    """
    rows = store.select(_FINGERPRINTS).rows
    return {row["ocid"]: f"{row['updated'] or ''}|{_slug(row['aligned']) if row['aligned'] else ''}" for row in rows}

"""What a contracting process says about itself: the texts, CPV codes and buyer that alignment and search read.

Results come back as SPARQL JSON (serialised by the store itself, with Oxigraph off the GIL, so the queries
of a batch run in parallel) and are read with orjson: turning every term into a Python object one at a time
cost more than the queries.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import orjson

from kg.namespaces import ID, process_iri
from kg.store import GraphStore

_CPV_PREFIX = ID + "cpv/"
BATCH = 1_000
# The longest real notice reads ~64k characters; far longer is an error or an attack, and embedding it would take
# minutes (a 2.4 MB description made 6,129 passages), so what is read, embedded and indexed stops here.
MAX_TEXT_CHARS = 100_000
# Queries of one batch run side by side: Oxigraph evaluates and serialises them without holding the GIL.
_THREADS = 2

# Each value is read along a chain of patterns from the process ?p. Over a VALUES block of processes the chain is
# one linear join (Oxigraph plans those well, and UNIONs of paths badly). Over every process it is nested
# subqueries, which Oxigraph joins by hashing one scan of each pattern instead of looking each row up in the
# indexes: 2-10x faster at 100k processes. A process has one title, description and buyer; should it have
# more, the first row's stands, as SAMPLE would pick it.
_FIELDS = (("title", "dcterms:title"), ("description", "dcterms:description"), ("buyer", "mkg:buyer"))
_CPV = (
    ("?p mkg:hasTender ?t", "?t mkg:classification ?v"),
    ("?p mkg:hasTender ?t", "?t mkg:hasItem ?x", "?x mkg:classification ?v"),
    ("?p mkg:hasTender ?t", "?t mkg:hasLot ?x", "?x mkg:classification ?v"),
    ("?p mkg:hasAward ?a", "?a mkg:hasItem ?x", "?x mkg:classification ?v"),
)
_EXTRA = (
    ("?p mkg:hasTender ?t", "?t mkg:hasItem ?x", "?x dcterms:description ?v"),
    ("?p mkg:hasTender ?t", "?t mkg:hasLot ?x", "?x dcterms:title|dcterms:description ?v"),
    ("?p mkg:hasAward ?x", "?x dcterms:title|dcterms:description ?v"),
)


def _base_query(values: str) -> str:
    optionals = " ".join(
        f"OPTIONAL {{ ?p {predicate} ?{name} }}" if values
        else f"OPTIONAL {{ SELECT ?p ?{name} WHERE {{ ?p {predicate} ?{name} }} }}"
        for name, predicate in _FIELDS
    )
    fields = " ".join("?" + name for name, _ in _FIELDS)
    return f"SELECT ?p ?ocid {fields} WHERE {{ {values} ?p mkg:ocid ?ocid . {optionals} }}"


def _names_query(values: str) -> str:
    # Apart from the base query: joined to every process, each name came back once per graph that states it.
    names = "?buyer mkg:name ?n" if values else "{ SELECT ?buyer ?n WHERE { ?buyer mkg:name ?n } }"
    buyers = f"SELECT DISTINCT ?buyer WHERE {{ {values} ?p mkg:buyer ?buyer }}"
    return f"SELECT ?buyer (SAMPLE(?n) AS ?name) WHERE {{ {{ {buyers} }} {names} }} GROUP BY ?buyer"


def _chain_query(chain: Sequence[str], values: str) -> str:
    """``SELECT ?p ?v`` along a chain of patterns, each sharing its last variable with the next."""
    if values:
        return f"SELECT ?p ?v WHERE {{ {values} {' . '.join(chain)} }}"
    body = chain[-1]
    for pattern in reversed(chain[:-1]):
        body = f"{pattern} . {{ SELECT {pattern.split()[-1]} ?v WHERE {{ {body} }} }}"
    return f"SELECT ?p ?v WHERE {{ {body} }}"


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
        return "\n".join(p for p in parts if p)[:MAX_TEXT_CHARS]


def _values(ocids: Sequence[str] | None) -> str:
    if ocids is None:
        return ""
    return "VALUES ?p { " + " ".join(f"<{process_iri(o).value}>" for o in ocids) + " }"


def _rows(store: GraphStore, query: str) -> list[dict[str, str]]:
    """Bindings of a SELECT as the plain values of its bound variables."""
    body, _ = store.query_serialized(query, "json")
    bindings = orjson.loads(body)["results"]["bindings"]
    return [{name: term["value"] for name, term in binding.items()} for binding in bindings]


def _fetch(store: GraphStore, ocids: Sequence[str] | None) -> list[ProcessText]:
    values = _values(ocids)
    queries = [_names_query(values), _base_query(values), *(_chain_query(chain, values) for chain in _CPV + _EXTRA)]
    with ThreadPoolExecutor(max_workers=_THREADS, thread_name_prefix="missionkg-texts") as pool:
        named, base, *chains = pool.map(lambda query: _rows(store, query), queries)
    names = {row["buyer"]: row.get("name", "") for row in named}
    by_iri: dict[str, ProcessText] = {}
    for row in base:
        if row["p"] not in by_iri:
            buyer = row.get("buyer")
            by_iri[row["p"]] = ProcessText(
                row["ocid"], row.get("title", ""), row.get("description", ""), buyer=buyer,
                buyer_name=names.get(buyer, "") if buyer else "",
            )
    cpv: dict[str, set[str]] = {}
    extras: dict[str, set[str]] = {}
    for rows in chains[: len(_CPV)]:
        for row in rows:
            if row["v"].startswith(_CPV_PREFIX):
                cpv.setdefault(row["p"], set()).add(row["v"][len(_CPV_PREFIX) :])
    for rows in chains[len(_CPV) :]:
        for row in rows:
            extras.setdefault(row["p"], set()).add(row["v"])
    for iri, text in by_iri.items():
        text.cpv = sorted(cpv.get(iri, ()))
        text.extras = sorted(extras.get(iri, ()))
    return sorted(by_iri.values(), key=lambda t: t.ocid)


def process_texts(store: GraphStore, ocids: Sequence[str] | None = None) -> Iterator[ProcessText]:
    """Texts of the given processes (all when None), fetched in batches with a few linear queries each."""
    if ocids is None:
        yield from _fetch(store, None)
        return
    for start in range(0, len(ocids), BATCH):
        yield from _fetch(store, ocids[start : start + BATCH])

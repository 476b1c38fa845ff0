"""One contracting process compiled for reading: tender, lots, awards, buyer, suppliers, release history,
alignments with their evidence, and social-value commitments.

The process's own named graph is read in one query and assembled in Python (cheaper than a query per
section); alignments, commitments and CPV labels live in other graphs and come in one more query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from kg.errors import NotFound
from kg.namespaces import DCTERMS, GRAPH_CPV, MKG, process_graph, process_iri
from kg.store import GraphStore

Node = dict[str, list[Any]]


@dataclass
class Money:
    """An amount with its currency, as published."""

    amount: float
    currency: str | None


@dataclass
class Period:
    """Start and end dates (ISO 8601), the latest end with every extension, and the maximum length in months; any
    may be unknown."""

    start: str | None
    end: str | None
    max_extent: str | None = None
    duration_in_months: int | None = None


@dataclass
class OrganisationRef:
    """An organisation named in a notice: its IRI and the name that notice gives."""

    iri: str
    name: str | None
    sme: bool | None = None


@dataclass
class Classification:
    """A CPV code with its label; `main` marks the notice's main classification."""

    code: str
    label: str | None
    main: bool


@dataclass
class Lot:
    """A lot of the tender; `tenderers`: how many tenderers bid for it, when stated."""

    id: str
    title: str | None
    status: str | None
    value: Money | None
    tenderers: int | None = None


@dataclass
class Award:
    """An award with its suppliers and value."""

    id: str
    title: str | None
    status: str | None
    date: str | None
    value: Money | None
    contract_period: Period | None
    suppliers: list[OrganisationRef]


@dataclass
class ReleaseRef:
    """One release that went into the compiled process, with where it was read from."""

    id: str
    date: str | None
    tags: list[str]
    source: str | None
    line: int | None


@dataclass
class AlignmentView:
    """Why the process is tied to a mission: score, method, evidence and the run that made it."""

    mission: str
    mission_label: str | None
    outcome: str | None
    outcome_label: str | None
    score: float | None
    method: str | None
    evidence: str | None
    advances: bool
    generated_by: str | None


@dataclass
class CommitmentView:
    """A social-value commitment found in the notice."""

    text: str | None
    theme: str | None
    theme_label: str | None
    weight: float | None


@dataclass
class ContractDetail:
    """The compiled view of one contracting process."""

    ocid: str
    iri: str
    title: str | None
    description: str | None
    status: str | None
    procurement_method: str | None
    main_procurement_category: str | None
    published: str | None
    last_updated: str | None
    country: str | None
    buyer: OrganisationRef | None
    value: Money | None
    submission_deadline: str | None
    tender_period: Period | None
    contract_period: Period | None
    suitable_for_sme: bool | None
    suitable_for_vcse: bool | None
    number_of_tenderers: int | None
    classifications: list[Classification] = field(default_factory=list)
    lots: list[Lot] = field(default_factory=list)
    awards: list[Award] = field(default_factory=list)
    suppliers: list[OrganisationRef] = field(default_factory=list)
    releases: list[ReleaseRef] = field(default_factory=list)
    missions: list[str] = field(default_factory=list)
    alignments: list[AlignmentView] = field(default_factory=list)
    commitments: list[CommitmentView] = field(default_factory=list)


class _Graph:
    """The triples of one process graph indexed by subject and predicate."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.nodes: dict[str, Node] = defaultdict(lambda: defaultdict(list))
        for row in rows:
            self.nodes[row["s"]][row["p"]].append(row["o"])

    def all(self, subject: str | None, predicate: Any) -> list[Any]:
        """Every object of (subject, predicate), sorted for a stable answer."""
        if subject is None or subject not in self.nodes:
            return []
        return sorted(self.nodes[subject].get(predicate.value, []), key=str)

    def one(self, subject: str | None, predicate: Any) -> Any:
        """One object of (subject, predicate), or None."""
        values = self.all(subject, predicate)
        return values[0] if values else None

    def money(self, subject: str | None) -> Money | None:
        node = self.one(subject, MKG.value)
        amount = self.one(node, MKG.amount)
        return Money(float(amount), self.one(node, MKG.currency)) if amount is not None else None

    def period(self, subject: str | None, predicate: Any) -> Period | None:
        node = self.one(subject, predicate)
        if node is None:
            return None
        return Period(self.one(node, MKG.startDate), self.one(node, MKG.endDate), self.one(node, MKG.maxExtentDate),
                      self.one(node, MKG.durationInMonths))

    def organisation(self, iri: str | None) -> OrganisationRef | None:
        return OrganisationRef(iri, self.one(iri, MKG.name), self.one(iri, MKG.isSME)) if iri else None


def _alignments_and_commitments(store: GraphStore, process: str, cpv_codes: list[str]) -> list[dict[str, Any]]:
    """Alignment, commitment and CPV-label rows in one query, told apart by ?kind."""
    cpv_values = " ".join(f"<{c}>" for c in cpv_codes)
    cpv = f"UNION {{ BIND('cpv' AS ?kind) VALUES ?x {{ {cpv_values} }} GRAPH <{GRAPH_CPV.value}> {{ ?x skos:prefLabel ?label }} }}" if cpv_codes else ""
    return store.select(
        f"""SELECT ?kind ?x ?mission ?ml ?outcome ?ol ?score ?method ?evidence ?run ?advances ?text ?theme ?label ?weight WHERE {{
          {{ BIND('alignment' AS ?kind) ?x mkg:alignedProcess {process} ; mkg:mission ?mission .
             OPTIONAL {{ ?mission skos:prefLabel ?ml }} OPTIONAL {{ ?x mkg:score ?score }} OPTIONAL {{ ?x mkg:method ?method }}
             OPTIONAL {{ ?x mkg:evidence ?evidence }} OPTIONAL {{ ?x prov:wasGeneratedBy ?run }}
             OPTIONAL {{ ?x mkg:outcome ?outcome OPTIONAL {{ ?outcome skos:prefLabel ?ol }} }}
             BIND(EXISTS {{ {process} mkg:advances ?mission }} AS ?advances) }}
          UNION {{ BIND('advances' AS ?kind) {process} mkg:advances ?mission }}
          UNION {{ BIND('commitment' AS ?kind) {process} mkg:hasCommitment ?x .
             OPTIONAL {{ ?x mkg:commitmentText ?text }} OPTIONAL {{ ?x mkg:weight ?weight }}
             OPTIONAL {{ ?x mkg:theme ?theme OPTIONAL {{ ?theme skos:prefLabel ?label }} }} }}
          {cpv}
        }}""",
        max_rows=5_000,
    ).rows


def _slug(iri: str | None) -> str | None:
    return iri.rsplit("/", 1)[-1] if iri else None


def _classifications(g: _Graph, process: str, tender: str | None) -> tuple[set[str], list[str]]:
    """The process's main CPV codes and all its codes (tender first, then its lots and items, then awards' items):
    the tender's main code, or when it has none, each lot's and item's."""
    parts = [*g.all(tender, MKG.hasLot), *g.all(tender, MKG.hasItem)]
    parts += [item for award in g.all(process, MKG.hasAward) for item in g.all(award, MKG.hasItem)]
    main = set(g.all(tender, MKG.mainClassification)) or {code for part in parts for code in g.all(part, MKG.mainClassification)}
    codes = dict.fromkeys(code for holder in (tender, *parts) for code in g.all(holder, MKG.classification))
    return main, list(codes)


def contract_detail(store: GraphStore, ocid: str) -> ContractDetail:
    """The compiled view of the process with this OCID, or NotFound."""
    process = process_iri(ocid).value
    rows = store.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH {process_graph(ocid)} {{ ?s ?p ?o }} }}", max_rows=100_000).rows
    g = _Graph(rows)
    if process not in g.nodes:
        raise NotFound(f"no contracting process with OCID {ocid!r} in the graph")
    tender = g.one(process, MKG.hasTender)
    main_cpv, cpv_iris = _classifications(g, process, tender)
    extra = _alignments_and_commitments(store, str(process_iri(ocid)), cpv_iris)
    cpv_labels = {r["x"]: r["label"] for r in extra if r["kind"] == "cpv"}
    alignments = {r["x"]: r for r in reversed(extra) if r["kind"] == "alignment"}  # one row per node, however many labels
    commitments = {r["x"]: r for r in reversed(extra) if r["kind"] == "commitment"}
    awards = []
    for award in g.all(process, MKG.hasAward):
        suppliers = [g.organisation(s) for s in g.all(award, MKG.supplier)]
        awards.append(
            Award(
                g.one(award, MKG.awardId) or _slug(award) or award, g.one(award, DCTERMS.title), g.one(award, MKG.status),
                g.one(award, MKG.awardDate), g.money(award), g.period(award, MKG.contractPeriod), [s for s in suppliers if s],
            )
        )
    suppliers = {s.iri: s for a in awards for s in a.suppliers}
    releases = sorted(
        (ReleaseRef(g.one(r, MKG.releaseId) or r, g.one(r, MKG.releaseDate), g.all(r, MKG.releaseTag),
                    g.one(r, MKG.sourceFile), g.one(r, MKG.sourceLine)) for r in g.all(process, MKG.hasRelease)),
        key=lambda r: (r.date or "", r.id),
    )
    advanced = sorted({_slug(r["mission"]) for r in extra if r["kind"] == "advances"} - {None})  # type: ignore[type-var]
    return ContractDetail(
        ocid=g.one(process, MKG.ocid) or ocid, iri=process, title=g.one(process, DCTERMS.title),
        description=g.one(process, DCTERMS.description), status=g.one(tender, MKG.status),
        procurement_method=g.one(tender, MKG.procurementMethod), main_procurement_category=g.one(tender, MKG.mainProcurementCategory),
        published=g.one(process, MKG.publishedDate), last_updated=g.one(process, MKG.lastUpdated), country=g.one(process, MKG.country),
        buyer=g.organisation(g.one(process, MKG.buyer)), value=g.money(tender), submission_deadline=g.one(tender, MKG.submissionDeadline),
        tender_period=g.period(tender, MKG.tenderPeriod), contract_period=g.period(tender, MKG.contractPeriod),
        suitable_for_sme=g.one(tender, MKG.suitableForSME), suitable_for_vcse=g.one(tender, MKG.suitableForVCSE),
        number_of_tenderers=g.one(tender, MKG.numberOfTenderers),
        classifications=[Classification(c.rsplit("/", 1)[-1], cpv_labels.get(c), c in main_cpv) for c in cpv_iris],
        lots=[Lot(_slug(lot) or lot, g.one(lot, DCTERMS.title), g.one(lot, MKG.status), g.money(lot), g.one(lot, MKG.numberOfTenderers))
              for lot in g.all(tender, MKG.hasLot)],
        awards=awards, suppliers=sorted(suppliers.values(), key=lambda s: (s.name or "", s.iri)), releases=releases,
        missions=advanced,
        alignments=sorted(
            (AlignmentView(_slug(r["mission"]) or r["mission"], r["ml"], _slug(r["outcome"]), r["ol"], r["score"], r["method"],
                           r["evidence"], bool(r["advances"]), r["run"]) for r in alignments.values()),
            key=lambda a: (-(a.score or 0.0), a.mission, a.outcome or ""),
        ),
        commitments=[CommitmentView(r["text"], r["theme"], r["label"], r["weight"]) for _, r in sorted(commitments.items())],
    )


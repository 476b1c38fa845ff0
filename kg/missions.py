"""The five missions as the graph knows them: outcome areas, milestones, and the processes aligned to each.

Everything alignment-related reads what the alignment stage writes (`mkg:advances` edges and
`mkg:Alignment` nodes in the alignments graph); before that stage has run, counts are zero and
contract lists are empty rather than errors. Values are summed in GBP only, as published.
"""

from __future__ import annotations

import math
import re
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

from pyoxigraph import Literal, NamedNode

from kg.errors import InvalidParameter, NotFound
from kg.namespaces import CPV_PATH, ID, MISSION_IDS, XSD, mission_iri, outcome_iri
from kg.store import GraphStore

MAX_PAGE = 100
MAX_OFFSET = 10_000
_CPV = re.compile(r"\d{2,8}")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass
class MissionSummary:
    """One mission with how many processes advance it and their awarded value."""

    id: str
    iri: str
    label: str | None
    alt_label: str | None
    definition: str | None
    outcome_areas: int
    processes: int
    awarded_value_gbp: float


@dataclass
class OutcomeArea:
    """An outcome area of a mission, with the processes whose alignment names it."""

    id: str
    iri: str
    label: str | None
    definition: str | None
    processes: int


@dataclass
class Milestone:
    """A Plan for Change milestone: target, unit and deadline where the source gives them."""

    id: str | None
    iri: str
    label: str | None
    target: float | None
    unit: str | None
    deadline: str | None
    description: str | None


@dataclass
class YearFigures:
    """Processes advancing a mission first published in one year, and their GBP values."""

    year: int
    processes: int
    awarded_value_gbp: float
    tender_value_gbp: float


@dataclass
class MissionDetail(MissionSummary):
    """A mission with its outcome areas, milestones and aligned processes by year."""

    outcomes: list[OutcomeArea] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    by_year: list[YearFigures] = field(default_factory=list)


@dataclass
class AlignedContract:
    """A process in a mission's ranked list: its best alignment score for the mission and key facts."""

    ocid: str
    title: str | None
    score: float
    advances: bool
    outcome: str | None
    buyer: str | None
    buyer_name: str | None
    published: str | None
    value: float | None
    currency: str | None


@dataclass
class ContractPage:
    """One page of a ranked list with the total it was cut from."""

    items: list[AlignedContract]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class ContractFilters:
    """Filters on a mission's contract list; each is optional."""

    min_score: float = 0.0
    outcome: str | None = None
    cpv: str | None = None
    year: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    advances: bool = False  # only processes at or above the mission's threshold, as the mission list counts them


def _mission_term(mission_id: str) -> str:
    """The mission's IRI as a SPARQL term, or NotFound naming the five."""
    if mission_id not in MISSION_IDS:
        raise NotFound(f"no mission {mission_id!r}; the missions are {', '.join(MISSION_IDS)}")
    return str(mission_iri(mission_id))


def _first(rows: list[dict[str, Any]], key: str, name: str) -> dict[str, Any]:
    """The first bound value of `name` for each `key` (SAMPLE with GROUP BY is much slower in Oxigraph here)."""
    found: dict[str, Any] = {}
    for row in rows:
        if row.get(name) is not None:
            found.setdefault(row[key], row[name])
    return found


def _summaries(store: GraphStore, missions: list[str]) -> list[MissionSummary]:
    values = " ".join(str(mission_iri(m)) for m in missions)
    labels = store.select(
        f"""SELECT ?m ?label ?alt ?definition WHERE {{ VALUES ?m {{ {values} }}
          OPTIONAL {{ ?m skos:prefLabel ?label }} OPTIONAL {{ ?m skos:altLabel ?alt }} OPTIONAL {{ ?m skos:definition ?definition }} }}"""
    ).rows
    outcomes = store.select(
        f"SELECT ?m (COUNT(DISTINCT ?o) AS ?n) WHERE {{ VALUES ?m {{ {values} }} ?o mkg:mission ?m ; a mkg:MissionOutcome }} GROUP BY ?m"
    ).rows
    processes = store.select(
        f"SELECT ?m (COUNT(DISTINCT ?p) AS ?n) WHERE {{ VALUES ?m {{ {values} }} ?p mkg:advances ?m }} GROUP BY ?m"
    ).rows
    value = store.select(
        f"""SELECT ?m (SUM(?amount) AS ?v) WHERE {{ SELECT DISTINCT ?m ?award ?amount WHERE {{ VALUES ?m {{ {values} }}
          ?p mkg:advances ?m ; mkg:hasAward ?award . ?award mkg:value ?money . ?money mkg:amount ?amount ; mkg:currency "GBP" }} }}
        GROUP BY ?m"""
    ).rows
    label, alt, definition = (_first(labels, "m", name) for name in ("label", "alt", "definition"))
    n_outcomes, n_processes, awarded = (_first(rows, "m", name) for rows, name in ((outcomes, "n"), (processes, "n"), (value, "v")))
    summaries = []
    for mission in missions:
        iri = mission_iri(mission).value
        summaries.append(
            MissionSummary(
                id=mission, iri=iri, label=label.get(iri), alt_label=alt.get(iri), definition=definition.get(iri),
                outcome_areas=int(n_outcomes.get(iri) or 0), processes=int(n_processes.get(iri) or 0),
                awarded_value_gbp=float(awarded.get(iri) or 0.0),
            )
        )
    return summaries


def list_missions(store: GraphStore) -> list[MissionSummary]:
    """The five missions in their fixed order, with labels from the missions vocabulary and aligned totals."""
    return _summaries(store, list(MISSION_IDS))


def mission_detail(store: GraphStore, mission_id: str) -> MissionDetail:
    """One mission with outcome areas, milestones and aligned processes by year of first publication."""
    iri = _mission_term(mission_id)
    summary = _summaries(store, [mission_id])[0]
    outcomes = store.select(
        f"""SELECT ?o (SAMPLE(?l) AS ?label) (SAMPLE(?d) AS ?definition) (COUNT(DISTINCT ?p) AS ?n) WHERE {{
          ?o a mkg:MissionOutcome ; mkg:mission {iri} .
          OPTIONAL {{ ?o skos:prefLabel ?l }} OPTIONAL {{ ?o skos:definition ?d }}
          OPTIONAL {{ ?a mkg:outcome ?o ; mkg:alignedProcess ?p }} }} GROUP BY ?o ORDER BY ?o"""
    ).rows
    milestones = store.select(
        f"""SELECT ?ms (SAMPLE(?n) AS ?id) (SAMPLE(?l) AS ?label) (SAMPLE(?t) AS ?target) (SAMPLE(?u) AS ?unit)
          (SAMPLE(STR(?d)) AS ?deadline) (SAMPLE(?td) AS ?description) WHERE {{
          ?ms a mkg:Milestone ; mkg:mission {iri} .
          OPTIONAL {{ ?ms skos:notation ?n }} OPTIONAL {{ ?ms rdfs:label ?l }} OPTIONAL {{ ?ms mkg:target ?t }}
          OPTIONAL {{ ?ms mkg:unit ?u }} OPTIONAL {{ ?ms mkg:deadline ?d }} OPTIONAL {{ ?ms mkg:targetDescription ?td }}
        }} GROUP BY ?ms ORDER BY ?id ?ms"""
    ).rows
    return MissionDetail(
        **vars(summary),
        outcomes=[
            OutcomeArea(r["o"].rsplit("/", 1)[-1], r["o"], r["label"], r["definition"], int(r["n"])) for r in outcomes
        ],
        milestones=[
            Milestone(r["id"], r["ms"], r["label"], r["target"], r["unit"], r["deadline"], r["description"]) for r in milestones
        ],
        by_year=_by_year(store, iri),
    )


def _by_year(store: GraphStore, iri: str) -> list[YearFigures]:
    year = "?p mkg:publishedDate ?published . BIND(YEAR(?published) AS ?year)"
    counts = store.select(
        f"SELECT ?year (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p mkg:advances {iri} . {year} }} GROUP BY ?year"
    ).rows

    def summed(path: str) -> dict[int, float]:
        rows = store.select(
            f"""SELECT ?year (SUM(?amount) AS ?v) WHERE {{ SELECT DISTINCT ?year ?node ?amount WHERE {{
              ?p mkg:advances {iri} ; {path} ?node . ?node mkg:value ?money . ?money mkg:amount ?amount ; mkg:currency "GBP" .
              {year} }} }} GROUP BY ?year"""
        ).rows
        return {int(r["year"]): float(r["v"] or 0) for r in rows if r["year"] is not None}

    awarded, tendered = summed("mkg:hasAward"), summed("mkg:hasTender")
    return [
        YearFigures(int(r["year"]), int(r["n"]), awarded.get(int(r["year"]), 0.0), tendered.get(int(r["year"]), 0.0))
        for r in sorted(counts, key=lambda r: r["year"] or 0)
        if r["year"] is not None
    ]


def _number(value: float) -> str:
    """A finite float as an xsd:double term."""
    return str(Literal(repr(float(value)), datatype=XSD.double))


def _filter_clauses(mission_id: str, filters: ContractFilters) -> tuple[str, str]:
    """SPARQL for the alignment pattern and the process filters; every value is validated or typed first."""
    alignment = ""
    if filters.outcome is not None:
        if not _SLUG.fullmatch(filters.outcome):
            raise InvalidParameter(f"outcome must be an outcome-area slug such as 'heat-networks'; got {filters.outcome!r}", "outcome")
        alignment = f"?a mkg:outcome {outcome_iri(mission_id, filters.outcome)} ."
    numbers = [filters.min_score, filters.min_value, filters.max_value]
    if not all(math.isfinite(n) for n in numbers if n is not None):
        raise InvalidParameter("score and value filters must be finite numbers")
    clauses = []
    if filters.cpv is not None:
        if not _CPV.fullmatch(filters.cpv):
            raise InvalidParameter(f"cpv must be 2 to 8 digits of a CPV code; got {filters.cpv!r}", "cpv")
        prefix = ID + "cpv/" + filters.cpv
        # Tested per aligned process: a subquery over every process's CPV paths costs several times more.
        clauses.append(f'FILTER EXISTS {{ ?p {CPV_PATH} ?cpv FILTER(STRSTARTS(STR(?cpv), "{prefix}")) }}')
    if filters.year is not None:
        clauses.append(f"?p mkg:publishedDate ?published . FILTER(YEAR(?published) = {int(filters.year)})")
    if filters.min_value is not None or filters.max_value is not None:
        bounds = [f"?amount {op} {_number(v)}" for op, v in ((">=", filters.min_value), ("<=", filters.max_value)) if v is not None]
        clauses.append(f"?p mkg:hasTender/mkg:value/mkg:amount ?amount . FILTER({' && '.join(bounds)})")
    return alignment, "\n".join(clauses)


_RANKINGS: weakref.WeakKeyDictionary[Any, OrderedDict[tuple[str, ContractFilters], list[tuple[float, str]]]] = weakref.WeakKeyDictionary()
_RANKINGS_PER_STORE = 32
_RANKINGS_LOCK = threading.Lock()


def _ranking(store: GraphStore, mission_id: str, filters: ContractFilters) -> list[tuple[float, str]]:
    """(best score, process IRI) of every process aligned to the mission that passes the filters, best first.

    Scoring every alignment of a mission costs far more than a page of facts, so the ranking is kept per
    store snapshot (a reopened store is a new key) and per filter set; `min_score` is applied afterwards.
    """
    key = (mission_id, replace(filters, min_score=0.0))
    with _RANKINGS_LOCK:
        cached = _RANKINGS.setdefault(store, OrderedDict())
        if key in cached:
            cached.move_to_end(key)
            return cached[key]
    alignment, clauses = _filter_clauses(mission_id, filters)
    rows = store.select(
        f"""SELECT ?p (MAX(?s) AS ?score) WHERE {{ ?a mkg:mission {_mission_term(mission_id)} ; mkg:alignedProcess ?p ; mkg:score ?s .
          {alignment} {clauses} }} GROUP BY ?p"""
    ).rows
    ranking = sorted(((float(r["score"]), r["p"]) for r in rows if r["score"] is not None), key=lambda x: (-x[0], x[1]))
    with _RANKINGS_LOCK:
        cached[key] = ranking
        while len(cached) > _RANKINGS_PER_STORE:
            cached.popitem(last=False)
    return ranking


def _best_outcomes(store: GraphStore, mission: str, values: str, wanted: str | None) -> dict[str, str]:
    """Per process, the outcome area (slug) of the mission it scores best in, or the one a filter asked for."""
    rows = store.select(
        f"SELECT ?p ?out ?s WHERE {{ VALUES ?p {{ {values} }} ?a mkg:alignedProcess ?p ; mkg:mission {mission} ; "
        "mkg:outcome ?out ; mkg:score ?s }"
    ).rows
    best: dict[str, tuple[bool, float, str]] = {}
    for row in rows:
        slug = row["out"].rsplit("/", 1)[-1]
        key = (slug == wanted, float(row["s"]), slug)
        best[row["p"]] = max(best.get(row["p"], key), key)
    return {process: slug for process, (_, _, slug) in best.items()}


def mission_contracts(
    store: GraphStore, mission_id: str, filters: ContractFilters = ContractFilters(), *, limit: int = 20, offset: int = 0
) -> ContractPage:
    """Processes aligned to a mission, best alignment score first (then by IRI), one page at a time (limit ≤ 100, offset ≤ 10,000)."""
    iri = _mission_term(mission_id)
    limit, offset = max(1, min(limit, MAX_PAGE)), max(0, min(offset, MAX_OFFSET))
    ranking = [r for r in _ranking(store, mission_id, replace(filters, advances=False)) if r[0] >= filters.min_score]
    if filters.advances:
        advancing = set(store.select(f"SELECT ?p WHERE {{ ?p mkg:advances {iri} }}").column("p"))
        ranking = [r for r in ranking if r[1] in advancing]
    page = ranking[offset : offset + limit]
    if not page:
        return ContractPage([], len(ranking), limit, offset)
    values = " ".join(str(NamedNode(p)) for _, p in page)
    facts = store.select(
        f"""SELECT ?p (SAMPLE(?o) AS ?ocid) (SAMPLE(?t) AS ?title) (SAMPLE(?b) AS ?buyer) (SAMPLE(?bn) AS ?buyerName)
          (SAMPLE(?pub) AS ?published) (SAMPLE(?amount) AS ?value) (SAMPLE(?cur) AS ?currency)
          (COUNT(?adv) AS ?advances) WHERE {{
          VALUES ?p {{ {values} }} ?p mkg:ocid ?o .
          OPTIONAL {{ ?p dcterms:title ?t }} OPTIONAL {{ ?p mkg:publishedDate ?pub }}
          OPTIONAL {{ ?p mkg:buyer ?b . OPTIONAL {{ ?b mkg:name ?bn }} }}
          OPTIONAL {{ ?p mkg:hasTender/mkg:value ?money . ?money mkg:amount ?amount . OPTIONAL {{ ?money mkg:currency ?cur }} }}
          OPTIONAL {{ ?p mkg:advances {iri} BIND(true AS ?adv) }}
        }} GROUP BY ?p"""
    ).rows
    by_process = {r["p"]: r for r in facts}
    outcomes = _best_outcomes(store, iri, values, filters.outcome)
    items = []
    for score, process in page:
        fact = by_process.get(process, {})
        items.append(
            AlignedContract(
                ocid=fact.get("ocid") or process, title=fact.get("title"), score=score,
                advances=bool(fact.get("advances")), outcome=outcomes.get(process),
                buyer=fact.get("buyer"), buyer_name=fact.get("buyerName"), published=fact.get("published"),
                value=fact.get("value"), currency=fact.get("currency"),
            )
        )
    return ContractPage(items, len(ranking), limit, offset)

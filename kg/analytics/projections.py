"""Projections of the graph into networkx, each fetched with one SPARQL query and filtered by a Scope.

- `load_market`: the awards in scope (one row per award and supplier) and their buyer–supplier
  bipartite graph, weighted by award count and value.
- `co_award_graph`: suppliers linked when they share an award (framework, DPS) or a lot.
- `mission_graph`: mission → outcome area → process → buyer and supplier.

Node names, SME/VCSE flags and CPV labels come from one further lookup over the nodes found.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

from kg.analytics.scope import CPV_BASE, MISSION_BASE, OUTCOME_BASE, Scope
from kg.namespaces import CPV_PATH, GRAPH_ORG_LINKS
from kg.store import GraphStore

# Rows fetched per projection; a store's own max_rows setting is for interactive queries, not for these.
ROW_CAP = 5_000_000


@dataclass(frozen=True, slots=True)
class AwardFact:
    """One supplier on one award, with what the metrics group by."""

    award: str
    process: str
    supplier: str
    buyer: str | None
    value: float | None  # this supplier's equal split of the award value, in GBP (None when stated in another currency)
    year: int | None  # of the award date, else of the process's first publication
    division: str | None  # two-digit CPV division: of the main code, else the most frequent one
    missions: tuple[str, ...]  # slugs of the missions the process advances
    outcomes: tuple[str, ...]  # "<mission>/<outcome>": the best-scoring outcome area of each of those missions
    tenderers: int | None = None  # how many bid: the awarded lot's count, else the tender's (None when unstated)


@dataclass(frozen=True, slots=True)
class Node:
    """What the graph says about a node: its name or label and, for organisations, SME and VCSE status."""

    name: str | None = None
    sme: bool | None = None
    vcse: bool | None = None


def _flag(value: str | None) -> bool | None:
    return None if value is None else value in ("true", "1")


def describe(store: GraphStore, iris: Iterable[str]) -> dict[str, Node]:
    """Name (mkg:name, skos:prefLabel, dcterms:title or rdfs:label) and SME/VCSE flags of each IRI, in one query."""
    wanted = sorted(set(iris))
    if not wanted:
        return {}
    values = f"VALUES ?x {{ {' '.join(f'<{iri}>' for iri in wanted)} }}"
    # An organisation's triples repeat in every process graph naming it, and the union default graph keeps
    # the copies: each attribute is reduced on its own before the join.
    rows = store.select(
        f"""SELECT ?x ?name ?sme ?vcse WHERE {{
  {values}
  OPTIONAL {{ SELECT ?x (MIN(STR(?n)) AS ?name) WHERE {{ {values} ?x mkg:name|skos:prefLabel|dcterms:title|rdfs:label ?n }} GROUP BY ?x }}
  OPTIONAL {{ SELECT ?x (MAX(STR(?s)) AS ?sme) WHERE {{ {values} ?x mkg:isSME ?s }} GROUP BY ?x }}
  OPTIONAL {{ SELECT ?x (MAX(STR(?v)) AS ?vcse) WHERE {{ {values} ?x mkg:isVCSE ?v }} GROUP BY ?x }}
}}""",
        max_rows=ROW_CAP,
    )
    return {r["x"]: Node(r["name"], _flag(r["sme"]), _flag(r["vcse"])) for r in rows.rows}


@dataclass
class Market:
    """The awards in a scope, what is known of their buyers and suppliers, and labels of CPV divisions."""

    scope: Scope
    awards: list[AwardFact]
    orgs: dict[str, Node] = field(default_factory=dict)
    cpv_labels: dict[str, str] = field(default_factory=dict)
    _graph: nx.Graph | None = field(default=None, repr=False)

    def name(self, iri: str) -> str:
        """An organisation's name, or its IRI when no notice names it."""
        node = self.orgs.get(iri)
        return node.name if node and node.name else iri

    def graph(self) -> nx.Graph:
        """The buyer–supplier bipartite projection (built once)."""
        if self._graph is None:
            self._graph = buyer_supplier_graph(self)
        return self._graph


def canonical(raw: str, var: str) -> str:
    """Patterns binding `var` to the canonical IRI of the organisation `raw` (itself unless kg.matching linked it)."""
    return (f"OPTIONAL {{ GRAPH <{GRAPH_ORG_LINKS.value}> {{ {raw} skos:exactMatch {var}Canon_ }} }} "
            f"BIND(COALESCE({var}Canon_, {raw}) AS {var})")


def market_query(scope: Scope) -> str:
    """The SPARQL of `load_market`: one row per supplier and award in scope."""
    # Optionals stay short chains (a third pattern nests): Oxigraph plans longer ones as a scan of the whole store.
    return f"""SELECT ?process ?award ?supplier (SAMPLE(?buyer_) AS ?buyer) (MAX(?amount_) AS ?amount) (MIN(STR(?when_)) AS ?when)
  (SAMPLE(?currency_) AS ?currency) (GROUP_CONCAT(DISTINCT STR(?mission_)) AS ?missions)
  (GROUP_CONCAT(DISTINCT CONCAT(STR(?outcome_), "=", COALESCE(STR(?outcomeScore_), "0"))) AS ?outcomes)
  (GROUP_CONCAT(DISTINCT STR(?code_)) AS ?codes) (MIN(STR(?main_)) AS ?main)
  (MAX(?lotTenderers_) AS ?lotTenderers) (MAX(?tenderTenderers_) AS ?tenderTenderers)
WHERE {{
  {scope.process_patterns()}
  ?process mkg:hasAward ?award . ?award mkg:supplier ?supplier_ . {canonical("?supplier_", "?supplier")}
  OPTIONAL {{ ?award mkg:awardDate ?date_ }}
  OPTIONAL {{ ?process mkg:publishedDate ?published_ }}
  BIND(COALESCE(?date_, ?published_) AS ?when_)
  {scope.date_filter("?when_")}
  OPTIONAL {{ ?process mkg:buyer ?buyerRaw_ {canonical("?buyerRaw_", "?buyer_")} }}
  OPTIONAL {{ ?award mkg:value ?value_ . ?value_ mkg:amount ?amount_ OPTIONAL {{ ?value_ mkg:currency ?currency_ }} }}
  OPTIONAL {{ ?process mkg:advances ?mission_ }}
  OPTIONAL {{ ?alignment_ mkg:alignedProcess ?process . ?alignment_ mkg:outcome ?outcome_
             OPTIONAL {{ ?alignment_ mkg:score ?outcomeScore_ }} }}
  OPTIONAL {{ ?process {CPV_PATH} ?code_ }}
  OPTIONAL {{ ?process mkg:hasTender/mkg:mainClassification ?main_ }}
  OPTIONAL {{ ?award mkg:awardsLot/mkg:numberOfTenderers ?lotTenderers_ }}
  OPTIONAL {{ ?process mkg:hasTender/mkg:numberOfTenderers ?tenderTenderers_ }}
}} GROUP BY ?process ?award ?supplier"""


def _division(codes: str, main: str | None) -> str | None:
    """Primary CPV division of a process: its main code's, else the most frequent among its codes."""
    if main:
        return main.removeprefix(CPV_BASE)[:2]
    divisions = Counter(code.removeprefix(CPV_BASE)[:2] for code in codes.split())
    return min(divisions, key=lambda d: (-divisions[d], d)) if divisions else None


def _best_outcomes(scored: str, missions: tuple[str, ...]) -> tuple[str, ...]:
    """For each mission the process advances, its best-scoring outcome area ("<mission>/<outcome>")."""
    best: dict[str, tuple[float, str]] = {}
    for item in scored.split():
        iri, _, score = item.rpartition("=")
        key = iri.removeprefix(OUTCOME_BASE)
        mission = key.split("/")[0]
        if mission in missions and (float(score), key) > best.get(mission, (-1.0, "")):
            best[mission] = (float(score), key)
    return tuple(sorted(key for _, key in best.values()))


def _count(value: object) -> int | None:
    return None if value is None else int(value)


def _year(when: str | None) -> int | None:
    return int(when[:4]) if when and when[:4].isdigit() else None


def load_market(store: GraphStore, scope: Scope | None = None) -> Market:
    """The awards to suppliers in `scope` (one SPARQL query), with names and flags of the organisations."""
    scope = scope or Scope()
    rows = store.select(market_query(scope), max_rows=ROW_CAP).rows
    suppliers_per_award = Counter(r["award"] for r in rows)
    awards = []
    for r in rows:
        missions = tuple(sorted(m.removeprefix(MISSION_BASE) for m in (r["missions"] or "").split()))
        in_gbp = r["amount"] is not None and r["currency"] in (None, "GBP")
        awards.append(AwardFact(
            award=r["award"], process=r["process"], supplier=r["supplier"], buyer=r["buyer"],
            value=float(r["amount"]) / suppliers_per_award[r["award"]] if in_gbp else None,
            year=_year(r["when"]), division=_division(r["codes"] or "", r["main"]), missions=missions,
            outcomes=_best_outcomes(r["outcomes"] or "", missions),
            tenderers=_count(r["lotTenderers"] if r["lotTenderers"] is not None else r["tenderTenderers"]),
        ))
    divisions = {f.division for f in awards if f.division}
    described = describe(store, [*{f.supplier for f in awards}, *{f.buyer for f in awards if f.buyer},
                                 *(f"{CPV_BASE}{d}000000" for d in divisions)])
    cpv_labels = {d: described[f"{CPV_BASE}{d}000000"].name or "" for d in divisions if f"{CPV_BASE}{d}000000" in described}
    orgs = {iri: node for iri, node in described.items() if not iri.startswith(CPV_BASE)}
    return Market(scope, awards, orgs, cpv_labels)


def buyer_supplier_graph(market: Market) -> nx.Graph:
    """Buyers and suppliers joined by their awards: edge `awards` (count), `value`, `processes`, CPV `divisions`, `missions`."""
    graph = nx.Graph()
    suppliers = {f.supplier for f in market.awards}
    for fact in market.awards:
        if fact.buyer is None or fact.buyer == fact.supplier:
            continue
        for iri in (fact.buyer, fact.supplier):
            if iri not in graph:
                node = market.orgs.get(iri, Node())
                kind = "supplier" if iri in suppliers else "buyer"
                graph.add_node(iri, kind=kind, bipartite=int(kind == "supplier"), name=node.name or iri,
                               sme=node.sme, vcse=node.vcse, awards=0, value=0.0)
        if not graph.has_edge(fact.buyer, fact.supplier):
            graph.add_edge(fact.buyer, fact.supplier, awards=0, value=0.0, processes=set(), divisions=Counter(), missions=Counter())
        edge = graph.edges[fact.buyer, fact.supplier]
        edge["awards"] += 1
        edge["value"] += fact.value or 0.0
        edge["processes"].add(fact.process)
        edge["divisions"].update([fact.division] if fact.division else [])
        edge["missions"].update(fact.missions)
        for iri in (fact.buyer, fact.supplier):
            graph.nodes[iri]["awards"] += 1
            graph.nodes[iri]["value"] += fact.value or 0.0
    return graph


def _when(scope: Scope, award: str | None) -> str:
    """Patterns binding ?when_ (award date, else published date) and filtering on it, only when dates are set."""
    if not (scope.date_from or scope.date_to):
        return ""
    dated = f"OPTIONAL {{ {award} mkg:awardDate ?date_ }} " if award else ""
    return (f"{dated}OPTIONAL {{ ?process mkg:publishedDate ?published_ }} "
            f"BIND(COALESCE({'?date_, ' if award else ''}?published_) AS ?when_) {scope.date_filter('?when_')}")


def co_award_query(scope: Scope) -> str:
    """The SPARQL of `co_award_graph`: pairs of suppliers with their shared awards and lots."""
    award = f'{scope.process_patterns()} ?process mkg:hasAward ?award . {_when(scope, "?award")}'
    return f"""SELECT ?a ?b (COUNT(DISTINCT ?shared) AS ?awards) (COUNT(DISTINCT ?lot) AS ?lots) WHERE {{
  {{ {award} ?award mkg:supplier ?a_, ?b_ . FILTER(?a_ != ?b_) BIND(?award AS ?shared) }}
  UNION {{ {award} ?award mkg:awardsLot ?lot . ?other mkg:awardsLot ?lot . FILTER(?other != ?award)
           ?award mkg:supplier ?a_ . ?other mkg:supplier ?b_ }}
  {canonical("?a_", "?a")} {canonical("?b_", "?b")}
  FILTER(STR(?a) < STR(?b))
}} GROUP BY ?a ?b"""


def co_award_graph(store: GraphStore, scope: Scope | None = None) -> nx.Graph:
    """Suppliers joined when named on the same award (framework, DPS) or on awards for the same lot.

    Edges carry `awards` (shared awards), `lots` (shared lots) and `weight` (their sum); nodes carry names.
    """
    rows = store.select(co_award_query(scope or Scope()), max_rows=ROW_CAP).rows
    graph = nx.Graph()
    for r in rows:
        graph.add_edge(r["a"], r["b"], awards=int(r["awards"]), lots=int(r["lots"]), weight=int(r["awards"]) + int(r["lots"]))
    for iri, node in describe(store, graph.nodes).items():
        graph.nodes[iri].update(kind="supplier", name=node.name or iri, sme=node.sme, vcse=node.vcse)
    return graph


def mission_graph_query(scope: Scope, processes: Iterable[str] | None = None) -> str:
    """The SPARQL of `mission_graph`: alignment, buyer and supplier edges of the processes in scope."""
    process = scope.process_patterns()
    if processes is not None:
        process = f"VALUES ?process {{ {' '.join(f'<{p}>' for p in sorted(set(processes)))} }} {process}"
    return f"""SELECT ?kind ?process ?other ?outcome ?score WHERE {{
  {{ {process} ?process mkg:advances ?other . {_when(scope, None)} BIND("advances" AS ?kind) }}
  UNION {{ {process} ?alignment_ mkg:alignedProcess ?process . ?alignment_ mkg:mission ?other . {_when(scope, None)}
           OPTIONAL {{ ?alignment_ mkg:outcome ?outcome }} OPTIONAL {{ ?alignment_ mkg:score ?score }} BIND("alignment" AS ?kind) }}
  UNION {{ {process} ?process mkg:buyer ?org_ . {canonical("?org_", "?other")} {_when(scope, None)} BIND("buyer" AS ?kind) }}
  UNION {{ {process} ?process mkg:hasAward ?award_ . ?award_ mkg:supplier ?org_ . {canonical("?org_", "?other")}
           {_when(scope, "?award_")} BIND("supplier" AS ?kind) }}
}}"""


def mission_graph(store: GraphStore, scope: Scope | None = None, *, processes: Iterable[str] | None = None) -> nx.Graph:
    """Missions, their outcome areas, processes, buyers and suppliers; edges carry `relation` and alignment `score`.

    A process links to an outcome area of a mission it advances when an alignment names one, else straight
    to the mission; each outcome area links to its mission. With a mission filter, other missions are left
    out. `processes` limits the graph to those processes (still filtered by the scope).
    """
    scope = scope or Scope()
    graph = nx.Graph()
    if processes is not None and not processes:
        return graph
    rows = store.select(mission_graph_query(scope, processes), max_rows=ROW_CAP).rows
    advances = {(r["process"], r["other"]) for r in rows if r["kind"] == "advances"
                and (not scope.mission or r["other"] == f"{MISSION_BASE}{scope.mission}")}
    scores: dict[tuple[str, str], float] = {}
    for r in rows:
        if r["kind"] == "alignment" and (r["process"], r["other"]) in advances:
            key = (r["process"], r["outcome"] or r["other"])
            scores[key] = max(scores.get(key, 0.0), float(r["score"] or 0.0))
            if r["outcome"]:
                graph.add_edge(r["outcome"], r["other"], relation="outcome_of")
                graph.add_edge(r["process"], r["outcome"], relation="serves")
                graph.nodes[r["outcome"]]["kind"] = "outcome"
    served = {(process, f"{MISSION_BASE}{other.removeprefix(OUTCOME_BASE).split('/')[0]}")
              for process, other in scores if other.startswith(OUTCOME_BASE)}
    for process, mission in sorted(advances - served):
        graph.add_edge(process, mission, relation="advances")
    for r in rows:
        if r["kind"] in ("buyer", "supplier"):
            graph.add_edge(r["process"], r["other"], relation="bought_by" if r["kind"] == "buyer" else "awarded_to")
            graph.nodes[r["other"]]["kind"] = r["kind"]
    for (process, other), score in scores.items():
        if graph.has_edge(process, other):
            graph.edges[process, other]["score"] = score
    for node, data in graph.nodes(data=True):
        data.setdefault("kind", "mission" if node.startswith(MISSION_BASE) else "process")
    return graph

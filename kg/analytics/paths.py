"""How a supplier connects to a mission: shortest paths in the mission graph, told as sentences."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import networkx as nx
from pyoxigraph import NamedNode

from kg.analytics.projections import ROW_CAP, canonical, describe, mission_graph
from kg.analytics.scope import MISSION_BASE, OUTCOME_BASE, AnalyticsError, Scope, mission_slug
from kg.errors import NotFound
from kg.identity import normalise_identifier, org_iri
from kg.namespaces import GRAPH_ORG_LINKS
from kg.store import GraphStore

_CANDIDATES = 100  # shortest paths looked at before ranking, so a hub cannot make this explode
_NEAR_STEPS = 5  # paths this short lie within the supplier's neighbourhood (see _near)


@dataclass(frozen=True)
class Step:
    """One edge of a path: the nodes it joins, as walked, and what it means."""

    source: str
    target: str
    relation: str
    text: str
    opens_clause: bool = False


@dataclass(frozen=True)
class SupplierPath:
    """A shortest path from a supplier to a mission and its reading."""

    nodes: tuple[str, ...]
    steps: tuple[Step, ...]

    @property
    def explanation(self) -> str:
        """The steps read as one sentence."""
        return "".join(("; " if step.opens_clause else ", ") * bool(i) + step.text for i, step in enumerate(self.steps)) + "."

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"length": len(self.steps), "nodes": list(self.nodes), "explanation": self.explanation,
                "steps": [{"source": s.source, "relation": s.relation, "target": s.target, "text": s.text} for s in self.steps]}


def _literal(text: str) -> str:
    return '"' + " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _iri(text: str) -> NamedNode | None:
    """`text` as an IRI when it is a valid one (pyoxigraph checks it, so nothing else reaches a query)."""
    if not text.startswith(("http://", "https://")):
        return None
    try:
        return NamedNode(text)
    except ValueError:
        return None


def _canonical(store: GraphStore, iri: str) -> str:
    rows = store.select(f"SELECT ?c WHERE {{ GRAPH <{GRAPH_ORG_LINKS.value}> {{ <{iri}> skos:exactMatch ?c }} }}", max_rows=1).rows
    return rows[0]["c"] if rows else iri


def find_supplier(store: GraphStore, text: str) -> str:
    """The IRI of a supplier given by IRI, identifier ("GB-COH-01234567") or (part of) its name."""
    text = text.strip()
    identifier = normalise_identifier(None, text)
    candidates = [node.value for node in (_iri(text), org_iri(identifier, None) if identifier else None, org_iri(None, text)) if node]
    for iri in candidates:
        if store.ask(f"ASK {{ ?award mkg:supplier <{iri}> }}"):
            return _canonical(store, iri)
    rows = store.select(
        f"SELECT ?org (MIN(STR(?name_)) AS ?name) (MAX(IF(LCASE(STR(?name_)) = LCASE({_literal(text)}), 1, 0)) AS ?exact) WHERE {{ "
        f"?award mkg:supplier ?raw . ?raw mkg:name ?name_ FILTER(CONTAINS(LCASE(STR(?name_)), LCASE({_literal(text)}))) "
        f'{canonical("?raw", "?org")} }} GROUP BY ?org ORDER BY ?name ?org LIMIT 50',
        max_rows=50,
    ).rows
    found = {r["org"]: r["name"] for r in rows}
    exact = {r["org"] for r in rows if r["exact"]}
    if len(found) == 1 or len(exact) == 1:
        return next(iter(exact or found))
    if not found:
        raise NotFound(f"no supplier matches {text!r}: give its IRI, an identifier such as GB-COH-01234567, or part of its name")
    names = "; ".join(f"{name} <{iri}>" for iri, name in list(found.items())[:5])
    raise AnalyticsError(f"{text!r} matches {len(found)}{'+' if len(found) == 50 else ''} suppliers ({names}): give the IRI or a longer name")


def _near(store: GraphStore, supplier: str, mission: str) -> list[str]:
    """The supplier's processes and the mission's processes sharing a buyer or supplier with them (two queries).

    Every path of up to five steps from the supplier to the mission runs through these processes only.
    """
    links = GRAPH_ORG_LINKS.value
    own = store.select(
        f"""SELECT DISTINCT ?own ?x ?c ?m WHERE {{
  {{ BIND(<{supplier}> AS ?raw) }} UNION {{ GRAPH <{links}> {{ ?raw skos:exactMatch <{supplier}> }} }}
  ?award mkg:supplier ?raw . ?own mkg:hasAward ?award .
  {{ ?own mkg:buyer ?x }} UNION {{ ?own mkg:hasAward ?other . ?other mkg:supplier ?x }}
  OPTIONAL {{ GRAPH <{links}> {{ ?x skos:exactMatch ?c . ?m skos:exactMatch ?c }} }}
}}""",
        max_rows=ROW_CAP,
    ).rows
    orgs = sorted({r[k] for r in own for k in ("x", "c", "m") if r[k]})
    if not orgs:
        return sorted({r["own"] for r in own})
    values = f"VALUES ?org {{ {' '.join(f'<{o}>' for o in orgs)} }}"
    # Each branch carries all its patterns: Oxigraph would otherwise evaluate the union over the whole store.
    shared = store.select(
        f"""SELECT DISTINCT ?process WHERE {{
  {{ {values} ?process mkg:buyer ?org . ?process mkg:advances <{mission}> }}
  UNION {{ {values} ?award mkg:supplier ?org . ?process mkg:hasAward ?award . ?process mkg:advances <{mission}> }}
}}""",
        max_rows=ROW_CAP,
    ).column("process")
    return sorted({r["own"] for r in own} | set(shared))


def _ocid(process: str) -> str:
    return unquote(process.rsplit("/", 1)[1])


def _phrase(graph: nx.Graph, names: dict[str, str], a: str, b: str) -> tuple[str, str, bool]:
    """What walking from `a` to `b` says: (relation, phrase, whether the phrase opens a new clause)."""
    edge = graph.edges[a, b]
    relation, kind = edge["relation"], graph.nodes[a]["kind"]
    score = f" (score {edge['score']:.2f})" if edge.get("score") is not None else ""

    def process(node: str) -> str:
        title = names.get(node)
        return f"“{title}” ({_ocid(node)})" if title and title != node else _ocid(node)

    if relation == "awarded_to":
        return (relation, f"{names[a]} won {process(b)}", True) if kind == "supplier" else (relation, f"also awarded to {names[b]}", False)
    if relation == "bought_by":
        return (relation, f"{names[a]} also bought {process(b)}", True) if kind == "buyer" else (relation, f"bought by {names[b]}", False)
    if relation == "advances":
        return relation, f"which advances the {names[b]} mission{score}", False
    if relation == "serves":
        return relation, f"which serves the outcome area {names[b]}{score}", False
    return relation, f"an outcome area of the {names[b]} mission", False


def _shortest(graph: nx.Graph, source: str, target: str) -> list[list[str]]:
    """Up to _CANDIDATES shortest paths that pass through no other mission and none of its outcome areas."""
    if source not in graph or target not in graph:
        return []
    slug = target.removeprefix(MISSION_BASE)

    def allowed(node: str) -> bool:
        kind = graph.nodes[node]["kind"]
        return node == target if kind == "mission" else kind != "outcome" or node.startswith(f"{OUTCOME_BASE}{slug}/")

    try:
        return list(itertools.islice(nx.all_shortest_paths(nx.subgraph_view(graph, filter_node=allowed), source, target), _CANDIDATES))
    except nx.NetworkXNoPath:
        return []


def _rank(graph: nx.Graph, nodes: list[str]) -> tuple[float, list[str]]:
    """Higher alignment scores first, then by node IRIs so the order never depends on the store."""
    scores = sum(graph.edges[a, b].get("score") or 0.0 for a, b in itertools.pairwise(nodes))
    return -scores, nodes


def supplier_paths(store: GraphStore, supplier: str, mission: str, scope: Scope | None = None, *, limit: int = 3) -> list[SupplierPath]:
    """Up to `limit` shortest paths from a supplier (IRI, identifier or name) to a mission, each with its explanation.

    The mission graph is built without mission or outcome filters (the path ends at the mission);
    CPV, region and date filters still apply. An empty list means the supplier does not reach the mission.
    """
    target = f"{MISSION_BASE}{mission_slug(mission)}"
    source = find_supplier(store, supplier)
    scope = (scope or Scope()).without_mission()
    graph = mission_graph(store, scope, processes=_near(store, source, target))
    found = _shortest(graph, source, target)
    if not found or len(found[0]) > _NEAR_STEPS + 1:
        graph = mission_graph(store, scope)
        if source not in graph:
            raise NotFound(f"supplier <{source}> has no award in this scope: widen the CPV, region or date filters")
        found = _shortest(graph, source, target)
    if not found:
        return []
    chosen = sorted(found, key=lambda nodes: _rank(graph, nodes))[:limit]
    on_paths = {node for nodes in chosen for node in nodes}
    described = describe(store, on_paths)
    fallback = {"mission": MISSION_BASE, "outcome": OUTCOME_BASE}
    names = {node: (described[node].name if node in described else None)
             or node.removeprefix(fallback.get(graph.nodes[node]["kind"], "")) for node in on_paths}
    paths = []
    for nodes in chosen:
        steps = []
        for a, b in itertools.pairwise(nodes):
            relation, text, opens = _phrase(graph, names, a, b)
            steps.append(Step(a, b, relation, text, opens))
        paths.append(SupplierPath(tuple(nodes), tuple(steps)))
    return paths

"""Load the project's vocabularies (ontology, missions, social value, CPV) into their named graphs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

import ontology
from kg.cpv import cpv_quads_from_csv
from kg.errors import InputError
from kg.namespaces import GRAPH_CPV, GRAPH_MISSIONS, GRAPH_ONTOLOGY, GRAPH_SOCIAL_VALUE, ID
from kg.store import GraphStore

_GRAPHS = {"missionkg.ttl": GRAPH_ONTOLOGY, "missions.ttl": GRAPH_MISSIONS, "social_value.ttl": GRAPH_SOCIAL_VALUE}


@dataclass(frozen=True)
class VocabLoad:
    """What one vocabulary load put into the store."""

    graph: str
    source: str
    quads: int


def graph_for(path: Path) -> ox.NamedNode:
    """The named graph a vocabulary file is loaded into."""
    return _GRAPHS.get(path.name) or ox.NamedNode(f"{ID}graph/vocab/{path.stem.replace('_', '-')}")


def read_turtle(path: Path, graph: ox.NamedNode) -> list[ox.Quad]:
    """Parse a Turtle file into quads of one named graph, naming the file and line on a syntax error."""
    try:
        return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    except SyntaxError as exc:
        raise InputError(f"{path}: invalid Turtle: {exc}") from exc


def load_vocabularies(store: GraphStore) -> list[VocabLoad]:
    """Replace the ontology, mission and social-value graphs with the Turtle files shipped in `ontology`."""
    loads = []
    for path in ontology.turtle_files():
        graph = graph_for(path)
        quads = read_turtle(path, graph)
        store.replace_graph(graph, quads)
        loads.append(VocabLoad(graph.value, path.name, len(quads)))
    return loads


def load_cpv(store: GraphStore, path: Path | str) -> VocabLoad:
    """Replace the CPV graph with the SKOS scheme built from a CPV CSV file."""
    quads = list(cpv_quads_from_csv(path))
    store.replace_graph(GRAPH_CPV, quads)
    return VocabLoad(GRAPH_CPV.value, str(path), len(quads))

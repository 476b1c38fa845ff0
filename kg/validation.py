"""SHACL validation of the graph with pyshacl, reported by shape."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import ontology
from kg.store import GraphStore


@dataclass
class ValidationReport:
    """Violations counted by shape, with a few readable examples."""

    focus_nodes: int = 0
    violations: int = 0
    by_shape: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {"focus_nodes": self.focus_nodes, "violations": self.violations, "by_shape": self.by_shape, "examples": self.examples}


def _data_graph(store: GraphStore) -> Any:
    """The union of every graph as one rdflib Graph (pyshacl validates a single data graph)."""
    from rdflib import Graph

    body, _ = store.query_serialized("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "ntriples")
    graph = Graph()
    graph.parse(data=body.decode(), format="nt")
    return graph


def validate_graph(data: Any) -> ValidationReport:
    """Validate an rdflib Graph against ontology/shapes.ttl."""
    import pyshacl
    from rdflib import Graph, Namespace

    sh = Namespace("http://www.w3.org/ns/shacl#")
    shapes = Graph().parse(ontology.shapes_path(), format="turtle")
    _, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    report = ValidationReport()
    counts: Counter[str] = Counter()
    for result in results.subjects(sh.resultSeverity, sh.Violation):
        shape = results.value(result, sh.sourceShape)
        label = shapes.value(shape, sh.name) or shapes.value(shape, Namespace("http://www.w3.org/2000/01/rdf-schema#").label) or shape
        counts[str(label)] += 1
        if len(report.examples) < 20:
            report.examples.append(f"{results.value(result, sh.focusNode)}: {results.value(result, sh.resultMessage)}")
    report.focus_nodes = len(set(data.subjects()))
    report.violations = sum(counts.values())
    report.by_shape = dict(counts)
    return report


def validate_store(store: GraphStore) -> ValidationReport:
    """Validate everything in the store against the shapes."""
    return validate_graph(_data_graph(store))


__all__ = ["ValidationReport", "validate_graph", "validate_store"]

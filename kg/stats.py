"""What is in the graph: counts an operator checks after a build or a vocabulary load."""

from __future__ import annotations

from typing import Any

from kg.store import GraphStore

_COUNTS = {
    "missions": "?x a mkg:Mission",
    "outcome_areas": "?x a mkg:MissionOutcome",
    "milestones": "?x a mkg:Milestone",
    "social_value_concepts": "{ ?x a mkg:SocialValueTheme } UNION { ?x a mkg:SocialValueOutcome }",
    "cpv_codes": "?x a mkg:Classification",
    "processes": "?x a mkg:ContractingProcess",
    "releases": "?x a mkg:Release",
    "organisations": "?x a mkg:Organisation",
    "awards": "?x a mkg:Award",
    "alignments": "?x a mkg:Alignment",
    "social_value_commitments": "?x a mkg:SocialValueCommitment",
}


def graph_stats(store: GraphStore) -> dict[str, Any]:
    """Counts of each kind of node, plus quads and named graphs."""
    selects = " ".join(f"{{ SELECT (COUNT(DISTINCT ?x) AS ?{name}) WHERE {{ {pattern} }} }}" for name, pattern in _COUNTS.items())
    row = store.select(f"SELECT * WHERE {{ {selects} }}").rows[0]
    graphs = store.select("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0]["n"]
    return {**{name: int(row[name] or 0) for name in _COUNTS}, "named_graphs": int(graphs), "quads": store.count_quads()}

"""The mission vocabulary as Python objects: missions, their outcome areas, phrases and CPV prefixes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox

import ontology
from kg.namespaces import ID, MISSION_IDS, MKG, RDF_TYPE, SKOS


@dataclass(frozen=True)
class Outcome:
    """One outcome area of a mission, with what the aligner matches against notices."""

    mission: str
    slug: str
    iri: str
    label: str
    definition: str
    phrases: tuple[str, ...]
    cpv_prefixes: tuple[str, ...]

    @property
    def prototype_texts(self) -> list[str]:
        """Texts whose embeddings stand for this outcome: its label with definition, and each phrase."""
        return [f"{self.label}. {self.definition}", *self.phrases]


@lru_cache(maxsize=1)
def load_outcomes() -> tuple[Outcome, ...]:
    """Every outcome area in ontology/missions.ttl, ordered by mission (MISSION_IDS order) then slug."""
    graph = ox.Store()
    graph.bulk_load(path=str(ontology.missions_path()), format=ox.RdfFormat.TURTLE, base_iri=ID)
    outcomes = []
    for quad in graph.quads_for_pattern(None, RDF_TYPE, MKG.MissionOutcome):
        node = quad.subject

        def values(predicate: ox.NamedNode, node: ox.NamedNode = node) -> list[str]:
            return sorted(q.object.value for q in graph.quads_for_pattern(node, predicate, None))

        mission = values(MKG.mission)[0].rsplit("/", 1)[-1]
        outcomes.append(Outcome(
            mission=mission, slug=node.value.rsplit("/", 1)[-1], iri=node.value,
            label=values(SKOS.prefLabel)[0], definition=values(SKOS.definition)[0],
            phrases=tuple(values(MKG.examplePhrase)), cpv_prefixes=tuple(values(MKG.cpvPrefix)),
        ))
    return tuple(sorted(outcomes, key=lambda o: (MISSION_IDS.index(o.mission), o.slug)))


def find_outcome(value: str) -> Outcome | None:
    """The outcome area named by its slug, "<mission>/<slug>" or IRI; None when ontology/missions.ttl has none such."""
    mission, _, slug = value.strip().removeprefix(f"{ID}outcome/").strip("/").rpartition("/")
    return next((o for o in load_outcomes() if o.slug == slug and mission in ("", o.mission)), None)

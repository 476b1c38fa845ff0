"""The ontology package: every Turtle file parses, the ontology declares every term the code uses, and the
mission and social-value schemes hold the content the classifier depends on."""

from __future__ import annotations

import csv
import json
import os
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

import ontology
from kg.namespaces import MISSION_IDS, MKG, ONTOLOGY, PREFIXES, mission_iri, outcome_iri

REPO = Path(__file__).resolve().parents[1]
REFERENCE = Path(os.environ.get("MISSIONKG_SHARED_DATA", REPO.parent / "shared" / "data")) / "reference"

M = Namespace(ONTOLOGY)
PROV = Namespace(PREFIXES["prov"])
# A plain Namespace: rdflib's closed XSD namespace warns when pytest probes module attributes.
XSD = Namespace(PREFIXES["xsd"])
ID = "https://w3id.org/missionkg/id/"
ALL_TTL = sorted(ontology.ONTOLOGY_DIR.glob("*.ttl"))


@cache
def graph(path: Path) -> Graph:
    return Graph().parse(path)


def reference(name: str) -> Path:
    """A file of ../shared/data/reference, or skip: the reference data is not part of the repository."""
    path = REFERENCE / name
    if not path.is_file():
        pytest.skip(
            f"{path} is absent: the check against the official list needs ../shared/data (or MISSIONKG_SHARED_DATA)"
        )
    return path


def slug_of(iri: URIRef) -> str:
    return str(iri).rsplit("/", 1)[-1]


# --- the package -----------------------------------------------------------------------------------


def test_paths_point_at_shipped_files() -> None:
    assert ontology.ontology_path().name == "missionkg.ttl"
    for path in (
        ontology.ontology_path(),
        ontology.shapes_path(),
        ontology.missions_path(),
        ontology.social_value_path(),
    ):
        assert path.is_file(), path
        assert path.parent == ontology.ONTOLOGY_DIR
    assert ontology.queries_dir() == ontology.ONTOLOGY_DIR / "queries"


def test_turtle_files_are_every_ttl_but_the_shapes() -> None:
    names = [p.name for p in ontology.turtle_files()]
    assert names == sorted(names)
    assert {"missionkg.ttl", "missions.ttl", "social_value.ttl"} <= set(names)
    assert "shapes.ttl" not in names
    assert set(names) | {"shapes.ttl"} == {p.name for p in ALL_TTL}


@pytest.mark.parametrize("path", ALL_TTL, ids=lambda p: p.name)
def test_turtle_parses_with_pyoxigraph_and_rdflib(path: Path) -> None:
    ox_triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    rdflib_graph = Graph().parse(path, format="turtle")
    assert len(ox_triples) > 100
    assert len(rdflib_graph) == len(set(ox_triples))


# --- the OWL ontology ------------------------------------------------------------------------------


@pytest.mark.parametrize("term", MKG.terms)
def test_every_code_term_is_declared_with_label_and_comment(term: str) -> None:
    g = graph(ontology.ontology_path())
    iri = M[term]
    kinds = set(g.objects(iri, RDF.type)) & {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
    assert len(kinds) == 1, f"mkg:{term} must be exactly one of owl:Class, owl:ObjectProperty, owl:DatatypeProperty"
    assert (term[0].isupper()) == (kinds == {OWL.Class}), f"mkg:{term}: classes are capitalised, properties are not"
    label, comment = g.value(iri, RDFS.label), g.value(iri, RDFS.comment)
    assert isinstance(label, Literal) and label.language == "en" and str(label).strip()
    assert isinstance(comment, Literal) and len(str(comment).split()) >= 4, f"mkg:{term} needs a useful rdfs:comment"
    if kinds != {OWL.Class}:
        assert g.value(iri, RDFS.range) is not None, f"mkg:{term} has no rdfs:range"


def test_ontology_declares_no_term_the_code_does_not_know() -> None:
    g = graph(ontology.ontology_path())
    declared = {str(s)[len(ONTOLOGY) :] for s in g.subjects(RDF.type, None) if str(s).startswith(ONTOLOGY)}
    assert declared == set(MKG.terms)


def test_ranges_follow_the_mapping_conventions() -> None:
    g = graph(ontology.ontology_path())
    datatype = {t: g.value(M[t], RDFS.range) for t in MKG.terms if (M[t], RDF.type, OWL.DatatypeProperty) in g}
    for term in ("amount", "score", "target", "quantity", "weight", "cpvSignal", "buyerSignal", "phraseSignal"):
        assert datatype[term] == XSD.decimal, term
    for term in ("ocid", "releaseId", "name", "status", "currency", "awardId", "contractId", "method", "cpvPrefix"):
        assert datatype[term] == XSD.string, term
    for term in ("isSME", "isVCSE", "suitableForSME", "suitableForVCSE", "isForeign", "aboveThreshold"):
        assert datatype[term] == XSD.boolean, term
    for term in ("startDate", "endDate", "releaseDate", "awardDate", "dateSigned", "submissionDeadline"):
        members = set(g.items(g.value(datatype[term], OWL.unionOf)))
        assert members == {XSD.dateTime, XSD.date}, term
    objects = {t: g.value(M[t], RDFS.range) for t in MKG.terms if (M[t], RDF.type, OWL.ObjectProperty) in g}
    for term in ("buyer", "procuringEntity", "participant", "supplier"):
        assert objects[term] == M.Organisation, term
    assert objects["value"] == objects["minValue"] == M.MonetaryValue
    assert objects["tenderPeriod"] == objects["contractPeriod"] == objects["awardPeriod"] == M.Period
    assert objects["classification"] == objects["mainClassification"] == M.Classification
    assert (M.Classification, RDFS.subClassOf, SKOS.Concept) in g
    assert (M.advances, RDFS.domain, M.ContractingProcess) in g and objects["advances"] == M.Mission
    assert (M.alignedProcess, RDFS.domain, M.Alignment) in g and objects["alignedProcess"] == M.ContractingProcess
    assert objects["mission"] == M.Mission and objects["outcome"] == M.MissionOutcome


@pytest.mark.parametrize(
    ("term", "public"),
    [
        ("ContractingProcess", "http://data.tbfy.eu/ontology/ocds#ContractingProcess"),
        ("ContractingProcess", "http://data.europa.eu/a4g/ontology#Procedure"),
        ("Organisation", "http://www.w3.org/ns/org#Organization"),
        ("Mission", str(SKOS.Concept)),
        ("MissionOutcome", str(SKOS.Concept)),
        ("SocialValueTheme", str(SKOS.Concept)),
        ("SocialValueOutcome", str(SKOS.Concept)),
        ("AlignmentRun", str(PROV.Activity)),
        ("Alignment", str(PROV.Entity)),
        ("MonetaryValue", "http://data.europa.eu/a4g/ontology#MonetaryValue"),
        ("Award", "http://data.tbfy.eu/ontology/ocds#Award"),
        ("Lot", "http://data.europa.eu/a4g/ontology#Lot"),
        ("Buyer", ONTOLOGY + "Organisation"),
        ("Supplier", ONTOLOGY + "Organisation"),
    ],
)
def test_classes_align_to_public_vocabularies(term: str, public: str) -> None:
    g = graph(ontology.ontology_path())
    assert (M[term], RDFS.subClassOf, URIRef(public)) in g or (M[term], OWL.equivalentClass, URIRef(public)) in g


def test_ontology_only_uses_known_vocabularies() -> None:
    allowed = set(PREFIXES.values()) | {"http://www.w3.org/ns/adms#"}
    g = graph(ontology.ontology_path())
    used = {str(t) for triple in g for t in triple if isinstance(t, URIRef)}
    unknown = {
        iri
        for iri in used
        if not any(iri.startswith(ns) for ns in allowed)
        and iri not in {"https://w3id.org/missionkg/ontology", "https://github.com/TBFY/ocds-ontology"}
        and not iri.startswith("http://data.europa.eu/a4g/ontology")
    }
    assert unknown == set()


# --- missions, outcome areas and milestones --------------------------------------------------------


@pytest.fixture(scope="module")
def missions() -> Graph:
    return graph(ontology.missions_path())


@pytest.fixture(scope="module")
def outcomes_by_mission(missions: Graph) -> dict[str, list[URIRef]]:
    found: dict[str, list[URIRef]] = defaultdict(list)
    for outcome in missions.subjects(RDF.type, M.MissionOutcome):
        found[slug_of(missions.value(outcome, M.mission))].append(outcome)
    return found


def test_exactly_the_five_missions(missions: Graph) -> None:
    scheme = URIRef(ID + "scheme/missions")
    mission_nodes = set(missions.subjects(RDF.type, M.Mission))
    assert {str(n) for n in mission_nodes} == {mission_iri(m).value for m in MISSION_IDS}
    assert set(missions.objects(scheme, SKOS.hasTopConcept)) == mission_nodes
    for node in mission_nodes:
        slug = slug_of(node)
        assert (node, RDF.type, SKOS.Concept) in missions
        assert (node, SKOS.inScheme, scheme) in missions and (node, SKOS.topConceptOf, scheme) in missions
        assert missions.value(node, SKOS.notation) == Literal(slug)
        assert missions.value(node, SKOS.prefLabel).language == "en"
        assert len(str(missions.value(node, SKOS.definition)).split()) >= 20


def test_mission_names_are_the_official_ones(missions: Graph) -> None:
    data = json.loads(reference("missions.json").read_text())
    json_to_slug = {
        "growth": "growth",
        "clean_energy": "clean-energy",
        "safer_streets": "safer-streets",
        "opportunity": "opportunity",
        "nhs": "health",
    }
    for entry in data["missions"]:
        node = URIRef(mission_iri(json_to_slug[entry["id"]]).value)
        assert str(missions.value(node, SKOS.prefLabel)) == entry["manifesto_name"]
        assert Literal(entry["gov_page_title"], lang="en") in set(missions.objects(node, SKOS.altLabel))


def test_every_mission_has_enough_outcome_areas(outcomes_by_mission: dict[str, list[URIRef]]) -> None:
    assert set(outcomes_by_mission) == set(MISSION_IDS)
    for mission, outcomes in outcomes_by_mission.items():
        assert len(outcomes) >= 5, mission


def test_outcome_areas_are_well_formed(missions: Graph, outcomes_by_mission: dict[str, list[URIRef]]) -> None:
    scheme = URIRef(ID + "scheme/missions")
    for mission, outcomes in outcomes_by_mission.items():
        mission_node = URIRef(mission_iri(mission).value)
        for outcome in outcomes:
            assert str(outcome) == outcome_iri(mission, slug_of(outcome)).value
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug_of(outcome))
            assert (outcome, RDF.type, SKOS.Concept) in missions
            assert (outcome, SKOS.broader, mission_node) in missions
            assert (mission_node, SKOS.narrower, outcome) in missions
            assert (outcome, SKOS.inScheme, scheme) in missions
            assert missions.value(outcome, SKOS.prefLabel)
            definition = str(missions.value(outcome, SKOS.definition))
            sentences = [s for s in re.split(r"(?<=[.!?])\s+", definition) if s]
            assert 2 <= len(sentences) <= 4, f"{outcome}: definition should be 2-4 sentences"
            phrases = [str(p) for p in missions.objects(outcome, M.examplePhrase)]
            assert len(phrases) >= 3, outcome
            prefixes = [str(p) for p in missions.objects(outcome, M.cpvPrefix)]
            assert prefixes and all(re.fullmatch(r"\d{2,5}", p) for p in prefixes), outcome


def test_example_phrases_do_not_repeat_across_missions(missions: Graph) -> None:
    """A phrase listed under two missions could not tell them apart."""
    owners: dict[str, set[str]] = defaultdict(set)
    for outcome in missions.subjects(RDF.type, M.MissionOutcome):
        for phrase in missions.objects(outcome, M.examplePhrase):
            owners[str(phrase).lower()].add(slug_of(missions.value(outcome, M.mission)))
    assert {p: m for p, m in owners.items() if len(m) > 1} == {}


def test_cpv_prefixes_exist_in_cpv_2008(missions: Graph) -> None:
    with reference("cpv_2008.csv").open(newline="", encoding="utf-8") as handle:
        codes = [row["code"] for row in csv.DictReader(handle)]
    assert len(codes) > 9000
    for outcome in missions.subjects(RDF.type, M.MissionOutcome):
        for prefix in missions.objects(outcome, M.cpvPrefix):
            assert any(code.startswith(str(prefix)) for code in codes), f"{outcome}: no CPV code starts with {prefix}"


def test_no_outcome_claims_a_whole_generic_division(missions: Graph) -> None:
    """Two-digit prefixes such as 45 (construction) or 85 (health and social work) would match every mission."""
    for outcome in missions.subjects(RDF.type, M.MissionOutcome):
        assert all(len(str(p)) > 2 for p in missions.objects(outcome, M.cpvPrefix)), outcome


def test_six_milestones_with_their_targets(missions: Graph) -> None:
    milestones = {str(missions.value(n, SKOS.notation)): n for n in missions.subjects(RDF.type, M.Milestone)}
    assert set(milestones) == {"M1", "M2", "M3", "M4", "M5", "M6"}
    expected = {
        "M2": ("growth", 1_500_000),
        "M3": ("health", 92),
        "M4": ("safer-streets", 13_000),
        "M5": ("opportunity", 75),
        "M6": ("clean-energy", 95),
    }
    for notation, node in milestones.items():
        assert str(node) == f"{ID}milestone/{notation}"
        assert missions.value(node, DCTERMS.source) is not None
        assert missions.value(node, M.targetDescription)
        targets = list(missions.objects(node, M.target))
        if notation == "M1":
            assert slug_of(missions.value(node, M.mission)) == "growth"
            assert targets == [] and "No numeric target" in str(missions.value(node, SKOS.editorialNote))
            continue
        mission, target = expected[notation]
        assert slug_of(missions.value(node, M.mission)) == mission
        assert [t.datatype for t in targets] == [XSD.decimal] and targets[0].toPython() == target
        assert missions.value(node, M.unit)
    assert "150" in str(missions.value(milestones["M2"], M.targetDescription))
    assert missions.value(milestones["M6"], M.deadline) == Literal("2030", datatype=XSD.gYear)


def test_milestones_match_missions_json(missions: Graph) -> None:
    data = json.loads(reference("missions.json").read_text())
    by_id = {str(missions.value(n, SKOS.notation)): n for n in missions.subjects(RDF.type, M.Milestone)}
    for entry in data["milestones"]:
        node = by_id[entry["id"]]
        sources = {str(s) for s in missions.objects(node, DCTERMS.source)}
        assert sources == {data["sources"][key] for key in entry["metric_sources"]}, entry["id"]
        if entry["deadline"].startswith("end of Parliament"):
            assert missions.value(node, M.deadline) is None
            assert "end of Parliament" in str(missions.value(node, SKOS.editorialNote))
        if entry["heading"].startswith("not found"):
            assert "not found" in str(missions.value(node, SKOS.editorialNote))
        else:
            assert str(missions.value(node, RDFS.label)) == entry["heading"]


# --- social value ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def social_value() -> Graph:
    return graph(ontology.social_value_path())


def concepts(g: Graph, cls: URIRef, model: str) -> list[URIRef]:
    return [c for c in g.subjects(RDF.type, cls) if str(g.value(c, M.svModel)) == model]


@pytest.mark.parametrize(("model", "themes"), [("2020", 5), ("2025", 5)])
def test_social_value_schemes(social_value: Graph, model: str, themes: int) -> None:
    scheme = URIRef(f"{ID}scheme/social-value-{model}")
    assert (scheme, RDF.type, SKOS.ConceptScheme) in social_value
    theme_nodes = concepts(social_value, M.SocialValueTheme, model)
    assert len(theme_nodes) == themes
    assert set(social_value.objects(scheme, SKOS.hasTopConcept)) == set(theme_nodes)
    outcomes = concepts(social_value, M.SocialValueOutcome, model)
    assert len(outcomes) >= 6
    for outcome in outcomes:
        assert (outcome, SKOS.inScheme, scheme) in social_value
        assert social_value.value(outcome, SKOS.broader) in theme_nodes
        assert social_value.value(outcome, SKOS.definition)
        assert len(list(social_value.objects(outcome, M.examplePhrase))) >= 3, outcome
    assert {
        slug_of(social_value.value(t, M.relatedMission)) for t in theme_nodes if social_value.value(t, M.relatedMission)
    } <= set(MISSION_IDS)


def test_2025_themes_cover_every_mission(social_value: Graph) -> None:
    related = {
        slug_of(social_value.value(t, M.relatedMission)) for t in concepts(social_value, M.SocialValueTheme, "2025")
    }
    assert related == set(MISSION_IDS)


def test_related_missions_exist(social_value: Graph, missions: Graph) -> None:
    mission_nodes = set(missions.subjects(RDF.type, M.Mission))
    targets = set(social_value.objects(None, M.relatedMission))
    assert targets and targets <= mission_nodes


@pytest.mark.parametrize("model", ["2020", "2025"])
@pytest.mark.parametrize(
    "keyword",
    [
        "apprenticeship",
        "local employment",
        "carbon reduction plan",
        "real living wage",
        "modern slavery",
        "SME",
        "VCSE",
        "volunteering",
        "community benefit",
    ],
)
def test_commitment_phrases_cover_what_notices_ask_for(social_value: Graph, model: str, keyword: str) -> None:
    phrases = [
        str(p)
        for o in concepts(social_value, M.SocialValueOutcome, model)
        for p in social_value.objects(o, M.examplePhrase)
    ]
    assert any(keyword.lower() in p.lower() for p in phrases), f"no {model} phrase mentions {keyword!r}"


def test_only_verbatim_names_are_unqualified(social_value: Graph) -> None:
    """A concept whose official wording was not available must say so; verbatim names must match the source."""
    data = json.loads(reference("social_value_model_2020.json").read_text())
    verbatim = {t["name"] for t in data["themes"] if t["name_status"] == "verbatim"}
    verbatim |= {
        o["name"]
        for t in data["themes"]
        if isinstance(t["policy_outcomes"], list)
        for o in t["policy_outcomes"]
        if o["status"] == "verbatim"
    }
    assert verbatim == {"COVID-19 recovery", "Help local communities to manage and recover from the impact of COVID-19"}
    labelled = set()
    for node in set(social_value.subjects(RDF.type, M.SocialValueTheme)) | set(
        social_value.subjects(RDF.type, M.SocialValueOutcome)
    ):
        label = str(social_value.value(node, SKOS.prefLabel))
        if label in verbatim and str(social_value.value(node, M.svModel)) == "2020":
            labelled.add(label)
            assert social_value.value(node, DCTERMS.source) is not None
        else:
            note = str(social_value.value(node, SKOS.editorialNote))
            assert "not available" in note, f"{node} is not verbatim but has no editorial note saying so"
    assert labelled == verbatim

"""ontology/shapes.ttl accepts a well-formed graph and reports each kind of malformed one precisely."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef

import ontology

SH = Namespace("http://www.w3.org/ns/shacl#")
MKG = Namespace("https://w3id.org/missionkg/ontology#")
MKGSH = Namespace("https://w3id.org/missionkg/shapes#")
PROV = Namespace("http://www.w3.org/ns/prov#")
ID = "https://w3id.org/missionkg/id/"

GOOD = Path(__file__).parent / "data" / "shapes_good.ttl"

PREFIXES = """
@prefix mkg:  <https://w3id.org/missionkg/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix p:    <https://w3id.org/missionkg/id/process/> .
@prefix o:    <https://w3id.org/missionkg/id/org/> .
@prefix m:    <https://w3id.org/missionkg/id/mission/> .
@prefix x:    <https://w3id.org/missionkg/id/test/> .
"""


@dataclass(frozen=True)
class Violation:
    """One sh:ValidationResult, reduced to what the tests compare."""

    focus: str
    path: str
    shape: str
    component: str
    message: str


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(ontology.shapes_path())


@pytest.fixture(scope="module")
def ontology_graph() -> Graph:
    return Graph().parse(ontology.ontology_path())


def violations(data: Graph, shapes: Graph, ontology_graph: Graph | None) -> list[Violation]:
    """Validate `data` (with the ontology mixed in when given) and list every result."""
    conforms, report, _ = validate(data, shacl_graph=shapes, ont_graph=ontology_graph, inference="none")
    found = [
        Violation(
            focus=str(report.value(r, SH.focusNode)),
            path=str(report.value(r, SH.resultPath)),
            shape=str(report.value(r, SH.sourceShape)),
            component=str(report.value(r, SH.sourceConstraintComponent)),
            message=str(report.value(r, SH.resultMessage)),
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
    ]
    assert conforms == (not found)
    return found


def test_good_graph_conforms(shapes: Graph, ontology_graph: Graph) -> None:
    data = Graph().parse(GOOD)
    assert violations(data, shapes, ontology_graph) == []


def test_good_graph_exercises_every_data_shape(shapes: Graph) -> None:
    """The good example is only evidence if each shape for ingested data has a target in it."""
    data = Graph().parse(GOOD)
    vocabulary_shapes = {MKGSH.MissionOutcomeShape, MKGSH.MilestoneShape, MKGSH.SocialValueOutcomeShape}
    for shape in set(shapes.subjects(RDF.type, SH.NodeShape)) - vocabulary_shapes:
        target = shapes.value(shape, SH.targetClass)
        assert target is not None, shape
        typed = set(data.subjects(RDF.type, target))
        if target == MKG.Organisation:
            typed |= set(data.subjects(RDF.type, MKG.Supplier))
        assert typed, f"{shape} has no {target} in {GOOD.name}"


def test_supplier_subclass_needs_the_ontology(shapes: Graph) -> None:
    """sh:class follows rdfs:subClassOf in the data graph, so without the ontology a mkg:Supplier is no Organisation."""
    data = Graph().parse(GOOD)
    found = violations(data, shapes, None)
    assert [(v.shape, v.component) for v in found] == [(str(MKGSH["Award-supplier"]), str(SH.ClassConstraintComponent))]
    assert found[0].focus == f"{ID}process/ocds-b5fd17-good-1/award/a1"


ALIGNMENT_BASE = """
x:al a mkg:Alignment ;
    mkg:alignedProcess p:ocds-1 ;
    mkg:method "embedding" ;
"""

# (id, Turtle that breaks exactly one rule, focus node, shape, path, constraint component, words of the message)
BAD_CASES = [
    (
        "process-missing-ocid",
        "p:ocds-1 a mkg:ContractingProcess ; mkg:hasRelease x:r1 .",
        "process/ocds-1",
        "ContractingProcess-ocid",
        MKG.ocid,
        "MinCount",
        "exactly one mkg:ocid",
    ),
    (
        "process-two-ocids",
        'p:ocds-1 a mkg:ContractingProcess ; mkg:ocid "ocds-1", "ocds-2" ; mkg:hasRelease x:r1 .',
        "process/ocds-1",
        "ContractingProcess-ocid",
        MKG.ocid,
        "MaxCount",
        "exactly one mkg:ocid",
    ),
    (
        "process-ocid-not-string",
        "p:ocds-1 a mkg:ContractingProcess ; mkg:ocid 42 ; mkg:hasRelease x:r1 .",
        "process/ocds-1",
        "ContractingProcess-ocid",
        MKG.ocid,
        "Datatype",
        "xsd:string",
    ),
    (
        "process-without-release",
        'p:ocds-1 a mkg:ContractingProcess ; mkg:ocid "ocds-1" .',
        "process/ocds-1",
        "ContractingProcess-hasRelease",
        MKG.hasRelease,
        "MinCount",
        "at least one release",
    ),
    (
        "award-without-id",
        "x:a1 a mkg:Award .",
        "test/a1",
        "Award-awardId",
        MKG.awardId,
        "MinCount",
        "exactly one mkg:awardId",
    ),
    (
        "award-supplier-not-organisation",
        'x:a1 a mkg:Award ; mkg:awardId "a1" ; mkg:supplier x:someone .',
        "test/a1",
        "Award-supplier",
        MKG.supplier,
        "Class",
        "mkg:Organisation",
    ),
    (
        "award-value-not-monetary",
        'x:a1 a mkg:Award ; mkg:awardId "a1" ; mkg:value x:v .',
        "test/a1",
        "Award-value",
        MKG.value,
        "Class",
        "mkg:MonetaryValue",
    ),
    (
        "organisation-without-name",
        "o:acme a mkg:Organisation .",
        "org/acme",
        "Organisation-name",
        MKG.name,
        "MinCount",
        "at least one mkg:name",
    ),
    (
        "buyer-with-empty-name",
        'o:acme a mkg:Organisation, mkg:Buyer ; mkg:name "" .',
        "org/acme",
        "Organisation-name",
        MKG.name,
        "MinLength",
        "non-empty",
    ),
    (
        "negative-amount",
        'x:v a mkg:MonetaryValue ; mkg:amount -5.00 ; mkg:currency "GBP" .',
        "test/v",
        "MonetaryValue-amount",
        MKG.amount,
        "MinInclusive",
        "at least 0",
    ),
    (
        "amount-as-double",
        "x:v a mkg:MonetaryValue ; mkg:amount 1.0e3 .",
        "test/v",
        "MonetaryValue-amount",
        MKG.amount,
        "Datatype",
        "xsd:decimal",
    ),
    (
        "value-without-amount",
        'x:v a mkg:MonetaryValue ; mkg:currency "GBP" .',
        "test/v",
        "MonetaryValue-amount",
        MKG.amount,
        "MinCount",
        "exactly one mkg:amount",
    ),
    (
        "lower-case-currency",
        'x:v a mkg:MonetaryValue ; mkg:amount 10.0 ; mkg:currency "gbp" .',
        "test/v",
        "MonetaryValue-currency",
        MKG.currency,
        "Pattern",
        "three-letter",
    ),
    (
        "currency-symbol",
        'x:v a mkg:MonetaryValue ; mkg:amount 10.0 ; mkg:currency "£" .',
        "test/v",
        "MonetaryValue-currency",
        MKG.currency,
        "Pattern",
        "ISO 4217",
    ),
    (
        "two-currencies",
        'x:v a mkg:MonetaryValue ; mkg:amount 10.0 ; mkg:currency "GBP", "EUR" .',
        "test/v",
        "MonetaryValue-currency",
        MKG.currency,
        "MaxCount",
        "at most one mkg:currency",
    ),
    (
        "period-start-as-text",
        'x:pd a mkg:Period ; mkg:startDate "1 March 2025" .',
        "test/pd",
        "Period-startDate",
        MKG.startDate,
        "Or",
        "xsd:dateTime or xsd:date",
    ),
    (
        "period-duration-zero",
        "x:pd a mkg:Period ; mkg:durationInMonths 0 .",
        "test/pd",
        "Period-durationInMonths",
        MKG.durationInMonths,
        "MinInclusive",
        "positive xsd:integer",
    ),
    (
        "amendment-two-values",
        ("x:am a mkg:Amendment ; mkg:value x:v1, x:v2 . x:v1 a mkg:MonetaryValue ; mkg:amount 1.0 . "
         "x:v2 a mkg:MonetaryValue ; mkg:amount 2.0 ."),
        "test/am",
        "Amendment-value",
        MKG.value,
        "MaxCount",
        "at most one mkg:value",
    ),
    (
        "money-gross-flag-not-boolean",
        'x:mv a mkg:MonetaryValue ; mkg:amount 5.0 ; mkg:amountIsGross "yes" .',
        "test/mv",
        "MonetaryValue-amountIsGross",
        MKG.amountIsGross,
        "Datatype",
        "xsd:boolean",
    ),
    (
        "period-two-ends",
        'x:pd a mkg:Period ; mkg:endDate "2025-03-01"^^xsd:date, "2025-04-01"^^xsd:date .',
        "test/pd",
        "Period-endDate",
        MKG.endDate,
        "MaxCount",
        "at most one mkg:endDate",
    ),
    (
        "alignment-score-above-one",
        ALIGNMENT_BASE + "mkg:mission m:health ; mkg:score 1.5 ; prov:wasGeneratedBy x:run .",
        "test/al",
        "Alignment-score",
        MKG.score,
        "MaxInclusive",
        "between 0 and 1",
    ),
    (
        "alignment-negative-score",
        ALIGNMENT_BASE + "mkg:mission m:health ; mkg:score -0.1 ; prov:wasGeneratedBy x:run .",
        "test/al",
        "Alignment-score",
        MKG.score,
        "MinInclusive",
        "between 0 and 1",
    ),
    (
        "alignment-score-as-double",
        ALIGNMENT_BASE + "mkg:mission m:health ; mkg:score 5.0e-1 ; prov:wasGeneratedBy x:run .",
        "test/al",
        "Alignment-score",
        MKG.score,
        "Datatype",
        "xsd:decimal",
    ),
    (
        "alignment-without-run",
        ALIGNMENT_BASE + "mkg:mission m:health ; mkg:score 0.7 .",
        "test/al",
        "Alignment-wasGeneratedBy",
        PROV.wasGeneratedBy,
        "MinCount",
        "mkg:AlignmentRun",
    ),
    (
        "alignment-unknown-mission",
        ALIGNMENT_BASE + "mkg:mission m:defence ; mkg:score 0.7 ; prov:wasGeneratedBy x:run .",
        "test/al",
        "Alignment-mission",
        MKG.mission,
        "Pattern",
        "one of the five missions",
    ),
    (
        "alignment-two-missions",
        ALIGNMENT_BASE + "mkg:mission m:health, m:growth ; mkg:score 0.7 ; prov:wasGeneratedBy x:run .",
        "test/al",
        "Alignment-mission",
        MKG.mission,
        "MaxCount",
        "exactly one mkg:mission",
    ),
    (
        "alignment-without-method",
        (
            "x:al a mkg:Alignment ; mkg:alignedProcess p:ocds-1 ; mkg:mission m:health ; mkg:score 0.7 ;"
            " prov:wasGeneratedBy x:run ."
        ),
        "test/al",
        "Alignment-method",
        MKG.method,
        "MinCount",
        "exactly one mkg:method",
    ),
    (
        "alignment-process-not-a-process-iri",
        (
            'x:al a mkg:Alignment ; mkg:alignedProcess x:ocds-1 ; mkg:method "cpv" ; mkg:mission m:health ;'
            " mkg:score 0.7 ; prov:wasGeneratedBy x:run ."
        ),
        "test/al",
        "Alignment-alignedProcess",
        MKG.alignedProcess,
        "Pattern",
        "process IRI",
    ),
]


@pytest.mark.parametrize(
    ("turtle", "focus", "shape", "path", "component", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_CASES],
)
def test_bad_graph_reports_the_broken_rule(
    shapes: Graph,
    ontology_graph: Graph,
    turtle: str,
    focus: str,
    shape: str,
    path: URIRef,
    component: str,
    words: str,
) -> None:
    data = Graph().parse(data=PREFIXES + turtle, format="turtle")
    found = violations(data, shapes, ontology_graph)
    assert len(found) == 1, found
    (violation,) = found
    assert (violation.focus, violation.path, violation.shape, violation.component) == (
        ID + focus,
        str(path),
        str(MKGSH[shape]),
        str(SH[f"{component}ConstraintComponent"]),
    )
    assert words in violation.message


def test_every_shape_is_labelled_and_every_property_shape_explains_itself(shapes: Graph) -> None:
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    property_shapes = set(shapes.subjects(RDF.type, SH.PropertyShape))
    assert len(node_shapes) >= 9 and len(property_shapes) >= 20
    for shape in node_shapes | property_shapes:
        assert shapes.value(shape, RDFS.label), f"{shape} has no rdfs:label"
    for shape in property_shapes:
        message = shapes.value(shape, SH.message)
        local_name = re.split(r"[#/]", str(shapes.value(shape, SH.path)))[-1]
        assert isinstance(message, Literal) and local_name in str(message), (
            f"{shape}: message does not name {local_name}"
        )
        assert shape in set(shapes.objects(None, SH.property)), f"{shape} is attached to no node shape"


def test_vocabularies_conform_to_their_shapes(shapes: Graph, ontology_graph: Graph) -> None:
    data = Graph()
    for path in ontology.turtle_files():
        data.parse(path)
    assert violations(data, shapes, ontology_graph) == []
    assert set(data.subjects(RDF.type, MKG.MissionOutcome)), "the outcome shape had nothing to check"

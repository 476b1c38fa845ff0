"""Namespaces, ontology terms and IRI minting shared by every module that writes or reads the graph."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import quote

from pyoxigraph import NamedNode

ONTOLOGY = "https://w3id.org/missionkg/ontology#"
ID = "https://w3id.org/missionkg/id/"

PREFIXES: dict[str, str] = {
    "mkg": ONTOLOGY,
    "mkgid": ID,
    "ocds": "http://data.tbfy.eu/ontology/ocds#",
    "epo": "http://data.europa.eu/a4g/ontology#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
}


def sparql_prefixes() -> str:
    """The PREFIX header every named query and library query starts with."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


class _Vocab:
    """Attribute access to the terms of one namespace, as pyoxigraph NamedNodes."""

    def __init__(self, base: str, terms: tuple[str, ...]) -> None:
        self._base = base
        self.terms = terms
        for term in terms:
            setattr(self, term, NamedNode(base + term))

    def __getattr__(self, name: str) -> NamedNode:
        raise AttributeError(f"{name!r} is not a declared term of <{self._base}>")


# Every mkg: term the code uses; tests/test_ontology.py checks each is declared in ontology/*.ttl.
MKG = _Vocab(
    ONTOLOGY,
    (
        # classes
        "Mission", "MissionOutcome", "Milestone", "SocialValueTheme", "SocialValueOutcome",
        "ContractingProcess", "Release", "Tender", "Lot", "Item", "Award", "Contract",
        "Organisation", "Buyer", "Supplier", "Identifier", "Address", "Participation",
        "Classification", "MonetaryValue", "Period", "SocialValueCommitment", "Alignment",
        "AlignmentRun", "Region", "AwardCriterion", "Document", "Amendment",
        # process and release
        "ocid", "hasRelease", "releaseId", "releaseDate", "releaseTag", "sourceFile",
        "sourceLine", "hasTender", "hasAward", "hasContract", "buyer", "procuringEntity",
        "hasParticipation", "participant", "role", "publishedDate", "lastUpdated",
        "country", "isForeign",
        # tender, lot, item
        "status", "procurementMethod", "procurementMethodDetails", "mainProcurementCategory",
        "value", "minValue", "tenderPeriod", "contractPeriod", "awardPeriod",
        "enquiryPeriod", "submissionDeadline", "hasLot", "hasItem", "classification",
        "mainClassification", "suitableForSME", "suitableForVCSE", "deliveryRegion",
        "hasAwardCriterion", "hasDocument", "quantity", "numberOfTenderers",
        # money and time
        "amount", "amountGross", "amountIsGross", "currency", "startDate", "endDate", "maxExtentDate",
        "durationInMonths",
        # awards and contracts
        "awardDate", "supplier", "awardsLot", "awardId", "contractId", "dateSigned", "hasAmendment", "amendmentDate",
        "rationale",
        # organisations
        "name", "hasIdentifier", "scheme", "identifierValue", "hasAddress", "streetAddress",
        "locality", "postalCode", "countryName", "region", "isSME", "isVCSE",
        # criteria and documents
        "criterionType", "weight", "url", "documentType",
        # vocabularies
        "mission", "outcome", "cpvPrefix", "examplePhrase", "target", "unit", "deadline",
        "targetDescription", "svModel", "relatedMission",
        # alignment
        "advances", "primaryMission", "lastAligned", "score", "method", "model", "modelVersion", "evidence",
        "alignedProcess", "matchedPassage", "matchedOutcome", "cpvSignal", "buyerSignal", "phraseSignal",
        "aboveThreshold",
        # social value
        "hasCommitment", "commitmentText", "theme", "foundIn",
    ),
)

SKOS = _Vocab(
    PREFIXES["skos"],
    ("Concept", "ConceptScheme", "prefLabel", "altLabel", "definition", "notation",
     "broader", "narrower", "inScheme", "topConceptOf", "hasTopConcept", "exactMatch",
     "editorialNote", "scopeNote"),
)
DCTERMS = _Vocab(PREFIXES["dcterms"], ("title", "description", "language", "source", "created"))
PROV = _Vocab(PREFIXES["prov"], ("wasGeneratedBy", "wasDerivedFrom", "startedAtTime", "Activity"))
RDF_TYPE = NamedNode(PREFIXES["rdf"] + "type")
RDFS_LABEL = NamedNode(PREFIXES["rdfs"] + "label")
OWL_SAME_AS = NamedNode(PREFIXES["owl"] + "sameAs")
XSD = _Vocab(PREFIXES["xsd"], ("decimal", "dateTime", "date", "boolean", "integer", "double", "string"))

GRAPH_ONTOLOGY = NamedNode(ID + "graph/ontology")
GRAPH_MISSIONS = NamedNode(ID + "graph/vocab/missions")
GRAPH_SOCIAL_VALUE = NamedNode(ID + "graph/vocab/social-value")
GRAPH_CPV = NamedNode(ID + "graph/vocab/cpv")
GRAPH_ALIGNMENTS = NamedNode(ID + "graph/alignments")
GRAPH_ORG_LINKS = NamedNode(ID + "graph/organisation-links")

MISSION_IDS: tuple[str, ...] = ("growth", "clean-energy", "safer-streets", "opportunity", "health")
CPV_SCHEME = NamedNode(ID + "scheme/cpv")

# Where a process states CPV codes and delivery regions (property paths from the process): its tender, the
# tender's items and lots, and its awards' items (Find a Tender's award notices classify those alone).
CPV_PATH = "(mkg:hasTender/(mkg:hasItem|mkg:hasLot)?/mkg:classification|mkg:hasAward/mkg:hasItem/mkg:classification)"
MAIN_CPV_PATH = "(mkg:hasTender/(mkg:hasItem|mkg:hasLot)?/mkg:mainClassification|mkg:hasAward/mkg:hasItem/mkg:mainClassification)"
REGION_PATH = "(mkg:hasTender/(mkg:hasItem|mkg:hasLot)?/mkg:deliveryRegion|mkg:hasAward/mkg:hasItem/mkg:deliveryRegion)"


def _q(text: str) -> str:
    return quote(text, safe="-._~")


def process_iri(ocid: str) -> NamedNode:
    """IRI of the contracting process identified by an OCID."""
    return NamedNode(f"{ID}process/{_q(ocid)}")


def process_graph(ocid: str) -> NamedNode:
    """Named graph holding everything mapped from the releases of one OCID."""
    return NamedNode(f"{ID}graph/process/{_q(ocid)}")


@lru_cache(maxsize=64)
def mission_iri(mission_id: str) -> NamedNode:
    """IRI of one of the five missions by its fixed slug."""
    return NamedNode(f"{ID}mission/{mission_id}")


def outcome_iri(mission_id: str, outcome_slug: str) -> NamedNode:
    """IRI of an outcome area within a mission."""
    return NamedNode(f"{ID}outcome/{mission_id}/{outcome_slug}")


def cpv_iri(code: str) -> NamedNode:
    """IRI of a CPV 2008 code, keyed by its eight digits (check digit dropped)."""
    return NamedNode(f"{ID}cpv/{code[:8]}")


def region_iri(code_or_name: str) -> NamedNode:
    """IRI of a delivery region: a NUTS/ITL code when known, else a slug of its name."""
    return NamedNode(f"{ID}region/{_q(slug(code_or_name))}")


def org_iri_from_identifier(scheme: str, identifier: str) -> NamedNode:
    """IRI of an organisation keyed by an org-id scheme and identifier (e.g. GB-COH, 01234567)."""
    return NamedNode(f"{ID}org/{_q(scheme)}/{_q(identifier)}")


def org_iri_from_name(normalised_name: str) -> NamedNode:
    """IRI of an organisation known only by name, keyed by its normalised name."""
    return NamedNode(f"{ID}org/name/{_q(normalised_name)}")


def slug(text: str) -> str:
    """Lower-case ASCII slug: letters and digits joined by single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")

"""Response models of the REST API: the OpenAPI schema at /docs, with examples."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.errors import PROBLEM_JSON

_MISSION = "https://w3id.org/missionkg/id/mission/health"
_OCID = "ocds-b5fd17-3cded792-703e-4049-9ec4-5d7bcd4790ff"
_ORG = "https://w3id.org/missionkg/id/org/GB-COH/06279757"


class Problem(BaseModel):
    """RFC 9457 problem details: the body of every error response."""

    type: str = Field(examples=["https://w3id.org/missionkg/problems/query-refused"])
    title: str = Field(examples=["Bad Request"])
    status: int = Field(examples=[400])
    detail: str = Field(examples=["SERVICE (federated query) is not allowed: this endpoint never sends requests to other servers"])
    instance: str | None = Field(None, examples=["/sparql"])
    errors: list[dict[str, Any]] | None = Field(None, description="Field-level problems of an invalid request.")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for error statuses, all as application/problem+json."""
    schema = Problem.model_json_schema()
    return {s: {"description": "Problem details (RFC 9457)", "content": {PROBLEM_JSON: {"schema": schema}}} for s in statuses}


class Health(BaseModel):
    """Liveness: the process answers."""

    status: str = Field(examples=["ok"])


class Ready(BaseModel):
    """Readiness: the store opens and what it holds."""

    status: str = Field(examples=["ready"])
    store: str = Field(description="embedded (Oxigraph on disk) or the SPARQL server URL.", examples=["embedded"])
    processes: int = Field(examples=[3364])
    missions: int = Field(examples=[5])


class MissionSummary(BaseModel):
    """One of the five missions, with the processes the alignment stage says advance it."""

    id: str = Field(examples=["health"])
    iri: str = Field(examples=[_MISSION])
    label: str | None = Field(examples=["Build an NHS fit for the future"])
    alt_label: str | None = None
    definition: str | None = None
    outcome_areas: int = Field(examples=[8])
    processes: int = Field(description="Processes with an mkg:advances edge to the mission.", examples=[357])
    awarded_value_gbp: float = Field(description="Sum of GBP award values of those processes, as published.", examples=[3113819465.72])


class OutcomeArea(BaseModel):
    """An outcome area of a mission, with the processes whose alignment names it."""

    id: str = Field(examples=["mental-health"])
    iri: str
    label: str | None = Field(examples=["Mental health services"])
    definition: str | None = None
    processes: int = Field(examples=[12])


class Milestone(BaseModel):
    """A Plan for Change milestone; target, unit and deadline only where the source gives them."""

    id: str | None = Field(examples=["M3"])
    iri: str
    label: str | None = Field(examples=["Ending hospital backlogs"])
    target: float | None = Field(examples=[92])
    unit: str | None = Field(examples=["percent"])
    deadline: str | None = Field(description="A date or a year.", examples=["2030"])
    description: str | None = None


class YearFigures(BaseModel):
    """Processes advancing the mission first published in one year, and their GBP values."""

    year: int = Field(examples=[2020])
    processes: int = Field(examples=[276])
    awarded_value_gbp: float = Field(examples=[148655651.7])
    tender_value_gbp: float = Field(examples=[238808990.0])


class MissionDetail(MissionSummary):
    """A mission with its outcome areas, milestones and aligned processes by year."""

    outcomes: list[OutcomeArea]
    milestones: list[Milestone]
    by_year: list[YearFigures]


class AlignedContract(BaseModel):
    """A process in a mission's ranked list."""

    ocid: str = Field(examples=[_OCID])
    title: str | None = Field(examples=["Digital & Data Partner"])
    score: float = Field(description="Best alignment score of the process for this mission, 0 to 1.", examples=[0.82])
    advances: bool = Field(description="Whether the score is above the mission's threshold (mkg:advances).")
    outcome: str | None = Field(examples=["mental-health"])
    buyer: str | None = Field(examples=["https://w3id.org/missionkg/id/org/GB-GOR/EA39"])
    buyer_name: str | None = Field(examples=["The Planning Inspectorate"])
    published: str | None = Field(examples=["2025-01-23T15:15:55Z"])
    value: float | None = Field(description="Tender value as published.", examples=[60000000.0])
    currency: str | None = Field(examples=["GBP"])


class ContractPage(BaseModel):
    """One page of a ranked list and the total it was cut from."""

    items: list[AlignedContract]
    total: int = Field(examples=[748])
    limit: int = Field(examples=[20])
    offset: int = Field(examples=[0])


class Money(BaseModel):
    """An amount in a currency, as published."""

    amount: float = Field(examples=[60000000.0])
    currency: str | None = Field(examples=["GBP"])


class Period(BaseModel):
    """ISO 8601 start and end, the latest end with every extension, and the maximum length in months."""

    start: str | None = Field(examples=["2025-01-13T00:00:00Z"])
    end: str | None = Field(examples=["2029-01-12T23:59:59Z"])
    max_extent: str | None = Field(None, examples=["2031-01-12T23:59:59Z"])
    duration_in_months: int | None = Field(None, examples=[48])


class OrganisationRef(BaseModel):
    """An organisation as a notice names it."""

    iri: str = Field(examples=[_ORG])
    name: str | None = Field(examples=["Solirius Ltd"])
    sme: bool | None = None


class Classification(BaseModel):
    """A CPV code of the process: of its tender, a lot, an item or an award's item; `main` marks the tender's main
    code (each lot's and item's when the tender states none)."""

    code: str = Field(examples=["72000000"])
    label: str | None = Field(examples=["IT services: consulting, software development, Internet and support"])
    main: bool


class Lot(BaseModel):
    """A lot of the tender; `tenderers`: how many tenderers bid for it, when stated."""

    id: str
    title: str | None
    status: str | None
    value: Money | None
    tenderers: int | None = None


class Award(BaseModel):
    """An award with its suppliers."""

    id: str
    title: str | None
    status: str | None
    date: str | None
    value: Money | None
    contract_period: Period | None
    suppliers: list[OrganisationRef]


class ReleaseRef(BaseModel):
    """A release compiled into the process and where it was read."""

    id: str
    date: str | None
    tags: list[str] = Field(examples=[["award"]])
    source: str | None = Field(description="The file's name (the server's folders stay private).", examples=["notices.jsonl.gz"])
    line: int | None

    @field_validator("source")
    @classmethod
    def _file_name(cls, value: str | None) -> str | None:
        return PurePath(value).name if value else value


class AlignmentView(BaseModel):
    """Why the process is tied to a mission."""

    mission: str = Field(examples=["health"])
    mission_label: str | None
    outcome: str | None
    outcome_label: str | None
    score: float | None = Field(examples=[0.82])
    method: str | None
    evidence: str | None = Field(description="Matched phrases, CPV codes and the passage that scored highest.")
    advances: bool
    generated_by: str | None = Field(description="The alignment run (prov:wasGeneratedBy).")


class CommitmentView(BaseModel):
    """A social-value commitment found in the notice."""

    text: str | None = Field(examples=["Apprenticeships for local young people"])
    theme: str | None
    theme_label: str | None
    weight: float | None = Field(examples=[10.0])


class ContractDetail(BaseModel):
    """The compiled view of one contracting process."""

    ocid: str = Field(examples=[_OCID])
    iri: str
    title: str | None = Field(examples=["Digital & Data Partner"])
    description: str | None
    status: str | None = Field(examples=["complete"])
    procurement_method: str | None = Field(examples=["selective"])
    main_procurement_category: str | None = Field(examples=["services"])
    published: str | None
    last_updated: str | None
    country: str | None = Field(examples=["GB"])
    buyer: OrganisationRef | None
    value: Money | None
    submission_deadline: str | None
    tender_period: Period | None
    contract_period: Period | None
    suitable_for_sme: bool | None
    suitable_for_vcse: bool | None
    number_of_tenderers: int | None = Field(None, description="How many tenderers bid, when stated (see each lot's `tenderers` too).")
    classifications: list[Classification]
    lots: list[Lot]
    awards: list[Award]
    suppliers: list[OrganisationRef]
    releases: list[ReleaseRef]
    missions: list[str] = Field(description="Missions the process advances.", examples=[["health"]])
    alignments: list[AlignmentView]
    commitments: list[CommitmentView]


class _Open(BaseModel):
    """Profiles come from kg.suppliers, which may add fields: they are passed through."""

    model_config = ConfigDict(extra="allow")


class SupplierHit(_Open):
    """An organisation matching a name or identifier search."""

    id: str = Field(description="The id to use in /suppliers/{id} and /buyers/{id}.", examples=["GB-COH/06279757"])
    iri: str = Field(examples=[_ORG])
    name: str | None = Field(examples=["Solirius Ltd"])
    score: float = Field(examples=[1.0])


class SupplierHits(BaseModel):
    """Search results, best first."""

    query: str = Field(examples=["solirius"])
    results: list[SupplierHit]


class OrganisationProfile(_Open):
    """Identity facts shared by supplier and buyer profiles."""

    id: str = Field(examples=["GB-COH/06279757"])
    iri: str = Field(examples=[_ORG])
    members: list[str] = Field(description="Every IRI linked to this organisation.")
    names: list[dict[str, Any]] = Field(examples=[[{"name": "Solirius Ltd", "notices": 3}]])
    identifiers: list[dict[str, Any]] = Field(examples=[[{"scheme": "GB-COH", "id": "06279757"}]])
    sme: bool | None = None
    vcse: bool | None = None
    cpv: list[dict[str, Any]] = Field(default_factory=list)
    missions: list[dict[str, Any]] = Field(default_factory=list)


class SupplierProfile(OrganisationProfile):
    """What a supplier won: awards, totals, buyers, CPV mix, missions."""

    awards: list[dict[str, Any]] = Field(default_factory=list)
    awards_truncated: bool = Field(False, description="The award list was cut at the row cap (the counts and totals were not).")
    award_count: int = 0
    total_value: dict[str, float] = Field(default_factory=dict, examples=[{"GBP": 60000000.0}],
                                          description="Full value of every award it shares, per currency (a framework's whole value).")
    sole_supplier_value: dict[str, float] = Field(default_factory=dict, description="Value of the awards it won alone, per currency.")
    buyers: list[dict[str, Any]] = Field(default_factory=list)
    commitments: dict[str, Any] = Field(default_factory=dict, description="Social-value commitments of the processes it won: count, by theme, examples.")


class BuyerProfile(OrganisationProfile):
    """What a buyer bought: processes, awards, suppliers and their SME share, CPV mix, missions."""

    process_count: int = 0
    award_count: int = 0
    awarded_value: dict[str, float] = Field(default_factory=dict)
    suppliers: list[dict[str, Any]] = Field(default_factory=list)
    suppliers_truncated: bool = Field(False, description="The supplier list was cut at the row cap.")
    sme_award_share: float | None = Field(None, description="Share of its awards' suppliers whose notice states them SMEs, among those stating it.")


class QueryParameter(BaseModel):
    """A parameter of a named query."""

    name: str = Field(examples=["mission"])
    kind: str = Field(description="mission, integer or string.", examples=["mission"])
    required: bool
    description: str


class QueryInfo(BaseModel):
    """A named analyst query from ontology/queries."""

    name: str = Field(examples=["spend-per-mission-per-year"])
    title: str = Field(examples=["Spend per mission per year"])
    description: str
    parameters: list[QueryParameter]
    sparql: str = Field(description="The query text, runnable as it is at /sparql.")


class QueryResult(BaseModel):
    """The rows of a named query, capped by `limit`."""

    name: str = Field(examples=["spend-per-mission-per-year"])
    parameters: dict[str, str] = Field(examples=[{"mission": "health"}])
    variables: list[str] = Field(examples=[["mission", "missionId", "year", "currency", "processes", "awards", "value"]])
    rows: list[dict[str, Any]] = Field(
        examples=[[{"mission": _MISSION, "missionId": "health", "year": 2020, "currency": "GBP", "processes": 25, "awards": 25, "value": 719291546.0}]]
    )
    truncated: bool = Field(description="True when more rows exist than `limit`.")

"""/api/v1/search, /api/v1/contracts/{ocid}/similar and /api/v1/suppliers/{id}/opportunities over kg.search.

The app keeps one read-only SearchIndex (FAISS, BM25 and the metadata columns in memory) and opens a new
one when a build has committed a newer generation; requests already running keep the one they started with.
It also keeps one QueryEncoder for query texts, so the model is loaded once per process, not once per index,
concurrent queries are embedded together, and recent ones are remembered (kg.query_encoder).
Routes are plain ``def``: FastAPI runs them in its thread pool, so FAISS and the model never block the loop.
The app includes this router before the organisations one, whose ``/suppliers/{org_id:path}`` would
otherwise take ``/suppliers/{id}/opportunities``.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.models import problem_responses
from api.routers.organisations import _reference
from api.state import get_settings, get_store
from kg.errors import MissionKGError
from kg.search import SearchFilters, SearchIndex, opportunity_report, search, similar
from kg.settings import Settings
from kg.store import GraphStore

if TYPE_CHECKING:
    from kg.query_encoder import QueryEncoder

router = APIRouter(prefix="/api/v1", tags=["search"])
log = logging.getLogger("missionkg.api")
_OCID = "ocds-b5fd17-3cded792-703e-4049-9ec4-5d7bcd4790ff"


class Buyer(BaseModel):
    iri: str | None = None
    name: str | None = None


class Dates(BaseModel):
    published: str | None = Field(None, examples=["2025-01-23"])
    deadline: str | None = Field(None, description="Submission deadline.")
    awarded: str | None = Field(None, description="First award naming a supplier.")


class MissionScore(BaseModel):
    mission: str = Field(examples=["health"])
    score: float = Field(examples=[0.91])
    advances: bool = Field(description="Whether the alignment stage decided the process advances the mission.")


class Hit(BaseModel):
    """One ranked process, with the scores behind its rank."""

    model_config = ConfigDict(extra="allow")
    ocid: str = Field(examples=[_OCID])
    title: str | None = None
    buyer: Buyer
    value: float | None = None
    currency: str | None = None
    dates: Dates
    status: str = Field(description="open, awarded or closed at the request's as_of.", examples=["open"])
    tender_status: str | None = None
    missions: list[MissionScore]
    primary_mission: str | None = None
    cpv: list[str]
    regions: list[str]
    sme: bool = Field(description="The tender is marked suitable for SMEs.")
    vcse: bool = Field(description="The tender is marked suitable for VCSEs.")
    suppliers: list[str]
    snippet: str = Field(description="The passage with the most query terms, as HTML: the text escaped, matches wrapped in <mark>.")
    score: float
    scores: dict[str, float | int | None] = Field(description="dense, keyword, fused and ranks (search); similarity, mission_fit (opportunities).")


class SearchResults(BaseModel):
    query: str
    filters: dict[str, Any]
    candidates: int = Field(description="Processes passing the filters, among which the results were ranked.")
    results: list[Hit]
    took_ms: float


class SimilarResults(BaseModel):
    ocid: str
    title: str | None
    filters: dict[str, Any]
    results: list[Hit]
    took_ms: float


class Opportunity(Hit):
    reason: str = Field(examples=["resembles your award 'Home to school transport' for Kent County Council (similarity 0.71)"])
    resembles: dict[str, Any] | None = None


class Opportunities(BaseModel):
    supplier: dict[str, Any]
    as_of: str
    awards_compared: int
    capability: str | None
    filters: dict[str, Any]
    results: list[Opportunity]
    took_ms: float


_index_lock = threading.Lock()
_encoder_lock = threading.Lock()


def open_index(state: Any, settings: Settings) -> SearchIndex:
    """The app's read-only search index, reopened when a build has committed a newer one."""
    with _index_lock:
        current: SearchIndex | None = getattr(state, "search_index", None)
        if current is None or current.current_generation() != current.generation:
            state.search_index = SearchIndex(settings, query_encoder=query_encoder(state, settings))
        return state.search_index  # type: ignore[no-any-return]


def query_encoder(state: Any, settings: Settings) -> QueryEncoder:
    """The app's encoder for query texts: one per app, so the model is loaded once and outlives index reloads."""
    with _encoder_lock:
        if getattr(state, "query_encoder", None) is None:
            from kg.embeddings import Embedder
            from kg.query_encoder import QueryEncoder

            state.query_encoder = QueryEncoder(Embedder(settings))
        return state.query_encoder  # type: ignore[no-any-return]


def warm(app: FastAPI) -> None:
    """Open the search index and load the query model now, so the first search does not wait seconds for them."""
    settings: Settings = app.state.settings
    try:
        open_index(app.state, settings)
        query_encoder(app.state, settings).load()
    except MissionKGError as exc:  # no index yet, or no model: the search routes say so when asked
        log.warning("search not warmed up: %s", exc)


def get_index(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> SearchIndex:
    """FastAPI dependency: the app's current search index."""
    return open_index(request.app.state, settings)


Index = Annotated[SearchIndex, Depends(get_index)]
Store = Annotated[GraphStore, Depends(get_store)]
Limit = Annotated[int, Query(ge=1, le=100, description="Most results.")]
Status = Annotated[Literal["open", "awarded", "closed"] | None, Query(description="open, awarded or closed at as_of.")]
Mission = Annotated[Literal["growth", "clean-energy", "safer-streets", "opportunity", "health"] | None, Query(description="Only processes advancing this mission.")]
AsOf = Annotated[str | None, Query(description="Day open/awarded/closed is judged at (YYYY-MM-DD); default today.")]


@router.get("/search", summary="Hybrid search with filters", response_model=SearchResults, responses=problem_responses(404, 422, 503))
def search_route(
    index: Index, store: Store, settings: Annotated[Settings, Depends(get_settings)],
    q: Annotated[str, Query(max_length=500, description="Free text; empty lists the filtered processes.")] = "",
    mission: Mission = None,
    min_score: Annotated[float | None, Query(ge=0, le=1, description="With mission: least alignment score.")] = None,
    outcome: Annotated[str | None, Query(description="Outcome area slug, e.g. mental-health.")] = None,
    cpv: Annotated[list[str] | None, Query(description="CPV code prefixes (any).")] = None,
    buyer: Annotated[str | None, Query(description="Text in the buyer's name, or its identifier / IRI.")] = None,
    supplier: Annotated[str | None, Query(description="Text in a supplier's name, or its identifier / IRI.")] = None,
    min_value: float | None = None, max_value: float | None = None,
    published_from: str | None = None, published_to: str | None = None,
    deadline_from: str | None = None, deadline_to: str | None = None,
    awarded_from: str | None = None, awarded_to: str | None = None,
    status: Status = None,
    as_of: AsOf = None,
    region: Annotated[str | None, Query(description="Text in a delivery region (Wales, UKL18).")] = None,
    sme: bool = False, vcse: bool = False, limit: Limit = 10,
) -> dict[str, Any]:
    """Processes ranked by meaning (MiniLM + FAISS) and keywords (BM25), scores fused, within the filters."""
    values = dict(locals())
    filters = SearchFilters.from_mapping({k: v for k, v in values.items() if k not in ("index", "store", "settings", "q", "limit")}
                                         | {"cpv": tuple(cpv or ())})
    return search(settings, q, filters, limit=limit, store=store, index=index)


@router.get("/contracts/{ocid}/similar", summary="Similar contracting processes", response_model=SimilarResults,
            responses=problem_responses(404, 422, 503))
def similar_route(
    index: Index, settings: Annotated[Settings, Depends(get_settings)],
    ocid: Annotated[str, Path(description="The OCID.", examples=[_OCID])],
    status: Status = None,
    as_of: AsOf = None, limit: Limit = 10,
) -> dict[str, Any]:
    """Processes whose texts mean most nearly the same as this one's."""
    return similar(settings, ocid, limit=limit, filters=SearchFilters(status=status, as_of=as_of), index=index)


@router.get("/suppliers/{org_id:path}/opportunities", summary="Open tenders for a supplier", response_model=Opportunities,
            responses=problem_responses(404, 422, 503))
def opportunities_route(
    index: Index, store: Store, settings: Annotated[Settings, Depends(get_settings)],
    org_id: Annotated[str, Path(description="An organisation id (IRI tail), identifier such as GB-COH-06279757, or IRI.")],
    as_of: AsOf = None,
    capability: Annotated[str | None, Query(max_length=2000, description="What the supplier offers, in its own words.")] = None,
    region: str | None = None, min_value: float | None = None, max_value: float | None = None, limit: Limit = 10,
) -> dict[str, Any]:
    """Open tenders resembling the supplier's awards (and capability text), boosted by mission fit, each with a reason."""
    return opportunity_report(
        settings, _reference(org_id), as_of=as_of, capability=capability, limit=limit, region=region,
        min_value=min_value, max_value=max_value, store=store, index=index,
    )

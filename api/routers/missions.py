"""/api/v1/missions: the five missions, one mission in detail, and its processes ranked by alignment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from api.models import ContractPage, MissionDetail, MissionSummary, problem_responses
from api.state import get_store
from kg import missions
from kg.namespaces import MISSION_IDS
from kg.store import GraphStore

router = APIRouter(prefix="/api/v1/missions", tags=["missions"])
Store = Annotated[GraphStore, Depends(get_store)]
MissionId = Annotated[str, Path(description=f"One of {', '.join(MISSION_IDS)}.", examples=["health"])]


@router.get("", summary="The five missions", responses=problem_responses(503))
def list_missions(store: Store) -> list[MissionSummary]:
    """Each mission with its labels, outcome-area count, and the processes that advance it with their GBP awarded value."""
    return [MissionSummary.model_validate(m, from_attributes=True) for m in missions.list_missions(store)]


@router.get("/{mission_id}", summary="One mission in detail", responses=problem_responses(404, 503))
def mission_detail(mission_id: MissionId, store: Store) -> MissionDetail:
    """Outcome areas (with aligned process counts), milestones with targets, and aligned processes and value by year."""
    return MissionDetail.model_validate(missions.mission_detail(store, mission_id), from_attributes=True)


@router.get("/{mission_id}/contracts", summary="Processes aligned to a mission, best first", responses=problem_responses(404, 422, 503))
def mission_contracts(
    mission_id: MissionId,
    store: Store,
    min_score: Annotated[float, Query(ge=0, le=1, description="Lowest alignment score to include.")] = 0.0,
    outcome: Annotated[str | None, Query(description="Only alignments naming this outcome area (slug).", examples=["mental-health"])] = None,
    cpv: Annotated[str | None, Query(pattern=r"^\d{2,8}$", description="CPV code prefix of the tender (2 to 8 digits).", examples=["85"])] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100, description="Year the process was first published.")] = None,
    min_value: Annotated[float | None, Query(ge=0, le=1e15, description="Lowest tender value.")] = None,
    max_value: Annotated[float | None, Query(ge=0, le=1e15, description="Highest tender value.")] = None,
    limit: Annotated[int, Query(ge=1, le=missions.MAX_PAGE, description="Page size (at most 100).")] = 20,
    offset: Annotated[int, Query(ge=0, le=missions.MAX_OFFSET, description="Items to skip (at most 10,000).")] = 0,
    advances: Annotated[bool, Query(description="Only processes that advance the mission (at or above its threshold), as /missions counts them; "
                                                "by default every aligned process, ranked.")] = False,
) -> ContractPage:
    """Ranked by each process's best alignment score for the mission, then by OCID; paginated with a hard cap."""
    filters = missions.ContractFilters(min_score, outcome, cpv, year, min_value, max_value, advances)
    page = missions.mission_contracts(store, mission_id, filters, limit=limit, offset=offset)
    return ContractPage.model_validate(page, from_attributes=True)

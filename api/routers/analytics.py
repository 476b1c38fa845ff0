"""/api/v1/analytics: market concentration, SME/VCSE shares, supplier centrality and communities per scope."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from api.models import problem_responses
from api.state import get_store
from kg.store import GraphStore

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
Store = Annotated[GraphStore, Depends(get_store)]
GroupBy = Literal["mission", "outcome", "cpv", "buyer", "year"]


def scope_params(
    mission: Annotated[str | None, Query(description="Only processes advancing this mission.", examples=["health"])] = None,
    outcome: Annotated[str | None, Query(description="Only processes aligned to this outcome area, <mission>/<outcome>.")] = None,
    cpv: Annotated[str | None, Query(description="CPV code prefix, e.g. 4521.", pattern=r"^\d{1,8}$")] = None,
    region: Annotated[str | None, Query(description="Region slug prefix (ITL code or name).", max_length=100)] = None,
    date_from: Annotated[str | None, Query(alias="from", description="Awards on or after this day (YYYY-MM-DD).")] = None,
    date_to: Annotated[str | None, Query(alias="to", description="Awards on or before this day (YYYY-MM-DD).")] = None,
) -> Any:
    """The analytics scope from query parameters; a malformed value is a 422 naming the parameter."""
    from kg.analytics import Scope
    from kg.analytics.scope import parse_day

    return Scope(mission=mission, outcome=outcome, cpv=cpv, region=region,
                 date_from=parse_day(date_from, "from"), date_to=parse_day(date_to, "to"))


ScopeParam = Annotated[Any, Depends(scope_params)]


@router.get("/concentration", summary="Market concentration (HHI, top-5 share)", responses=problem_responses(422, 503))
def concentration(
    store: Store, scope: ScopeParam, group_by: GroupBy | None = None, basis: Literal["value", "count"] = "value"
) -> list[dict[str, Any]]:
    """HHI, top-5 and leader share, distinct suppliers, new entrants and repeat pairs, per group."""
    from kg.analytics import concentration as run
    from kg.analytics import load_market

    return run(load_market(store, scope), group_by, basis)


@router.get("/sme-share", summary="SME and VCSE share by count and value", responses=problem_responses(422, 503))
def sme_share(store: Store, scope: ScopeParam, group_by: GroupBy | None = None) -> list[dict[str, Any]]:
    """Share of awards and value going to SMEs and VCSEs, per group."""
    from kg.analytics import load_market
    from kg.analytics import sme_share as run

    return run(load_market(store, scope), group_by)


@router.get("/suppliers", summary="Suppliers by value, awards and centrality", responses=problem_responses(422, 503))
def suppliers(
    store: Store, scope: ScopeParam, top: Annotated[int, Query(ge=1, le=200)] = 20,
    sort: Literal["value", "awards", "buyers", "betweenness"] = "value",
) -> list[dict[str, Any]]:
    """Top suppliers with awards, value, buyers (degree) and betweenness on the buyer–supplier graph."""
    from kg.analytics import load_market
    from kg.analytics import suppliers as run

    return run(load_market(store, scope), top=top, sort=sort)


@router.get("/communities", summary="Louvain communities of buyers and suppliers", responses=problem_responses(422, 503))
def communities(store: Store, scope: ScopeParam, top: Annotated[int, Query(ge=1, le=100)] = 10) -> list[dict[str, Any]]:
    """Communities of the buyer–supplier graph with their dominant CPV division and missions."""
    from kg.analytics import communities as run
    from kg.analytics import load_market

    return run(load_market(store, scope), top=top)

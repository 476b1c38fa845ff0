"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.models import Health, Ready, problem_responses
from kg.stats import graph_stats

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness")
def healthz() -> Health:
    """The process is up; touches nothing."""
    return Health(status="ok")


@router.get("/readyz", summary="Readiness", responses=problem_responses(503))
def readyz(request: Request) -> Ready:
    """The store opens and can be queried: 503 (problem+json) with the reason when it cannot."""
    settings = request.app.state.settings
    figures = graph_stats(request.app.state.holder.get())
    return Ready(status="ready", store=settings.store_url or "embedded", processes=figures["processes"], missions=figures["missions"])

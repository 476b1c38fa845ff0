"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.models import Health, Ready, problem_responses
from kg.stats import graph_stats

router = APIRouter(tags=["health"])


@router.head("/healthz", include_in_schema=False)  # load balancers probe with HEAD
@router.get("/healthz", summary="Liveness")
def healthz() -> Health:
    """The process is up; touches nothing."""
    return Health(status="ok")


@router.head("/readyz", include_in_schema=False)
@router.get("/readyz", summary="Readiness", responses=problem_responses(503))
def readyz(request: Request) -> Ready:
    """The store opens and can be queried: 503 (problem+json) with the reason when it cannot."""
    settings, store = request.app.state.settings, request.app.state.holder.get()
    # Counting is a scan of the store: done once per store snapshot (the holder reopens a changed store), as
    # probes come every few seconds; the ASK still proves each time that the store answers.
    cached = getattr(request.app.state, "ready_figures", None)
    if cached is None or cached[0] is not store:
        figures = graph_stats(store)
        cached = request.app.state.ready_figures = (store, figures["processes"], figures["missions"])
    else:
        store.ask("ASK { ?s ?p ?o }")
    return Ready(status="ready", store=settings.store_url or "embedded", processes=cached[1], missions=cached[2])

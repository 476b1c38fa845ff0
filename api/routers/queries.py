"""/api/v1/queries: the named analyst queries of ontology/queries, listed and run with validated parameters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from api.models import QueryInfo, QueryParameter, QueryResult, problem_responses
from kg.namespaces import MISSION_IDS
from kg.queries import NamedQuery, named_queries, named_query, run_named
from kg.store import Rows

router = APIRouter(prefix="/api/v1/queries", tags=["queries"])


def _info(query: NamedQuery) -> QueryInfo:
    params = [QueryParameter(name=p.name, kind=p.kind, required=p.required, description=p.description) for p in query.parameters]
    return QueryInfo(name=query.name, title=query.title, description=query.description, parameters=params, sparql=query.text)


def parameters_openapi() -> dict[str, Any]:
    """OpenAPI entries for every parameter any named query takes (each query checks its own)."""
    seen: dict[str, dict[str, Any]] = {}
    for query in named_queries().values():
        for p in query.parameters:
            schema: dict[str, Any] = {"type": "integer"} if p.kind == "integer" else {"type": "string"}
            if p.kind == "mission":
                schema["enum"] = list(MISSION_IDS)
            seen.setdefault(p.name, {"name": p.name, "in": "query", "required": False, "schema": schema, "description": p.description})
    return {"parameters": list(seen.values())}


@router.get("", summary="Named analyst queries")
def list_queries() -> list[QueryInfo]:
    """Every named query with its description, parameters and SPARQL text."""
    return [_info(q) for q in named_queries().values()]


@router.get("/{name}", summary="Run a named query", responses=problem_responses(400, 404, 422, 503), openapi_extra=parameters_openapi())
def run_query(
    request: Request,
    name: Annotated[str, Path(description="A query name from /api/v1/queries.", examples=["spend-per-mission-per-year"])],
    limit: Annotated[int, Query(ge=1, le=100_000, description="Most rows to return (also capped by the service's row cap).")] = 1000,
) -> QueryResult:
    """Rows of the named query; parameters are the query's own (see its entry in /api/v1/queries), validated first."""
    settings = request.app.state.settings
    params = {k: v for k, v in request.query_params.items() if k != "limit"}
    named_query(name).bind(params)  # unknown query (404) or bad parameters (422) answered here, before a worker is used
    timeout_s = settings.query_timeout_s
    rows: Rows = request.app.state.pool.call(run_named, name, params, min(limit, settings.max_rows), timeout_s, timeout_s=timeout_s)
    return QueryResult(name=name, parameters=params, variables=rows.variables, rows=rows.rows, truncated=rows.truncated)

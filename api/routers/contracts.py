"""/api/v1/contracts/{ocid}: one contracting process, compiled."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from api.models import ContractDetail, problem_responses
from api.state import get_store
from kg.contracts import contract_detail
from kg.store import GraphStore

router = APIRouter(prefix="/api/v1/contracts", tags=["contracts"])


@router.get("/{ocid}", summary="One contracting process", response_model=ContractDetail, responses=problem_responses(404, 503))
def contract(
    ocid: Annotated[str, Path(description="The OCID.", examples=["ocds-b5fd17-3cded792-703e-4049-9ec4-5d7bcd4790ff"])],
    store: Annotated[GraphStore, Depends(get_store)],
) -> Response:
    """Tender, lots, awards, buyer, suppliers, values, release history, alignments with evidence, social-value commitments."""
    # Validated once and serialised by pydantic-core: the hottest route skips FastAPI's second validation pass.
    detail = ContractDetail.model_validate(contract_detail(store, ocid), from_attributes=True)
    return Response(detail.model_dump_json(), media_type="application/json")

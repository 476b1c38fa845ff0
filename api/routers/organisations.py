"""/api/v1/suppliers and /api/v1/buyers: find organisations, and profile one as supplier or buyer.

An organisation's `id` is its IRI after `.../id/org/`, such as `GB-COH/06279757` or `name/acme`; the
routes also take an identifier written as `GB-COH-06279757` or a whole IRI (URL-encoded).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pyoxigraph import NamedNode

from api.models import BuyerProfile, SupplierHit, SupplierHits, SupplierProfile, problem_responses
from api.state import get_store
from kg import suppliers
from kg.errors import NotFound
from kg.namespaces import ID
from kg.store import GraphStore

router = APIRouter(prefix="/api/v1", tags=["organisations"])
Store = Annotated[GraphStore, Depends(get_store)]
OrgId = Annotated[str, Path(description="An organisation id (IRI tail), identifier such as GB-COH-06279757, or IRI.", examples=["GB-COH/06279757"])]
_ORG = ID + "org/"


def _reference(org_id: str) -> str:
    """What kg.suppliers resolves: a full IRI for an id or IRI, the text itself for an identifier."""
    text = org_id if org_id.startswith(("http://", "https://")) or "/" not in org_id else _ORG + org_id
    if text.startswith(("http://", "https://")):
        try:
            NamedNode(text)
        except ValueError:
            raise NotFound(f"no organisation {org_id!r}: it is neither an id, an identifier nor an IRI") from None
    return text


def _with_id(found: dict[str, Any]) -> dict[str, Any]:
    iri = str(found.get("iri", ""))
    return {**found, "id": iri.removeprefix(_ORG)}


@router.get("/suppliers", summary="Find suppliers by name or identifier", responses=problem_responses(422, 503))
def find_suppliers(
    store: Store,
    q: Annotated[str, Query(min_length=1, max_length=200, description="A name (fuzzy) or an identifier such as GB-COH-06279757.")],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> SupplierHits:
    """Suppliers best matching `q`, one per real organisation when identity linking has run."""
    return SupplierHits(query=q, results=[SupplierHit.model_validate(_with_id(h)) for h in suppliers.find_suppliers(store, q, limit)])


@router.get("/suppliers/{org_id:path}", summary="A supplier's profile", responses=problem_responses(404, 503))
def supplier_profile(org_id: OrgId, store: Store) -> SupplierProfile:
    """Awards won (with buyer, value, date), totals, buyers, CPV mix and missions served."""
    return SupplierProfile.model_validate(_with_id(suppliers.supplier_profile(store, _reference(org_id))))


@router.get("/buyers/{org_id:path}", summary="A buyer's profile", responses=problem_responses(404, 503))
def buyer_profile(org_id: OrgId, store: Store) -> BuyerProfile:
    """Processes, awards and their value, suppliers with SME share, CPV mix and missions."""
    return BuyerProfile.model_validate(_with_id(suppliers.buyer_profile(store, _reference(org_id))))
